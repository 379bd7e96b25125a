"""A run as ``kftest run`` saved it, read back for ``kftest report``: a local directory (the
``--output-dir``, ``$ARTIFACTS``, or a downloaded build dir), one workflow YAML file, or a
``gs://`` build directory (or one object in it).

What is read: ``<workflow>.yaml`` (the final objects), ``started.json`` and ``finished.json``
(the verdict, each workflow's phase and UI link, the commit), ``kftest-debug.json`` (the
failed pods' log tails and events, read while the pods existed) and every junit file. The job and
build come from the build directory's path in Prow's layout (``pr-logs/pull/<org>_<repo>/<pr>/
<job>/<build>``, ``logs/<job>/<build>``) or Prow's ``prowjob.json``, the commit and PR from
started.json. Reading is
bounded: at most ``MAX_FILES`` files of at most ``MAX_BYTES`` each.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.diagnostics import KftestError, UsageError
from compiler.lenient import collector_paused
from compiler.operate import sources
from compiler.operate.debug import ContainerState, EventInfo, PodInfo
from compiler.report import junit
from compiler.report.html import DEBUG_JSON
from compiler.report.job import JobInfo

DEBUG_NAME = DEBUG_JSON.split("/")[-1]
MAX_FILES = 500
MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 4
MAX_ENTRIES = 20_000
_PR_DIR = re.compile(
    r"pr-logs/pull/(?P<org_repo>[^/]+)/(?P<pr>[^/]+)/(?P<job>[^/]+)/(?P<build>[^/]+)"
)
_LOGS_DIR = re.compile(r"(?:^|/)logs/(?:(?P<org_repo>[^/]+_[^/]+)/)?(?P<job>[^/]+)/(?P<build>\d+)")


@dataclass
class SavedRun:
    workflows: list[dict[str, Any]]
    files: dict[str, bytes] = field(default_factory=dict)  # path in the build dir -> bytes
    job: JobInfo = field(default_factory=lambda: JobInfo(""))
    location: str = ""  # the build dir (gs://... or a directory)
    copies: dict[str, str] = field(default_factory=dict)  # workflow name -> its saved file

    def json(self, name: str) -> dict[str, Any]:
        try:
            with collector_paused():
                data = json.loads(self.files.get(name) or b"{}")
        except (ValueError, RecursionError):  # not JSON, or nested too deep for json
            return {}
        return data if isinstance(data, dict) else {}

    def _metadata(self, name: str) -> dict[str, Any]:
        meta = self.json(name).get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def metadata(self) -> dict[str, Any]:
        return self._metadata("finished.json")

    def verdicts(self) -> dict[str, str]:
        """Workflow name (or entry) -> the phase finished.json recorded."""
        return {
            key.removesuffix("-phase"): str(value)
            for key, value in self.metadata.items()
            if key.endswith("-phase") and isinstance(value, str)
        }

    def ui_urls(self) -> dict[str, str]:
        merged = {**self._metadata("started.json"), **self.metadata}
        return {
            key.removesuffix("-ui"): str(value)
            for key, value in merged.items()
            if key.endswith("-ui") and isinstance(value, str) and value
        }

    @property
    def result(self) -> str | None:
        result = self.json("finished.json").get("result")
        return str(result) if isinstance(result, str) else None

    def junit_files(self) -> list[tuple[str, bytes]]:
        return [(path, data) for path, data in self.files.items() if junit.is_junit(path)]

    def pods(self) -> dict[str, dict[str, PodInfo]]:
        """By workflow name, what the run read from the failed steps' pods (kftest-debug.json):
        log tails and events that are gone from the cluster since."""
        data = next(
            (data for path, data in self.files.items() if path.split("/")[-1] == DEBUG_NAME), None
        )
        try:
            with collector_paused():
                workflows = json.loads(data or b"{}").get("workflows")
        except (ValueError, RecursionError, AttributeError):
            return {}
        found: dict[str, dict[str, PodInfo]] = {}
        for workflow in _list(workflows):
            if not isinstance(workflow, dict):
                continue
            pods = {
                str(step.get("node_id")): _pod(step["pod"])
                for step in _list(workflow.get("failed"))
                if isinstance(step, dict) and isinstance(step.get("pod"), dict)
            }
            if pods:
                found[str(workflow.get("name"))] = pods
        return found

    def missing(self) -> dict[str, str]:
        """Entries finished.json names that have no workflow (invalid, not submitted)."""
        names = {str((wf.get("metadata") or {}).get("name")) for wf in self.workflows}
        return {label: phase for label, phase in self.verdicts().items() if label not in names}


def load(source: str, *, env: Mapping[str, str], timeout: float = 120.0) -> SavedRun:
    if source.startswith("gs://"):
        run = _load_gcs(source, env, timeout)
    else:
        path = Path(source)
        if path.is_dir():
            run = _load_dir(path)
        elif path.is_file():
            run = SavedRun(sources.read_file(source), location=str(path.parent))
            run.copies = {_name(wf): source for wf in run.workflows}
        else:
            raise UsageError(f"{source}: no such file or directory")
    run.job = job_of(run)
    if not run.workflows and not run.files:
        raise UsageError(
            f"{source}: no saved run there: expected <workflow>.yaml, finished.json or junit "
            "files (what kftest run writes to --output-dir, $ARTIFACTS and the bucket)"
        )
    return run


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _count(value: Any, default: int) -> int:
    """A count as ``kftest debug --format json`` wrote it; ``default`` for anything else."""
    return value if isinstance(value, int) and value > 0 else default


def _pod(data: dict[str, Any]) -> PodInfo:
    """A PodInfo from its JSON form (``kftest debug --format json``); a value of the wrong type
    (the file is a step's artifact: anything may be in it) reads as missing."""

    def text(value: Any) -> str | None:
        return str(value) if value is not None else None

    container = data.get("container")
    state = None
    if isinstance(container, dict):
        code = container.get("exit_code")
        state = ContainerState(
            exit_code=code if isinstance(code, int) else None,
            reason=text(container.get("reason")),
            message=text(container.get("message")),
            restarts=_count(container.get("restarts"), 0),
        )
    events = tuple(
        EventInfo(
            time=text(event.get("time")),
            type=str(event.get("type") or ""),
            reason=str(event.get("reason") or ""),
            message=str(event.get("message") or ""),
            count=_count(event.get("count"), 1),
        )
        for event in _list(data.get("events"))
        if isinstance(event, dict)
    )
    return PodInfo(
        name=str(data.get("name") or ""),
        found=bool(data.get("found")),
        phase=text(data.get("phase")),
        container=state,
        log_tail=tuple(str(line) for line in _list(data.get("log_tail"))),
        log_error=text(data.get("log_error")),
        events=events,
        events_error=text(data.get("events_error")),
    )


def _name(workflow: Mapping[str, Any]) -> str:
    return str((workflow.get("metadata") or {}).get("name") or "")


def _wanted(relative: str) -> bool:
    top = "/" not in relative
    return (
        (top and relative.endswith((".yaml", ".yml")))
        or relative in ("started.json", "finished.json", "prowjob.json")
        or relative.split("/")[-1] == DEBUG_NAME
        or junit.is_junit(relative)
    )


def _load_dir(root: Path) -> SavedRun:
    """The report files under ``root``, looking at most MAX_DEPTH levels down and at most
    MAX_ENTRIES names (so that ``kftest report /`` ends quickly instead of walking a disk)."""
    run = SavedRun([], location=str(root))
    count = seen = 0
    for directory, dirs, files in os.walk(root, onerror=lambda error: None):
        here = Path(directory)
        depth = len(here.relative_to(root).parts)
        dirs[:] = sorted(dirs) if depth < MAX_DEPTH else []
        seen += len(dirs) + len(files)
        if seen > MAX_ENTRIES:
            raise UsageError(f"{root}: too many files to be a build directory")
        for name in sorted(files):
            path = here / name
            relative = path.relative_to(root).as_posix()
            if not _wanted(relative):
                continue
            count += 1
            if count > MAX_FILES:
                raise UsageError(f"{root}: more than {MAX_FILES} report files; a build dir?")
            try:
                if path.is_file() and path.stat().st_size <= MAX_BYTES:
                    _add(run, relative, path.read_bytes(), str(path))
            except OSError:
                pass  # vanished or unreadable: not part of a report
    return run


def _add(run: SavedRun, relative: str, data: bytes, where: str) -> None:
    if "/" not in relative and relative.endswith((".yaml", ".yml")):
        try:
            workflows = sources.parse(data.decode("utf-8", errors="replace"), where)
        except KftestError:
            return  # another YAML file beside the report (not a workflow): not ours to judge
        run.workflows += workflows
        run.copies.update({_name(wf): where for wf in workflows})
    else:
        run.files[relative] = data


def _load_gcs(url: str, env: Mapping[str, str], timeout: float) -> SavedRun:
    from compiler.cluster.retry import policy_for
    from compiler.storage import GcsStorage, Refused, read_url

    policy = policy_for(timeout)
    if url.endswith((".yaml", ".yml", ".json")):
        text = read_url(url, policy=policy, env=env).decode("utf-8", errors="replace")
        run = SavedRun(sources.parse(text, url), location=url.rsplit("/", 1)[0])
        run.copies = {_name(wf): url for wf in run.workflows}
        return run
    bucket, _, prefix = url.removeprefix("gs://").partition("/")
    prefix = prefix.strip("/")
    if not bucket or not prefix:
        raise UsageError(f"{url}: expected gs://BUCKET/PATH/TO/BUILD_DIR")
    # Prow's buckets are public: without credentials, read anonymously.
    store = GcsStorage(bucket, env=env, policy=policy, anonymous_fallback=True)
    run = SavedRun([], location=f"gs://{bucket}/{prefix}")
    try:
        names = [name for name in store.list(prefix + "/") if _wanted(name[len(prefix) + 1 :])]
        if len(names) > MAX_FILES:
            raise UsageError(f"{url}: more than {MAX_FILES} report files; a build dir?")
        for name in names:
            data = store.read(name)
            if data is not None and len(data) <= MAX_BYTES:
                _add(run, name[len(prefix) + 1 :], data, f"gs://{bucket}/{name}")
    except Refused as exc:
        if exc.code in (401, 403):
            raise UsageError(f"{url}: access denied: {exc}") from None
        raise
    if not names:
        raise UsageError(f"{url}: nothing there (no <workflow>.yaml, finished.json or junit)")
    return run


def job_of(run: SavedRun) -> JobInfo:
    """The job, build, repository, PR and commit, from the build dir's path and started.json,
    else from the workflows' org/repo labels."""
    fields: dict[str, str] = {}
    found = _PR_DIR.search(run.location)
    if found:
        fields.update(job_type="presubmit", pull_number=found["pr"])
    else:
        found = _LOGS_DIR.search(run.location)
    if found:
        fields.update(job_name=found["job"], build_id=found["build"])
        if found["org_repo"]:
            org, _, repo = found["org_repo"].partition("_")
            fields.update(org=org, repo=repo)
    started = run.json("started.json")
    repos = started.get("repos")
    if isinstance(repos, dict) and len(repos) == 1:
        slug, sha = next(iter(repos.items()))
        org, _, repo = str(slug).partition("/")
        fields.update(org=org, repo=repo)
        if isinstance(sha, str):
            fields["pull_sha"] = sha
    pull = started.get("pull")
    if isinstance(pull, str) and "," in pull:
        # PULL_REFS: base:sha,<pr>:<sha>[,...]
        number, _, sha = pull.split(",")[1].partition(":")
        if number.isdigit():
            fields.setdefault("pull_number", number)
            fields.setdefault("pull_sha", sha)
    _from_prowjob(run.json("prowjob.json"), fields)
    for workflow in run.workflows:
        labels = (workflow.get("metadata") or {}).get("labels")
        if not isinstance(labels, dict):
            continue  # sources.parse checks the metadata, not its labels
        if not fields.get("org") and labels.get("org") and labels.get("repo"):
            fields.update(org=str(labels["org"]), repo=str(labels["repo"]))
    return JobInfo(job_type=fields.pop("job_type", ""), **fields)


def _from_prowjob(prowjob: Mapping[str, Any], fields: dict[str, str]) -> None:
    """What Prow's own prowjob.json (beside started.json in a Prow build dir) says."""
    spec, status = prowjob.get("spec"), prowjob.get("status")
    if not isinstance(spec, dict):
        return
    for key, value in (("job_type", spec.get("type")), ("job_name", spec.get("job"))):
        if isinstance(value, str) and value:
            fields.setdefault(key, value)
    if isinstance(status, dict) and isinstance(status.get("build_id"), str):
        fields.setdefault("build_id", status["build_id"])
    refs = spec.get("refs")
    if isinstance(refs, dict):
        for key, value in (("org", refs.get("org")), ("repo", refs.get("repo"))):
            if isinstance(value, str) and value:
                fields.setdefault(key, value)
        pulls = refs.get("pulls")
        if isinstance(pulls, list) and pulls and isinstance(pulls[0], dict):
            fields.setdefault("pull_number", str(pulls[0].get("number") or ""))
            fields.setdefault("pull_sha", str(pulls[0].get("sha") or ""))
        elif isinstance(refs.get("base_sha"), str):
            fields.setdefault("base_sha", refs["base_sha"])

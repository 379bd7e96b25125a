"""Write a run's report locally, into $ARTIFACTS, and to GCS, in the order Prow expects.

Every file is first written to the local output directory (the same relative layout as the
build directory in the bucket), then copied into ``$ARTIFACTS`` when Prow set it, then
uploaded and verified. ``finished.json`` goes last, since Prow's tools take it to mean the
build is over. If GCS stays unreachable, the remaining uploads are skipped (the local copies
remain) and ``storage_error`` says why; the caller exits with code 3.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from compiler import emit
from compiler.diagnostics import InfraError
from compiler.report import junit, metadata
from compiler.report.buildlog import Redactor
from compiler.report.job import JobInfo
from compiler.report.layout import GcsLayout
from compiler.report.outcome import WorkflowOutcome
from compiler.storage import Storage

if TYPE_CHECKING:  # mutation: equivalent — a type-only import; importing it too changes nothing
    from compiler.operate.debug import Summary

log = logging.getLogger("kftest.report")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".yaml": "text/yaml",
    ".txt": "text/plain",
}


@dataclass
class Verdict:
    passed: bool
    result: str  # SUCCESS, FAILURE, ABORTED
    junit_problems: int
    written: list[str]  # paths relative to the build directory


class Reporter:
    def __init__(
        self,
        job: JobInfo,
        *,
        output_dir: Path,
        storage: Storage | None = None,
        layout: GcsLayout | None = None,
        artifacts_dir: Path | None = None,
        redactor: Redactor | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.job = job
        self.output_dir = output_dir
        self.storage = storage if layout is not None else None
        self.layout = layout
        self.artifacts_dir = artifacts_dir
        self.redactor = redactor or Redactor()
        self.clock = clock
        self.storage_error: InfraError | None = None
        self.written: list[str] = []
        self.finished = False
        # The worker thread may still be writing started.json when the main thread finishes.
        self._lock = threading.RLock()
        output_dir.mkdir(parents=True, exist_ok=True)

    # -- the steps -----------------------------------------------------------------------

    def started(self, outcomes: Sequence[WorkflowOutcome]) -> None:
        with self._lock:
            if not self.finished:
                self.write("started.json", metadata.started_json(self.job, outcomes, self._now()))

    def finish(
        self,
        outcomes: Sequence[WorkflowOutcome],
        *,
        aborted: bool = False,
        failed: bool = False,
        build_log: Callable[[], str] = lambda: "",
        summaries: Mapping[str, Summary] | None = None,
    ) -> Verdict:
        """Everything after the wait. ``failed``: something outside the workflows went wrong
        (e.g. the cluster became unreachable), so the build cannot pass. ``summaries``: what
        ``kftest debug`` found about the failed workflows (with their pods' logs), by name."""
        with self._lock:
            self.finished = True
            return self._finish(outcomes, aborted, failed, build_log, summaries or {})

    def _finish(
        self,
        outcomes: Sequence[WorkflowOutcome],
        aborted: bool,
        failed: bool,
        build_log: Callable[[], str],
        summaries: Mapping[str, Summary],
    ) -> Verdict:
        junit_files = self._workflow_junit_files()
        problems = _junit_problems(junit_files)
        for outcome in outcomes:
            if outcome.object is not None and outcome.name:
                self.write(f"{outcome.name}.yaml", emit.dump(outcome.object).encode())
        names = _junit_names(outcomes)
        # mutation: equivalent — strict: names has one name per outcome by construction
        for outcome, name in zip(outcomes, names, strict=True):
            data = junit.render(outcome)
            self.write(f"artifacts/{name}", data)
            junit_files.append((f"artifacts/{name}", data))
        # Results that cannot be stored are not a pass either.
        failed = failed or self.storage_error is not None
        passed = not aborted and not failed and not problems and all(o.passed for o in outcomes)
        result = metadata.ABORTED if aborted else metadata.SUCCESS if passed else metadata.FAILURE
        for outcome in outcomes:
            log.info("%s (%s): %s", outcome.entry, outcome.label, outcome.verdict)
        log.info(
            "result: %s (%d workflow(s), %d junit failure(s) in the workflows' artifacts)",
            result,
            len(outcomes),
            problems,
        )
        self._html_report(outcomes, result, summaries, junit_files, aborted)
        self.write("build-log.txt", build_log().encode())
        self.write(
            "finished.json",
            metadata.finished_json(self.job, outcomes, result=result, timestamp=self._now()),
        )
        self._links()
        return Verdict(passed, result, problems, list(self.written))

    # -- writing -------------------------------------------------------------------------

    def write(self, relative: str, data: bytes) -> None:
        data = self.redactor.data(data)
        local = self.output_dir / relative
        os.makedirs(local.parent, exist_ok=True)
        local.write_bytes(data)
        if relative not in self.written:
            self.written.append(relative)
        if self.artifacts_dir is not None:
            self._copy_to_artifacts(relative, local)
        if self.layout is not None:
            self._upload(self.layout.object(relative), data, _content_type(relative))

    def _copy_to_artifacts(self, relative: str, local: Path) -> None:
        assert self.artifacts_dir is not None
        target = self.artifacts_dir / relative.removeprefix("artifacts/")
        try:
            if target.resolve() != local.resolve():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(local, target)
        except OSError as exc:
            log.error("could not copy %s into $ARTIFACTS: %s", relative, exc)

    def _upload(self, name: str, data: bytes, content_type: str) -> None:
        if self.storage is None or self.storage_error is not None:
            return
        try:
            self.storage.upload(name, data, content_type)
        except InfraError as exc:
            self.storage_error = exc
            log.error("GCS unreachable, skipping the remaining uploads: %s", exc)

    def _links(self) -> None:
        """The PR "symlink" and latest-build.txt files, outside the build directory."""
        layout = self.layout
        if layout is None or self.storage is None or self.storage_error is not None:
            return
        if layout.pr_link:
            self._upload(layout.pr_link, layout.gs().encode(), "text/plain")
        build = self.job.build
        for name in layout.latest_build:
            try:
                current = (self.storage.read(name) or b"").decode(errors="replace").strip()
            except InfraError as exc:
                self.storage_error = exc
                return
            if current.isdigit() and build.isdigit() and int(current) > int(build):
                log.info("%s names a newer build (%s); leaving it", name, current)
                continue
            self._upload(name, build.encode(), "text/plain")

    def _html_report(
        self,
        outcomes: Sequence[WorkflowOutcome],
        result: str,
        summaries: Mapping[str, Summary],
        junit_files: list[tuple[str, bytes]],
        aborted: bool,
    ) -> None:
        """artifacts/kftest-report.html and kftest-debug.json (compiler/report/html). A page
        that cannot be made is logged, never fatal: the rest of the report matters more."""
        from compiler.report import html

        try:
            files = html.run_files(
                self.job,
                outcomes,
                summaries=summaries,
                junit_files=junit_files,
                result=result,
                layout=self.layout,
                output_dir=self.output_dir,
                redact=self.redactor.text,
                # After SIGTERM the grace period is short: a drawing may not take long.
                dot_timeout=2.0 if aborted else 20.0,
            )
        except Exception as exc:  # a bug in the page must not cost the junit and finished.json
            log.error("could not make %s: %s: %s", html.ARTIFACT, type(exc).__name__, exc)
            return
        for relative, data in files:
            self.write(relative, data)

    # -- reading the workflows' own junit ------------------------------------------------------

    def _workflow_junit_files(self) -> list[tuple[str, bytes]]:
        """The junit files the workflows' exit handlers copied (path in the build dir, bytes)."""
        files: list[tuple[str, bytes]] = []
        if self.layout is not None and self.storage is not None and self.storage_error is None:
            prefix = self.layout.object("artifacts/")
            try:
                for name in self.storage.list(prefix):
                    relative = name.removeprefix(prefix)
                    if junit.is_junit(relative):
                        files.append((f"artifacts/{relative}", self.storage.read(name) or b""))
            except InfraError as exc:
                self.storage_error = exc
                log.error("GCS unreachable, cannot read the workflows' junit files: %s", exc)
        elif self.artifacts_dir is not None and self.artifacts_dir.is_dir():
            for path in sorted(self.artifacts_dir.rglob("*.xml")):
                relative = path.relative_to(self.artifacts_dir).as_posix()
                if junit.is_junit(relative):
                    files.append((f"artifacts/{relative}", path.read_bytes()))
        return files

    def _now(self) -> int:
        return int(self.clock())


def _junit_problems(files: Sequence[tuple[str, bytes]]) -> int:
    """failures + errors in ``files``, each problem file logged."""
    total = 0
    for name, data in files:
        counted = junit.count(data)
        total += counted.problems
        if counted.note:
            log.warning("%s: %s", name, counted.note)
        elif counted.problems:
            log.info("%s: %d failure(s) or error(s)", name, counted.problems)
    return total


def _content_type(relative: str) -> str:
    return CONTENT_TYPES.get(Path(relative).suffix, "application/octet-stream")


def _junit_names(outcomes: Sequence[WorkflowOutcome]) -> list[str]:
    """``junit_<entry>.xml``; when one entry produced several workflows, the workflow's name."""
    entries = [outcome.entry for outcome in outcomes]
    return [junit.file_name(o.entry if entries.count(o.entry) == 1 else o.label) for o in outcomes]

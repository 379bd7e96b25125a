"""Compile a ``tekton_run`` entry: the PipelineRun file, prepared as the seed system did.

seed-system.md §2.9, with kftest's usual guarantees added:

* The file (``tekton_run``, and ``tekton_teardown``) is found as ``app_dir`` is: under
  ``--repos-dir`` as ``<owner>/<repo>/<path>``, repo-relative, or with an ``<owner>/<repo>/``
  prefix naming this repository stripped. Only files inside the repository or ``--repos-dir``
  are read (symlinks resolved), at most ``MAX_BYTES``.
* It must hold one ``PipelineRun`` (``apiVersion`` ``tekton.dev/v1alpha1``, ``v1beta1`` or
  ``v1``) with ``metadata.generateName``.
* ``spec.params`` becomes, in this order: ``test-target-name`` (``kwargs.test_target_name``,
  default the entry's name), ``artifacts-gcs`` (the Prow GCS directory of the build),
  ``junit-path`` (``artifacts/junit_<generateName>``); then ``tekton_params`` (replacing a
  param of the same name, else appended); then the file's own params whose names are not
  taken yet.
* On presubmits and postsubmits, the git resource whose ``url`` param is
  ``https://github.com/<owner>/<repo>.git`` (the repository under test) gets the params
  ``url`` and ``revision`` = ``refs/pull/<PULL_NUMBER>/head`` (presubmit) or ``PULL_BASE_SHA``.
  The seed silently skipped a run without that resource, so its test ran on the wrong code or
  not at all; kftest reports it (``tekton-semantic``). ``tekton.dev/v1`` has no
  PipelineResources, so there is nothing to rewrite there. A teardown run gets the revision
  when it has such a resource, and is not required to.
* ``metadata.namespace`` stays, default ``kf-ci`` (the seed's Tekton namespace);
  ``metadata.name`` is kftest's workflow name (a DNS-1123 label of at most 63 characters,
  unique per build) instead of ``generateName``, so that the run can be watched, reported
  and found again; the labels ``org``, ``repo``, ``pr`` (presubmits) and ``workflow`` (the
  entry's name) are set to Prow's values.
* The teardown run (``tekton_teardown``, params ``tekton_teardown_params``) is prepared the
  same way, named ``<name>`` with ``-teardown`` before the unique suffix, and annotated
  ``kftest.kubeflow.org/teardown-for: <main run>``; ``kftest run`` starts it once the main
  run has finished, whatever its result.

Problems are diagnostics at the file's line: ``component-missing`` (the file does not
resolve, at the prow_config.yaml line), ``yaml-syntax``, ``tekton-schema`` (not a
PipelineRun, no generateName, an unknown apiVersion), ``tekton-semantic`` (the git resource of
the repository under test is missing).
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.diagnostics import Diagnostic, UsageError
from compiler.evaluate import layout
from compiler.evaluate.errors import COMPONENT_MISSING
from compiler.paths import relative_to_repo
from compiler.prow import PLACEHOLDERS, ProwEnv
from compiler.validate.tekton import (
    DEFAULT_NAMESPACE,
    GROUP,
    KIND,
    MAX_BYTES,
    SOURCE_ANNOTATION,
    TEARDOWN_ANNOTATION,
    TEARDOWN_FOR,
    TEKTON_SCHEMA,
    TEKTON_SEMANTIC,
    VERSIONS,
    api_version,
)
from compiler.yamlpos import Located, format_path, load

if TYPE_CHECKING:  # mutation: equivalent — the package is loaded before its modules
    from compiler.evaluate import EvalRequest, EvalResult


@dataclass
class _Loaded:
    located: Located | None = None
    source: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def evaluate_tekton(request: EvalRequest) -> EvalResult:
    from compiler.evaluate import EvalResult

    entry = request.entry
    env = request.prow_env
    documents: list[dict[str, Any]] = []
    diagnostics: list[Diagnostic] = []
    imports: set[str] = set()
    run_name = str(request.run_params.get("name") or "")
    teardown_name = request.teardown_name or f"{run_name}-teardown"
    test_target = entry.kwargs.get("test_target_name") if isinstance(entry.kwargs, dict) else None
    runs = [("tekton_run", entry.tekton_run, entry.tekton_params, run_name, False)]
    if entry.tekton_teardown:
        runs.append(
            (
                "tekton_teardown",
                entry.tekton_teardown,
                entry.tekton_teardown_params,
                teardown_name,
                True,
            )
        )
    params_seen: dict[str, Any] = {}
    first_source: str | None = None
    for key, path, extra, name, teardown in runs:
        loaded = _load(request, key, path or "")
        diagnostics += loaded.diagnostics
        if loaded.source:
            imports.add(loaded.source)
            first_source = first_source or loaded.source
        if loaded.located is None or loaded.source is None:
            continue
        document, problems = prepare(
            loaded.located,
            loaded.source,
            env,
            name=name,
            entry_name=entry.name,
            test_target_name=str(test_target or entry.name),
            extra_params=extra,
            bucket=str(request.run_params.get("bucket") or ""),
            gcs_style=request.gcs_layout,
            repo_root=request.repo_root,
            teardown_for=run_name if teardown else None,
            require_git=not teardown,
        )
        diagnostics += [d.with_workflow(entry.name) for d in problems]
        if document is not None:
            documents.append(document)
            if not teardown:
                params_seen = {
                    p["name"]: p.get("value")
                    for p in document["spec"].get("params", [])
                    if isinstance(p, dict)
                }
    if len(documents) == 2:
        documents[0]["metadata"].setdefault("annotations", {})[TEARDOWN_ANNOTATION] = teardown_name
    if any(d.is_error for d in diagnostics):
        documents = []  # half a pair must not run: the teardown belongs to its run
    return EvalResult(
        documents=documents,
        source=first_source,
        imports=frozenset(imports),
        params=params_seen,
        diagnostics=diagnostics,
    )


def _load(request: EvalRequest, key: str, path: str) -> _Loaded:
    entry = request.entry
    repo_root = request.repo_root.resolve()
    where = entry.where(key)
    candidates = layout.app_dir_candidates(path, repo_root, request.repos_dir, request.prow_env)
    roots = [repo_root] + ([request.repos_dir.resolve()] if request.repos_dir else [])
    found = None
    for candidate in candidates:
        real = Path(os.path.realpath(candidate))
        # Another repository's checkout that a <owner>/<repo>/... path names may be read too.
        other = layout.checkout_root(path, real, repo_root, request.repos_dir, request.prow_env)
        allowed = [*roots, other] if other is not None else roots
        if real.is_file() and any(real.is_relative_to(root) for root in allowed):
            found = real
            break
    if found is None:
        tried = ", ".join(layout.show(c, repo_root) for c in candidates)
        missing = layout.missing_checkout(path, repo_root, request.repos_dir, request.prow_env)
        if missing:
            tried += f"; {missing}"
        return _Loaded(
            diagnostics=[
                Diagnostic(
                    COMPONENT_MISSING.id,
                    f"`{key}` {path!r}: no such PipelineRun file inside the repository or "
                    f"--repos-dir (tried {tried})",
                    # mutation: equivalent[Or -> And] — where.file is set: the entries' file
                    file=where.file or request.config_file,
                    line=where.line,
                    column=where.column,
                    workflow=entry.name,
                    path=f"workflows[{entry.index}].{key}",
                )
            ]
        )
    source = relative_to_repo(found, repo_root)
    try:
        with open(found, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # mutation: equivalent[1 -> 2] — + 2: too large alike
    except OSError as exc:
        return _Loaded(
            source=source,
            diagnostics=[
                Diagnostic(
                    COMPONENT_MISSING.id,
                    f"cannot read: {exc.strerror or exc}",
                    file=source,
                    workflow=entry.name,
                )
            ],
        )
    if len(raw) > MAX_BYTES:
        message = f"the file is larger than {MAX_BYTES // 1024} KiB; is it really a PipelineRun?"
        return _Loaded(
            source=source,
            diagnostics=[Diagnostic(TEKTON_SCHEMA.id, message, file=source, workflow=entry.name)],
        )
    located, problems = load(raw, source)
    return _Loaded(located, source, [d.with_workflow(entry.name) for d in problems])


def prepare(
    located: Located,
    source: str,
    env: ProwEnv,
    *,
    name: str,
    entry_name: str,
    test_target_name: str,
    extra_params: list[tuple[str, Any]],
    bucket: str,
    gcs_style: str = "prow",
    repo_root: Path | None = None,
    teardown_for: str | None = None,
    require_git: bool = True,
) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """The PipelineRun of ``located`` prepared for this build, or the problems that stop it."""

    def problem(rule: str, message: str, path: tuple[str | int, ...] = ()) -> Diagnostic:
        point = located.where(path) if path else None
        while point is None and path:
            path = path[:-1]
            point = located.where(path) if path else None
        line, column = point if point else (1, 1)
        return Diagnostic(
            rule, message, file=source, line=line, column=column, path=format_path(path) or None
        )

    data = located.data
    if not isinstance(data, dict):
        return None, [problem(TEKTON_SCHEMA.id, "the file must hold one PipelineRun mapping")]
    problems: list[Diagnostic] = []
    kind = data.get("kind")
    if kind != KIND:
        problems.append(
            problem(TEKTON_SCHEMA.id, f"`kind` must be {KIND}, not {kind!r}", ("kind",))
        )
    if api_version(data) is None:
        known = ", ".join(f"{GROUP}/{v}" for v in VERSIONS)
        problems.append(
            problem(
                TEKTON_SCHEMA.id,
                f"`apiVersion` {data.get('apiVersion')!r} is not a Tekton API kftest knows "
                f"({known})",
                ("apiVersion",),
            )
        )
    metadata = data.get("metadata")
    generate = metadata.get("generateName") if isinstance(metadata, dict) else None
    if not isinstance(generate, str) or not generate:
        problems.append(
            problem(
                TEKTON_SCHEMA.id,
                "`metadata.generateName` is required (the seed named runs after it; kftest "
                "uses it for the junit-path param)",
                ("metadata",),
            )
        )
    spec = data.get("spec")
    if not isinstance(spec, dict):
        problems.append(problem(TEKTON_SCHEMA.id, "`spec` must be a mapping", ("spec",)))
    if problems:
        return None, problems
    # mutation: equivalent — for the type checker: the checks above return otherwise
    assert isinstance(metadata, dict) and isinstance(spec, dict) and isinstance(generate, str)
    document = copy.deepcopy(data)
    metadata, spec = document["metadata"], document["spec"]
    try:
        gcs_dir = artifacts_gcs(env, bucket, gcs_style)
    except UsageError as exc:
        return None, [problem(TEKTON_SEMANTIC.id, f"cannot set artifacts-gcs: {exc}", ("spec",))]
    spec["params"] = _params(
        spec.get("params"),
        [
            ("test-target-name", test_target_name),
            ("artifacts-gcs", gcs_dir),
            ("junit-path", f"artifacts/junit_{generate}"),
        ],
        extra_params,
    )
    if env.job_type in ("presubmit", "postsubmit") and api_version(data) != "v1":
        missing = _set_revision(spec, env, source, repo_root)
        if missing and require_git:
            problems.append(problem(TEKTON_SEMANTIC.id, missing, ("spec", "resources")))
    metadata.pop("generateName", None)
    metadata["name"] = name
    metadata["namespace"] = metadata.get("namespace") or DEFAULT_NAMESPACE
    labels = metadata.get("labels") if isinstance(metadata.get("labels"), dict) else {}
    metadata["labels"] = {**labels, **prow_labels(env, entry_name)}
    annotations = metadata.get("annotations")
    annotations = dict(annotations) if isinstance(annotations, dict) else {}
    annotations[SOURCE_ANNOTATION] = source
    if teardown_for:
        annotations[TEARDOWN_FOR] = teardown_for
    metadata["annotations"] = annotations
    return (None if any(p.is_error for p in problems) else document), problems


def artifacts_gcs(env: ProwEnv, bucket: str, style: str = "prow") -> str:
    """The Prow GCS directory of this build (the seed's ``get_gcs_dir``)."""
    from compiler.report.job import JobInfo
    from compiler.report.layout import gcs_layout

    return gcs_layout(JobInfo.from_env(env.values, env.job_type), bucket, style).gs()


def prow_labels(env: ProwEnv, entry_name: str) -> dict[str, str]:
    """The labels the ``labels`` rule asks for, with Prow's values (label-safe)."""
    labels = {
        "org": env.get("REPO_OWNER") or "notset",
        "repo": env.get("REPO_NAME") or "notset",
        "workflow": entry_name[:63].strip("-_.") or "notset",
    }
    if env.job_type == "presubmit":
        labels["pr"] = env.get("PULL_NUMBER") or "notset"
    return labels


def _params(
    file_params: Any, first: list[tuple[str, Any]], extra: list[tuple[str, Any]]
) -> list[dict[str, Any]]:
    values: dict[str, Any] = dict(first)
    for name, value in extra:
        values[name] = _param_value(value)
    for param in file_params if isinstance(file_params, list) else []:
        if isinstance(param, dict) and isinstance(param.get("name"), str):
            values.setdefault(param["name"], param.get("value"))
    return [{"name": name, "value": value} for name, value in values.items()]


def _param_value(value: Any) -> Any:
    """Tekton param values are strings (or arrays / objects of strings); YAML scalars from
    prow_config.yaml are written as YAML would print them (true, 10)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return [_param_value(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _param_value(v) for k, v in value.items()}
    return value


def pull_revision(env: ProwEnv) -> str:
    if env.get("PULL_NUMBER"):
        return f"refs/pull/{env.get('PULL_NUMBER')}/head"
    return env.get("PULL_BASE_SHA") or "master"


def _repos_under_test(env: ProwEnv, source: str, repo_root: Path | None) -> list[tuple[str, str]]:
    """(owner, repo) of the repository under test. Offline (placeholder REPO_OWNER/REPO_NAME),
    a clone at ``.../<owner>/<repo>`` and a seed path ``<owner>/<repo>/...`` name it too."""
    names = [(env.get("REPO_OWNER"), env.get("REPO_NAME"))]
    if names[0] == (PLACEHOLDERS["REPO_OWNER"], PLACEHOLDERS["REPO_NAME"]):
        if repo_root is not None:
            names.append((repo_root.parent.name, repo_root.name))
        parts = Path(source).parts
        if len(parts) > 2:
            names.append((parts[0], parts[1]))
    return names


def _set_revision(spec: dict[str, Any], env: ProwEnv, source: str, repo_root: Path | None) -> str:
    """Point the git resource of the repository under test at this build's revision; the
    reason when there is none ("" when done)."""
    repos = _repos_under_test(env, source, repo_root)
    urls = [f"https://github.com/{owner}/{repo}.git" for owner, repo in repos]
    for resource in spec.get("resources") or []:
        resource_spec = resource.get("resourceSpec") if isinstance(resource, dict) else None
        params = resource_spec.get("params") if isinstance(resource_spec, dict) else None
        if not isinstance(params, list):
            continue
        url = next(
            (
                p.get("value")
                for p in params
                if isinstance(p, dict) and p.get("name") == "url" and p.get("value") in urls
            ),
            None,
        )
        if url is not None:
            resource_spec["params"] = [
                {"name": "url", "value": url},
                {"name": "revision", "value": pull_revision(env)},
            ]
            return ""  # mutation: equivalent — (None: as false to its one caller)
    return (
        f"no git resource of the repository under test: a {env.job_type} must test its own "
        f"code, so `spec.resources` needs a `resourceSpec` with the param url = {urls[0]} "
        "(kftest sets its revision to the pull request's or commit's); the seed skipped "
        "this run silently"
    )

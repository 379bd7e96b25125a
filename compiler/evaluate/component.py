"""Evaluate one ``app_dir`` + ``component`` entry with a jsonnet backend (inside a worker)."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.diagnostics import Diagnostic
from compiler.evaluate import documents, errors, layout
from compiler.evaluate import params as params_mod
from compiler.evaluate.backend import Backend, JsonnetError
from compiler.evaluate.errors import COMPONENT_MISSING, IMPORT_DENIED, JSONNET_ERROR
from compiler.evaluate.sandbox import Importer
from compiler.paths import relative_to_repo

if TYPE_CHECKING:
    from compiler.evaluate import EvalRequest, EvalResult

#: Deeper output is no workflow, and later stages (validation, YAML) would recurse that deep.
MAX_DEPTH = 200


@dataclass
class Outcome:
    """A result, and whether the backend itself reported an error (worth a second opinion)."""

    result: EvalResult
    backend_error: bool = False  # mutation: equivalent — True only re-runs, with the same result


@dataclass
class _Run:
    request: EvalRequest
    repo_root: Path
    importer: Importer
    file: str  # the component, repo-relative
    diagnostics: list[Diagnostic] = field(default_factory=list)
    timestamps: bool = True  # mutation: equivalent — _evaluate sets it: creationTimestamp seen?

    def rel(self, path: str | Path) -> str:
        return _relative(str(path), self.repo_root)


def evaluate_component(request: EvalRequest, backend: Backend) -> Outcome:
    entry = request.entry
    repo_root = _resolved(request.repo_root)
    app_dir, component_name = entry.app_dir or "", entry.component or ""
    found = layout.find_component(
        app_dir, component_name, repo_root, request.repos_dir, request.prow_env
    )
    if isinstance(found, layout.NotFound):
        return Outcome(_empty([_at_entry(request, COMPONENT_MISSING.id, found)]))

    run = _new_run(request, found, repo_root)
    for path in filter(None, (found.file, found.params_file)):
        if not run.importer.allowed(str(path)):
            shown = _lexical(str(path), repo_root) or str(path)
            message = (
                f"{shown} resolves to {path.resolve()}, outside the repository and the library dirs"
            )
            denied = layout.NotFound("app_dir", message)
            return Outcome(_empty([_at_entry(request, IMPORT_DENIED.id, denied)]))

    ksonnet_params: dict[str, Any] = {}
    if found.params_file is not None:
        value, failed = _ksonnet_params(run, backend, found.params_file)
        if value is None or not isinstance(value, dict):
            if value is not None:
                run.diagnostics.append(
                    Diagnostic(
                        JSONNET_ERROR.id,
                        "params.libsonnet must evaluate to an object "
                        "({global: {...}, components: {<component>: {...}}})",
                        file=run.rel(found.params_file),
                    )
                )
            return Outcome(_finish(run, None), backend_error=failed)
        ksonnet_params = value
    defaults = (ksonnet_params.get("components") or {}).get(component_name) or {}
    if not isinstance(defaults, dict):
        defaults = {}
    merged = params_mod.merge(defaults, entry.params, request.run_params)
    tla_codes = params_mod.tla_codes(merged, request.argo_version)
    if params_mod.has_others(ksonnet_params, component_name):  # mutation: equivalent — fast path
        # The component's own params only (O(them), not O(every component)), valid as long as
        # no file it read can look at another component's: else evaluate again with them all.
        read = dict(run.importer.loaded)  # params.libsonnet and what it imports
        own = params_mod.own_ext_codes(component_name, merged, ksonnet_params, request.run_params)
        value, failed = _evaluate(run, backend, found.file, own, tla_codes)
        if params_mod.reads_only_own(run.importer.loaded, component_name):
            return Outcome(_finish(run, value, merged), backend_error=failed)
        run = _new_run(request, found, repo_root)
        run.importer.loaded.update(read)
    ext_codes = params_mod.ext_codes(component_name, merged, ksonnet_params, request.run_params)
    value, failed = _evaluate(run, backend, found.file, ext_codes, tla_codes)
    result = _finish(run, value, merged)
    return Outcome(result, backend_error=failed)


def _new_run(request: EvalRequest, found: layout.Component, repo_root: Path) -> _Run:
    roots = _allowed_roots(repo_root, request.repos_dir, request.jpath)
    if found.checkout is not None:  # another repository's checkout, beside the clone
        roots = [*roots, found.checkout]
    search = _search_path(found.app_dir, found.file.parent, repo_root, request.jpath)
    importer = Importer(
        roots,
        search,
        show=lambda path: _relative(path, repo_root),
        aliases=_package_aliases(found.app_dir),
    )
    return _Run(request, repo_root, importer, _relative(str(found.file), repo_root))


# Path resolution, memoized: a worker evaluates many components of the same apps, importing
# the same libraries. These run only in worker processes, which live for one run.
@functools.lru_cache(maxsize=256)  # mutation: equivalent — a cache size
def _resolved(path: Path) -> Path:
    return path.resolve()


@functools.lru_cache(maxsize=8192)  # mutation: equivalent — a cache size
def _relative(path: str, repo_root: Path) -> str:
    return relative_to_repo(path, repo_root)


@functools.lru_cache(maxsize=256)  # mutation: equivalent — a cache size
def _package_aliases(app_dir: Path) -> dict[str, Path]:
    return layout.package_aliases(app_dir)


@functools.lru_cache(maxsize=256)  # mutation: equivalent — a cache size
def _allowed_roots(repo_root: Path, repos_dir: Path | None, jpath: tuple[Path, ...]) -> list[Path]:
    return layout.allowed_roots(repo_root, repos_dir, jpath)


@functools.lru_cache(maxsize=1024)  # mutation: equivalent — a cache size
def _search_path(
    app_dir: Path, directory: Path, repo_root: Path, jpath: tuple[Path, ...]
) -> list[Path]:
    # Only the component's directory and app matter, not the file.
    return layout.search_path(layout.Component(app_dir, directory / "_", None), repo_root, jpath)


@dataclass(frozen=True)  # mutation: equivalent — nothing changes or hashes one
class _Evaluated:
    """params.libsonnet's value, as evaluated once per worker process."""

    loaded: dict[str, bytes]  # the file and what it imports, as the importer read them
    value: Any
    failed: bool
    diagnostics: tuple[Diagnostic, ...]


#: (backend, file, repository, search path, the file's identity) -> its value.
#: params.libsonnet holds every component's defaults (O(entries)): evaluating it once per
#: worker, not once per component, is what keeps the cost per entry constant.
_KSONNET_PARAMS: dict[tuple[Any, ...], _Evaluated] = {}
_KSONNET_PARAMS_KEPT = 64  # mutation: equivalent — apps per worker kept (memory bound)


def _ksonnet_params(run: _Run, backend: Backend, path: Path) -> tuple[Any, bool]:
    """The value of params.libsonnet (None on error, with its diagnostics), as ``_evaluate``."""
    try:
        stat = path.stat()
    except OSError:
        return _evaluate(run, backend, path, {}, {})  # mutation: equivalent — only a race
    identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    search = tuple(map(str, run.importer.search))  # where params.libsonnet's imports resolve
    key = (backend.name, str(path), str(run.repo_root), search, identity)
    cached = _KSONNET_PARAMS.get(key)
    if cached is None:
        before, read = len(run.diagnostics), set(run.importer.loaded)
        value, failed = _evaluate(run, backend, path, {}, {})
        loaded = {k: v for k, v in run.importer.loaded.items() if k not in read}
        if len(_KSONNET_PARAMS) >= _KSONNET_PARAMS_KEPT:  # mutation: equivalent — a bound
            _KSONNET_PARAMS.clear()  # mutation: equivalent — (the bound, as above)
        found = tuple(run.diagnostics[before:])
        _KSONNET_PARAMS[key] = _Evaluated(loaded, value, failed, found)
        return value, failed
    run.importer.loaded.update(cached.loaded)
    run.diagnostics.extend(cached.diagnostics)
    return cached.value, cached.failed


def _evaluate(
    run: _Run,
    backend: Backend,
    path: Path,
    ext_codes: dict[str, str],
    tla_codes: dict[str, str],
) -> tuple[Any, bool]:
    """The value of the file at ``path`` (None on error, with a diagnostic) and whether the
    failure came from the backend."""
    file = run.rel(path)
    try:
        content = run.importer.read_main(path)
    except OSError as exc:
        run.diagnostics.append(Diagnostic(JSONNET_ERROR.id, f"cannot read: {exc}", file=file))
        return None, False  # mutation: equivalent[False -> True] — the reference binding agrees
    if not content.strip():
        run.diagnostics.append(
            Diagnostic(JSONNET_ERROR.id, "the file is empty", file=file, line=1, column=1)
        )
        return None, False  # mutation: equivalent[False -> True] — the reference binding agrees
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        column = exc.start - (content.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not valid UTF-8 (byte 0x{content[exc.start]:02x}); jsonnet files must be UTF-8"
        run.diagnostics.append(
            Diagnostic(JSONNET_ERROR.id, message, file=file, line=line, column=column)
        )
        return None, False  # mutation: equivalent[False -> True] — the reference binding agrees
    if "\x00" in text:
        # The bindings disagree about NUL bytes (one stops reading, one refuses the text).
        at = text.index("\x00")
        line, column = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        message = "the file contains a NUL byte; jsonnet files must be text"
        run.diagnostics.append(
            Diagnostic(JSONNET_ERROR.id, message, file=file, line=line, column=column)
        )
        return None, False  # mutation: equivalent[False -> True] — the reference binding agrees
    try:
        output = backend.evaluate(
            str(path),
            text,
            import_callback=run.importer,
            ext_codes=ext_codes,
            tla_codes=tla_codes,
        )
    except JsonnetError as exc:
        run.diagnostics.extend(_error_diagnostics(run, str(exc), file))
        return None, not run.importer.denials
    run.timestamps = "creationTimestamp" in output
    try:
        value = json.loads(output)
        too_deep = _depth_exceeds(value, MAX_DEPTH)
    except RecursionError:
        too_deep = True
    if too_deep:
        message = f"the value is nested more than {MAX_DEPTH} levels deep; no workflow is"
        run.diagnostics.append(Diagnostic(JSONNET_ERROR.id, f"{message} that deep", file=file))
        return None, False
    if value is None:
        # None means "failed" to the callers: a null result needs its own diagnostic.
        params_file = path.name == "params.libsonnet"
        rule = JSONNET_ERROR.id if params_file else documents.RULE
        message = "evaluates to null; expected a Workflow, a list of Workflows or a v1 List"
        if params_file:
            message = "evaluates to null; expected {global: {...}, components: {...}}"
        run.diagnostics.append(Diagnostic(rule, message, file=file))
    return value, False  # mutation: equivalent[False -> True] — the reference binding agrees


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (without recursing: it may be deep).

    Level by level: the containers of one depth, then their children (one type test per
    value, and the copying done by ``list.extend``: this runs on every evaluation's output).
    """
    level = [value]
    depth = 1
    while level:
        below: list[Any] = []
        containers = False
        for item in level:
            if isinstance(item, dict):
                below.extend(item.values())
                containers = True
            elif isinstance(item, list):
                below.extend(item)
                containers = True
        if containers and depth > limit:
            return True
        level, depth = below, depth + 1
    return False  # mutation: equivalent[return None] — None is as false to the caller


def _error_diagnostics(run: _Run, text: str, file: str) -> list[Diagnostic]:
    importer = run.importer
    if importer.denials:
        return [
            Diagnostic(
                IMPORT_DENIED.id,
                f"import {denial.target!r} denied: it resolves to {denial.resolved}, outside "
                "the repository, kftest's lib/ and the -J dirs",
                file=run.rel(denial.importer) if denial.importer else file,
                line=denial.line,
                column=denial.column,
            )
            for denial in importer.denials
        ]
    parsed = errors.parse(text)
    message = importer.failures[-1] if importer.failures else parsed.message
    if not message:
        message = "the component raised an error with an empty message"
    frames = parsed.frames
    inside = [frame for frame in frames if _inside(frame.file, run.repo_root)]
    if frames and (not inside or inside[0] != frames[0]):
        # Raised in a library outside the repository (kftest's lib/, a -J dir): report it at
        # the user's own code, and say where it came from.
        origin = frames[0]
        message += f" (raised at {run.rel(origin.file)}:{origin.line})"
    if not inside:
        return [Diagnostic(JSONNET_ERROR.id, message, file=file)]
    chosen = inside[0]
    return [
        Diagnostic(
            JSONNET_ERROR.id,
            message,
            file=run.rel(chosen.file),
            line=chosen.line,
            column=chosen.column,
        )
    ]


def closure(paths: Iterable[str], repo_root: Path) -> frozenset[str]:
    """Files read, repo-relative (absolute if outside): a symlink counts as itself and as its
    target, since changing either changes the output."""
    names = set()
    for path in paths:
        names.add(_relative(path, repo_root))
        lexical = _lexical(path, repo_root)
        if lexical is not None:
            names.add(lexical)
    return frozenset(names)


@functools.lru_cache(maxsize=8192)  # mutation: equivalent — a cache size
def _lexical(path: str, repo_root: Path) -> str | None:
    """``path`` relative to the repository as written, symlinks not resolved."""
    lexical = Path(os.path.normpath(path))
    return lexical.relative_to(repo_root).as_posix() if lexical.is_relative_to(repo_root) else None


def _inside(path: str, root: Path) -> bool:
    try:
        Path(path).resolve().relative_to(root)
    except (ValueError, OSError):
        return False  # mutation: equivalent[return None] — None is as false to the caller
    return True


def _finish(run: _Run, value: Any, merged: dict[str, Any] | None = None) -> EvalResult:
    from compiler.evaluate import EvalResult

    docs: list[dict[str, Any]] = []
    diagnostics = list(run.diagnostics)
    if value is not None:
        docs, problems = documents.workflows_from(value, run.file, timestamps=run.timestamps)
        diagnostics += problems
    return EvalResult(
        documents=docs,
        source=run.file,
        imports=closure(run.importer.loaded, run.repo_root),
        params=merged or {},
        diagnostics=[d.with_workflow(run.request.entry.name) for d in diagnostics],
    )


def _at_entry(request: EvalRequest, rule: str, found: layout.NotFound) -> Diagnostic:
    where = request.entry.where(found.key)
    if where == request.entry.position and found.key == "component":
        where = request.entry.where("app_dir")
    return Diagnostic(
        rule,
        found.message,
        file=where.file or request.config_file,  # mutation: equivalent[Or -> And] — the same file
        line=where.line,
        column=where.column,
        workflow=request.entry.name,
    )


def _empty(diagnostics: list[Diagnostic]) -> EvalResult:
    from compiler.evaluate import EvalResult

    return EvalResult(
        documents=[], source=None, imports=frozenset(), params={}, diagnostics=diagnostics
    )

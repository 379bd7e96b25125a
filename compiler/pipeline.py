"""The compile pipeline every command shares: load -> select -> evaluate -> validate + rules.

Commands differ only in which (entry, job type) pairs they compile and which environment they
compile under:

* ``lint`` and ``golden``: every entry, for every job type it can run under, with placeholders;
* ``plan`` and ``compile``: the entries selected for the current job type and changed files;
* ``run``: the same, under the real Prow environment.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from compiler import config as config_stage
from compiler import select as select_stage
from compiler.diagnostics import Diagnostic, UsageError, dedupe_sorted
from compiler.model import CompiledWorkflow, Entry, ProwConfig
from compiler.paths import is_object_name, not_a_file
from compiler.progress import Progress
from compiler.prow import (
    DEFAULT_BUCKET,
    DEFAULT_NAMESPACE,
    PLACEHOLDER_JOB_TYPE,
    ProwEnv,
    new_salt,
    workflow_name,
)

if TYPE_CHECKING:  # mutation: equivalent — a type-only import; importing it too changes nothing
    from compiler.evaluate import EvalRequest, EvalResult
    from compiler.rules import LintSettings
    from compiler.validate.releases import Release


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing assigns to or hashes one
class Options:
    repo_root: Path
    config_path: Path
    job_type: str | None = None
    changed_files: Sequence[str] | None = None  # None: compute with git
    salt: str | None = None
    jpath: tuple[Path, ...] = ()
    repos_dir: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    placeholders: bool = True  # compile-only commands fill unset Prow variables
    namespace: str = DEFAULT_NAMESPACE
    bucket: str = DEFAULT_BUCKET
    timeout: float = 10.0  # CPU seconds per evaluation
    memory: int | None = 1 << 30  # bytes per evaluation worker (evaluate.pool.DEFAULT_MEMORY)
    gcs_layout: str = "prow"  # kftest run --gcs-layout (a Tekton run's artifacts-gcs param)
    lint: bool = True  # run the Argo validation and the guideline rules
    emit: bool = True  # render each workflow's YAML (CompiledWorkflow.text)
    argo_version: str | None = None  # --argo-version; else .kftest.yaml's; else the newest
    python: str | None = None  # --python / KFTEST_PYTHON; else .kftest.yaml's; else kftest's
    cache: bool = False  # reuse what an earlier run learnt (compiler.cache): lint's fast path
    progress: bool = False  # show entries done / total on stderr (a terminal, not --quiet)
    #: keep each workflow's document in the result; compile and golden need only the emitted
    #: text and lint only the diagnostics, so 10,000 documents need not all sit in memory
    documents: bool = True

    @property
    def config_file(self) -> str:
        try:
            return self.config_path.resolve().relative_to(self.repo_root.resolve()).as_posix()
        except ValueError:
            return str(self.config_path)

    def prow_env(self) -> ProwEnv:
        return ProwEnv.from_environ(self.environ, self.job_type)

    def argo_release(self) -> Release:
        """The Argo schema to validate with: the flag's target, else .kftest.yaml's."""
        from compiler.validate import releases

        target = self.argo_version or _settings(self.repo_root)[0].argo_version
        try:
            return releases.choose(target)
        except ValueError:  # .kftest.yaml's value was checked when read; the flag's too
            return releases.choose(None)

    def checkouts_dir(self) -> Path | None:
        """--repos-dir, else .kftest.yaml's ``repos_dir`` (relative to the repository)."""
        if self.repos_dir is not None:
            return self.repos_dir
        configured = _settings(self.repo_root)[0].repos_dir
        return (self.repo_root / configured).resolve() if configured else None

    def python_interpreter(self) -> str | None:
        """The interpreter for py_func builders: --python/KFTEST_PYTHON, else .kftest.yaml's."""
        if self.python:
            return self.python
        configured = _settings(self.repo_root)[0].python
        if configured and not Path(configured).is_absolute() and "/" in configured:
            return str(self.repo_root / configured)
        return configured


@dataclass
class Loaded:
    config: ProwConfig | None
    diagnostics: list[Diagnostic]


@dataclass
class Plan:
    job_type: str | None
    changed_files: list[str]
    decisions: list[select_stage.Decision]
    notes: list[str]
    diagnostics: list[Diagnostic]
    python_paths: tuple[str, ...] = ()  # prow_config.yaml's, for the py_func entries selected

    def selected(self) -> list[Entry]:
        return [decision.entry for decision in self.decisions if decision.run]

    def to_dict(self) -> dict[str, object]:
        return {
            "job_type": self.job_type,
            "changed_files": self.changed_files,
            "entries": [decision.to_dict() for decision in self.decisions],
        }


@dataclass
class BuildResult:
    workflows: list[CompiledWorkflow]
    diagnostics: list[Diagnostic]
    checked: list[str]  # entry names that were compiled
    plan: Plan | None = None
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (entry name, job type) compiled
    entries_in_config: int = 0  # mutation: equivalent[0 -> 1] — both builds set it on each result
    config_loaded: bool = True  # False: prow_config.yaml did not parse, nothing was compiled


def load(options: Options) -> Loaded:
    why = not_a_file(options.config_path)
    if why == "no such file":
        raise UsageError(f"{options.config_path}: no such file (give --config or --repo-root)")
    if why:
        raise UsageError(f"{options.config_path}: {why}")
    shown = None
    if options.progress and _size(options.config_path) >= LARGE_CONFIG:
        shown = Progress("")
        shown.status(
            f"kftest: loading {options.config_path.name} "
            f"({_size(options.config_path) / 2**20:.0f} MB)"
        )
    try:
        config, diagnostics = config_stage.load_config(
            options.config_path, options.repo_root, cached=options.cache
        )
    finally:
        if shown is not None:
            shown.close()
    return Loaded(config, diagnostics)


#: A prow_config.yaml this large takes seconds to load: a terminal is told what is going on.
LARGE_CONFIG = 2 * 2**20  # mutation: equivalent[2 -> 3|20 -> 21] — a threshold's exact size


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # only a race: load() found the file a moment ago
        return 0  # mutation: equivalent[return None|0 -> 1] — (the race above)


def plan(options: Options, loaded: Loaded | None = None) -> Plan:
    loaded = loaded or load(options)
    env = options.prow_env()
    notes: list[str] = []
    if env.job_type is None and options.placeholders:
        # (a presubmit's placeholders are PULL_BASE_REF "main", selection's own fallback, and
        # PULL_* values that only a postsubmit's selection reads)
        # mutation: equivalent[False -> True] — (as just said)
        env = env.for_job_type(PLACEHOLDER_JOB_TYPE, placeholders=False)
        notes.append(f"JOB_TYPE is unset: planning a {PLACEHOLDER_JOB_TYPE} (--job-type chooses)")
    if options.changed_files is not None:
        changed = list(options.changed_files)
    else:
        changed, git_notes = select_stage.changed_files_from_git(options.repo_root, env)
        notes += git_notes
    entries = loaded.config.workflows if loaded.config else []
    decisions = select_stage.select(entries, env.job_type, changed)
    notes += context_notes(options, loaded)
    python_paths = tuple(loaded.config.python_paths) if loaded.config else ()
    return Plan(env.job_type, changed, decisions, notes, loaded.diagnostics, python_paths)


def context_notes(
    options: Options, loaded: Loaded, diagnostics: Sequence[Diagnostic] = ()
) -> list[str]:
    """What the run relies on beyond the repository: the Argo schema it validates against (when
    a release is targeted, or a schema finding depends on it), and where each
    ``<owner>/<repo>`` checkout that prow_config.yaml names was found."""
    from compiler.evaluate import checkouts
    from compiler.evaluate.pyfunc import SEED_TESTING_PY
    from compiler.validate.schema import ARGO_SCHEMA

    release = options.argo_release()
    found = []
    if not release.default or any(d.rule == ARGO_SCHEMA.id for d in diagnostics):
        era = ""
        if release.default:
            from compiler.validate.releases import SEED_ERA

            era = (
                f"; ksonnet apps and py_func builders against the Argo {SEED_ERA} of their era "
                "(argo_version sets both)"
            )
        found.append(f"validating against the {release.describe()}{era}")
    config = loaded.config
    if config is None:
        return found
    paths = [entry.app_dir for entry in config.workflows if entry.app_dir]
    if any(entry.py_func and not entry.app_dir for entry in config.workflows):
        paths += [*config.python_paths, SEED_TESTING_PY]
    repos_dir = options.checkouts_dir()
    # locate reads REPO_OWNER and REPO_NAME only, which no job type changes
    env = options.prow_env().for_job_type(
        options.job_type or PLACEHOLDER_JOB_TYPE,  # mutation: equivalent[Or -> And] — (above)
        placeholders=options.placeholders,
    )
    seen: set[tuple[str, str]] = set()
    for path in paths:
        seed_style = checkouts.split(path)
        if seed_style is None or (options.repo_root / path).exists():
            continue
        owner, repo, _ = seed_style
        if (owner, repo) in seen:
            continue
        seen.add((owner, repo))
        located = checkouts.locate(owner, repo, options.repo_root, repos_dir, env.values)
        found.append(f"checkout {located.note(options.repo_root)}")
    return found


def compile_selected(options: Options) -> BuildResult:
    """``compile`` and ``run``: the selected entries for the current job type."""
    the_plan = plan(options)
    job_type = the_plan.job_type or "presubmit"
    pairs = [(entry, job_type) for entry in the_plan.selected()]
    loaded = Loaded(None, the_plan.diagnostics)
    result = _build(options, loaded, pairs, the_plan.python_paths)
    result.plan = the_plan
    result.entries_in_config = len(the_plan.decisions)
    return result


def compile_all(
    options: Options, only: Sequence[str] | None = None, loaded: Loaded | None = None
) -> BuildResult:
    """``lint`` and ``golden``: every entry (or those named), for every job type it runs under."""
    loaded = loaded or load(options)
    entries = loaded.config.workflows if loaded.config else []
    if only is not None:
        wanted = set(only)
        entries = [entry for entry in entries if entry.name in wanted]
    job_types = [options.job_type] if options.job_type else None
    pairs = [
        (entry, job_type)
        for entry in entries
        for job_type in (job_types or entry.job_types_to_compile())
        if entry.runs_for(job_type)
    ]
    result = _build(options, loaded, pairs)
    # mutation: equivalent[0 -> 1] — without a config, config_loaded is what the summary says
    result.entries_in_config = len(loaded.config.workflows) if loaded.config else 0
    result.config_loaded = loaded.config is not None
    return result


#: Evaluations (entry x job type) one run may ask for: 10,000 entries under 4 job types fit;
#: beyond, a run would take hours and its results gigabytes, so it is refused up front with a
#: diagnostic rather than left to look hung.
MAX_EVALUATIONS = 50_000


def _build(
    options: Options,
    loaded: Loaded,
    pairs: list[tuple[Entry, str]],
    python_paths: tuple[str, ...] = (),
) -> BuildResult:
    from compiler import evaluate

    if len(pairs) > MAX_EVALUATIONS:
        return _too_many(options, loaded, pairs)

    base_env = options.prow_env()
    salt = options.salt or new_salt()
    release = options.argo_release()
    python = options.python_interpreter()
    repos_dir = options.checkouts_dir()
    config = loaded.config
    config_file = options.config_file  # resolves two paths: once, not once per request
    requests = []
    for entry, job_type in pairs:
        env = base_env.for_job_type(job_type, placeholders=options.placeholders)
        requests.append(
            evaluate.EvalRequest(
                entry=entry,
                config_file=config_file,
                repo_root=options.repo_root,
                repos_dir=repos_dir,
                jpath=options.jpath,
                run_params={
                    "name": workflow_name(env, entry.name, salt),
                    "namespace": options.namespace,
                    "prow_env": env.prow_env_string(),
                    "bucket": options.bucket,
                },
                prow_env=env,
                python_paths=tuple(config.python_paths) if config else python_paths,
                timeout=options.timeout,
                teardown_name=(
                    workflow_name(env, entry.name, salt, role="teardown")
                    # mutation: equivalent[And -> Or] — only a Tekton teardown reads the name
                    if entry.kind == "tekton" and entry.tekton_teardown
                    else None
                ),
                gcs_layout=options.gcs_layout,
                memory=options.memory,
                python=python,
                argo_version=release.minor,
            )
        )
    finish = functools.partial(
        _finish,
        lint=options.lint,
        emit=options.emit,
        documents=options.documents,
        release=release,
    )
    if options.lint and requests:  # mutation: equivalent — a warm-up: workers load it anyway
        # Workers are forked: what the parent imports and loads here, each worker has for free
        # (the validator's schemas, every rule module, the repository's lint settings).
        from compiler import emit, rules, validate  # noqa: F401

        _settings(options.repo_root)  # mutation: equivalent — a warm-up (see above)
        validate.schema.compiled_schema(release)  # mutation: equivalent — a warm-up
        rules.all_rules()  # mutation: equivalent — a warm-up (see above)
    shown = Progress("evaluated") if options.progress else None
    try:
        finished = evaluate.evaluate_many(requests, finish=finish, progress=shown)
    finally:
        if shown is not None:
            shown.close()
    diagnostics = list(loaded.diagnostics)
    if options.lint and config is not None:
        from compiler import rules

        settings, settings_diagnostics = _settings(options.repo_root)
        diagnostics += settings_diagnostics
        tracked = select_stage.tracked_files(options.repo_root) or []
        diagnostics += rules.check_config(config, tracked, settings)
    workflows: list[CompiledWorkflow] = []
    # mutation: equivalent[True -> False] — the pool returns one result per request, in order
    for (entry, _), done in zip(pairs, finished, strict=True):
        diagnostics += [d.with_workflow(entry.name) for d in done.result.diagnostics]
        diagnostics += done.lint
        for compiled in done.workflows:
            workflows.append(replace(compiled, entry=entry))  # the parent's Entry, not a copy
    checked = list(dict.fromkeys(entry.name for entry, _ in pairs))
    compiled = [(entry.name, job_type) for entry, job_type in pairs]
    return BuildResult(workflows, dedupe_sorted(diagnostics), checked, pairs=compiled)


def _too_many(options: Options, loaded: Loaded, pairs: list[tuple[Entry, str]]) -> BuildResult:
    entries = len({id(entry) for entry, _ in pairs})
    first = pairs[0][0].position
    message = (
        f"{len(pairs):,} evaluations asked for ({entries:,} entries, each under every job type "
        f"it runs under); kftest evaluates at most {MAX_EVALUATIONS:,} in one run: select "
        "fewer (--job-type, `job_types:` on the entries, or changed files)"
    )
    limit = Diagnostic(
        config_stage.CONFIG_SCHEMA.id,
        message,
        file=first.file or options.config_file,  # mutation: equivalent[Or -> And] — the same path
        line=first.line,
    )
    return BuildResult([], dedupe_sorted([*loaded.diagnostics, limit]), [])


@dataclass
class _Finished:
    """What a worker sends back for one (entry, job type): evaluation, lint, emitted YAML."""

    result: EvalResult
    workflows: list[CompiledWorkflow]
    lint: list[Diagnostic]


def _finish(
    request: EvalRequest,
    result: EvalResult,
    *,
    lint: bool,
    emit: bool,
    documents: bool,
    release: Release | None = None,
) -> _Finished:
    """Runs in the evaluation worker, so validation, rules and emit use every core too."""
    from compiler import emit as emit_stage
    from compiler.validate import tekton

    job_type = request.prow_env.job_type or "presubmit"
    workflows = []
    found: list[Diagnostic] = []
    for document in result.documents:
        metadata = document.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        name = str(name or request.run_params["name"])
        if not is_object_name(name):
            # The name becomes a file name (compile --out, golden, run's artifacts): a name
            # Kubernetes would refuse is an error, and the workflow is not emitted at all.
            found.append(_bad_name(name, request, result))
            continue
        source = result.source
        if tekton.is_pipeline_run(document):  # a run and its teardown come from two files
            annotations = metadata.get("annotations") or {}
            source = annotations.get(tekton.SOURCE_ANNOTATION) or source
        compiled = CompiledWorkflow(
            entry=request.entry,
            job_type=job_type,
            name=name,
            document=document,
            source=source,
            params=result.params,
            imports=result.imports,
            text=emit_stage.dump(document) if emit else None,
        )
        workflows.append(compiled)
        if lint:
            found += _lint(
                compiled,
                request.prow_env,
                request.repo_root,
                request.config_file,
                _release_for(request, result, release),
            )
    if not documents:
        # Only what the parent uses travels back to it (and stays in its memory).
        workflows = [replace(compiled, document={}) for compiled in workflows]
        result = replace(result, documents=[])
    return _Finished(result, workflows, found)


def _bad_name(name: str, request: EvalRequest, result: EvalResult) -> Diagnostic:
    from compiler.rules import name_length

    entry = request.entry
    where = entry.where(
        # mutation: equivalent[Is -> IsNot] — a result with a document always has its source
        "py_func" if result.source is None or result.source.startswith("py:") else "component"
    )
    shown = repr(name) if len(name) <= 80 else f"{name[:60]!r}... ({len(name)} characters)"
    source = result.source if result.source and not result.source.startswith("py:") else None
    return Diagnostic(
        name_length.ID,
        f"metadata.name {shown} is not a Kubernetes object name (lowercase letters, digits, "
        "'-' and '.', at most 253 characters); the workflow is not written — use params.name",
        file=source or where.file,
        line=None if source else where.line,
        column=None if source else where.column,
        workflow=entry.name,
        path="metadata.name",
    )


@functools.lru_cache(maxsize=8)  # mutation: equivalent[8 -> 9] — a cache size
def _settings(repo_root: Path) -> tuple[LintSettings, list[Diagnostic]]:
    from compiler import rules

    return rules.load_settings(repo_root)


def _release_for(
    request: EvalRequest, result: EvalResult, release: Release | None
) -> Release | None:
    """Without a targeted release, the seed's kinds of entry (a ksonnet app, a py_func builder)
    are validated for the Argo of their era (``releases.SEED_ERA``)."""
    from compiler.validate import releases

    source = result.source
    # (_finish always passes a release, and a result with documents has its source)
    # mutation: equivalent[Or -> And] — for_seed_era keeps a targeted release as it is
    if release is None or not release.default or not source:
        return release
    if source.startswith("py:"):
        return releases.for_seed_era(release)
    directory = os.path.dirname(os.path.join(request.repo_root, source))  # absolute: as it is
    if os.path.basename(directory) == "components" and _ksonnet_app(os.path.dirname(directory)):
        return releases.for_seed_era(release)
    return release


def _ksonnet_app(app_dir: str) -> bool:
    """``is_ksonnet_app``, read once per app.yaml version (a worker compiles many entries of
    an app; a stat is cheaper than reading the file)."""
    try:
        stat = os.stat(os.path.join(app_dir, "app.yaml"))
    except (OSError, ValueError):
        return False  # mutation: equivalent[return None] — its callers test it with `if`
    return _ksonnet_app_version(app_dir, (stat.st_ino, stat.st_size, stat.st_mtime_ns))


@functools.lru_cache(maxsize=256)  # mutation: equivalent[256 -> 257] — a cache size
def _ksonnet_app_version(app_dir: str, identity: tuple[int, int, int]) -> bool:
    from compiler.evaluate.layout import is_ksonnet_app

    return is_ksonnet_app(Path(app_dir))


def _lint(
    compiled: CompiledWorkflow,
    env: ProwEnv,
    repo_root: Path,
    config_file: str,
    release: Release | None = None,
) -> list[Diagnostic]:
    from compiler import rules, validate
    from compiler.validate import tekton

    settings, _ = _settings(repo_root)
    if tekton.is_pipeline_run(compiled.document):
        found = tekton.validate_compiled(compiled, repo_root)
        found = settings.apply(found, compiled.entry.lint_disable)
        placer = tekton.Placer(compiled, repo_root)
        checked = rules.check_workflow(
            compiled, env, settings, config_file, release, repo_root=repo_root
        )
        # A rule's finding about the run points at its line in the PipelineRun file. (A finding
        # with a line is left as it is by place(), and one without is always the run's.)
        return found + [
            # mutation: equivalent[And -> Or] — (as just said)
            placer.place(d) if d.file == compiled.source and d.line is None else d
            for d in checked
        ]
    found = [_place(d, compiled) for d in validate.validate_workflow(compiled.document, release)]
    found = settings.apply(found, compiled.entry.lint_disable)
    return found + rules.check_workflow(compiled, env, settings, config_file, release)


def _place(diagnostic: Diagnostic, compiled: CompiledWorkflow) -> Diagnostic:
    """Diagnostics on the emitted document point at the component that produced it."""
    where = compiled.entry.position
    return replace(
        diagnostic,
        file=diagnostic.file or compiled.source or where.file,
        line=diagnostic.line if diagnostic.file else (None if compiled.source else where.line),
        workflow=diagnostic.workflow or compiled.entry.name,
    )

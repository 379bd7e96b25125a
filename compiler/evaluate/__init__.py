"""Evaluate: an entry of prow_config.yaml -> its Argo Workflow documents, or diagnostics.

Three kinds of entry compile here:

- a jsonnet component (``app_dir`` + ``component``): ``<app_dir>/components/<component>.jsonnet``
  (ksonnet layout) or ``<app_dir>/<component>.jsonnet`` (see ``layout``);
- a legacy ksonnet component: the same, reading its params from ksonnet's ext var, with
  ``components/params.libsonnet`` defaults and a ``k.libsonnet`` stand-in (see ``params``);
- a ``py_func``: a Python function returning the workflow (see ``pyfunc``);
- a ``tekton_run``: a Tekton PipelineRun file (and its teardown run), prepared for the build
  (see ``tekton``).

**Params.** The component sees, lowest precedence first: its defaults in
``components/params.libsonnet``, the entry's ``params`` (YAML types kept), then the run
parameters ``name``, ``namespace``, ``prow_env``, ``bucket``. The modern form is the top-level
argument ``params``::

    local kftest = import 'kftest.libsonnet';
    function(params) kftest.workflow(params, 'unittests') ...

and legacy components keep reading ``std.extVar('__ksonnet/params').components.<component>``
(``std.extVar('__ksonnet/environments')`` exists too). No other ext var is defined: jsonnet
never sees the process environment.

**Imports** are searched in the importing file's directory, then the component's directory,
``<app_dir>/lib``, ``<app_dir>/vendor`` (ksonnet), ``<repo>/vendor`` (jsonnet-bundler), the
``-J`` dirs, kftest's ``lib/`` (``import 'kftest.libsonnet'``) and last a ksonnet-lib stand-in
(``import 'k.libsonnet'``). A file is read only if, symlinks resolved, it lies inside the
repository, ``--repos-dir``, ``lib/`` or a ``-J`` dir; anything else is ``import-denied`` at the
importing file's line.

**Limits.** Evaluation runs in worker processes (``pool``): a component gets ``timeout``
seconds of CPU time (with a generous wall-clock backstop) and ``memory`` bytes, then its worker
is killed (``jsonnet-error``); the stack is bounded (``backend.MAX_STACK``), so infinite
recursion is a clean ``jsonnet-error`` too, and recursion the binding does not count
(``tailstrict``) ends at the memory limit or a stack overflow, reported at the component.

**Rules.** ``component-missing``: app_dir, component or py_func does not resolve (at the
prow_config.yaml line). ``jsonnet-error``: evaluation failed, at the jsonnet file:line (for a
py_func: at its prow_config.yaml line, with the Python file:line in the message).
``import-denied``: see above. ``argo-schema``: evaluation worked but produced something other
than Workflows (a string, a Service, an empty List).

**Backend.** ``KFTEST_JSONNET=rust|go|cpp`` picks the binding; the default is the fastest
installed (see ``backend`` and bench/README.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, overload

from compiler.diagnostics import Diagnostic
from compiler.evaluate import backend as backend_mod
from compiler.evaluate import pool, worker
from compiler.model import Entry
from compiler.prow import ProwEnv

__all__ = ["EvalRequest", "EvalResult", "evaluate", "evaluate_many"]

R = TypeVar("R")


@dataclass(frozen=True)  # mutation: equivalent — nothing changes or hashes a request
class EvalRequest:
    entry: Entry
    config_file: str  # repo-relative path of prow_config.yaml, for diagnostics
    repo_root: Path
    repos_dir: Path | None  # the seed's --repos_dir: app_dir may be <owner>/<repo>/<path> in it
    jpath: tuple[Path, ...]  # extra -J library dirs
    run_params: Mapping[str, Any]  # name, namespace, prow_env, bucket
    prow_env: ProwEnv
    python_paths: tuple[str, ...]
    timeout: float = 10.0  # CPU seconds
    memory: int | None = pool.DEFAULT_MEMORY  # bytes per evaluation worker
    python: str | None = None  # the interpreter for py_func builders (default: kftest's own)
    argo_version: str | None = None  # the targeted Argo release (X.Y), for kftest's lib
    teardown_name: str | None = None  # tekton_run entries with a tekton_teardown
    gcs_layout: str = "prow"  # where the build's GCS directory is (Tekton's artifacts-gcs)


@dataclass
class EvalResult:
    documents: list[dict[str, Any]]  # the Workflows, in output order
    source: str | None  # repo-relative component file, or "py:<func>"
    imports: frozenset[str]  # files the evaluation read: repo-relative, absolute if outside
    params: dict[str, Any]  # the params (or py_func kwargs) the component saw
    diagnostics: list[Diagnostic]


def evaluate(request: EvalRequest) -> EvalResult:
    return evaluate_many([request])[0]


@overload
def evaluate_many(
    requests: Sequence[EvalRequest],
    jobs: int | None = None,
    *,
    finish: None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[EvalResult]: ...


@overload
def evaluate_many(
    requests: Sequence[EvalRequest],
    jobs: int | None = None,
    *,
    finish: Callable[[EvalRequest, EvalResult], R],
    progress: Callable[[int, int], None] | None = None,
) -> list[R]: ...


def evaluate_many(
    requests: Sequence[EvalRequest],
    jobs: int | None = None,
    *,
    finish: Callable[[EvalRequest, EvalResult], Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """Evaluate every request in worker processes; results in request order.

    ``finish(request, result)``, when given, runs in the worker right after the evaluation and
    its return value takes the result's place (so validation and emitting can run in parallel
    too). It must be a module-level function and return something picklable. For a request whose
    worker timed out or crashed it runs in this process, on the diagnostic result.

    ``progress(done, total)``, when given, is called here as each request finishes.

    Raises ``UsageError`` when ``KFTEST_JSONNET`` names an unknown or missing binding.
    """
    chosen = backend_mod.choose()
    tasks = [worker.Task(_plain(request), chosen, finish) for request in requests]
    memory = requests[0].memory if requests else None
    outcomes = pool.run(tasks, worker.work, worker.budget, jobs, memory, progress)
    # A crash of the fast binding gets a second chance with the reference one: a native stack
    # overflow or an allocation failure included, since go-jsonnet bounds recursion that
    # jrsonnet grows its stack for. Running out of time would only happen again.
    reference = chosen.reference()
    retry = [
        index
        for index, outcome in enumerate(outcomes)
        if isinstance(outcome, pool.Failure) and outcome.kind != "timeout" and reference is not None
    ]
    if retry and reference is not None:  # mutation: equivalent[And -> Or] — pool.run([]) is []
        again = pool.run(
            [replace(tasks[index], backend=reference) for index in retry],
            worker.work,
            worker.budget,
            jobs,
            memory,
        )
        for index, outcome in zip(retry, again, strict=True):  # mutation: equivalent — same length
            outcomes[index] = outcome
    results: list[Any] = []
    for task, outcome in zip(tasks, outcomes, strict=True):  # mutation: equivalent — same length
        if isinstance(outcome, pool.Failure):
            result = worker.lost(task.request, outcome)
            results.append(finish(task.request, result) if finish else result)
        else:
            results.append(outcome)
    return results


def _plain(request: EvalRequest) -> EvalRequest:
    """The request as plain, picklable data (run_params may be any Mapping)."""
    return replace(request, run_params=dict(request.run_params))

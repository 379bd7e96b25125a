"""What one worker process does for one request, and what the parent reports when it cannot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.diagnostics import Diagnostic
from compiler.evaluate import component, layout, pyfunc, tekton
from compiler.evaluate.backend import Backend
from compiler.evaluate.errors import JSONNET_ERROR
from compiler.evaluate.pool import Failure, Notify
from compiler.paths import relative_to_repo

if TYPE_CHECKING:
    from compiler.evaluate import EvalRequest, EvalResult

#: A py_func bounds itself (its subprocess has the request's timeout); this is the margin the
#: worker gets on top to report it.
PYFUNC_GRACE = 5.0
#: The caller's ``finish`` step is kftest's own code: a generous bound, only against a hang.
FINISH_BUDGET = 120.0

Finish = Callable[["EvalRequest", "EvalResult"], Any]


@dataclass(frozen=True)  # mutation: equivalent — nothing changes or hashes a Task
class Task:
    request: EvalRequest
    backend: Backend
    finish: Finish | None = None


def budget(task: Task) -> float:
    timeout = task.request.timeout
    return timeout + PYFUNC_GRACE if is_py_func(task.request) else timeout


def work(task: Task, notify: Notify) -> Any:
    result = evaluate_here(task.request, task.backend, notify)
    if task.finish is None:
        return result
    # Should the finish step be slow, the parent gets the result to finish it itself.
    notify.later(result, FINISH_BUDGET)
    return task.finish(task.request, result)


def evaluate_here(request: EvalRequest, backend: Backend, notify: Notify) -> EvalResult:
    if is_py_func(request):
        return pyfunc.evaluate_py_func(request)
    if request.entry.kind == "tekton":
        return tekton.evaluate_tekton(request)
    outcome = component.evaluate_component(request, backend)
    reference = backend.reference()
    if outcome.backend_error and reference is not None:
        # The reference binding's messages locate errors better, and its verdict counts.
        notify(outcome.result, request.timeout)
        return component.evaluate_component(request, reference).result
    return outcome.result


def is_py_func(request: EvalRequest) -> bool:
    return request.entry.kind == "py_func"


def lost(request: EvalRequest, failure: Failure) -> EvalResult:
    """The result for a request whose worker timed out or died."""
    from compiler.evaluate import EvalResult

    from_partial = _evaluated(failure.partial)
    if from_partial is not None:
        return from_partial
    entry = request.entry
    if failure.kind == "timeout":
        message = (
            f"evaluation did not finish within {request.timeout:g} s of CPU time "
            "(does it terminate? --eval-timeout sets the limit)"
        )
    elif failure.kind == "memory":
        message = (
            f"the evaluation used more than {format_size(request.memory)} of memory "
            "(--eval-memory sets the limit)"
        )
    elif failure.kind == "stack":
        message = "the evaluation recursed without bound and overflowed the native stack"
    else:
        message = f"the evaluation {failure.reason} (a bug in the jsonnet binding?)"
    key = {"py_func": "py_func", "tekton": "tekton_run"}.get(entry.kind, "component")
    where = entry.where(key)
    file, line, column = where.file or request.config_file, where.line, where.column
    source = None
    if entry.kind == "jsonnet":
        found = layout.find_component(
            entry.app_dir or "",
            entry.component or "",
            request.repo_root.resolve(),
            request.repos_dir,
            request.prow_env,
        )
        if isinstance(found, layout.Component):
            source = relative_to_repo(found.file, request.repo_root)
            file, line, column = source, None, None
            if failure.kind in ("memory", "stack"):
                line, column = _tailstrict(found.file)
                if line is not None:
                    # The one recursion the stack limit does not bound: the likely culprit.
                    message += " (runaway recursion through this `tailstrict` call?)"
    diagnostic = Diagnostic(
        JSONNET_ERROR.id, message, file=file, line=line, column=column, workflow=entry.name
    )
    return EvalResult(
        documents=[], source=source, imports=frozenset(), params={}, diagnostics=[diagnostic]
    )


def _tailstrict(path: Path) -> tuple[int | None, int | None]:
    """Where the component first uses ``tailstrict`` (calls the stack limit does not count)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, None
    at = text.find("tailstrict")
    if at < 0:
        return None, None
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def format_size(size: int | None) -> str:
    if size is None:
        return "no limit"
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"


def _evaluated(partial: Any) -> EvalResult | None:
    from compiler.evaluate import EvalResult

    return partial if isinstance(partial, EvalResult) else None

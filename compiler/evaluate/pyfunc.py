"""Evaluate a ``py_func`` entry: call the user's function in a fresh, time-limited interpreter.

As the seed system did (seed-system.md §2.7), the function gets the entry's ``kwargs`` plus
``name`` (the generated workflow name), ``namespace`` and ``test_target_name`` (default: the
entry's name), and returns the workflow as a dict. ``python_paths`` items are looked up like
``app_dir`` (under ``--repos-dir``, then repo-relative); the repository root comes last.

The interpreter gets a minimal environment (PATH, HOME, LANG and the Prow variables of the
run, which the seed's builders read) and none of kftest's own: no credentials leak into user
code. It does not write ``__pycache__`` into the repository.

Diagnostics point at the entry's ``py_func`` line in prow_config.yaml: ``component-missing``
when the module or function does not resolve, ``jsonnet-error`` (the contract's "evaluation
failed" rule) when importing the module or calling the function fails, with the Python file
and line in the message.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.diagnostics import Diagnostic
from compiler.evaluate import documents, layout, pool
from compiler.evaluate.errors import COMPONENT_MISSING, JSONNET_ERROR
from compiler.paths import relative_to_repo

if TYPE_CHECKING:
    from compiler.evaluate import EvalRequest, EvalResult

RUNNER = Path(__file__).resolve().parent / "pyfunc_runner.py"
#: The seed always put kubeflow/testing's py/ on the path (its argo_build_util lives there).
SEED_TESTING_PY = "kubeflow/testing/py"


def evaluate_py_func(request: EvalRequest) -> EvalResult:
    from compiler.evaluate import EvalResult

    entry = request.entry
    repo_root = request.repo_root.resolve()
    func = entry.py_func or ""
    kwargs: dict[str, Any] = dict(entry.kwargs)
    kwargs["name"] = request.run_params.get("name")
    kwargs["namespace"] = request.run_params.get("namespace")
    kwargs.setdefault("test_target_name", entry.name)
    paths = python_paths(request, repo_root)
    answer, failure = _call(request, func, kwargs, paths, repo_root)

    def at_entry(rule: str, message: str) -> list[Diagnostic]:
        where = entry.where("py_func")
        return [
            Diagnostic(
                rule,
                message,
                file=where.file or request.config_file,
                line=where.line,
                column=where.column,
                workflow=entry.name,
            )
        ]

    source = f"py:{func}"
    result = EvalResult(
        documents=[], source=source, imports=frozenset(), params=kwargs, diagnostics=[]
    )
    if failure is not None:
        result.diagnostics = at_entry(JSONNET_ERROR.id, failure)
    elif answer["status"] == "missing":
        result.diagnostics = at_entry(COMPONENT_MISSING.id, f"py_func {func}: {answer['message']}")
    elif answer["status"] == "error":
        message = answer["message"]
        if answer.get("file"):
            message += f" (at {relative_to_repo(answer['file'], repo_root)}:{answer['line']})"
        result.diagnostics = at_entry(JSONNET_ERROR.id, message)
    else:
        docs, problems = documents.workflows_from(answer.get("workflow"), None, f"py_func {func}")
        where = entry.where("py_func")
        result.documents = docs
        result.diagnostics = [
            replace(
                problem,
                file=where.file or request.config_file,
                line=where.line,
                column=where.column,
                workflow=entry.name,
            )
            for problem in problems
        ]
        result.imports = frozenset(
            relative_to_repo(file, repo_root) for file in answer.get("files", [])
        )
    return result


def python_paths(request: EvalRequest, repo_root: Path) -> list[str]:
    items = [*request.python_paths, SEED_TESTING_PY]
    found: list[str] = []
    for item in items:
        for candidate in layout.python_path_candidates(
            item, repo_root, request.repos_dir, request.prow_env
        ):
            if candidate.is_dir():
                found.append(str(candidate.resolve()))
                break
    found.append(str(repo_root))
    return list(dict.fromkeys(found))


def _environment(request: EvalRequest) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.environ.get("HOME", "/"),
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
    }
    env.update(request.prow_env.values)
    return env


def _call(
    request: EvalRequest, func: str, kwargs: dict[str, Any], paths: list[str], repo_root: Path
) -> tuple[dict[str, Any], str | None]:
    """The runner's answer, or a message saying why there is none."""
    # The runner limits its own CPU time and dies with this worker; the wall-clock timeout
    # here is only the backstop against code that sleeps or waits.
    limits = {"cpu": request.timeout, "parent": os.getpid()}
    payload = json.dumps({"func": func, "kwargs": kwargs, "paths": paths, **limits}, default=str)
    backstop = max(request.timeout * pool.WALL_FACTOR, request.timeout + pool.WALL_SLACK)
    process = subprocess.Popen(
        [sys.executable, "-B", "-E", str(RUNNER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=repo_root,
        env=_environment(request),
        start_new_session=True,  # so a timeout can kill whatever the user code started
    )
    try:
        out, err = process.communicate(payload.encode(), timeout=backstop)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        return {}, f"py_func {func} did not finish within {backstop:g} s"
    _kill_group(process)  # leftovers the function started in the background
    if process.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and not out:
        return {}, f"py_func {func} did not finish within {request.timeout:g} s of CPU time"
    try:
        answer = json.loads(out.decode("utf-8"))
    except ValueError:
        last = err.decode("utf-8", errors="replace").strip().splitlines()[-1:] or ["no output"]
        return {}, f"py_func {func} exited with status {process.returncode}: {last[0]}"
    return answer, None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)

"""Evaluate a ``py_func`` entry: call the user's function in a fresh, time-limited interpreter.

As the seed system did (seed-system.md §2.7), the function gets the entry's ``kwargs`` plus
``name`` (the generated workflow name), ``namespace`` and ``test_target_name`` (default: the
entry's name) — those three only when it accepts them (by name or ``**kwargs``): the seed added
them in 2020 and older builders take the entry's kwargs only. It returns the workflow as a
dict. ``py_func`` is any module path ``importlib.import_module`` accepts
(``kubeflow.mpi-operator.create_e2e_workflow.create_workflow`` included). ``python_paths``
items are looked up like ``app_dir`` (under ``--repos-dir``, then repo-relative); the
repository root comes last.

The seed ran builders in its test-worker image, whose Python had their dependencies (six,
PyYAML 5's ``yaml.load(f)``, google-api-python-client, an old kubernetes). ``--python PATH``
(``.kftest.yaml`` ``python:``, ``KFTEST_PYTHON``) runs them with such an interpreter (Python
3.6 or newer); a module it lacks is one diagnostic naming the module and suggesting it.

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

if TYPE_CHECKING:  # mutation: equivalent — the package is loaded before its modules
    from compiler.evaluate import EvalRequest, EvalResult

RUNNER = Path(__file__).resolve().parent / "pyfunc_runner.py"
#: Set by Prow and read by the seed's builders besides the variables kftest reads itself.
PROW_EXTRA_VARS = ("JOB_SPEC", "PROW_JOB_ID")
#: The seed always put kubeflow/testing's py/ on the path (its argo_build_util lives there).
SEED_TESTING_PY = "kubeflow/testing/py"


def evaluate_py_func(request: EvalRequest) -> EvalResult:
    from compiler.evaluate import EvalResult

    entry = request.entry
    repo_root = request.repo_root.resolve()
    func = entry.py_func or ""
    kwargs: dict[str, Any] = dict(entry.kwargs)
    optional = {
        "name": request.run_params.get("name"),
        "namespace": request.run_params.get("namespace"),
        "test_target_name": entry.name,
    }
    paths = python_paths(request, repo_root)
    answer, failure = _call(request, func, kwargs, optional, paths, repo_root)
    kwargs = {**optional, **kwargs}

    def at_entry(rule: str, message: str) -> list[Diagnostic]:
        where = entry.where("py_func")
        return [
            Diagnostic(
                rule,
                message,
                # mutation: equivalent[Or -> And] — where.file is set: the file of the entries
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
        missing = _missing_checkouts(request, repo_root, answer.get("module") or func)
        message = f"py_func {func}: {answer['message']}{missing}"
        result.diagnostics = at_entry(COMPONENT_MISSING.id, message)
    elif answer["status"] == "dependency":
        interpreter = request.python or sys.executable
        message = (
            f"py_func {func} needs the module {answer['module']!r}, which {interpreter} does not "
            "have; run py_func builders with an interpreter that has their dependencies, as the "
            "seed's test-worker image did: --python PATH (or `python:` in .kftest.yaml, or "
            "KFTEST_PYTHON)"
        )
        if answer.get("file"):
            message += (
                f" (imported at {relative_to_repo(answer['file'], repo_root)}:{answer['line']})"
            )
        missing = _missing_checkouts(request, repo_root, str(answer["module"]))
        if missing and str(answer["module"]).split(".")[0] == func.split(".")[0]:
            # A package of the builder's own family (kubeflow.testing): a checkout, not a library.
            message = f"py_func {func} cannot import {answer['module']!r}{missing}"
        result.diagnostics = at_entry(JSONNET_ERROR.id, message)
    elif answer["status"] == "error":
        message = answer["message"]
        if answer.get("file"):
            message += f" (at {relative_to_repo(answer['file'], repo_root)}:{answer['line']})"
        if request.python is None:
            message += (
                "; the seed ran builders with the libraries of its test-worker image (PyYAML 5, "
                "six, ...): if this comes from a newer library, give --python PATH"
            )
        result.diagnostics = at_entry(JSONNET_ERROR.id, message)
    else:
        docs, problems = documents.workflows_from(answer.get("workflow"), None, f"py_func {func}")
        where = entry.where("py_func")
        result.documents = docs
        result.diagnostics = [
            replace(
                problem,
                # mutation: equivalent[Or -> And] — where.file is set: the file of the entries
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


def _missing_checkouts(request: EvalRequest, repo_root: Path, module: str) -> str:
    """``; the checkout of kubeflow/testing is missing: ...`` for python_paths not found (the
    seed's implicit kubeflow/testing/py only when the missing module is ``kubeflow...``)."""
    implicit = [SEED_TESTING_PY] if module.split(".")[0] == "kubeflow" else []
    for item in [*request.python_paths, *implicit]:
        candidates = layout.python_path_candidates(
            item, repo_root, request.repos_dir, request.prow_env
        )
        if any(candidate.is_dir() for candidate in candidates):
            continue  # mutation: equivalent — missing_checkout finds such an item's checkout too
        missing = layout.missing_checkout(item, repo_root, request.repos_dir, request.prow_env)
        if missing:
            return f"; python_paths item {item!r}: {missing}"
    return ""


def _environment(request: EvalRequest) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.environ.get("HOME", "/"),
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
    }
    env.update(request.prow_env.values)
    # Prow's other variables the seed's argo_build_util read (get_prow_dict), when Prow set them.
    env.update((key, os.environ[key]) for key in PROW_EXTRA_VARS if os.environ.get(key))
    return env


def _call(
    request: EvalRequest,
    func: str,
    kwargs: dict[str, Any],
    optional: dict[str, Any],
    paths: list[str],
    repo_root: Path,
) -> tuple[dict[str, Any], str | None]:
    """The runner's answer, or a message saying why there is none."""
    # The runner limits its own CPU time and dies with this worker; the wall-clock timeout
    # here is only the backstop against code that sleeps or waits.
    limits = {"cpu": request.timeout, "parent": os.getpid()}
    payload = json.dumps(
        {"func": func, "kwargs": kwargs, "optional": optional, "paths": paths, **limits},
        default=str,
    )
    backstop = max(request.timeout * pool.WALL_FACTOR, request.timeout + pool.WALL_SLACK)
    interpreter = request.python or sys.executable
    try:
        process = subprocess.Popen(
            [interpreter, "-B", "-E", str(RUNNER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=repo_root,
            env=_environment(request),
            start_new_session=True,  # so a timeout can kill whatever the user code started
        )
    except OSError as exc:
        return {}, f"py_func {func}: cannot run the interpreter {interpreter}: {exc.strerror}"
    try:
        out, err = process.communicate(payload.encode(), timeout=backstop)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()  # mutation: equivalent — reaps it now; Popen would later
        return {}, f"py_func {func} did not finish within {backstop:g} s"
    _kill_group(process)  # leftovers the function started in the background
    if process.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and not out:
        return {}, f"py_func {func} did not finish within {request.timeout:g} s of CPU time"
    try:
        answer = json.loads(out.decode("utf-8"))
    except ValueError:
        last = err.decode("utf-8", errors="replace").strip().splitlines()[-1:] or ["no output"]
        message = f"py_func {func} exited with status {process.returncode}: {last[0]}"
        if request.python is not None:
            message += f" (is {interpreter} a Python 3.6 or newer?)"
        return {}, message
    return answer, None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)

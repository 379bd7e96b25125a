"""Call a prow_config.yaml ``py_func`` in a fresh interpreter and print its workflow as JSON.

Run by ``compiler.evaluate.pyfunc`` as ``python -B -E <this file>``, never imported by kftest:
user code runs in its own process, so its imports, globals and crashes cannot touch kftest.
Standard library only, because ``sys.path`` here is the user's ``python_paths`` and nothing of
kftest.

stdin:  {"func": "pkg.module.function", "kwargs": {...}, "optional": {...}, "paths": [...]}
stdout: one JSON object, {"status": "ok", "workflow": ..., "files": [...]} or
        {"status": "missing" | "error" | "dependency", "message": ..., "file": ..., "line": ...}
Anything the user code prints goes to stderr.

``kwargs`` are always passed; ``optional`` ones (the ``name``, ``namespace`` and
``test_target_name`` the seed added from 2020) only when the function accepts them, by name or
through ``**kwargs``: builders written before 2020 take the entry's kwargs only.

It runs under whichever interpreter ``--python`` names, as old as Python 3.6 (the seed's
test-worker image): no annotations that 3.6 cannot evaluate, no newer library calls.
"""

import contextlib
import importlib
import inspect
import json
import os
import sys
import traceback

PR_SET_PDEATHSIG = 1  # prctl(2): a signal for this process when its parent dies


def main():
    reply = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the user's prints, even from C code, must not corrupt the reply
    request = json.load(sys.stdin)
    _limit(request.get("cpu"), request.get("parent"))
    paths = [os.path.realpath(path) for path in request["paths"]]
    # mutation: equivalent — [:2] drops pythonXY.zip as well, which installs do not have
    sys.path[:1] = paths  # drop this runner's own directory
    answer = run(request["func"], request["kwargs"], paths, request.get("optional") or {})
    reply.write(json.dumps(answer, default=str))
    reply.close()  # mutation: equivalent — returning closes it too (its last reference)
    return 0  # mutation: equivalent[return None] — (return None: exit status 0 as well)


def _limit(cpu, parent):
    """Die with the kftest worker that started us, and after ``cpu`` seconds of CPU time."""
    if sys.platform.startswith("linux") and parent:
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)
    if cpu:
        import math
        import resource

        soft = max(1, math.ceil(cpu))
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard == resource.RLIM_INFINITY or hard > soft + 1:
            resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))


def run(func, kwargs, paths, optional=None):
    """Import ``func``'s module, call it; the reply as a dict."""
    module_name, _, name = func.rpartition(".")
    if not module_name:
        return {"status": "missing", "message": f"{func!r} is not of the form module.function"}
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            searched = ", ".join(paths) or "no python_paths"
            return {
                "status": "missing",
                "message": f"no module named {exc.name!r} ({searched})",
                "module": exc.name,
            }
        if exc.name:
            reply = _failure(f"importing {module_name} failed:", exc, paths)
            reply.update(status="dependency", module=exc.name)
            return reply
        return _failure(f"importing {module_name} failed:", exc, paths)
    except BaseException as exc:
        return _failure(f"importing {module_name} failed:", exc, paths)
    if not hasattr(module, name):
        return {"status": "missing", "message": f"module {module_name} has no {name!r}"}
    function = getattr(module, name)
    if not callable(function):
        kind = type(function).__name__
        return {"status": "missing", "message": f"{func} is not a function (it is a {kind})"}
    arguments = dict(kwargs)
    arguments.update(
        (key, value)
        for key, value in (optional or {}).items()  # mutation: equivalent[Or -> And] — main: a dict
        if key not in arguments and _accepts(function, key)
    )
    try:
        workflow = function(**arguments)
    except ModuleNotFoundError as exc:
        reply = _failure(f"{func} raised", exc, paths)
        if exc.name:
            reply.update(status="dependency", module=exc.name)
        return reply
    except BaseException as exc:
        return _failure(f"{func} raised", exc, paths)
    return {"status": "ok", "workflow": workflow, "files": _user_files(paths)}


def _accepts(function, keyword):
    """Whether ``function`` takes ``keyword`` (by name, or any through ``**kwargs``)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return True  # a builtin or C function: let the call itself say
    for parameter in parameters:
        if parameter.kind == parameter.VAR_KEYWORD:
            return True
        if parameter.name == keyword and parameter.kind in (
            parameter.POSITIONAL_OR_KEYWORD,
            parameter.KEYWORD_ONLY,
        ):
            return True
    return False  # mutation: equivalent[return None] — (None: as false to its one caller)


def _failure(what, exc, paths):
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
    file, line = _where(exc, paths)
    return {
        "status": "error",
        "message": f"{what} {detail[-1] if detail else type(exc).__name__}",
        "file": file,
        "line": line,
    }


def _where(exc, paths):
    """The innermost frame in user code (a SyntaxError's own place first)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return exc.filename, exc.lineno
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if _under(frame.filename, paths):
            return frame.filename, frame.lineno
    return None, None


def _user_files(paths):
    files = set()
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and _under(file, paths):
            files.add(os.path.realpath(file))
    return sorted(files)


def _under(file, paths):
    real = os.path.realpath(file)
    return any(real.startswith(path + os.sep) for path in paths)


if __name__ == "__main__":
    sys.exit(main())

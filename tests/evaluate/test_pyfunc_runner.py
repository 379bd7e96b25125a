"""The py_func runner as kftest starts it: a fresh ``python -B -E`` reading one JSON request."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compiler.evaluate.pyfunc import RUNNER
from tests.evaluate.conftest import gone, write_files

BUILDERS = {
    "py/builders/__init__.py": "",
    "py/builders/flows.py": """
        import json
        import os
        import resource
        import sys

        from builders import helper


        def echo(**kwargs):
            return {"kwargs": kwargs, "path0": sys.path[0]}


        def named(url, name="unset", *, namespace="unset"):
            return {"url": url, "name": name, "namespace": namespace}


        def positional_only(name="unset", /):
            return {"name": name}


        def star_args(*args):
            return {"args": list(args)}


        builtin = dict


        def limits():
            return {"cpu": list(resource.getrlimit(resource.RLIMIT_CPU))}


        def chatty():
            print("to stdout")
            os.write(1, b"straight to fd 1\\n")
            return {"quiet": helper.VALUE}


        def bad_json():
            return json.loads("{")


        def own_syntax_error():
            raise SyntaxError("made up")


        def needs_a_dependency():
            import kftest_missing_dependency  # noqa: F401


        def nameless_module_error():
            raise ModuleNotFoundError("no name given")


        def exits():
            raise SystemExit(4)


        def sleeps(marker):
            import time

            open(marker, "w").close()
            time.sleep(60)


        NOT_CALLABLE = 3
    """,
    "py/builders/helper.py": "VALUE = 'from helper'\n",
    "py/builders/broken_dependency.py": "import kftest_missing_dependency  # noqa: F401\n",
    "py/builders/nameless.py": "raise ModuleNotFoundError('no name given')\n",
    "py/builders/exits_on_import.py": "raise SystemExit(3)\n",
    "py/builders/outside.py": """
        import os
        import sys

        sys.path.append(os.path.join(os.path.dirname(__file__), "..", "..", "py2"))
        import neighbour


        def create():
            return {"from": neighbour.VALUE}
    """,
    "py2/neighbour.py": "VALUE = 'py2'\n",
    "py/builders/syntax_error.py": "VALUE = 1\n\ndef create(:\n",
    # A package whose name starts like another one's: `pkgx` importing a missing `pkg`.
    "py/pkgx/__init__.py": "",
    "py/pkgx/mod.py": "import pkg  # noqa: F401\n",
}


@pytest.fixture
def builders(tmp_path: Path) -> Path:
    write_files(tmp_path, BUILDERS)
    return tmp_path / "py"


def run_runner(
    func: str,
    paths: list[Path],
    kwargs: dict[str, Any] | None = None,
    optional: dict[str, Any] | None = None,
    preexec: Callable[[], None] | None = None,
    **limits: Any,
) -> tuple[int, dict[str, Any] | None, str]:
    payload = {"func": func, "kwargs": kwargs or {}, "paths": [str(p) for p in paths]}
    if optional is not None:
        payload["optional"] = optional
    result = subprocess.run(
        [sys.executable, "-B", "-E", str(RUNNER)],
        input=json.dumps({**payload, **limits}).encode(),
        capture_output=True,
        timeout=60,
        check=False,
        preexec_fn=preexec,
    )
    answer = json.loads(result.stdout) if result.stdout else None
    return result.returncode, answer, result.stderr.decode()


def ok(answer: dict[str, Any] | None) -> Any:
    assert answer is not None and answer["status"] == "ok", answer
    return answer["workflow"]


def test_kwargs_and_the_optional_arguments_a_function_accepts(builders: Path) -> None:
    optional = {"name": "wf-1", "namespace": "kf-ci", "test_target_name": "e2e"}
    code, answer, _ = run_runner("builders.flows.echo", [builders], {"a": 1}, optional)
    assert code == 0
    assert ok(answer) == {"kwargs": {"a": 1, **optional}, "path0": str(builders)}
    # The entry's own kwargs win over the optional ones.
    _, answer, _ = run_runner("builders.flows.echo", [builders], {"name": "mine"}, optional)
    assert ok(answer)["kwargs"]["name"] == "mine"
    _, answer, _ = run_runner("builders.flows.named", [builders], {"url": "u"}, optional)
    assert ok(answer) == {"url": "u", "name": "wf-1", "namespace": "kf-ci"}
    _, answer, _ = run_runner("builders.flows.positional_only", [builders], {}, optional)
    assert ok(answer) == {"name": "unset"}
    _, answer, _ = run_runner("builders.flows.star_args", [builders], {}, optional)
    assert ok(answer) == {"args": []}
    # No signature to inspect (a builtin): the call itself decides.
    _, answer, _ = run_runner("builders.flows.builtin", [builders], {"a": 1}, optional)
    assert ok(answer) == {"a": 1, **optional}
    _, answer, _ = run_runner("builders.flows.echo", [builders], {"a": 1})  # no optional key
    assert ok(answer)["kwargs"] == {"a": 1}


def test_prints_go_to_stderr_and_files_read_are_listed(builders: Path) -> None:
    code, answer, stderr = run_runner("builders.flows.chatty", [builders])
    assert code == 0 and ok(answer) == {"quiet": "from helper"}
    assert "to stdout" in stderr and "straight to fd 1" in stderr
    assert answer is not None
    assert answer["files"] == [
        str((builders / "builders" / name).resolve())
        for name in ("__init__.py", "flows.py", "helper.py")
    ]
    # A module imported from outside python_paths is not the builder's (a prefix is no parent).
    _, answer, _ = run_runner("builders.outside.create", [builders])
    assert ok(answer) == {"from": "py2"}
    assert answer is not None
    assert [Path(file).name for file in answer["files"]] == ["__init__.py", "outside.py"]


@pytest.mark.parametrize(
    ("func", "reply"),
    [
        ("create", {"message": "'create' is not of the form module.function"}),
        ("nowhere.create", {"message": "no module named 'nowhere' ({paths})", "module": "nowhere"}),
        (
            "builders.nowhere.create",
            {
                "message": "no module named 'builders.nowhere' ({paths})",
                "module": "builders.nowhere",
            },
        ),
        ("builders.flows.create", {"message": "module builders.flows has no 'create'"}),
        (
            "builders.flows.NOT_CALLABLE",
            {"message": "builders.flows.NOT_CALLABLE is not a function (it is a int)"},
        ),
    ],
)
def test_what_does_not_resolve_is_missing(builders: Path, func: str, reply: dict[str, str]) -> None:
    _, answer, _ = run_runner(func, [builders])
    expected = {k: v.format(paths=builders.resolve()) for k, v in reply.items()}
    assert answer == {"status": "missing", **expected}


def test_without_python_paths_the_message_says_so() -> None:
    _, answer, _ = run_runner("nowhere.create", [])
    assert answer == {
        "status": "missing",
        "message": "no module named 'nowhere' (no python_paths)",
        "module": "nowhere",
    }


@pytest.mark.parametrize(
    ("func", "reply"),
    [
        (
            "builders.broken_dependency.create",
            {
                "status": "dependency",
                "module": "kftest_missing_dependency",
                "message": "importing builders.broken_dependency failed: ModuleNotFoundError: "
                "No module named 'kftest_missing_dependency'",
                "file": "builders/broken_dependency.py",
                "line": 1,
            },
        ),
        (
            "pkgx.mod.create",
            {
                "status": "dependency",
                "module": "pkg",
                "message": "importing pkgx.mod failed: ModuleNotFoundError: No module named 'pkg'",
                "file": "pkgx/mod.py",
                "line": 1,
            },
        ),
        (
            "builders.nameless.create",
            {
                "status": "error",
                "message": "importing builders.nameless failed: ModuleNotFoundError: no name given",
                "file": "builders/nameless.py",
                "line": 1,
            },
        ),
        (
            "builders.exits_on_import.create",
            {
                "status": "error",
                "message": "importing builders.exits_on_import failed: SystemExit: 3",
                "file": "builders/exits_on_import.py",
                "line": 1,
            },
        ),
        (
            "builders.flows.needs_a_dependency",
            {
                "status": "dependency",
                "module": "kftest_missing_dependency",
                "message": "builders.flows.needs_a_dependency raised ModuleNotFoundError: "
                "No module named 'kftest_missing_dependency'",
                "file": "builders/flows.py",
                "line": 47,
            },
        ),
        (
            "builders.flows.nameless_module_error",
            {
                "status": "error",
                "message": "builders.flows.nameless_module_error raised ModuleNotFoundError: "
                "no name given",
                "file": "builders/flows.py",
                "line": 51,
            },
        ),
        (
            "builders.flows.exits",
            {
                "status": "error",
                "message": "builders.flows.exits raised SystemExit: 4",
                "file": "builders/flows.py",
                "line": 55,
            },
        ),
        (
            # Raised inside the standard library: the builder's own line is blamed.
            "builders.flows.bad_json",
            {
                "status": "error",
                "message": "builders.flows.bad_json raised json.decoder.JSONDecodeError: "
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
                "file": "builders/flows.py",
                "line": 39,
            },
        ),
        (
            # A SyntaxError of its own making has no file: where it was raised.
            "builders.flows.own_syntax_error",
            {
                "status": "error",
                "message": "builders.flows.own_syntax_error raised SyntaxError: made up",
                "file": "builders/flows.py",
                "line": 43,
            },
        ),
    ],
)
def test_failures_name_the_builder_s_file_and_line(
    builders: Path, func: str, reply: dict[str, Any]
) -> None:
    code, answer, _ = run_runner(func, [builders])
    assert code == 0 and answer is not None
    assert answer == {**reply, "file": str((builders / reply["file"]).resolve())}


@pytest.mark.parametrize(("cpu", "limit"), [(0.5, [1, 2]), (2.5, [3, 4])])
def test_the_cpu_limit(builders: Path, cpu: float, limit: list[int]) -> None:
    _, answer, _ = run_runner("builders.flows.limits", [builders], cpu=cpu)
    assert ok(answer) == {"cpu": limit}


@pytest.mark.parametrize(("hard", "limit"), [(3, [3, 3]), (4, [2, 3]), (10, [2, 3])])
def test_a_lower_hard_cpu_limit_is_kept(builders: Path, hard: int, limit: list[int]) -> None:
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))

    _, answer, _ = run_runner("builders.flows.limits", [builders], preexec=preexec, cpu=2)
    assert ok(answer) == {"cpu": limit}


def test_no_cpu_limit_unless_asked(builders: Path) -> None:
    _, answer, _ = run_runner("builders.flows.limits", [builders])
    infinity = resource.RLIM_INFINITY
    assert ok(answer) == {"cpu": list(resource.getrlimit(resource.RLIMIT_CPU))}
    assert resource.getrlimit(resource.RLIMIT_CPU)[1] == infinity


def test_a_runner_whose_parent_is_gone_exits_at_once(builders: Path) -> None:
    # Its parent is not the kftest worker named: that worker is gone already.
    code, answer, _ = run_runner("builders.flows.echo", [builders], parent=1)
    assert (code, answer) == (1, None)
    code, answer, _ = run_runner("builders.flows.echo", [builders], parent=os.getpid())
    assert code == 0 and ok(answer)["kwargs"] == {}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_runner_dies_with_the_worker_that_started_it(builders: Path, tmp_path: Path) -> None:
    marker = tmp_path / "sleeping"
    payload = {
        "func": "builders.flows.sleeps",
        "kwargs": {"marker": str(marker)},
        "paths": [str(builders)],
    }
    worker_code = f"""
import json, os, subprocess, sys, time
runner = subprocess.Popen([sys.executable, "-B", "-E", {str(RUNNER)!r}], stdin=subprocess.PIPE)
runner.stdin.write(json.dumps({{**{payload!r}, "parent": os.getpid()}}).encode())
runner.stdin.close()
print(runner.pid, flush=True)
time.sleep(60)
"""
    worker = subprocess.Popen([sys.executable, "-c", worker_code], stdout=subprocess.PIPE)
    try:
        assert worker.stdout is not None
        runner = int(worker.stdout.readline())
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists() and not gone(runner)  # in the builder's sleep
        worker.kill()
        worker.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not gone(runner) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(runner)
    finally:
        worker.kill()
        worker.wait(timeout=10)
        if "runner" in locals() and not gone(runner):
            os.kill(runner, signal.SIGKILL)


def test_an_error_outside_the_builder_s_files_has_no_place(builders: Path) -> None:
    _, answer, _ = run_runner("json.loads", [builders], {"s": "{"})
    assert answer == {
        "status": "error",
        "message": "json.loads raised json.decoder.JSONDecodeError: Expecting property name "
        "enclosed in double quotes: line 1 column 2 (char 1)",
        "file": None,
        "line": None,
    }


def test_a_syntax_error_names_its_file_and_line(builders: Path) -> None:
    _, answer, _ = run_runner("builders.syntax_error.create", [builders])
    assert answer is not None and answer["status"] == "error"
    assert answer["message"].startswith("importing builders.syntax_error failed: SyntaxError: ")
    file = str((builders / "builders" / "syntax_error.py").resolve())
    assert (answer["file"], answer["line"]) == (file, 3)

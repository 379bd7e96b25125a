"""py_func entries: the seed's calling convention, isolation, and what goes wrong in user code."""

from __future__ import annotations

import copy
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from compiler.evaluate import EvalRequest, EvalResult, evaluate, evaluate_many, pool
from compiler.evaluate.pyfunc import python_paths
from tests.evaluate.conftest import DATA, KEY_LINES, gone, make_entry, make_request, write_files

REPO = DATA / "pyfunc-repo"
PY_FUNC_LINE = KEY_LINES["py_func"]


def request_for(func: str, timeout: float = 10.0, **kwargs: object) -> EvalRequest:
    entry = make_entry(name="py-unittests", py_func=func, kwargs=kwargs)
    return make_request(REPO, entry, python_paths=("py",), timeout=timeout)


def only(result: EvalResult) -> tuple[str, str | None, int | None, str]:
    assert result.documents == []
    [diagnostic] = result.diagnostics
    return diagnostic.rule, diagnostic.file, diagnostic.line, diagnostic.message


def test_py_func_compiles_like_the_seed() -> None:
    request = request_for("ci.unittests.create_workflow", use_basic_auth=True, shards=2)
    kwargs_before = copy.deepcopy(request.entry.kwargs)
    result = evaluate(request)

    assert result.diagnostics == []
    [workflow] = result.documents
    assert workflow["metadata"]["name"] == request.run_params["name"]
    assert workflow["metadata"]["namespace"] == request.run_params["namespace"]
    # The seed's builders read the Prow variables from their environment.
    assert workflow["metadata"]["labels"]["JOB_TYPE"] == "presubmit"
    assert workflow["metadata"]["labels"]["REPO_OWNER"] == "local"
    steps = {t["name"]: t for t in workflow["spec"]["templates"]}
    assert set(steps) >= {"checkout", "py-test-0", "py-test-1", "copy-artifacts"}
    env = {e["name"]: e["value"] for e in steps["py-test-1"]["container"]["env"]}
    assert env == {"TEST_TARGET_NAME": "py-unittests", "BASIC_AUTH": "true"}
    assert result.params == {
        "use_basic_auth": True,
        "shards": 2,
        "name": request.run_params["name"],
        "namespace": request.run_params["namespace"],
        "test_target_name": "py-unittests",
    }
    assert request.entry.kwargs == kwargs_before  # the seed mutated the config; kftest does not
    assert result.source == "py:ci.unittests.create_workflow"
    assert {"py/ci/unittests.py", "py/ci/argo_build.py"} <= result.imports


def test_explicit_test_target_name_is_kept() -> None:
    result = evaluate(request_for("ci.unittests.create_workflow", test_target_name="custom"))
    [workflow] = result.documents
    step = next(t for t in workflow["spec"]["templates"] if t["name"] == "py-test-0")
    assert step["container"]["env"] == [{"name": "TEST_TARGET_NAME", "value": "custom"}]


def test_user_code_sees_no_kftest_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KFTEST_TEST_SECRET", "hunter2")
    monkeypatch.setenv("PROW_JOB_ID", "4f1c")  # Prow's, read by the seed's argo_build_util
    result = evaluate(request_for("ci.misbehaving.environment", shards=1))
    [workflow] = result.documents
    annotations = workflow["metadata"]["annotations"]
    environ = annotations["environ"].split(",")
    assert "KFTEST_TEST_SECRET" not in environ
    assert {"JOB_NAME", "JOB_TYPE", "REPO_OWNER", "REPO_NAME", "PATH", "PROW_JOB_ID"} <= set(
        environ
    )
    assert annotations["kwargs"] == "shards,test_target_name"
    assert annotations["sys-path-0"] == str((REPO / "py").resolve())


def test_prints_do_not_corrupt_the_result() -> None:
    result = evaluate(request_for("ci.misbehaving.chatty"))
    assert result.diagnostics == []
    assert result.documents[0]["metadata"]["name"] == result.params["name"]


def test_user_code_leaves_no_bytecode_in_the_repository() -> None:
    evaluate(request_for("ci.unittests.create_workflow"))
    assert not list(REPO.rglob("__pycache__"))


@pytest.mark.parametrize(
    ("func", "words"),
    [
        ("ci.nowhere.create_workflow", "no module named 'ci.nowhere'"),
        ("nowhere.create_workflow", "no module named 'nowhere'"),
        ("ci.unittests.create", "module ci.unittests has no 'create'"),
        ("ci.misbehaving.not_a_function", "is not a function (it is a int)"),
        ("create_workflow", "not of the form module.function"),
    ],
)
def test_unresolvable_py_func_is_component_missing(func: str, words: str) -> None:
    rule, file, line, message = only(evaluate(request_for(func)))
    assert (rule, file, line) == ("component-missing", "prow_config.yaml", PY_FUNC_LINE)
    assert words in message


@pytest.mark.parametrize(
    ("func", "words"),
    [
        (
            "ci.broken_import.create_workflow",
            "needs the module 'kftest_no_such_dependency', which",
        ),
        ("ci.syntax_error.create_workflow", "SyntaxError"),
        (
            "ci.misbehaving.raises",
            "ci.misbehaving.raises raised KeyError: 'missing_key' (at py/ci/misbehaving.py:10)",
        ),
        ("ci.misbehaving.exits", "exited with status 3"),
    ],
)
def test_failing_user_code_is_an_evaluation_error(func: str, words: str) -> None:
    rule, file, line, message = only(evaluate(request_for(func)))
    assert (rule, file, line) == ("jsonnet-error", "prow_config.yaml", PY_FUNC_LINE)
    assert words in message


def test_syntax_error_names_the_file_and_line() -> None:
    _, _, _, message = only(evaluate(request_for("ci.syntax_error.create_workflow")))
    assert "(at py/ci/syntax_error.py:2)" in message


def test_py_func_that_spins_is_stopped_by_its_cpu_time() -> None:
    rule, file, line, message = only(evaluate(request_for("ci.misbehaving.spins", timeout=1.0)))
    assert (rule, file, line) == ("jsonnet-error", "prow_config.yaml", PY_FUNC_LINE)
    assert message == "py_func ci.misbehaving.spins did not finish within 1 s of CPU time"


@pytest.mark.parametrize(("factor", "slack"), [(4.0, 0.5), (1.0, 1.5)])
def test_py_func_that_sleeps_is_stopped_by_the_wall_clock_backstop(
    monkeypatch: pytest.MonkeyPatch, factor: float, slack: float
) -> None:
    # The backstop is the larger of timeout x factor and timeout + slack: 2 s either way.
    monkeypatch.setattr(pool, "WALL_FACTOR", factor)
    monkeypatch.setattr(pool, "WALL_SLACK", slack)
    rule, file, line, message = only(evaluate(request_for("ci.misbehaving.hangs", timeout=0.5)))
    assert (rule, file, line) == ("jsonnet-error", "prow_config.yaml", PY_FUNC_LINE)
    assert message == "py_func ci.misbehaving.hangs did not finish within 2 s"


def test_result_that_is_not_a_workflow() -> None:
    rule, file, line, message = only(evaluate(request_for("ci.misbehaving.returns_text")))
    assert (rule, file, line) == ("argo-schema", "prow_config.yaml", PY_FUNC_LINE)
    assert message.startswith("py_func ci.misbehaving.returns_text produced a string")


def test_entries_do_not_share_an_interpreter() -> None:
    results = evaluate_many([request_for("ci.misbehaving.counts")] * 3, jobs=1)
    calls = [result.documents[0]["metadata"]["annotations"]["calls"] for result in results]
    assert calls == ["1", "1", "1"]


def test_python_paths_resolve_like_app_dir(tmp_path: Path) -> None:
    repos = tmp_path / "src"
    for directory in ("kubeflow/kubeflow/py", "kubeflow/testing/py", "other/repo/py", "lib"):
        (repos / directory).mkdir(parents=True)
    (repos / "kubeflow/kubeflow/lib").mkdir()  # `lib` in the repository too: the repos dir wins
    entry = make_entry(py_func="a.b")
    request = make_request(
        repos / "kubeflow/kubeflow",
        entry,
        repos_dir=repos,
        python_paths=("kubeflow/kubeflow/py", "other/repo/py", "missing/x/py", "lib"),
    )
    assert python_paths(request, (repos / "kubeflow/kubeflow").resolve()) == [
        str((repos / p).resolve())
        for p in (
            "kubeflow/kubeflow/py",
            "other/repo/py",
            "lib",
            "kubeflow/testing/py",
            "kubeflow/kubeflow",
        )
    ]


def test_owner_repo_prefix_of_python_paths_without_repos_dir(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    (root / "py").mkdir(parents=True)
    request = make_request(
        root,
        make_entry(py_func="a.b"),
        environ={"REPO_OWNER": "kubeflow", "REPO_NAME": "kubeflow"},
        python_paths=("kubeflow/kubeflow/py",),
    )
    assert python_paths(request, root.resolve()) == [str(root / "py"), str(root)]
    assert os.path.isdir(python_paths(request, root.resolve())[0])


@pytest.mark.parametrize(
    "func", ["ci.old_style.create_workflow", "ci.mpi-operator.create_e2e_workflow.create_workflow"]
)
def test_a_2019_builder_gets_the_entry_kwargs_only(func: str) -> None:
    # Before 2020 the seed passed no name/namespace/test_target_name: builders that do not
    # accept them (by name or **kwargs) are called without them. Any module path that
    # importlib accepts works, a dash in a package name included.
    result = evaluate(request_for(func, url="https://example.com/x.yaml"))
    assert result.diagnostics == []
    [workflow] = result.documents
    assert workflow["metadata"]["annotations"] == {"url": "https://example.com/x.yaml"}
    assert workflow["metadata"]["name"] == "kftest-local-old-style"  # JOB_NAME reached it


def test_a_missing_dependency_is_one_diagnostic_suggesting_python() -> None:
    rule, file, line, message = only(evaluate(request_for("ci.broken_import.create_workflow")))
    assert (rule, file, line) == ("jsonnet-error", "prow_config.yaml", PY_FUNC_LINE)
    assert "needs the module 'kftest_no_such_dependency'" in message
    assert "--python PATH" in message and "KFTEST_PYTHON" in message
    assert "(imported at py/ci/broken_import.py:3)" in message


def test_other_builder_errors_mention_the_seed_libraries() -> None:
    _, _, _, message = only(evaluate(request_for("ci.misbehaving.raises")))
    assert "give --python PATH" in message


def test_an_interpreter_that_cannot_run_is_a_diagnostic(tmp_path: Path) -> None:
    from dataclasses import replace

    request = replace(request_for("ci.unittests.create_workflow"), python=str(tmp_path / "nope"))
    rule, _, _, message = only(evaluate(request))
    assert rule == "jsonnet-error"
    assert f"cannot run the interpreter {tmp_path / 'nope'}" in message


def _old_python() -> str | None:
    from tests.seed_python import _candidates, _version

    for python in _candidates()[:-1]:  # not the running interpreter
        if _version(python) in ("3.6", "3.7", "3.8"):
            return python
    return None


@pytest.mark.skipif(_old_python() is None, reason="no Python 3.6-3.8 on this machine")
def test_the_runner_works_on_python_3_6() -> None:
    from dataclasses import replace

    request = request_for("ci.unittests.create_workflow", shards=1)
    mine = evaluate(request)
    theirs = evaluate(replace(request, python=_old_python()))
    assert theirs.diagnostics == []
    assert theirs.documents == mine.documents


WORKFLOW = (
    "{'apiVersion': 'argoproj.io/v1alpha1', 'kind': 'Workflow', 'metadata': {'name': name, "
    "'annotations': annotations}, 'spec': {'entrypoint': 'e', 'templates': [{'name': 'e', "
    "'container': {'image': 'x:1'}}]}}"
)
FAMILY = {
    "py/kubeflow/__init__.py": "",
    "py/kubeflow/builder.py": "import kubeflow.testing.util\n",
    "py/ci/__init__.py": "",
    "py/ci/needs_kubeflow.py": "import kubeflow.testing.util\n",
    "py/ci/needs_own.py": "import ci.not_written_yet\n",
    "py/ci/dies.py": """
        import os
        import sys


        def create(**kwargs):
            sys.stderr.write("first line\\nlast words\\n")
            sys.stderr.flush()
            os._exit(2)
    """,
    "py/ci/leaves_a_child.py": f"""
        import subprocess


        def create(name=None, **kwargs):
            child = subprocess.Popen(
                ["sleep", "60"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            annotations = {{"child": str(child.pid)}}
            return {WORKFLOW}
    """,
}


def family_request(tmp_path: Path, func: str, **options: object) -> EvalRequest:
    from dataclasses import replace

    root = tmp_path / "work" / "repo"
    write_files(root, FAMILY)
    request = make_request(root, make_entry(py_func=func), python_paths=("py",))
    return replace(request, **options)


@pytest.fixture
def no_gopath(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOPATH", raising=False)


@pytest.mark.usefixtures("no_gopath")
def test_a_missing_module_of_the_seed_s_family_names_its_checkout(tmp_path: Path) -> None:
    request = family_request(tmp_path, "kubeflow.builder.create")
    py, root = (request.repo_root / "py").resolve(), request.repo_root.resolve()
    hint = (
        "; python_paths item 'kubeflow/testing/py': the checkout of kubeflow/testing is missing: "
        "tried ../testing, ../../kubeflow/testing; clone it beside this repository"
    )
    rule, _, _, message = only(evaluate(request))
    assert rule == "jsonnet-error"
    assert message.startswith(
        "py_func kubeflow.builder.create cannot import 'kubeflow.testing'" + hint
    )
    # Another family's builder needs it as a library.
    _, _, _, message = only(evaluate(family_request(tmp_path, "ci.needs_kubeflow.create")))
    assert message.startswith(
        "py_func ci.needs_kubeflow.create needs the module 'kubeflow.testing'"
    )
    _, _, _, message = only(evaluate(family_request(tmp_path, "ci.needs_own.create")))
    assert message.startswith("py_func ci.needs_own.create needs the module 'ci.not_written_yet'")
    rule, _, _, message = only(evaluate(family_request(tmp_path, "kubeflow.nowhere.create")))
    assert rule == "component-missing"
    assert message.startswith(
        f"py_func kubeflow.nowhere.create: no module named 'kubeflow.nowhere' ({py}, {root})" + hint
    )
    _, _, _, message = only(evaluate(family_request(tmp_path, "nowhere.create")))
    assert message == f"py_func nowhere.create: no module named 'nowhere' ({py}, {root})"


def test_messages_with_and_without_python(tmp_path: Path) -> None:
    python = str(tmp_path / "python")  # an interpreter of the user's: not kftest's own
    os.symlink(sys.executable, python)
    _, _, _, message = only(evaluate(family_request(tmp_path, "ci.dies.create")))
    assert message == "py_func ci.dies.create exited with status 2: last words"
    _, _, _, message = only(evaluate(family_request(tmp_path, "ci.dies.create", python=python)))
    assert message == (
        f"py_func ci.dies.create exited with status 2: last words (is {python} a Python 3.6 or "
        "newer?)"
    )
    _, _, _, message = only(evaluate(request_for("ci.misbehaving.exits")))
    assert message == "py_func ci.misbehaving.exits exited with status 3: no output"
    from dataclasses import replace

    raises = replace(request_for("ci.misbehaving.raises"), python=python)
    _, _, _, message = only(evaluate(raises))
    assert message == (
        "ci.misbehaving.raises raised KeyError: 'missing_key' (at py/ci/misbehaving.py:10)"
    )
    needs = request_for("ci.broken_import.create_workflow")
    for interpreter in (None, python):
        _, _, _, message = only(evaluate(replace(needs, python=interpreter)))
        shown = interpreter or sys.executable
        assert f"needs the module 'kftest_no_such_dependency', which {shown} does not" in message


def test_what_a_builder_leaves_running_is_stopped(tmp_path: Path) -> None:
    result = evaluate(family_request(tmp_path, "ci.leaves_a_child.create"))
    assert result.diagnostics == []
    child = int(result.documents[0]["metadata"]["annotations"]["child"])
    deadline = time.monotonic() + 10
    try:
        while not gone(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(child)
    finally:
        if not gone(child):
            os.kill(child, signal.SIGKILL)

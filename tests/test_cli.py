"""The CLI as users and scripts meet it: exit codes, file:line diagnostics, no tracebacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, run_kftest

COMPONENT = """
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
"""
CONFIG = """
workflows:
  - name: unittests
    app_dir: ci
    component: unittests
    include_dirs: [py/*]
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20240101-0123abc
"""


def lint(repo: Path, *args: str) -> Result:
    return run_kftest("lint", "--repo-root", str(repo), *args)


def assert_clean_failure(result: Result, code: int = 1) -> None:
    assert result.code == code, (result.code, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr


def errors_of(result: Result) -> list[dict[str, object]]:
    return [d for d in json.loads(result.stdout)["diagnostics"] if d["severity"] == "error"]


def test_clean_repo_lints_clean(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT, "py/a.py": ""})
    result = lint(repo)
    assert result.code == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("0 errors, 0 warnings")


# Each bad input of issue 2: (files, expected "file:line" prefix or None, rule, extra args).
BAD_INPUTS = {
    "malformed yaml": (
        {"prow_config.yaml": "workflows:\n  - name: a\n   app_dir: [x\n"},
        "prow_config.yaml:3:",
        "yaml-syntax",
    ),
    "non-mapping top level": (
        {"prow_config.yaml": "- name: a\n"},
        "prow_config.yaml:1:1",
        "config-schema",
    ),
    "scalar job_types": (
        {
            "prow_config.yaml": CONFIG.replace(
                "    include_dirs: [py/*]\n", "    job_types:\n      presubmit\n"
            )
        },
        "prow_config.yaml:6:",
        "config-schema",
    ),
    "scalar include_dirs": (
        {"prow_config.yaml": CONFIG.replace("[py/*]", "py/*")},
        "prow_config.yaml:5:",
        "config-schema",
    ),
    "unknown key": (
        {"prow_config.yaml": CONFIG.replace("component:", "componnet:")},
        "prow_config.yaml:4:5",
        "config-schema",
    ),
    "app_dir and py_func": (
        {
            "prow_config.yaml": CONFIG.replace(
                "    component: unittests\n", "    component: unittests\n    py_func: a.b\n"
            )
        },
        "prow_config.yaml:2:",
        "config-schema",
    ),
    "missing component": (
        {"prow_config.yaml": CONFIG.replace("component: unittests", "component: nope")},
        "prow_config.yaml:4:",
        "component-missing",
    ),
    "jsonnet syntax error": (
        {"ci/unittests.jsonnet": "{\n  a: 1\n  b: 2\n}\n"},
        "ci/unittests.jsonnet:3:",
        "jsonnet-error",
    ),
    "jsonnet runtime error": (
        {"ci/unittests.jsonnet": "local x = {};\n\n{ a: x.missing }\n"},
        "ci/unittests.jsonnet:3:",
        "jsonnet-error",
    ),
    "importstr /etc/passwd": (
        {"ci/unittests.jsonnet": "local p = importstr '/etc/passwd';\n{ p: p }\n"},
        "ci/unittests.jsonnet:1:",
        "import-denied",
    ),
    "import via ../../..": (
        {"ci/unittests.jsonnet": "// up and out\nimport '../../../../../../etc/hostname'\n"},
        "ci/unittests.jsonnet:2:",
        "import-denied",
    ),
    "infinite recursion": (
        {"ci/unittests.jsonnet": "local f(x) = f(x + 1) + 1;\nf(0)\n"},
        "ci/unittests.jsonnet",
        "jsonnet-error",
    ),
    "not a workflow": (
        {"ci/unittests.jsonnet": "{ apiVersion: 'v1', kind: 'Service', metadata: {} }\n"},
        None,
        "argo-schema",
    ),
    "non-UTF-8 config": (
        {"prow_config.yaml": b"workflows:\n  - name: caf\xe9\n"},
        "prow_config.yaml:2:",
        "yaml-syntax",
    ),
    "non-UTF-8 component": (
        {"ci/unittests.jsonnet": b"{ a: 'caf\xe9' }\n"},
        "ci/unittests.jsonnet",
        "jsonnet-error",
    ),
    "empty config": ({"prow_config.yaml": ""}, "prow_config.yaml:1:1", "config-schema"),
    # Issue 9: each of these printed a traceback, an internal error or an empty message.
    "empty error message": (
        {"ci/unittests.jsonnet": "// x\nerror ''\n"},
        "ci/unittests.jsonnet:2:",
        "jsonnet-error",
    ),
    "empty assert message": (
        {"ci/unittests.jsonnet": "assert false : '';\n{}\n"},
        "ci/unittests.jsonnet:1:",
        "jsonnet-error",
    ),
    "3000-deep value": (
        {"ci/unittests.jsonnet": "local f(n) = if n == 0 then 0 else [f(n - 1)];\nf(3000)\n"},
        "ci/unittests.jsonnet",
        "jsonnet-error",
    ),
    "NUL byte in the component": (
        {"ci/unittests.jsonnet": "// x\nerror 'x\0y'\n"},
        "ci/unittests.jsonnet:2:",
        "jsonnet-error",
    ),
    "component evaluates to null": (
        {"ci/unittests.jsonnet": "null\n"},
        "ci/unittests.jsonnet",
        "argo-schema",
    ),
    "300-character app_dir": (
        {"prow_config.yaml": CONFIG.replace("app_dir: ci", "app_dir: " + "d" * 300)},
        "prow_config.yaml:3:",
        "component-missing",
    ),
    "NUL in app_dir": (
        {"prow_config.yaml": CONFIG.replace("app_dir: ci", 'app_dir: "c\\0i"')},
        "prow_config.yaml:3:",
        "component-missing",
    ),
    "empty component": ({"ci/unittests.jsonnet": ""}, "ci/unittests.jsonnet", "jsonnet-error"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input(case: str, make_repo: Callable[..., Path]) -> None:
    overrides, where, rule = BAD_INPUTS[case]
    files: dict[str, str | bytes] = {"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT}
    files.update(overrides)
    repo = make_repo(files)
    result = lint(repo, "--format", "json")
    assert_clean_failure(result)
    report = json.loads(result.stdout)
    rules = {d["rule"] for d in report["diagnostics"]}
    assert rule in rules, report
    for diagnostic in report["diagnostics"]:
        assert diagnostic["message"] and diagnostic["file"], diagnostic
    assert report["errors"] >= 1
    text = lint(repo)
    if where is not None:
        assert any(
            line.startswith(where) and f"[{rule}]" in line for line in text.stdout.splitlines()
        ), text.stdout


def test_symlink_out_of_the_repo(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    secret = tmp_path / "outside.libsonnet"
    secret.write_text("{ secret: 'x' }\n")
    repo = make_repo(
        {"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": "import 'lib.libsonnet'\n"}
    )
    os.symlink(secret, repo / "ci/lib.libsonnet")
    result = lint(repo)
    assert_clean_failure(result)
    assert "ci/unittests.jsonnet:1:" in result.stdout and "[import-denied]" in result.stdout


def test_component_that_loops_forever_is_bounded(make_repo: Callable[..., Path]) -> None:
    # 2^70 calls, shallow stack: never finishes, never overflows.
    looping = "local f(n) = if n == 0 then 1 else f(n - 1) + f(n - 1);\n{ x: f(70) }\n"
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": looping})
    result = lint(repo, "--eval-timeout", "1.5")
    assert_clean_failure(result)
    assert "[jsonnet-error]" in result.stdout and "1.5" in result.stdout


def test_json_diagnostic_keys_follow_the_contract(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(
        {
            "prow_config.yaml": CONFIG.replace("v20240101-0123abc", "latest"),
            "ci/unittests.jsonnet": COMPONENT,
            "py/a.py": "",
        }
    )
    report = json.loads(lint(repo, "--format", "json").stdout)
    assert list(report) == ["diagnostics", "errors", "warnings"]
    first = report["diagnostics"][0]
    assert list(first) == [
        "rule",
        "severity",
        "file",
        "line",
        "column",
        "workflow",
        "path",
        "message",
    ]
    image = [d for d in report["diagnostics"] if d["rule"] == "immutable-image"]
    assert image and image[0]["file"] == "prow_config.yaml" and image[0]["line"] == 7
    assert image[0]["workflow"] == "unittests" and image[0]["path"].startswith("spec.templates[")


@pytest.mark.parametrize(
    "args",
    [
        ["lint", "--config", "/nonexistent/prow_config.yaml"],
        ["lint", "--no-such-option"],
        ["compile", "--salt", "XYZ"],
        ["plan", "--changed-files", "/nonexistent/list.txt"],
        ["lint", "--format", "yaml"],
        ["rules", "no-such-rule"],
    ],
)
def test_usage_errors_exit_2(args: list[str], make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    result = run_kftest(*args, cwd=repo)
    assert_clean_failure(result, code=2)


def test_no_config_is_a_usage_error(tmp_path: Path) -> None:
    result = run_kftest("lint", "--repo-root", str(tmp_path))
    assert_clean_failure(result, code=2)
    assert "prow_config.yaml" in result.stderr


def test_plan_json_and_text(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    result = run_kftest(
        "plan",
        "--job-type",
        "presubmit",
        "--changed-files",
        "-",
        "--format",
        "json",
        cwd=repo,
        stdin="py/x.py\nREADME.md\n",
    )
    assert result.code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan == {
        "job_type": "presubmit",
        "changed_files": ["py/x.py", "README.md"],
        "entries": [
            {
                "name": "unittests",
                "run": True,
                "reason": "py/x.py matches py/*",
                "matched": {"pattern": "py/*", "file": "py/x.py"},
            }
        ],
    }
    skipped = run_kftest(
        "plan", "--job-type", "presubmit", "--changed-files", "-", cwd=repo, stdin="README.md\n"
    )
    assert "skip unittests" in skipped.stdout and "0 of 1 entry run" in skipped.stdout


def test_compile_stream_and_out_dir(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    args = ["compile", "--job-type", "presubmit", "--changed-files", "-", "--salt", "a1b2"]
    stream = run_kftest(*args, cwd=repo, stdin="py/x.py\n")
    assert stream.code == 0, stream.stderr
    assert stream.stdout.startswith("---\napiVersion: argoproj.io/v1alpha1\nkind: Workflow\n")
    assert "creationTimestamp" not in stream.stdout
    out = tmp_path / "out"
    written = run_kftest(*args, "--out", str(out), cwd=repo, stdin="py/x.py\n")
    assert written.code == 0
    (only,) = out.iterdir()
    assert only.name == "kftest-local-unittests-1-0000000-1-a1b2.yaml"
    assert only.read_text() == stream.stdout.removeprefix("---\n")
    # Deterministic: the same inputs give the same bytes.
    assert run_kftest(*args, cwd=repo, stdin="py/x.py\n").stdout == stream.stdout


def test_lint_files_checks_only_affected_entries(make_repo: Callable[..., Path]) -> None:
    config = (
        CONFIG
        + """
  - name: other
    app_dir: ci
    component: other
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20240101-0123abc
"""
    )
    repo = make_repo(
        {
            "prow_config.yaml": config,
            "ci/unittests.jsonnet": COMPONENT,
            "ci/other.jsonnet": "{ broken: }\n",
            "py/a.py": "",
        }
    )
    everything = lint(repo)
    assert everything.code == 1 and "ci/other.jsonnet" in everything.stdout
    only_unittests = run_kftest("lint", "ci/unittests.jsonnet", cwd=repo)
    assert only_unittests.code == 0, only_unittests.stdout
    assert run_kftest("lint", "ci/other.jsonnet", cwd=repo).code == 1
    assert run_kftest("lint", "prow_config.yaml", cwd=repo).code == 1


def test_no_traceback_without_debug_but_with_it(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    env = {"KFTEST_JSONNET": "no-such-binding"}
    quiet = run_kftest("lint", cwd=repo, env=env)
    assert_clean_failure(quiet, code=2)
    loud = run_kftest("--debug", "lint", cwd=repo, env=env)
    assert "Traceback" in loud.stderr


@pytest.mark.parametrize("fmt", ["github", "junit", "sarif"])
def test_plan_reports_config_problems_in_every_format(
    fmt: str, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG.replace("include_dirs", "include_dir")})
    result = run_kftest("plan", "--job-type", "presubmit", "--format", fmt, cwd=repo, stdin="")
    assert_clean_failure(result)
    assert "include_dir" in result.stdout and "config-schema" in result.stdout


def test_the_lint_path_never_loads_kubernetes_or_google(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT, "py/a.py": ""})
    code = (
        "import sys\n"
        "from compiler.cli import cli\n"
        "for args in (['lint'], ['lint', '--format', 'sarif'], ['compile', '--all'], ['plan']):\n"
        f"    try: cli([*args, '--repo-root', {str(repo)!r}], prog_name='kftest')\n"
        "    except SystemExit as exit: assert exit.code == 0, (args, exit.code)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'kubernetes', 'google'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=repo
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_plan_and_compile_without_job_type(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    plan = run_kftest("plan", cwd=repo)
    assert plan.code == 0 and "job type: presubmit" in plan.stdout
    assert "JOB_TYPE is unset" in plan.stdout
    empty = run_kftest("compile", cwd=repo)  # nothing under py/ changed: nothing selected
    assert empty.code == 0 and empty.stdout == ""
    assert "no entry selected for job type presubmit" in empty.stderr
    assert "skip unittests: no changed files" in empty.stderr


TTL_COMPONENT = """
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])]) + { spec+: {
    ttlStrategy:: null, ttlSecondsAfterFinished: 604800 } }
"""


def test_argo_version_chooses_the_schema_and_says_so(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": TTL_COMPONENT})
    newest = lint(repo, "--format", "json")
    assert_clean_failure(newest)
    [error] = [d for d in json.loads(newest.stdout)["diagnostics"] if d["rule"] == "argo-schema"]
    assert (error["rule"], error["path"]) == ("argo-schema", "spec.ttlSecondsAfterFinished")
    assert "valid up to Argo 2.12" in error["message"]

    for how in (["--argo-version", "v2.12.4"], []):
        if not how:
            (repo / ".kftest.yaml").write_text('argo_version: "2.12"\n')
        old = lint(repo, *how)
        assert "0 errors" in old.stdout, old.stdout + old.stderr
        assert "warning [argo-schema] 'ttlSecondsAfterFinished' in WorkflowSpec" in old.stdout
        assert "note: validating against the Argo 2.12 schema (v2.12.13; argo_version" in (
            old.stderr
        )
    # The flag (or KFTEST_ARGO_VERSION) overrides the file.
    flag = run_kftest("lint", "--repo-root", str(repo), env={"KFTEST_ARGO_VERSION": "3.0"})
    assert_clean_failure(flag)
    assert "argo_version 3.0" in flag.stderr


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--argo-version", "latest"], "--argo-version 'latest': not an Argo release"),
        (["--python", "/no/such/python"], "--python /no/such/python: no such interpreter"),
    ],
)
def test_bad_target_or_interpreter_is_a_usage_error(
    make_repo: Callable[..., Path], option: list[str], words: str
) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    for command in ("lint", "compile", "golden"):
        result = run_kftest(command, "--repo-root", str(repo), *option)
        assert_clean_failure(result, 2)
        assert words in result.stderr


@pytest.mark.parametrize("where", ["prow_config.yaml", ".kftest.yaml"])
def test_an_alias_bomb_is_bounded_and_located(where: str, make_repo: Callable[..., Path]) -> None:
    from test_yamlpos import billion_laughs

    files = {"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT}
    files[where] = (
        billion_laughs("lint") if where == ".kftest.yaml" else (CONFIG + billion_laughs("x-bomb"))
    )
    repo = make_repo(files)
    result = lint(repo, "--format", "json")
    assert_clean_failure(result)
    [problem] = [d for d in json.loads(result.stdout)["diagnostics"] if d["file"] == where]
    assert problem["rule"] == "yaml-syntax" and problem["line"] is not None


@pytest.mark.parametrize("name", ["prow_config.yaml", ".kftest.yaml"])
def test_a_config_file_symlinked_out_of_the_repo_is_denied(
    name: str, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text(f"workflows: []\nlint: {{}}\ntoken: hunter2-{name}\n")
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    (repo / name).unlink(missing_ok=True)
    os.symlink(secret, repo / name)
    result = lint(repo, "--format", "json")
    assert_clean_failure(result)
    assert "hunter2" not in result.stdout + result.stderr
    [problem] = [d for d in json.loads(result.stdout)["diagnostics"] if d["file"] == name]
    assert problem["rule"] == "import-denied" and "outside the repository" in problem["message"]


def test_a_config_symlink_inside_the_repo_is_fine(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"ci/prow.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    os.symlink("ci/prow.yaml", repo / "prow_config.yaml")
    result = lint(repo)
    assert result.code == 0, result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_config_that_is_not_a_file_says_what_it_is(
    kind: str, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"ci/unittests.jsonnet": COMPONENT})
    if kind == "directory":
        (repo / "prow_config.yaml").mkdir()
    else:
        os.mkfifo(repo / "prow_config.yaml")
    for args in ([], ["--config", str(repo / "prow_config.yaml")]):
        result = lint(repo, *args)
        assert_clean_failure(result, code=2)
        assert ("a directory" if kind == "directory" else "a FIFO") in result.stderr
        assert "prow_config.yaml" in result.stderr


def test_an_unreadable_config_is_a_usage_error(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    (repo / "prow_config.yaml").chmod(0)
    result = run_kftest("lint", "--repo-root", str(repo), unprivileged=True)
    assert_clean_failure(result, code=2)
    assert "prow_config.yaml: cannot read" in result.stderr


@pytest.mark.parametrize("backend", ["rust", "go"])
def test_runaway_tailstrict_recursion_is_one_error_at_its_line(
    backend: str, make_repo: Callable[..., Path]
) -> None:
    recursing = "// recurses\nlocal f(n) = f(n + 1) tailstrict;\nf(0)\n"
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": recursing})
    started = time.monotonic()
    result = run_kftest(
        "lint", "--repo-root", str(repo), "--format", "json", env={"KFTEST_JSONNET": backend}
    )
    assert time.monotonic() - started < 60
    assert_clean_failure(result)
    assert len(result.stderr) < 2000, result.stderr  # no runtime dump of the binding
    [problem] = errors_of(result)
    assert (problem["rule"], problem["file"], problem["line"]) == (
        "jsonnet-error",
        "ci/unittests.jsonnet",
        2,
    ), problem
    assert "tailstrict" in problem["message"]


def test_memory_is_limited_per_evaluation(make_repo: Callable[..., Path]) -> None:
    hungry = "local a = std.makeArray(1e8, function(i) i);\n{ n: std.length(a), x: a[5] }\n"
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": hungry})
    result = lint(repo, "--format", "json", "--eval-memory", "256MiB")
    assert_clean_failure(result)
    [problem] = errors_of(result)
    assert (problem["rule"], problem["file"]) == ("jsonnet-error", "ci/unittests.jsonnet")
    assert "256 MiB of memory" in problem["message"]


@pytest.mark.parametrize(
    "option",
    [
        ["--eval-timeout", "0"],
        ["--eval-timeout", "-1"],
        ["--eval-timeout", "nan"],
        ["--eval-memory", "12"],
        ["--eval-memory", "lots"],
    ],
)
def test_nonsense_limits_are_usage_errors(
    option: list[str], make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    result = lint(repo, *option)
    assert_clean_failure(result, code=2)
    assert option[0] in result.stderr


def test_a_bug_in_kftest_exits_4_and_leaves_its_traceback_in_a_file(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    # A real unexpected exception inside a command, as a bug would raise it.
    script = (
        "import sys; from compiler import pipeline\n"
        "def load(options): raise KeyError('boom')\n"
        "pipeline.load = load\n"
        "from compiler.cli import main\n"
        "sys.argv = ['kftest', *sys.argv[1:]]\n"
        "main()\n"
    )
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    result = subprocess.run(
        [sys.executable, "-c", script, "lint", "--repo-root", str(repo)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error (a bug in kftest, not in your input): KeyError: 'boom'" in result.stderr
    assert "please report it" in result.stderr
    [saved] = temp.glob("kftest-traceback-*.txt")
    assert str(saved) in result.stderr
    text = saved.read_text()
    assert "Traceback (most recent call last)" in text and "KeyError: 'boom'" in text


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["lint"], {"JOB_TYPE": "nightly"}, "JOB_TYPE='nightly' is not a job type"),
        (["plan"], {"JOB_TYPE": "nightly"}, "JOB_TYPE='nightly' is not a job type"),
        (["run", "--no-upload"], {}, "JOB_TYPE is not set"),
    ],
)
def test_a_wrong_environment_is_a_usage_error(
    args: list[str], env: dict[str, str], words: str, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    no_cluster = {"KUBECONFIG": "", "HOME": str(repo), **env}
    result = run_kftest(*args, "--repo-root", str(repo), env=no_cluster)
    assert_clean_failure(result, code=2)
    assert words in result.stderr


# Each command offers only the options it uses: an option that a command accepted and ignored
# (`golden --salt`, `plan --eval-timeout`) let users believe they had changed something.
EVALUATE = "jpath repos-dir argo-version python eval-timeout eval-memory"
OPTIONS = {
    "lint": f"config repo-root job-type {EVALUATE} quiet format",
    "plan": "config repo-root job-type changed-files format",
    "compile": f"config repo-root job-type changed-files salt {EVALUATE} quiet format out all",
    "golden": f"config repo-root job-type {EVALUATE} quiet format update golden-dir",
}


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_each_command_has_only_the_options_it_uses(command: str) -> None:
    result = run_kftest(command, "--help")
    assert result.code == 0
    options = (re.match(r"\s+(?:-\w, )?--([\w-]+)", line) for line in result.stdout.splitlines())
    listed = {match.group(1) for match in options if match} - {"help"}
    assert listed == set(OPTIONS[command].split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["golden", "--salt", "1234"], "No such option '--salt'"),
        (["plan", "--eval-timeout", "5"], "No such option '--eval-timeout'"),
        (["lint", "--changed-files", "x"], "No such option '--changed-files'"),
        (["compile", "--all", "--changed-files", "x"], "--changed-files does nothing with --all"),
        (["submit", "--timeout", "5m", "x.yaml"], "--timeout does nothing without --wait"),
        (["run", "--no-upload", "--bucket", "b"], "--bucket does nothing with --no-upload"),
        (
            ["cleanup", "-A", "-n", "ns", "--older-than", "1d"],
            "--namespace does nothing with --all-namespaces",
        ),
    ],
)
def test_an_option_that_would_do_nothing_is_refused(
    args: list[str], message: str, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    result = run_kftest(*args, cwd=repo)
    assert_clean_failure(result, code=2)
    assert message in result.stderr


def _lint_on_a_terminal(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """What ``kftest lint`` writes to stdout when stdout is a terminal (a pseudo-terminal)."""
    import pty

    leader, follower = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    with subprocess.Popen(
        [sys.executable, "-m", "compiler", *args, "lint", "--repo-root", str(repo)],
        cwd=Path(__file__).resolve().parents[1],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env={**full_env, **(env or {})},
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 1
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_none_when_piped_or_declined(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(
        {
            "prow_config.yaml": CONFIG.replace("v20240101-0123abc", "latest"),
            "ci/unittests.jsonnet": COMPONENT,
        }
    )
    red_error, bold = "\x1b[31merror\x1b[0m", "\x1b[1mprow_config.yaml:"
    coloured = _lint_on_a_terminal(repo)
    assert red_error in coloured and bold in coloured and "[immutable-image]" in coloured
    assert "\x1b[" not in _lint_on_a_terminal(repo, env={"NO_COLOR": "1"})
    assert "\x1b[" not in _lint_on_a_terminal(repo, "--no-color")
    piped = lint(repo)
    assert piped.code == 1 and "[immutable-image]" in piped.stdout
    assert "\x1b[" not in piped.stdout + piped.stderr
    forced = run_kftest("--color", "lint", "--repo-root", str(repo))
    assert red_error in forced.stdout
    usage = run_kftest("--color", "lint", "--repo-root", str(repo / "missing"))
    assert usage.code == 2 and "\x1b[31mkftest: " in usage.stderr  # errors are red too


PY_FUNC_CONFIG = """
python_paths: [py]
workflows:
  - name: built
    py_func: ci.build.create_workflow
    kwargs:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20240101-0123abc
"""
BUILDER = """
import os


def create_workflow(stepImage):  # a 2019 builder: the entry's kwargs only
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "built", "annotations": {"via": os.environ.get("VIA", "")}},
        "spec": {
            "entrypoint": "a",
            "templates": [{"name": "a", "container": {"image": stepImage}}],
        },
    }
"""


def test_py_func_builders_run_with_the_configured_interpreter(
    make_repo: Callable[..., Path],
) -> None:
    wrapper = f'#!/bin/sh\nVIA=wrapper exec "{sys.executable}" "$@"\n'
    repo = make_repo(
        {
            "prow_config.yaml": PY_FUNC_CONFIG,
            "py/ci/__init__.py": "",
            "py/ci/build.py": BUILDER,
            "tools/python": wrapper,
            ".kftest.yaml": "python: tools/python\n",
        }
    )
    (repo / "tools/python").chmod(0o755)
    for how, env, via in (
        ([], {}, "wrapper"),  # .kftest.yaml's, relative to the repository
        (["--python", sys.executable], {}, ""),  # the flag wins
        ([], {"KFTEST_PYTHON": sys.executable}, ""),  # and so does the environment
    ):
        result = run_kftest("compile", "--repo-root", str(repo), *how, env=env)
        # Compiled (the guideline findings of this bare workflow aside), by that interpreter;
        # compile reads python_paths as lint does.
        assert "kind: Workflow" in result.stdout, result.stderr
        assert f"via: {via or chr(34) * 2}" in result.stdout

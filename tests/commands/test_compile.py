"""``kftest compile --out DIR``: one file per workflow, and never a file outside DIR."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

GOOD = """
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'good');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
"""
RENAMED = """
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'bad');
  local workflow = wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])]);
  workflow + { metadata+: { name: %s } }
"""
CONFIG = """
workflows:
  - name: good
    app_dir: ci
    component: good
    params: {stepImage: "gcr.io/kubeflow-ci/test-worker:v20240101-0123abc"}
  - name: bad
    app_dir: ci
    component: bad
    params: {stepImage: "gcr.io/kubeflow-ci/test-worker:v20240101-0123abc"}
"""
PYFUNC = """
def create_workflow(name=None, namespace=None, **kwargs):
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": %s, "namespace": namespace},
        "spec": {"entrypoint": "e", "templates": [{"name": "e", "container": {"image": "x:1"}}]},
    }
"""


def _files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    "name",
    ["'../../escaped'", "'ABS'", "'x' * 300", "'a\\u0000b'", "{a: 1}", "'..'", "'a/b'"],
)
def test_a_name_that_is_not_a_kubernetes_name_is_never_written(
    name: str, make_repo: Callable[..., Path], tmp_path: Path, kftest: Callable[..., Any]
) -> None:
    # ABS: an absolute path under tmp_path, the issue's `metadata.name: '/tmp/x/abs'`.
    absolute = json.dumps(str(tmp_path / "abs"))
    component = RENAMED % name.replace("'ABS'", absolute)
    repo = make_repo(
        {"prow_config.yaml": CONFIG, "ci/good.jsonnet": GOOD, "ci/bad.jsonnet": component}
    )
    out = repo / "deep" / "er" / "out"
    before = _files(tmp_path)
    result = kftest(
        "compile", "--all", "--out", str(out), "--format", "json", "--repo-root", str(repo)
    )
    assert result.code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    written = _files(tmp_path) - before
    assert {path.parent for path in written} == {out}, written
    assert all(path.name.startswith("kftest-local-good-") for path in written), written
    report = json.loads(result.stdout)
    [problem] = [d for d in report["diagnostics"] if d["workflow"] == "bad"]
    assert problem["rule"] == "name-length"
    assert problem["file"] == "ci/bad.jsonnet"
    assert "not a Kubernetes object name" in problem["message"]


def test_a_py_func_name_is_confined_too(
    make_repo: Callable[..., Path], tmp_path: Path, kftest: Callable[..., Any]
) -> None:
    repo = make_repo(
        {
            "prow_config.yaml": "python_paths: [py]\n"
            "workflows:\n  - name: bad\n    py_func: builder.create_workflow\n",
            "py/builder.py": PYFUNC % "'../../escaped-pyfunc'",
        }
    )
    out = repo / "a" / "out"
    result = kftest("compile", "--all", "--out", str(out), "--repo-root", str(repo))
    assert result.code == 1, (result.stdout, result.stderr)
    assert not list(tmp_path.rglob("escaped-pyfunc*"))
    assert "prow_config.yaml:4:" in result.stdout and "[name-length]" in result.stdout


def test_compile_leaves_the_cache_alone_that_lint_fills(
    make_repo: Callable[..., Path], kftest: Callable[..., Any], _private_cache: Path
) -> None:
    # The cache is lint's fast path (pre-commit); compile, the Prow path, reads every file anew.
    config = CONFIG.split("  - name: bad")[0]
    repo = make_repo({"prow_config.yaml": config, "ci/good.jsonnet": GOOD})
    compiled = kftest("compile", "--all", "--out", str(repo / "out"), "--repo-root", str(repo))
    assert compiled.code == 0, (compiled.stdout, compiled.stderr)
    assert _files(_private_cache) == set()
    linted = kftest("lint", str(repo / "ci" / "good.jsonnet"), "--repo-root", str(repo))
    assert linted.code == 0, (linted.stdout, linted.stderr)
    assert _files(_private_cache) != set()


def test_compile_for_a_job_type_emits_that_job_types_prow_environment(
    make_repo: Callable[..., Path], kftest: Callable[..., Any]
) -> None:
    config = CONFIG.split("  - name: bad")[0].replace(
        "    component: good\n", "    component: good\n    job_types: [presubmit, postsubmit]\n"
    )
    repo = make_repo({"prow_config.yaml": config, "ci/good.jsonnet": GOOD})
    for job_type in ("postsubmit", "presubmit"):
        out = repo / job_type
        result = kftest(
            "compile", "--job-type", job_type, "--out", str(out), "--repo-root", str(repo)
        )
        assert result.code == 0, (result.stdout, result.stderr)
        [written] = _files(out)
        text = written.read_text()
        assert f"name: JOB_TYPE\n        value: {job_type}\n" in text
        # Prow gives a postsubmit no pull request: no PULL_NUMBER placeholder either
        assert ("name: PULL_NUMBER" in text) == (job_type == "presubmit")


def test_compile_out_says_why_nothing_was_compiled_for_a_job_type(
    make_repo: Callable[..., Path], kftest: Callable[..., Any]
) -> None:
    config = CONFIG.split("  - name: bad")[0].replace(
        "    component: good\n", "    component: good\n    job_types: [presubmit]\n"
    )
    repo = make_repo({"prow_config.yaml": config, "ci/good.jsonnet": GOOD})
    result = kftest(
        "compile", "--job-type", "periodic", "--out", str(repo / "out"), "--repo-root", str(repo)
    )
    assert result.code == 0, (result.stdout, result.stderr)
    assert result.stdout == (
        "nothing to check (no entry runs for job type periodic): 0 errors, 0 warnings\n"
    )
    assert "skip good: job type periodic not in job_types" in result.stderr

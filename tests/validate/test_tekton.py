"""Compiled PipelineRuns are validated against the Tekton API of their apiVersion."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from compiler.validate.tekton import check_document, repository_definitions
from tests.conftest import REPO_ROOT, run_kftest

FIXTURE = REPO_ROOT / "tests/data/tekton-repo"
ENV = {"REPO_OWNER": "kubeflow", "REPO_NAME": "kftest"}


def run(api: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": f"tekton.dev/{api}",
        "kind": "PipelineRun",
        "metadata": {"name": "r", "namespace": "kf-ci", "labels": {"org": "kubeflow"}},
        "spec": spec,
    }


def problems(document: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(d.rule, d.path, d.message) for d in check_document(document)]


SEED_SPEC = {
    "params": [{"name": "artifacts-gcs", "value": "gs://b/x"}],
    "serviceAccountName": "kf-ci",
    "resources": [
        {
            "name": "source-repo",
            "resourceSpec": {
                "type": "git",
                "params": [{"name": "url", "value": "https://github.com/kubeflow/testing.git"}],
            },
        }
    ],
    "pipelineRef": {"name": "go-tests"},
    "timeout": "1h",
}


def test_the_seed_era_run_is_valid_v1alpha1_and_v1beta1() -> None:
    assert problems(run("v1alpha1", SEED_SPEC)) == []
    assert problems(run("v1beta1", SEED_SPEC)) == []


def test_v1_has_no_pipeline_resources() -> None:
    found = {path: message for _, path, message in problems(run("v1", SEED_SPEC))}
    assert "unknown field 'resources' in PipelineRunSpec" in found["spec.resources"]
    # v1 moved it to taskRunTemplate and renamed timeout to timeouts
    assert "spec.serviceAccountName" in found and "spec.timeout" in found


@pytest.mark.parametrize(
    ("api", "spec", "path", "fact"),
    [
        ("v1beta1", {"serviceAcountName": "x"}, "spec.serviceAcountName",
         "did you mean 'serviceAccountName'"),
        ("v1alpha1", {"params": [{"name": "a", "value": 3}]}, "spec.params[0].value", "expected"),
        ("v1", {"params": [{"value": "x"}]}, "spec.params[0]", "missing required field 'name'"),
        ("v1", {"pipelineRef": "go-tests"}, "spec.pipelineRef", "expected a mapping, got a string"),
        ("v1beta1", {"pipelineSpec": {"tasks": [{"name": "t", "conditions": []}]}},
         "spec.pipelineSpec.tasks[0].conditions", "removed after Tekton v0.20.0"),
        ("v1alpha1", {"pipelineSpec": {"finally": []}}, "spec.pipelineSpec.finally",
         "not part of tekton.dev/v1alpha1 (tekton.dev/v1beta1 has it)"),
        ("v1beta1", {"pipelineSpec": {"tasks": [{"name": "t", "taskSpec": {"steps": [
            {"name": "s", "image": "busybox:1.36", "env": [{"name": "A", "valu": "1"}]}]}}]}},
         "spec.pipelineSpec.tasks[0].taskSpec.steps[0].env[0].valu", "did you mean 'value'"),
    ],
)  # fmt: skip
def test_structural_problems(api: str, spec: dict[str, Any], path: str, fact: str) -> None:
    found = problems(run(api, spec))
    assert any(p == path and fact in m and r == "tekton-schema" for r, p, m in found), found


def test_v1alpha1_task_inputs_and_outputs() -> None:
    task_spec = {
        "inputs": {"params": [{"name": "p"}], "resources": [{"name": "src", "type": "git"}]},
        "steps": [{"name": "s", "image": "golang:1.14.4"}],
    }
    spec = {"pipelineSpec": {"tasks": [{"name": "t", "taskSpec": task_spec}]}}
    assert problems(run("v1alpha1", spec)) == []
    assert any("inputs" in m for _, _, m in problems(run("v1beta1", spec)))


def test_param_values_take_the_wire_formats() -> None:
    params = [
        {"name": "s", "value": "x"},
        {"name": "a", "value": ["x", "y"]},
        {"name": "o", "value": {"k": "v"}},
    ]
    assert problems(run("v1", {"params": params})) == []


def test_repository_definitions_index_pipelines_and_tasks() -> None:
    index = repository_definitions(FIXTURE.resolve())
    assert set(index["Pipeline"]) == {"go-tests", "teardown"}
    assert set(index["Task"]) == {"go-test", "echo"}
    assert index["Task"]["echo"].file == "tekton/tasks/go-test.yaml"


def lint(repo: Path) -> dict[str, Any]:
    result = run_kftest("lint", "--repo-root", str(repo), "--format", "json", env=ENV)
    return json.loads(result.stdout) | {"code": result.code}


def test_fixture_lints_clean() -> None:
    report = lint(FIXTURE)
    assert report["code"] == 0 and report["diagnostics"] == [], report


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo, ignore=shutil.ignore_patterns("golden"))
    return repo


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_diagnostics_point_at_the_file_and_line_to_change(broken: Path) -> None:
    run_file = broken / "tekton/runs/go-test-run.yaml"
    edit(run_file, "  serviceAccountName: kf-ci", "  serviceAcountName: kf-ci")
    edit(broken / "tekton/pipelines/go-tests.yaml", "      name: go-test\n", "      name: go-tst\n")
    edit(run_file, "    name: go-tests", "    name: go-test")  # a Task's name, not a Pipeline's
    report = lint(broken)
    assert report["code"] == 1
    found = {(d["rule"], d["file"], d["line"], d["workflow"]): d for d in report["diagnostics"]}
    schema = found[("tekton-schema", "tekton/runs/go-test-run.yaml", 17, "go-unittests")]
    assert "did you mean 'serviceAccountName'" in schema["message"] and schema["column"] == 3
    ref = found[("tekton-semantic", "tekton/runs/go-test-run.yaml", 28, "go-unittests")]
    assert "pipelineRef 'go-test' names no Pipeline" in ref["message"]
    assert "did you mean 'go-tests'" in ref["message"]
    # The v1 run still names go-tests: its task's dangling taskRef is in the Pipeline's file.
    task = found[("tekton-semantic", "tekton/pipelines/go-tests.yaml", 19, "lint-v1")]
    assert "taskRef 'go-tst' names no Task" in task["message"]


def test_a_tekton_params_value_is_blamed_on_prow_config(broken: Path) -> None:
    config = broken / "prow_config.yaml"
    edit(config, "    tekton_teardown_params: [{name: utter, value: bar}]",
         "    tekton_teardown_params: [{name: utter, value: {a: [1]}}]")  # fmt: skip
    report = lint(broken)
    [diagnostic] = [d for d in report["diagnostics"] if d["rule"] == "tekton-schema"]
    assert (diagnostic["file"], diagnostic["line"]) == ("prow_config.yaml", 17), diagnostic


def test_refs_with_a_resolver_or_in_a_repository_without_definitions_are_not_judged(
    broken: Path,
) -> None:
    run_file = broken / "tekton/runs/go-test-run.yaml"
    edit(
        run_file,
        "  pipelineRef:\n    name: go-tests",
        "  pipelineRef:\n    name: elsewhere\n    bundle: gcr.io/x/y:v1",
    )
    assert lint(broken)["code"] == 0
    shutil.rmtree(broken / "tekton/pipelines")
    shutil.rmtree(broken / "tekton/tasks")
    edit(run_file, "    bundle: gcr.io/x/y:v1\n", "")
    assert lint(broken)["code"] == 0

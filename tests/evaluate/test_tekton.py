"""tekton_run entries compile as the seed's Tekton mode did (seed-system.md §2.9)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import REPO_ROOT, Result, run_kftest


def load_yaml(text: str | bytes) -> Any:
    return YAML(typ="safe").load(text)


FIXTURE = REPO_ROOT / "tests/data/tekton-repo"
PROW = {
    "REPO_OWNER": "kubeflow",
    "REPO_NAME": "testing",
    "JOB_NAME": "kubeflow-testing-presubmit",
    "PULL_NUMBER": "77",
    "PULL_PULL_SHA": "123abc4567",
    "PULL_BASE_SHA": "fedcba9876",
    "BUILD_ID": "1234",
    "BUILD_NUMBER": "1234",
}
RUN = """\
    # the seed's go-test-run.yaml, shortened
    apiVersion: tekton.dev/v1alpha1
    kind: PipelineRun
    metadata:
      generateName: go-test-
      labels: {pipeline: go-test}
    spec:
      params:
      - name: artifacts-gcs
        value: gs://manual/run
      - name: go-version
        value: "1.14"
      - name: cluster-pattern
        value: from-file
      resources:
      - name: source-repo
        resourceSpec:
          type: git
          params:
          - name: url
            value: https://github.com/kubeflow/testing.git
          - name: revision
            value: master
      pipelineRef: {name: go-tests}
"""
CONFIG = """\
    workflows:
      - name: go-unittests
        tekton_run: kubeflow/testing/tekton/run.yaml
        tekton_params: [{name: cluster-pattern, value: from-config}, {name: extra, value: 3}]
        tekton_teardown: tekton/teardown.yaml
        tekton_teardown_params: [{name: utter, value: bar}]
"""
TEARDOWN = """\
    apiVersion: tekton.dev/v1beta1
    kind: PipelineRun
    metadata: {generateName: teardown-}
    spec:
      pipelineRef: {name: teardown}
"""


def compile_json(repo: Path, job_type: str = "presubmit", **env: str) -> tuple[Result, Any]:
    result = run_kftest(
        "compile", "--repo-root", str(repo), "--job-type", job_type, "--all", "--salt", "ab12",
        "--out", str(repo / "out"), "--format", "json", env={**PROW, **env},
    )  # fmt: skip
    return result, json.loads(result.stdout)


def compiled(repo: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: load_yaml(p.read_text()) for p in sorted((repo / "out").glob("*.yaml"))}


@pytest.fixture
def seed_repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo(
        {"prow_config.yaml": CONFIG, "tekton/run.yaml": RUN, "tekton/teardown.yaml": TEARDOWN}
    )


def test_presubmit_compiles_like_the_seed(seed_repo: Path) -> None:
    result, report = compile_json(seed_repo)
    assert result.code == 0, result.stdout + result.stderr
    runs = compiled(seed_repo)
    name = "kubeflow-testing-presubmit-go-unittests-77-123abc4-1234-ab12"
    teardown = "kubeflow-testing-presubmit-go-uni-teardown-77-123abc4-1234-ab12"  # <= 63
    assert set(runs) == {name, teardown}
    run = runs[name]
    assert run["metadata"]["name"] == name and "generateName" not in run["metadata"]
    assert run["metadata"]["namespace"] == "kf-ci"
    assert run["metadata"]["labels"] == {
        "pipeline": "go-test",
        "org": "kubeflow",
        "repo": "testing",
        "pr": "77",
        "workflow": "go-unittests",
    }
    # The seed's order and precedence: kftest's three, tekton_params, then the file's others.
    assert run["spec"]["params"] == [
        {"name": "test-target-name", "value": "go-unittests"},
        {
            "name": "artifacts-gcs",
            "value": "gs://kubernetes-jenkins/pr-logs/pull/kubeflow_testing/77/"
            "kubeflow-testing-presubmit/1234",
        },
        {"name": "junit-path", "value": "artifacts/junit_go-test-"},
        {"name": "cluster-pattern", "value": "from-config"},
        {"name": "extra", "value": "3"},
        {"name": "go-version", "value": "1.14"},
    ]
    assert run["spec"]["resources"][0]["resourceSpec"]["params"] == [
        {"name": "url", "value": "https://github.com/kubeflow/testing.git"},
        {"name": "revision", "value": "refs/pull/77/head"},
    ]
    assert run["metadata"]["annotations"]["kftest.kubeflow.org/teardown"] == teardown
    down = runs[teardown]
    assert down["metadata"]["annotations"]["kftest.kubeflow.org/teardown-for"] == name
    assert down["metadata"]["annotations"]["kftest.kubeflow.org/source"] == "tekton/teardown.yaml"
    assert [p["name"] for p in down["spec"]["params"]] == [
        "test-target-name", "artifacts-gcs", "junit-path", "utter",
    ]  # fmt: skip
    assert report["errors"] == 0


def test_postsubmit_revision_is_the_base_sha(seed_repo: Path) -> None:
    env = {"JOB_NAME": "kubeflow-testing-postsubmit", "PULL_NUMBER": "", "PULL_PULL_SHA": ""}
    result, _ = compile_json(seed_repo, "postsubmit", **env)
    assert result.code == 0, result.stdout
    run = compiled(seed_repo)["kubeflow-testing-postsubmit-go-unittests-fedcba9-1234-ab12"]
    assert run["spec"]["resources"][0]["resourceSpec"]["params"][1] == {
        "name": "revision",
        "value": "fedcba9876",
    }
    assert "pr" not in run["metadata"]["labels"]
    params = {p["name"]: p["value"] for p in run["spec"]["params"]}
    assert (
        params["artifacts-gcs"] == "gs://kubernetes-jenkins/logs/kubeflow-testing-postsubmit/1234"
    )


def test_test_target_name_from_kwargs(seed_repo: Path) -> None:
    config = seed_repo / "prow_config.yaml"
    config.write_text(config.read_text() + "    kwargs: {test_target_name: go-tests}\n")
    compile_json(seed_repo)
    run = compiled(seed_repo)["kubeflow-testing-presubmit-go-unittests-77-123abc4-1234-ab12"]
    assert run["spec"]["params"][0] == {"name": "test-target-name", "value": "go-tests"}


def test_missing_git_resource_is_an_error_not_a_silent_skip(seed_repo: Path) -> None:
    run = seed_repo / "tekton/run.yaml"
    run.write_text(run.read_text().replace("kubeflow/testing.git", "kubeflow/other.git"))
    result, report = compile_json(seed_repo)
    assert result.code == 1
    [diagnostic] = report["diagnostics"]
    assert diagnostic["rule"] == "tekton-semantic"
    assert (diagnostic["file"], diagnostic["line"]) == ("tekton/run.yaml", 16)
    assert "https://github.com/kubeflow/testing.git" in diagnostic["message"]
    assert diagnostic["workflow"] == "go-unittests"
    assert compiled(seed_repo) == {}  # neither the run nor its teardown
    # A periodic tests the default branch: no resource to rewrite, no error.
    result, _ = compile_json(seed_repo, "periodic", PULL_NUMBER="", PULL_PULL_SHA="")
    assert result.code == 0, result.stdout


@pytest.mark.parametrize(
    ("old", "new", "line", "fact"),
    [
        ("kind: PipelineRun", "kind: TaskRun", 3, "`kind` must be PipelineRun"),
        ("  generateName: go-test-\n", "  name: fixed\n", 5, "`metadata.generateName` is required"),
        ("tekton.dev/v1alpha1", "tekton.dev/v2", 2, "not a Tekton API kftest knows"),
        ("spec:", "spec: [\n  ]\nunused:", 7, "`spec` must be a mapping"),
        ("  pipelineRef: {name: go-tests}", "  pipelineRef: [", 24, "flow node"),
    ],
)
def test_not_a_seed_pipeline_run(seed_repo: Path, old: str, new: str, line: int, fact: str) -> None:
    run = seed_repo / "tekton/run.yaml"
    text = run.read_text()
    assert old in text
    run.write_text(text.replace(old, new))
    result, report = compile_json(seed_repo)
    assert result.code == 1
    [diagnostic] = [d for d in report["diagnostics"] if d["file"] == "tekton/run.yaml"]
    assert diagnostic["line"] == line and fact in diagnostic["message"], diagnostic


def test_missing_or_escaping_file(seed_repo: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text(RUN)
    os.symlink(tmp_path / "secret.yaml", seed_repo / "tekton/link.yaml")
    for path in ("tekton/nope.yaml", "../secret.yaml", "tekton/link.yaml"):
        (seed_repo / "prow_config.yaml").write_text(
            CONFIG.replace("kubeflow/testing/tekton/run.yaml", path).replace("    ", "", 1)
        )
        result, report = compile_json(seed_repo)
        assert result.code == 1
        [diagnostic] = report["diagnostics"]
        assert diagnostic["rule"] == "component-missing", diagnostic
        assert (diagnostic["file"], diagnostic["line"]) == ("prow_config.yaml", 3)


def test_names_stay_valid_with_a_long_job_name(seed_repo: Path) -> None:
    result, _ = compile_json(seed_repo, JOB_NAME="a-very-long-prow-job-name-" * 4)
    assert result.code == 0, result.stdout
    names = list(compiled(seed_repo))
    assert len(names) == 2 and all(len(name) <= 63 for name in names)
    assert all(name.endswith("-77-123abc4-1234-ab12") for name in names)


def test_output_is_deterministic(seed_repo: Path) -> None:
    compile_json(seed_repo)
    first = {p.name: p.read_bytes() for p in (seed_repo / "out").iterdir()}
    compile_json(seed_repo)
    assert first == {p.name: p.read_bytes() for p in (seed_repo / "out").iterdir()}


def test_fixture_golden_files_are_current() -> None:
    result = run_kftest("golden", "--repo-root", str(FIXTURE))
    assert result.code == 0, result.stderr + result.stdout
    kinds = {load_yaml(path.read_text())["kind"] for path in FIXTURE.glob("golden/*/*.yaml")}
    assert kinds == {"Workflow", "PipelineRun"}


def test_job_types_and_include_dirs_select_tekton_entries(seed_repo: Path) -> None:
    config = seed_repo / "prow_config.yaml"
    config.write_text(
        config.read_text() + "    include_dirs: [tekton/*]\n    job_types: [presubmit]\n"
    )
    for changed, job_type, runs in [
        ("tekton/run.yaml\n", "presubmit", True),
        ("py/x.py\n", "presubmit", False),
        ("tekton/run.yaml\n", "postsubmit", False),
    ]:
        result = run_kftest(
            "plan", "--repo-root", str(seed_repo), "--job-type", job_type, "--changed-files",
            "-", "--format", "json", stdin=changed, env=PROW,
        )  # fmt: skip
        [entry] = json.loads(result.stdout)["entries"]
        assert (entry["name"], entry["run"]) == ("go-unittests", runs), entry


def test_lint_of_changed_yaml_checks_the_tekton_entries(seed_repo: Path) -> None:
    run_file = seed_repo / "tekton/run.yaml"
    run_file.write_text(run_file.read_text().replace("pipelineRef:", "pipelineRf:"))
    result = run_kftest(
        "lint", "--repo-root", str(seed_repo), "--format", "json", str(run_file), env=PROW
    )
    report = json.loads(result.stdout)
    assert result.code == 1
    assert any(
        d["rule"] == "tekton-schema" and "did you mean 'pipelineRef'" in d["message"]
        for d in report["diagnostics"]
    ), report

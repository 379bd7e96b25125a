"""The guideline rules that hold for Tekton PipelineRuns too, on compiled tekton_run entries."""

from __future__ import annotations

from pathlib import Path

from tests.rules.helpers import compile_tekton, found, rules_of

RUN = """\
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata:
  generateName: unit-
  labels:
    pipeline: go-test
spec:
  resources:
  - name: src
    resourceSpec:
      type: git
      params:
      - name: url
        value: https://github.com/kubeflow/testing.git
  pipelineSpec:
    params:
    - name: artifacts-gcs
      type: string
    tasks:
    - name: test
      params:
      - name: gcs
        value: $(params.artifacts-gcs)
      taskSpec:
        metadata:
          labels: {step: test}
        params:
        - name: gcs
          type: string
        stepTemplate:
          image: gcr.io/kubeflow-ci/test-worker:v20240101-0123abc
        steps:
        - name: test
          image: golang:1.22.1
          script: go test ./...
        - name: shell
          image: $(params.image)
"""


def test_a_compliant_run(tmp_path: Path) -> None:
    compiled = compile_tekton(tmp_path, RUN)
    assert compiled.lint() == []


def test_argo_only_rules_do_not_apply(tmp_path: Path) -> None:
    # No checkout step, NFS volume, exit handler or stepImage param: those are Argo's.
    compiled = compile_tekton(tmp_path, RUN.replace("golang:1.22.1", "golang"))
    assert rules_of(compiled.lint()) == ["immutable-image"]


def test_moving_tags_in_embedded_tasks(tmp_path: Path) -> None:
    compiled = compile_tekton(
        tmp_path,
        RUN.replace("golang:1.22.1", "golang:latest").replace("v20240101-0123abc", "main"),
    )
    problems = {d.path: d for d in found(compiled, "immutable-image")}
    assert set(problems) == {
        "spec.pipelineSpec.tasks[0].taskSpec.steps[0].image",
        "spec.pipelineSpec.tasks[0].taskSpec.stepTemplate.image",
    }
    assert (
        "moving tag `latest`"
        in problems["spec.pipelineSpec.tasks[0].taskSpec.steps[0].image"].message
    )
    assert all(d.file == "tekton/run.yaml" for d in problems.values())


def test_invalid_label_values(tmp_path: Path) -> None:
    # The seed's go-test-run.yaml labelled `repo: kubeflow/testing`: kftest overwrites repo
    # with REPO_NAME, but any other label of the file must be valid too.
    compiled = compile_tekton(
        tmp_path,
        RUN.replace("pipeline: go-test", "pipeline: kubeflow/go-test").replace(
            "labels: {step: test}", "labels: {step: 'go test'}"
        ),
    )
    problems = {d.path: d.message for d in found(compiled, "labels")}
    assert set(problems) == {
        "metadata.labels.pipeline",
        "spec.pipelineSpec.tasks[0].taskSpec.metadata.labels.step",
    }
    assert compiled.workflow.document["metadata"]["labels"]["repo"] == "testing"


def test_artifacts_param_declared_but_unused(tmp_path: Path) -> None:
    compiled = compile_tekton(tmp_path, RUN.replace("$(params.artifacts-gcs)", "gs://fixed"))
    [problem] = found(compiled, "artifacts-gcs")
    assert "no task uses $(params.artifacts-gcs)" in problem.message
    assert problem.path == "spec.pipelineSpec"


def test_artifacts_of_a_referenced_pipeline(tmp_path: Path) -> None:
    pipeline = tmp_path / "tekton/pipelines.yaml"
    pipeline.parent.mkdir(parents=True)
    pipeline.write_text(
        "apiVersion: tekton.dev/v1beta1\nkind: Pipeline\nmetadata: {name: go-tests}\n"
        "spec:\n  tasks:\n  - name: t\n    taskRef: {name: go-test}\n"
    )
    run = RUN[: RUN.index("  pipelineSpec:")] + "  pipelineRef:\n    name: go-tests\n"
    compiled = compile_tekton(tmp_path, run)
    [problem] = found(compiled, "artifacts-gcs")
    assert "Pipeline 'go-tests' (tekton/pipelines.yaml) does not declare" in problem.message
    # A pipeline installed in the cluster (not in the repository) is not judged.
    compiled = compile_tekton(tmp_path, run.replace("name: go-tests", "name: elsewhere"))
    assert found(compiled, "artifacts-gcs") == []

"""compiler/rules/_tekton.py: what the rules read in a compiled Tekton PipelineRun."""

from __future__ import annotations

from pathlib import Path

from compiler.rules._tekton import Image, RunPipeline, embedded_images, run_pipeline

PIPELINE = (
    "apiVersion: tekton.dev/v1beta1\nkind: Pipeline\nmetadata: {name: go-tests}\n"
    "spec:\n  params:\n  - name: artifacts-gcs\n  tasks:\n  - name: t\n    taskRef: {name: x}\n"
)


def test_embedded_images_of_tasks_and_finally_steps_sidecars_and_step_templates() -> None:
    task_spec = {
        "steps": [{"image": "a:1"}, {"name": "no-image"}, "garbage", {"image": ""}],
        "sidecars": [{"image": "b:2"}],
        "stepTemplate": {"image": "c:3"},
    }
    document = {
        "spec": {
            "pipelineSpec": {
                "tasks": [{"taskRef": {"name": "elsewhere"}}, {"taskSpec": task_spec}],
                "finally": [{"taskSpec": {"steps": [{"image": "d:4"}], "stepTemplate": {}}}],
            }
        }
    }
    base = "spec.pipelineSpec.tasks[1].taskSpec"
    assert list(embedded_images(document)) == [
        Image(f"{base}.steps[0].image", "a:1"),
        Image(f"{base}.sidecars[0].image", "b:2"),
        Image(f"{base}.stepTemplate.image", "c:3"),
        Image("spec.pipelineSpec.finally[0].taskSpec.steps[0].image", "d:4"),
    ]
    assert list(embedded_images({"spec": {"pipelineRef": {"name": "x"}}})) == []


def test_the_embedded_pipeline() -> None:
    spec = {"tasks": []}
    document = {"spec": {"pipelineSpec": spec, "pipelineRef": {"name": "ignored"}}}
    assert run_pipeline(document, None) == RunPipeline(
        spec, "the embedded pipelineSpec", "spec.pipelineSpec"
    )


def test_a_pipeline_the_repository_defines(tmp_path: Path) -> None:
    (tmp_path / "tekton").mkdir()
    (tmp_path / "tekton/pipelines.yaml").write_text(PIPELINE)
    found = run_pipeline({"spec": {"pipelineRef": {"name": "go-tests"}}}, tmp_path)
    assert found is not None
    assert found.where == "Pipeline 'go-tests' (tekton/pipelines.yaml)"
    assert found.path == "spec.pipelineRef"
    assert found.spec["params"] == [{"name": "artifacts-gcs"}]


def test_pipelines_kftest_cannot_see(tmp_path: Path) -> None:
    (tmp_path / "pipelines.yaml").write_text(PIPELINE)
    for ref in (
        {"name": "go-tests", "resolver": "git"},  # fetched by the cluster from elsewhere
        {"name": "go-tests", "bundle": "gcr.io/x/bundle:v1"},
        {"name": "other"},  # installed in the cluster
        {},
    ):
        assert run_pipeline({"spec": {"pipelineRef": ref}}, tmp_path) is None, ref
    assert run_pipeline({"spec": {"pipelineRef": {"name": "go-tests"}}}, None) is None
    assert run_pipeline({"spec": "garbage"}, tmp_path) is None

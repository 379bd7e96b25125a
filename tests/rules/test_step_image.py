from __future__ import annotations

from typing import Any

from compiler.model import Entry, Position

from .helpers import STEP_IMAGE, found, from_document, lib_document, template, variant


def test_every_step_runs_the_param_one_finding_per_image() -> None:
    def change(document: dict[str, Any]) -> None:
        for name in ("build", "test"):
            template(document, name)["container"]["image"] = "gcr.io/other:v1"

    [diagnostic] = found(variant(lib_document(), change), "step-image")
    assert diagnostic.path == "spec.templates[3].container.image"
    assert "steps `build`, `test` run 'gcr.io/other:v1'" in diagnostic.message
    assert diagnostic.file == "ci/workflows/example.jsonnet"


def test_expressions_sidecars_and_missing_images() -> None:
    def change(document: dict[str, Any]) -> None:
        template(document, "build")["container"]["image"] = "{{inputs.parameters.image}}"
        template(document, "test")["sidecars"] = [{"name": "dind", "image": "docker:v1"}]
        del template(document, "checkout")["container"]["image"]

    [diagnostic] = found(variant(lib_document(), change), "step-image")
    assert "step `checkout` has no image" in diagnostic.message


def test_an_unset_param_points_at_the_entry() -> None:
    base = lib_document()
    entry = Entry(
        name="unittests",
        index=0,
        position=Position("prow_config.yaml", 3, 5),
        params={"other": 1},
        positions={"params": Position("prow_config.yaml", 7, 7)},
    )
    compiled = from_document(base.workflow.document, params=base.workflow.params, entry=entry)
    [diagnostic] = found(compiled, "step-image")
    assert (diagnostic.file, diagnostic.line) == ("prow_config.yaml", 7)
    assert "does not set `params.stepImage`" in diagnostic.message
    entry.params["stepImage"] = 3
    [diagnostic] = found(compiled, "step-image")
    assert "must be an image reference" in diagnostic.message


def test_py_func_entries_use_kwargs() -> None:
    base = lib_document()
    entry = Entry(
        name="unittests",
        index=0,
        position=Position("prow_config.yaml", 3, 5),
        py_func="ci.builders.unittests",
        kwargs={"stepImage": STEP_IMAGE},
        positions={"kwargs.stepImage": Position("prow_config.yaml", 6, 18)},
    )
    compiled = from_document(base.workflow.document, params=base.workflow.params, entry=entry)
    assert found(compiled, "step-image") == []
    entry.kwargs = {}
    [diagnostic] = found(compiled, "step-image")
    assert "`kwargs.stepImage`" in diagnostic.message


def _named(param: str, value: str = STEP_IMAGE) -> Entry:
    return Entry(
        name="unittests",
        index=0,
        position=Position("prow_config.yaml", 2, 5),
        app_dir="ci/workflows",
        component="example",
        params={"registry": "gcr.io/kubeflow-ci", param: value},
        positions={f"params.{param}": Position("prow_config.yaml", 7, 18)},
    )


def test_the_step_image_param_may_have_any_name() -> None:
    # Seed-era repositories said step_image, testWorkerImage, ...: the image the steps run,
    # set in prow_config.yaml, is the step image whatever its param is called.
    base = lib_document()
    for param in ("step_image", "testWorkerImage"):
        compiled = from_document(
            base.workflow.document, params=base.workflow.params, entry=_named(param)
        )
        assert found(compiled, "step-image") == []


def test_an_image_param_no_step_uses_is_named_in_the_finding() -> None:
    base = lib_document()
    entry = _named("testWorkerImage", "gcr.io/kubeflow-ci/test-worker:v20190421-fba47fe")
    compiled = from_document(base.workflow.document, params=base.workflow.params, entry=entry)
    [diagnostic] = found(compiled, "step-image")
    assert "not the `params.testWorkerImage` set in prow_config.yaml" in diagnostic.message
    assert "use params.testWorkerImage" in diagnostic.message


def test_immutable_image_checks_the_step_image_under_its_own_name() -> None:
    moving = "gcr.io/kubeflow-ci/test-worker:latest"

    def change(document: dict[str, Any]) -> None:
        for item in document["spec"]["templates"]:
            if "container" in item:
                item["container"]["image"] = moving

    base = variant(lib_document(), change)
    compiled = from_document(
        base.workflow.document, params=base.workflow.params, entry=_named("step_image", moving)
    )
    [diagnostic] = found(compiled, "immutable-image")
    assert (diagnostic.file, diagnostic.line) == ("prow_config.yaml", 7)
    assert "set `params.step_image` in prow_config.yaml" in diagnostic.message

"""compiler/rules/_context.py: what a rule reads about one compiled workflow."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.model import CompiledWorkflow, Entry, Position
from compiler.rules import LintSettings
from compiler.rules._context import WorkflowContext
from compiler.validate import releases
from tests.rules.helpers import prow_env


def context(
    document: Any = None,
    *,
    params: Any = None,
    kwargs: dict[str, Any] | None = None,
    py_func: str | None = None,
    seen: Any = None,
    release: str | None = None,
    job_type: str = "presubmit",
) -> WorkflowContext:
    entry = Entry(
        name="unittests",
        index=0,
        position=Position("prow_config.yaml", 2, 5),
        app_dir=None if py_func else "ci/workflows",
        component=None if py_func else "example",
        py_func=py_func,
        params=params if params is not None else {},
        kwargs=kwargs or {},
    )
    compiled = CompiledWorkflow(
        entry=entry,
        job_type=job_type,
        name="unittests-77-abcd",
        document=document if document is not None else {},
        params=seen if seen is not None else {},
    )
    chosen = releases.choose(release) if release else None
    return WorkflowContext(compiled, prow_env(job_type), LintSettings(), release=chosen)


def containers(*images: str) -> dict[str, Any]:
    templates = [{"name": f"t{i}", "container": {"image": image}} for i, image in enumerate(images)]
    return {"kind": "Workflow", "spec": {"templates": templates}}


def test_argo_at_least() -> None:
    assert not context(release="2.12").argo_at_least("3.3")
    assert context(release="3.3").argo_at_least("3.3")
    assert context(release="2.12").argo_at_least("2.7")  # 12 > 7: numbers, not text
    assert context().argo_at_least("3.3")  # no target: the newest release


def test_the_entry_and_job_type_compiled_for() -> None:
    ctx = context(job_type="periodic")
    assert (ctx.job_type, ctx.entry.name) == ("periodic", "unittests")


def test_is_tekton() -> None:
    assert context({"kind": "PipelineRun"}).is_tekton
    assert not context({"kind": "Workflow"}).is_tekton
    assert not context(["PipelineRun"]).is_tekton


def test_params_are_what_the_component_saw() -> None:
    assert context(seen={"nfsClaim": "c"}).params == {"nfsClaim": "c"}
    assert context(seen=["garbage"]).params == {}


def test_configured_reads_params_then_kwargs() -> None:
    ctx = context(params={"a": "p", "empty": ""}, kwargs={"a": "k", "b": "k"})
    assert (ctx.configured("a"), ctx.configured("b"), ctx.configured("c")) == ("p", "k", None)
    assert ctx.configured("empty") == ""


@pytest.mark.parametrize(
    ("params", "kwargs", "images", "expected"),
    [
        # stepImage when set, even when no container runs it.
        ({"stepImage": "x:1", "workerImage": "y:1"}, {}, ["y:1"], "stepImage"),
        # The param whose value the most containers run; ties go to the first name.
        ({"a_image": "x:1", "b_image": "y:1"}, {}, ["y:1", "x:1", "y:1"], "b_image"),
        ({"b_image": "y:1", "a_image": "x:1"}, {}, ["y:1", "x:1"], "a_image"),
        ({}, {"test_worker": "y:1", "other": "x:1"}, ["y:1", "y:1", "x:1"], "test_worker"),
        # None runs: the one param named like an image; two such names: stepImage.
        ({"testWorkerImage": "y:1", "name": "n"}, {}, ["z:1"], "testWorkerImage"),
        ({"aImage": "y:1", "bImage": "x:1"}, {}, [], "stepImage"),
        # Empty values and keys that are not names are no candidates.
        ({"workerImage": ""}, {}, [""], "stepImage"),
        ({1: "x:1", 2: "x:1"}, {}, ["x:1"], "stepImage"),
        ({}, {}, [], "stepImage"),
    ],
)
def test_step_image_param(
    params: dict[Any, str], kwargs: dict[str, str], images: list[str], expected: str
) -> None:
    assert context(containers(*images), params=params, kwargs=kwargs).step_image_param == expected


def test_param_key_names_the_key_a_user_edits() -> None:
    assert context().param_key("stepImage") == "params.stepImage"
    assert context(py_func="ci.wf.create").param_key("stepImage") == "kwargs.stepImage"
    with_params = context(py_func="ci.wf.create", params={"x": 1}, kwargs={"stepImage": "i"})
    assert with_params.param_key("x") == "params.x"
    assert with_params.param_key("stepImage") == "kwargs.stepImage"
    assert context(kwargs={"stepImage": "i"}).param_key("stepImage") == "kwargs.stepImage"


def test_the_nfs_claim_and_its_volumes() -> None:
    volumes = [
        {"name": "nfs", "persistentVolumeClaim": {"claimName": "nfs-external"}},
        {"name": "mine", "persistentVolumeClaim": {"claimName": "my-claim"}},
    ]
    document = {"metadata": {"name": "wf-1"}, "spec": {"volumes": volumes}}
    assert context(document).nfs_claim == "nfs-external"
    assert context(document).nfs_volume_names == {"nfs"}
    chosen = context(document, seen={"nfsClaim": "my-claim"})
    assert (chosen.nfs_claim, chosen.nfs_volume_names) == ("my-claim", {"mine"})
    for odd in ("", 5):
        assert context(document, seen={"nfsClaim": odd}).nfs_claim == "nfs-external"
    assert context(document).workflow_names == ("wf-1", "{{workflow.name}}")
    assert context({}).workflow_names == ("unittests-77-abcd", "{{workflow.name}}")

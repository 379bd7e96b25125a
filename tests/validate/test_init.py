"""compiler/validate/__init__.py: validate_workflow, the schema walk then the semantic checks."""

from __future__ import annotations

from typing import Any

from compiler.diagnostics import Severity
from compiler.validate import releases, validate_workflow


def workflow(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "alpine:3.19", "command": ["true"]}}],
    }
    base.update(spec)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "t-"},
        "spec": base,
    }


def test_a_valid_workflow_has_no_problems() -> None:
    assert validate_workflow(workflow()) == []


def test_schema_problems_come_first_then_semantic_ones_in_one_pass() -> None:
    document = workflow(entrypoint="nope")
    document["spec"]["templates"][0]["contianer"] = document["spec"]["templates"][0]["container"]
    found = [(d.rule, d.path) for d in validate_workflow(document)]
    assert found == [
        ("argo-schema", "spec.templates[0].contianer"),
        ("argo-semantic", "spec.entrypoint"),
    ]


def test_the_target_release_decides_the_schema() -> None:
    document = workflow(podResources={"requests": {"cpu": "1"}})  # a field newer than 4.0
    [newest] = validate_workflow(document)
    assert (newest.rule, newest.path, newest.severity) == (
        "argo-schema",
        "spec.podResources",
        Severity.WARNING,
    )
    [older] = validate_workflow(document, releases.choose("3.5"))
    assert (older.rule, older.path, older.severity) == (
        "argo-schema",
        "spec.podResources",
        Severity.ERROR,
    )
    assert older.message == "unknown field 'podResources' in WorkflowSpec"

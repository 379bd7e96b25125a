"""compiler/validate/schema.py: the compiled walker over the generated Argo schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from compiler.diagnostics import Severity
from compiler.validate.schema import MAX_PROBLEMS, check_schema, scan
from compiler.validate.schema_nodes import SCHEMA_FILE
from compiler.validate.semantic import check_semantics


def workflow(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "alpine:3.19", "command": ["true"]}}],
    }
    base.update(spec)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "t-", "labels": {"app.kubernetes.io/name": "x"}},
        "spec": base,
    }


def container(wf: dict[str, Any]) -> dict[str, Any]:
    return wf["spec"]["templates"][0]["container"]


def test_a_valid_workflow_has_no_problems() -> None:
    assert check_schema(workflow()) == []


def test_a_typo_is_one_diagnostic_naming_the_field_with_a_suggestion() -> None:
    wf = workflow()
    wf["spec"]["entrypoints"] = wf["spec"].pop("entrypoint")
    [diagnostic] = check_schema(wf)
    assert diagnostic.rule == "argo-schema"
    assert diagnostic.path == "spec.entrypoints"
    assert "unknown field 'entrypoints'" in diagnostic.message
    assert "did you mean 'entrypoint'?" in diagnostic.message
    assert diagnostic.file is None and diagnostic.line is None


def test_a_misspelt_required_field_is_not_also_reported_missing() -> None:
    wf = workflow()
    container(wf)["volumeMounts"] = [{"name": "v", "mountPth": "/v"}]
    [diagnostic] = check_schema(wf)
    assert diagnostic.path == "spec.templates[0].container.volumeMounts[0].mountPth"
    assert "did you mean 'mountPath'?" in diagnostic.message


def test_a_missing_required_field_is_reported_on_its_object() -> None:
    wf = workflow()
    container(wf)["volumeMounts"] = [{"name": "v"}]
    [diagnostic] = check_schema(wf)
    assert diagnostic.path == "spec.templates[0].container.volumeMounts[0]"
    assert "missing required field 'mountPath'" in diagnostic.message


def test_a_field_one_level_too_high_points_to_its_home() -> None:
    wf = workflow()
    wf["spec"]["templates"][0]["image"] = "alpine"
    [diagnostic] = check_schema(wf)
    assert "it is a field of" in diagnostic.message and "'container'" in diagnostic.message


def test_wrong_types_are_named_and_not_descended() -> None:
    wf = workflow(entrypoint=["main"])
    wf["spec"]["arguments"] = {"parameters": {"a": {"value": "b"}}}
    problems = {(d.path, d.message) for d in check_schema(wf)}
    assert problems == {
        ("spec.entrypoint", "expected a string, got a list"),
        ("spec.arguments.parameters", "expected a list, got a mapping"),
    }


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("retryStrategy", "limit"), 10),
        (("retryStrategy", "limit"), "10"),
        (("activeDeadlineSeconds",), 30),
        (("activeDeadlineSeconds",), "{{inputs.parameters.t}}"),
        (("container", "livenessProbe", "httpGet", "port"), 8080),
        (("container", "livenessProbe", "httpGet", "port"), "http"),
        (("container", "resources", "requests", "cpu"), 1),
        (("container", "resources", "requests", "cpu"), 0.5),
        (("container", "resources", "limits", "memory"), "4Gi"),
    ],
)
def test_int_or_string_and_quantities_accept_both(where: tuple[str, ...], value: object) -> None:
    wf = workflow()
    node = wf["spec"]["templates"][0]
    for key in where[:-1]:
        node = node.setdefault(key, {})
    node[where[-1]] = value
    assert check_schema(wf) == []


def test_int_or_string_rejects_other_types() -> None:
    wf = workflow()
    wf["spec"]["templates"][0]["retryStrategy"] = {"limit": [1]}
    [diagnostic] = check_schema(wf)
    assert diagnostic.message == "expected an integer or a string, got a list"


def test_pod_disruption_budget_and_parameter_values_accept_numbers() -> None:
    wf = workflow(
        podDisruptionBudget={"minAvailable": 1},
        arguments={"parameters": [{"name": "n", "value": 3}, {"name": "b", "value": True}]},
    )
    assert check_schema(wf) == []


def test_null_is_accepted_for_optional_fields() -> None:
    # The API server drops nulls of non-nullable fields before validating.
    wf = workflow(arguments={"parameters": None}, onExit=None)
    assert check_schema(wf) == []


def test_booleans_are_not_integers() -> None:
    wf = workflow(parallelism=True)
    [diagnostic] = check_schema(wf)
    assert diagnostic.path == "spec.parallelism"
    assert diagnostic.message == "expected an integer, got a boolean"


def test_free_form_maps_and_plugin_config_stay_open() -> None:
    wf = workflow()
    wf["metadata"]["annotations"] = {"any/key": "v"}
    wf["spec"]["templates"].append({"name": "p", "plugin": {"hello": {"anything": [1, {}]}}})
    assert check_schema(wf) == []


def test_a_map_value_of_the_wrong_type_has_a_quoted_key_path() -> None:
    wf = workflow()
    wf["metadata"]["labels"]["app.kubernetes.io/name"] = ["x"]
    [diagnostic] = check_schema(wf)
    assert diagnostic.path == 'metadata.labels["app.kubernetes.io/name"]'


def test_a_newer_argo_field_is_a_warning_naming_the_versions() -> None:
    wf = workflow(podResources={"requests": {"cpu": "1"}})
    [diagnostic] = check_schema(wf)
    assert diagnostic.severity is Severity.WARNING
    assert diagnostic.path == "spec.podResources"
    assert "v4.0.5" in diagnostic.message and "hera 7.1.0" in diagnostic.message


def test_problems_are_capped() -> None:
    wf = workflow()
    wf["spec"].update({f"bogus{i}": 1 for i in range(MAX_PROBLEMS + 5)})
    diagnostics = check_schema(wf)
    assert len(diagnostics) == MAX_PROBLEMS + 1
    assert "5 more schema problem(s)" in diagnostics[-1].message


def test_kinds_choose_their_definition() -> None:
    template = workflow()
    template["kind"] = "WorkflowTemplate"
    assert check_schema(template) == []
    cron = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "c"},
        "spec": {"schedules": ["0 * * * *"], "workflowSpec": workflow()["spec"]},
    }
    assert check_schema(cron) == []
    cron["spec"]["workflowSpec"]["entrypiont"] = "main"
    assert [d.path for d in check_schema(cron)] == ["spec.workflowSpec.entrypiont"]


@pytest.mark.parametrize("document", [None, [], "text", 3])
def test_a_document_that_is_not_a_mapping(document: object) -> None:
    [diagnostic] = check_schema(document)
    assert "must be a mapping" in diagnostic.message


def test_an_unknown_kind_is_one_diagnostic() -> None:
    wf = workflow()
    wf["kind"] = "Pod"
    [diagnostic] = check_schema(wf)
    assert diagnostic.path == "kind" and "'Pod'" in diagnostic.message


def test_non_string_keys_and_odd_values_do_not_raise() -> None:
    wf = workflow()
    wf["spec"][1] = object()
    wf["spec"]["templates"][0]["container"]["args"] = [object(), None, 1.5, ("t",)]
    paths = [d.path for d in check_schema(wf)]
    assert 'spec["1"]' in paths
    assert [p for p in paths if "args" in p] == [
        f"spec.templates[0].container.args[{i}]" for i in range(4)
    ]


def test_scan_lists_tagged_strings_unless_it_could_not_see_them() -> None:
    assert scan(workflow())[1] == []
    wf = workflow()
    container(wf)["args"] = ["{{workflow.name}}"]
    assert scan(wf)[1] == [("spec.templates[0].container.args[0]", "{{workflow.name}}")]
    wf = workflow()
    wf["spec"]["templates"][0]["bogus"] = {"a": "{{x}}"}  # inside an unknown field
    assert scan(wf)[1] is None


def test_using_the_scan_never_changes_semantic_results(argo_data: Path, argo_docs: Any) -> None:
    for _, _, document in argo_docs(argo_data / "examples"):
        _, tagged = scan(document)
        assert check_semantics(document, tagged=tagged) == check_semantics(document)


def test_verdicts_agree_with_python_jsonschema_on_the_corpus(
    argo_data: Path, argo_docs: Any
) -> None:
    """Differential check of the walker: same valid/invalid verdict as a reference engine."""
    jsonschema = pytest.importorskip("jsonschema")
    raw = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validators: dict[str, Any] = {}
    checked = 0
    for root in ("examples", "invalid/lintfail", "invalid/malformed", "invalid/expectedfailures"):
        for name, _, document in argo_docs(argo_data / root):
            ours = check_schema(document)
            if any(d.severity is Severity.WARNING for d in ours):
                continue  # newer fields: we warn where the strict schema alone rejects
            kind = document["kind"]
            if kind not in validators:
                schema = copy.deepcopy(raw)
                schema["$ref"] = f"#/definitions/{kind}"
                validators[kind] = jsonschema.Draft7Validator(schema)
            assert validators[kind].is_valid(document) == (not ours), name
            checked += 1
    assert checked > 200


def test_fields_argo_removed_name_their_replacement() -> None:
    wf = workflow(ttlSecondsAfterFinished=604800)
    [diagnostic] = check_schema(wf)
    assert "ttlStrategy.secondsAfterCompletion" in diagnostic.message

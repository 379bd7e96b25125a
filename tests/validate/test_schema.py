"""compiler/validate/schema.py: the compiled walker over the generated Argo schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from compiler.diagnostics import Severity
from compiler.validate import releases
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


def test_problems_are_capped_at_twenty() -> None:
    wf = workflow()
    wf["spec"].update({f"bogus{i:02}": 1 for i in range(25)})
    diagnostics = check_schema(wf)
    assert [d.path for d in diagnostics[:-1]] == [f"spec.bogus{i:02}" for i in range(20)]
    assert diagnostics[-1].path is None
    assert diagnostics[-1].message == (
        "5 more schema problem(s) not shown; fix the ones above first"
    )


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


def release_problems(document: Any, target: str | None) -> list[tuple[str, str | None, str]]:
    release = releases.choose(target) if target else None
    return [(d.severity.value, d.path, d.message) for d in check_schema(document, release)]


ARGO_VERSION_HINT = (
    "(for a cluster that runs such a release, set `argo_version` in .kftest.yaml or pass "
    "--argo-version)"
)


@pytest.mark.parametrize(
    ("target", "checked_against"),
    [
        (None, "the Argo v4.0.5 schema"),
        ("4.1", "the Argo 4.1 schema (v4.0.5; argo_version 4.1)"),
        ("v4.1.0", "the Argo 4.1 schema (v4.0.5; argo_version v4.1.0)"),
        (None, "the Argo v4.0.5 schema"),  # whatever was asked before
    ],
)
def test_a_field_only_older_releases_had_names_its_last_release_and_the_schema_used(
    target: str | None, checked_against: str
) -> None:
    template = workflow()["spec"]["templates"][0]
    template["priority"] = 1  # gone after 3.5, and replaced by nothing
    document = workflow(templates=[template])
    assert release_problems(document, target) == [
        (
            "error",
            "spec.templates[0].priority",
            "unknown field 'priority' in Template; it was valid up to Argo 3.5 "
            f"{ARGO_VERSION_HINT}; checked against {checked_against}",
        )
    ]


def test_an_older_field_names_its_replacement() -> None:
    cron = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "c"},
        "spec": {"schedule": "0 * * * *", "workflowMeta": {}, "workflowSpec": workflow()["spec"]},
    }
    assert release_problems(cron, "3.0") == [
        (
            "warning",
            "spec.schedule",
            "'schedule' in CronWorkflowSpec is valid for the Argo v3.0.10 this repository targets "
            "but Argo 4.1 removed it; use 'schedules (a list)' instead before the cluster is "
            "upgraded",
        ),
        (
            "error",
            "spec.workflowMeta",
            "unknown field 'workflowMeta' in CronWorkflowSpec; it was valid up to Argo 2.7 "
            f"{ARGO_VERSION_HINT}; checked against the Argo 3.0 schema (v3.0.10; argo_version "
            "3.0)",
        ),
    ]
    del cron["spec"]["workflowMeta"]
    [(_, _, message)] = release_problems(cron, None)
    assert message.startswith(
        "unknown field 'schedule' in CronWorkflowSpec; Argo replaced it with 'schedules (a "
        "list)'; it was valid up to Argo 3.5 "
    )


def test_a_field_of_later_releases_than_the_target_gets_no_older_release_hint() -> None:
    template = workflow()["spec"]["templates"][0]
    template["resubmitPendingPods"] = True  # came after 2.4, gone after 2.7
    document = workflow(templates=[template])
    assert release_problems(document, "2.4") == [
        (
            "error",
            "spec.templates[0].resubmitPendingPods",
            "unknown field 'resubmitPendingPods' in Template",
        )
    ]
    [(severity, _, message)] = release_problems(document, "2.7")
    assert severity == "warning" and "but Argo 2.12 removed it before the cluster" in message


def test_each_removed_or_newer_field_is_reported_once_per_document() -> None:
    first, second = workflow()["spec"]["templates"][0], workflow()["spec"]["templates"][0]
    second = {**second, "name": "other"}
    for template in (first, second):
        template["priority"] = 1
        template["podResources"] = {}
    found = release_problems(workflow(templates=[first, second]), "3.5")
    assert [(severity, path) for severity, path, _ in found] == [
        ("warning", "spec.templates[0].priority"),
        ("error", "spec.templates[0].podResources"),
        ("error", "spec.templates[1].podResources"),
    ]
    found = release_problems(workflow(templates=[first, second]), None)
    assert [(severity, path) for severity, path, _ in found] == [
        ("error", "spec.templates[0].priority"),
        ("warning", "spec.templates[0].podResources"),
        ("error", "spec.templates[1].priority"),
    ]


def test_a_differently_cased_field_is_suggested_with_its_case() -> None:
    wf = workflow()
    wf["spec"]["EntryPoint"] = wf["spec"].pop("entrypoint")
    [diagnostic] = check_schema(wf)
    assert diagnostic.message == (
        "unknown field 'EntryPoint' in WorkflowSpec; did you mean 'entrypoint'?"
    )


def test_homes_of_a_misplaced_field_are_listed_objects_first_then_lists_at_most_three() -> None:
    wf = workflow()
    wf["spec"]["templates"][0]["image"] = "alpine"
    wf["spec"]["templates"][0]["env"] = []
    assert [d.message for d in check_schema(wf)] == [
        # container, containerSet's containers, initContainers, script, sidecars have one
        "unknown field 'image' in Template; it is a field of 'container', 'script', "
        "'initContainers'",
        "unknown field 'env' in Template; it is a field of 'container', 'script', 'initContainers'",
    ]


def test_an_unknown_field_without_a_near_name_or_home_has_no_hint() -> None:
    wf = workflow(zzzzzz=1)
    assert [d.message for d in check_schema(wf)] == ["unknown field 'zzzzzz' in WorkflowSpec"]


def test_problems_up_to_the_cap_are_all_listed() -> None:
    wf = workflow()
    wf["spec"].update({f"bogus{i}": 1 for i in range(MAX_PROBLEMS)})
    diagnostics = check_schema(wf)
    assert len(diagnostics) == MAX_PROBLEMS
    assert all("unknown field 'bogus" in d.message for d in diagnostics)


def test_problems_of_the_document_itself_have_no_path() -> None:
    assert [(d.path, d.message) for d in check_schema({})] == [
        (None, f"missing required field '{name}' in Workflow")
        for name in ("apiVersion", "kind", "metadata", "spec")
    ]


@pytest.mark.parametrize("kind", [None, 3])
def test_a_document_without_a_string_kind_is_checked_as_a_workflow(kind: object) -> None:
    wf = workflow()
    wf["kind"] = kind
    wf["spec"]["entrypiont"] = "main"
    paths = [d.path for d in check_schema(wf)]
    assert "spec.entrypiont" in paths


@pytest.mark.parametrize(
    ("document", "got"),
    [(None, "null"), ([], "a list"), ("text", "a string"), (3, "an integer"), ({1}, "set")],
)
def test_a_document_that_is_not_a_mapping_names_what_it_is(document: object, got: str) -> None:
    diagnostics, tagged = scan(document)
    assert [(d.path, d.message) for d in diagnostics] == [
        (None, f"an Argo document must be a mapping, got {got}")
    ]
    assert tagged is None


def test_an_unknown_kind_lists_the_argo_kinds_and_the_tags_are_not_known() -> None:
    wf = workflow()
    wf["kind"] = "Pod"
    diagnostics, tagged = scan(wf)
    assert [(d.path, d.message) for d in diagnostics] == [
        (
            "kind",
            "kind 'Pod' is not an Argo workflow kind (expected one of Workflow, "
            "WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow)",
        )
    ]
    assert tagged is None


def test_a_document_nested_too_deeply_is_one_problem_not_a_crash() -> None:
    inline: dict[str, Any] = {"container": {"image": "a:1"}}
    for _ in range(400):
        inline = {"steps": [[{"name": "s", "inline": inline}]]}
    wf = workflow(templates=[{"name": "main", **inline}])
    diagnostics, tagged = scan(wf)
    assert [(d.path, d.message) for d in diagnostics] == [
        (None, "the document is nested too deeply to check (inline templates?)")
    ]
    assert tagged is None


def steps_calling_main(**step: Any) -> dict[str, Any]:
    return {"name": "s", "steps": [[{"name": "a", "template": "main", **step}]]}


def test_scan_finds_tags_wherever_the_walk_goes() -> None:
    wf = workflow(parallelism="{{workflow.parameters.n}}")
    wf["metadata"]["labels"]["run"] = "{{workflow.uid}}"
    template = wf["spec"]["templates"][0]
    template["container"]["args"] = ["plain", "{{inputs.parameters.a}}", 3]
    template["container"]["env"] = [{"name": "A", "value": "{{workflow.name}}"}]
    template["nodeSelector"] = {"pool": "{{workflow.parameters.pool}}"}
    template["bogus"] = "{{workflow.namespace}}"
    template["container"]["command"] = [1, "{{inputs.parameters.c}}"]
    wf["spec"]["templates"].append(steps_calling_main(withItems=["{{item}}", "x", 3]))
    diagnostics, tagged = scan(wf)
    assert [(d.path, d.message) for d in diagnostics] == [
        ("spec.templates[0].container.command[0]", "expected a string, got an integer"),
        ("spec.templates[0].container.args[2]", "expected a string, got an integer"),
        ("spec.templates[0].bogus", "unknown field 'bogus' in Template"),
        ("spec.parallelism", "expected an integer, got a string"),
    ]
    assert tagged is not None
    assert sorted(tagged) == [
        ("metadata.labels.run", "{{workflow.uid}}"),
        ("spec.parallelism", "{{workflow.parameters.n}}"),
        ("spec.templates[0].bogus", "{{workflow.namespace}}"),
        ("spec.templates[0].container.args[1]", "{{inputs.parameters.a}}"),
        ("spec.templates[0].container.command[1]", "{{inputs.parameters.c}}"),
        ("spec.templates[0].container.env[0].value", "{{workflow.name}}"),
        ("spec.templates[0].nodeSelector.pool", "{{workflow.parameters.pool}}"),
        ("spec.templates[1].steps[0][0].withItems[0]", "{{item}}"),
    ]


@pytest.mark.parametrize(
    "place",
    [
        lambda t: t.update(bogus={"a": "{{x}}"}),  # an unknown field's content
        lambda t: t.update(plugin={"p": {"a": "{{x}}"}}),  # free-form plugin config
        lambda t: t.update(parallelism=["{{x}}"]),  # a wrong type, not walked
        lambda t: t["container"].update(args=[["{{x}}"]]),  # a wrong item type
        lambda t: t["container"].update(env=[["{{x}}"]]),  # a wrong object type
    ],
    ids=["unknown-field", "plugin", "wrong-type", "wrong-item-type", "wrong-object-type"],
)
def test_scan_says_when_it_could_not_see_every_string(place: Any) -> None:
    wf = workflow()
    place(wf["spec"]["templates"][0])
    assert scan(wf)[1] is None


@pytest.mark.parametrize(
    "items",
    [[{"a": "{{x}}"}], [["{{x}}"]]],
    ids=["mappings", "lists"],
)
def test_structured_loop_items_are_free_form_and_not_looked_into(items: list[Any]) -> None:
    wf = workflow()
    wf["spec"]["templates"].append(steps_calling_main(withItems=items))
    assert scan(wf) == ([], None)


def test_a_field_differing_only_in_case_is_suggested_even_when_far_apart() -> None:
    wf = workflow()
    container(wf)["IMAGE"] = container(wf).pop("image")
    [diagnostic] = check_schema(wf)
    assert diagnostic.message == "unknown field 'IMAGE' in Container; did you mean 'image'?"


def test_strings_in_integer_lists_and_maps_are_type_errors_and_their_tags_listed() -> None:
    wf = workflow(securityContext={"supplementalGroups": [1, "{{workflow.parameters.g}}"]})
    wf["status"] = {"resourcesDuration": {"cpu": 1, "memory": "{{workflow.parameters.m}}"}}
    diagnostics, tagged = scan(wf)
    assert [(d.path, d.message) for d in diagnostics] == [
        ("spec.securityContext.supplementalGroups[1]", "expected an integer, got a string"),
        ("status.resourcesDuration.memory", "expected an integer, got a string"),
    ]
    assert tagged == [
        ("spec.securityContext.supplementalGroups[1]", "{{workflow.parameters.g}}"),
        ("status.resourcesDuration.memory", "{{workflow.parameters.m}}"),
    ]


def test_tags_in_string_subclasses_are_listed_too() -> None:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Quoted

    wf = workflow()
    container(wf)["image"] = Quoted("{{inputs.parameters.image}}")
    container(wf)["args"] = [Quoted("plain"), Quoted("{{workflow.name}}")]
    wf["metadata"]["labels"]["run"] = Quoted("{{workflow.uid}}")
    assert scan(wf) == (
        [],
        [
            ("metadata.labels.run", "{{workflow.uid}}"),
            ("spec.templates[0].container.image", "{{inputs.parameters.image}}"),
            ("spec.templates[0].container.args[1]", "{{workflow.name}}"),
        ],
    )


@pytest.mark.parametrize("value", ["2020-01-01T00:00:00Z", 1577836800, {"seconds": 1}])
def test_an_untyped_field_of_an_older_release_takes_any_value(value: object) -> None:
    # Argo 3.5's schema has metadata.creationTimestamp without a type.
    wf = workflow()
    wf["metadata"]["creationTimestamp"] = value
    assert check_schema(wf, releases.choose("3.5")) == []

"""compiler/validate/checker.py: the checks shared by several levels of a document (arguments,
names, artifact locations, hooks, metrics) and the state every check reads (kind, spec)."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.diagnostics import Severity
from compiler.validate.semantic import check_semantics

Doc = dict[str, Any]
MAIN = {"name": "main", "container": {"image": "a:1"}}


def workflow(*templates: Doc, kind: str = "Workflow", **spec: Any) -> Doc:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": "wf"},
        "spec": {"entrypoint": "main", "templates": list(templates or [MAIN]), **spec},
    }


def errors(document: Doc) -> list[tuple[str | None, str]]:
    return [(d.path, d.message) for d in check_semantics(document) if d.is_error]


def with_arguments(kind: str = "Workflow", **arguments: Any) -> Doc:
    return workflow(kind=kind, arguments=arguments)


ARGS = "spec.arguments"


# --- the document's kind and spec -----------------------------------------------------------


def test_a_cron_workflow_is_checked_in_its_workflow_spec() -> None:
    cron = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "c"},
        "spec": {
            "schedules": ["0 * * * *"],
            "workflowSpec": {
                "entrypoint": "main",
                "templates": [MAIN],
                "arguments": {"parameters": [{"name": "p"}]},
            },
        },
    }
    assert errors(cron) == [
        (
            "spec.workflowSpec.arguments.parameters[0]",
            "argument parameter 'p' needs a value or valueFrom",
        )
    ]


@pytest.mark.parametrize("kind", [None, 3])
def test_a_document_without_a_string_kind_is_checked_as_a_workflow(kind: object) -> None:
    document = with_arguments(parameters=[{"name": "p"}])
    document["kind"] = kind
    assert errors(document) == [
        (f"{ARGS}.parameters[0]", "argument parameter 'p' needs a value or valueFrom")
    ]


# --- undefined templates ------------------------------------------------------------------


def test_an_undefined_template_suggests_the_closest_name() -> None:
    assert errors(workflow(entrypoint="mian")) == [
        (
            "spec.entrypoint",
            "entrypoint template 'mian' is not defined in spec.templates; did you mean 'main'?",
        )
    ]
    assert errors(workflow(entrypoint="zzzz")) == [
        ("spec.entrypoint", "entrypoint template 'zzzz' is not defined in spec.templates")
    ]


# --- arguments ----------------------------------------------------------------------------


def test_workflow_arguments_need_values_but_template_kinds_get_them_from_callers() -> None:
    parameters = [
        {"name": "p"},
        {"name": "q", "value": "v"},
        {"name": "r", "valueFrom": {"supplied": {}}},
    ]
    assert errors(with_arguments(parameters=parameters)) == [
        (f"{ARGS}.parameters[0]", "argument parameter 'p' needs a value or valueFrom")
    ]
    for kind in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
        assert errors(with_arguments(kind, parameters=parameters)) == []


def test_a_null_value_is_no_value() -> None:
    assert errors(with_arguments(parameters=[{"name": "p", "value": None}])) == [
        (f"{ARGS}.parameters[0]", "argument parameter 'p' needs a value or valueFrom")
    ]


VALUE_FROM = (
    "argument parameter 'p' valueFrom only allows: default, configMapKeyRef, event and supplied"
)


@pytest.mark.parametrize(
    ("value_from", "valid"),
    [
        ({"configMapKeyRef": {"name": "c", "key": "k"}}, True),
        ({"event": "payload.x"}, True),
        ({"supplied": {}}, True),
        ({"supplied": {}, "default": "d"}, True),
        ({"default": "d"}, False),  # default alone is not a source
        ({}, False),
        ({"path": "/tmp/x"}, False),
        ({"supplied": {}, "path": "/tmp/x"}, False),
        ({"supplied": {}, "path": None}, True),  # null means absent
    ],
)
def test_argument_value_from_sources(value_from: Doc, valid: bool) -> None:
    document = with_arguments(parameters=[{"name": "p", "valueFrom": value_from}])
    expected = [] if valid else [(f"{ARGS}.parameters[0].valueFrom", VALUE_FROM)]
    assert errors(document) == expected


def test_enum_must_not_be_empty_and_must_hold_the_value() -> None:
    assert errors(with_arguments(parameters=[{"name": "e", "value": "a", "enum": []}])) == [
        (f"{ARGS}.parameters[0].enum", "parameter 'e' enum must not be empty")
    ]
    assert errors(with_arguments(parameters=[{"name": "e", "value": "c", "enum": ["a", "b"]}])) == [
        (f"{ARGS}.parameters[0].value", "parameter 'e' value is not one of its enum values")
    ]
    # Values compare as strings, as Argo's do; an enum without a value (supplied) is fine.
    assert errors(with_arguments(parameters=[{"name": "e", "value": 1, "enum": ["1"]}])) == []
    assert (
        errors(with_arguments(parameters=[{"name": "e", "value": "b", "enum": ["a", "b"]}])) == []
    )
    supplied = {"name": "e", "valueFrom": {"supplied": {}}, "enum": ["a"]}
    assert errors(with_arguments(parameters=[supplied])) == []


def test_parameters_that_are_not_mappings_are_skipped() -> None:
    assert errors(with_arguments(parameters=["p", 3, None], artifacts=["a", 3])) == []


ARTIFACT_SOURCE = "argument artifact 'a' needs from, a location, or a key"


@pytest.mark.parametrize(
    ("artifact", "expected"),
    [
        ({"name": "a"}, [ARTIFACT_SOURCE]),
        ({"name": "a", "from": ""}, [ARTIFACT_SOURCE]),
        ({"name": "a", "from": "{{steps.x.outputs.artifacts.y}}"}, []),
        ({"name": "a", "fromExpression": "steps.x.outputs.artifacts.y"}, []),
        ({"name": "a", "key": "some/key"}, []),
        ({"name": "a", "key": ""}, [ARTIFACT_SOURCE]),
        ({"name": "a", "gcs": {"key": "k"}}, []),
        ({"name": "a", "gcs": None}, [ARTIFACT_SOURCE]),
        ({"name": "a", "raw": {"data": "x"}}, []),
        (
            {"name": "a", "from": "x", "fromExpression": "y"},
            ["argument artifact 'a' cannot have both from and fromExpression"],
        ),
    ],
)
def test_argument_artifacts_need_one_source(artifact: Doc, expected: list[str]) -> None:
    document = workflow(arguments={"artifacts": [artifact]})
    found = [(p, m) for p, m in errors(document) if "{{steps" not in m]
    assert found == [(f"{ARGS}.artifacts[0]", message) for message in expected]


def test_argument_artifact_locations_are_checked() -> None:
    artifact = {"name": "a", "git": {"revision": "main"}}
    assert errors(workflow(arguments={"artifacts": [artifact]})) == [
        (f"{ARGS}.artifacts[0].git", "git.repo is required")
    ]
    artifact["git"]["repo"] = "https://github.com/kubeflow/testing"
    assert errors(workflow(arguments={"artifacts": [artifact]})) == []


@pytest.mark.parametrize(
    "first", ["s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "azure", "plugin"]
)
def test_every_artifact_location_counts_as_one(first: str) -> None:
    location = {"repo": "r"} if first == "git" else {"key": "k"}
    artifact = {"name": "a", first: location, "gcs": {"key": "k"}}
    # Named in Argo's order of the ArtifactLocation fields.
    found = f"{first}, gcs" if first not in ("azure", "plugin") else f"gcs, {first}"
    assert errors(workflow(arguments={"artifacts": [artifact]})) == [
        (
            f"{ARGS}.artifacts[0]",
            f"at most one artifact location can be specified (found {found})",
        )
    ]
    del artifact["gcs"]
    assert errors(workflow(arguments={"artifacts": [artifact]})) == []


# --- names --------------------------------------------------------------------------------


def test_names_are_required_valid_and_unique() -> None:
    parameters = [
        {"value": "v"},
        {"name": "", "value": "v"},
        {"name": "a b", "value": "v"},
        {"name": "ok", "value": "v"},
        {"name": "ok", "value": "v"},
        {"name": 3, "value": "v"},
        {"name": "a b", "value": "v"},
    ]
    invalid = "must consist of alpha-numeric characters, '_' or '-'"
    assert errors(with_arguments(parameters=parameters)) == [
        (f"{ARGS}.parameters[0]", "parameter name is required"),
        (f"{ARGS}.parameters[1]", "parameter name is required"),
        (f"{ARGS}.parameters[2].name", f"parameter name 'a b' is invalid: {invalid}"),
        (f"{ARGS}.parameters[4].name", "parameter name 'ok' is not unique"),
        (f"{ARGS}.parameters[6].name", f"parameter name 'a b' is invalid: {invalid}"),
        (f"{ARGS}.parameters[6].name", "parameter name 'a b' is not unique"),
    ]


def test_artifact_names_are_checked_like_parameter_names() -> None:
    artifacts = [{"raw": {"data": "x"}}, {"name": "a", "raw": {}}, {"name": "a", "raw": {}}]
    assert errors(with_arguments(artifacts=artifacts)) == [
        (f"{ARGS}.artifacts[0]", "artifact name is required"),
        (f"{ARGS}.artifacts[2].name", "artifact name 'a' is not unique"),
    ]


# --- hooks --------------------------------------------------------------------------------


def test_hooks_need_an_expression_except_exit() -> None:
    hooks = {
        "exit": {"template": "main"},
        "running": {"template": "main"},
        "done": {"template": "main", "expression": "workflow.status == 'Succeeded'"},
        "odd": "not a mapping",
    }
    assert errors(workflow(hooks=hooks)) == [
        ("spec.hooks.running", "hook 'running' needs an expression (only 'exit' may omit it)")
    ]


def test_a_hook_calls_a_defined_template_with_complete_arguments() -> None:
    hooks = {
        "exit": {
            "template": "mian",
            "arguments": {"parameters": [{"name": "p"}]},
        }
    }
    assert errors(workflow(hooks=hooks)) == [
        (
            "spec.hooks.exit.template",
            "hook 'exit' template 'mian' is not defined in spec.templates; did you mean 'main'?",
        ),
        (
            "spec.hooks.exit.arguments.parameters[0]",
            "argument parameter 'p' needs a value or valueFrom",
        ),
    ]


def test_hooks_of_a_step_are_checked_at_the_step() -> None:
    steps = {
        "name": "main",
        "steps": [[{"name": "s", "template": "a", "hooks": {"h": {"template": "a"}}}]],
    }
    leaf = {"name": "a", "container": {"image": "a:1"}}
    assert errors(workflow(steps, leaf)) == [
        (
            "spec.templates[0].steps[0][0].hooks.h",
            "hook 'h' needs an expression (only 'exit' may omit it)",
        )
    ]


# --- metrics ------------------------------------------------------------------------------


def metric(**fields: Any) -> Doc:
    return {"name": "m_total", "help": "h", "counter": {"value": "1"}, **fields}


@pytest.mark.parametrize("name", ["m_total", "_m", ":m", "a:b_1", 3])
def test_valid_metric_names(name: object) -> None:
    assert errors(workflow(metrics={"prometheus": [metric(name=name)]})) == []


@pytest.mark.parametrize("name", ["1m", "m-total", "m total", ""])
def test_invalid_metric_names(name: str) -> None:
    assert errors(workflow(metrics={"prometheus": [metric(name=name)]})) == [
        (
            "spec.metrics.prometheus[0].name",
            f"metric name '{name}' is invalid: metric names must contain alphanumeric "
            "characters or '_'",
        )
    ]


def test_a_metric_needs_help_and_real_time_gauges_cannot_use_resources_duration() -> None:
    metrics = {
        "prometheus": [
            metric(help=""),
            metric(gauge={"realtime": True, "value": "{{resourcesDuration.cpu}}"}),
            metric(gauge={"realtime": False, "value": "{{resourcesDuration.cpu}}"}),
            metric(gauge={"realtime": True, "value": "{{workflow.duration}}"}),
            "not a mapping",
        ]
    }
    assert errors(workflow(metrics=metrics)) == [
        ("spec.metrics.prometheus[0]", "metric 'm_total' must have a help string"),
        (
            "spec.metrics.prometheus[1].gauge",
            "'resourcesDuration.*' metrics cannot be used in real-time gauges",
        ),
    ]


def test_template_metrics_are_checked_at_the_template() -> None:
    template = {**MAIN, "metrics": {"prometheus": [metric(name="bad-name")]}}
    [(path, message)] = errors(workflow(template))
    assert path == "spec.templates[0].metrics.prometheus[0].name" and "'bad-name'" in message


def test_a_warning_on_the_document_has_a_path_and_an_error_without_one_has_none() -> None:
    document = workflow()
    document["metadata"] = {}
    [diagnostic] = check_semantics(document)
    assert diagnostic.severity is Severity.WARNING and diagnostic.path == "metadata"


def test_under_a_workflow_template_ref_local_names_are_not_judged() -> None:
    document = workflow(hooks={"exit": {"template": "elsewhere"}})
    document["spec"]["templates"] = []
    document["spec"]["workflowTemplateRef"] = {"name": "other"}
    assert errors(document) == []
    del document["spec"]["workflowTemplateRef"]
    assert (
        "spec.hooks.exit.template",
        "hook 'exit' template 'elsewhere' is not defined in spec.templates",
    ) in errors(document)

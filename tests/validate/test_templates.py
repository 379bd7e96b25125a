"""compiler/validate/templates.py: one template's type, inputs, outputs and per-kind needs.

Each case is a template that Argo's validator rejects, the exact argo-semantic errors it gets
(path, message), and its fixed counterpart, which gets none."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.validate import validate_workflow
from compiler.validate.semantic import check_semantics

Doc = dict[str, Any]
T = "spec.templates[0]"


def leaf(name: str = "main", **extra: Any) -> Doc:
    return {"name": name, "container": {"image": "alpine:3.19"}, **extra}


def script(**extra: Any) -> Doc:
    return {"name": "main", "script": {"image": "python:3", "source": "print(1)"}, **extra}


def steps(**extra: Any) -> Doc:
    return {"name": "main", "steps": [[{"name": "s", "template": "a"}]], **extra}


def dag(**extra: Any) -> Doc:
    return {"name": "main", "dag": {"tasks": [{"name": "t", "template": "a"}]}, **extra}


def resource(**extra: Any) -> Doc:
    return {"name": "main", "resource": {"action": "create", "manifest": "a: b"}, **extra}


def workflow(main: Doc) -> Doc:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "wf"},
        "spec": {"entrypoint": "main", "templates": [main, leaf("a")]},
    }


def errors(document: Doc) -> list[tuple[str | None, str]]:
    return [(d.path, d.message) for d in check_semantics(document) if d.is_error]


def out(**parameter: Any) -> Doc:
    return {"parameters": [{"name": "o", **parameter}]}


def artifacts(*items: Doc) -> Doc:
    return {"artifacts": list(items)}


GCS = {"gcs": {"bucket": "b", "key": "k"}}
S3 = {"s3": {"key": "k"}}

# (id, broken template, fixed template, [(path, message)] of the broken one)
CASES: list[tuple[str, Doc, Doc, list[tuple[str, str]]]] = [
    (
        "no-type",
        {"name": "main"},
        {"name": "main", "suspend": {}},
        [
            (
                T,
                "template 'main' has no template type: choose one of container, containerSet, "
                "steps, script, resource, dag, suspend, data, http, plugin",
            )
        ],
    ),
    (
        "two-types",
        {**leaf(), "suspend": {}, "http": {"url": "u"}},
        leaf(),
        [
            (
                T,
                "template 'main' has multiple template types (container, suspend, http); a "
                "template must have exactly one",
            )
        ],
    ),
    (
        "input-names",
        leaf(
            inputs={
                "parameters": [{"name": "a.b", "value": "1"}, {"name": "a.b", "value": "2"}],
                "artifacts": [{}],
            }
        ),
        leaf(
            inputs={
                "parameters": [{"name": "a_b", "value": "1"}],
                "artifacts": [{"name": "x", **GCS}],
            }
        ),
        [
            (
                f"{T}.inputs.parameters[0].name",
                "input parameter name 'a.b' is invalid: must consist of alpha-numeric "
                "characters, '_' or '-'",
            ),
            (
                f"{T}.inputs.parameters[1].name",
                "input parameter name 'a.b' is invalid: must consist of alpha-numeric "
                "characters, '_' or '-'",
            ),
            (f"{T}.inputs.parameters[1].name", "input parameter name 'a.b' is not unique"),
            (f"{T}.inputs.artifacts[0]", "input artifact name is required"),
        ],
    ),
    (
        "input-artifact-path-on-steps",
        steps(inputs=artifacts({"name": "src", "path": "/src", **GCS})),
        steps(inputs=artifacts({"name": "src", **GCS})),
        [
            (
                f"{T}.inputs.artifacts[0].path",
                "input artifact 'src' path is only valid in container/script templates",
            )
        ],
    ),
    (
        "input-artifact-from-and-two-locations",
        leaf(inputs=artifacts(5, {"name": "src", "path": "/s", "from": "x", **GCS, **S3})),
        leaf(inputs=artifacts(5, {"name": "src", "path": "/s", **GCS})),
        [
            (f"{T}.inputs.artifacts[1].from", "input artifact 'src' from is not valid in inputs"),
            (
                f"{T}.inputs.artifacts[1]",
                "at most one artifact location can be specified (found s3, gcs)",
            ),
        ],
    ),
    (
        "output-names",
        leaf(outputs={"parameters": [{"value": "1"}], "artifacts": [{"name": "a b", **GCS}]}),
        leaf(
            outputs={
                "parameters": [{"name": "p", "value": "1"}],
                "artifacts": [{"name": "a_b", **GCS}],
            }
        ),
        [
            (f"{T}.outputs.parameters[0]", "output parameter name is required"),
            (
                f"{T}.outputs.artifacts[0].name",
                "output artifact name 'a b' is invalid: must consist of alpha-numeric "
                "characters, '_' or '-'",
            ),
        ],
    ),
    (
        "output-artifact-path-on-dag",
        dag(outputs=artifacts(None, {"name": "r", "path": "/r", "from": "{{tasks.t.x}}"})),
        dag(outputs=artifacts(None, {"name": "r", "from": "{{tasks.t.x}}"})),
        [
            (
                f"{T}.outputs.artifacts[1].path",
                "output artifact 'r' path is only valid in container/script templates",
            )
        ],
    ),
    (
        "output-artifact-location-and-global-name",
        leaf(outputs=artifacts({"name": "r", "path": "/r", "globalName": "g.1", **GCS, **S3})),
        leaf(outputs=artifacts({"name": "r", "path": "/r", "globalName": "g-1", **GCS})),
        [
            (
                f"{T}.outputs.artifacts[0].globalName",
                "globalName 'g.1' is invalid: must consist of alpha-numeric characters, '_' or '-'",
            ),
            (
                f"{T}.outputs.artifacts[0]",
                "at most one artifact location can be specified (found s3, gcs)",
            ),
        ],
    ),
    (
        "output-parameter-global-name",
        leaf(outputs={"parameters": [7, {"name": "o", "value": "1", "globalName": "x y"}]}),
        leaf(
            outputs={"parameters": [7, {"name": "o", "value": "1", "globalName": "{{inputs.x.y}}"}]}
        ),
        [
            (
                f"{T}.outputs.parameters[1].globalName",
                "globalName 'x y' is invalid: must consist of alpha-numeric characters, '_' or '-'",
            )
        ],
    ),
    (
        "output-value-and-value-from",
        leaf(outputs=out(value="1", valueFrom={"path": "/o"})),
        leaf(outputs=out(valueFrom={"path": "/o"})),
        [
            (
                f"{T}.outputs.parameters[0]",
                "output parameter 'o' has both valueFrom and value; choose one",
            )
        ],
    ),
    (
        "output-neither",
        leaf(outputs=out()),
        leaf(outputs=out(value="fixed")),
        [(f"{T}.outputs.parameters[0]", "output parameter 'o' has neither valueFrom nor value")],
    ),
    (
        "output-two-sources",
        script(outputs=out(valueFrom={"path": "/o", "expression": "1", "supplied": {}})),
        script(outputs=out(valueFrom={"path": "/o"})),
        [
            (
                f"{T}.outputs.parameters[0].valueFrom",
                "output parameter 'o' has multiple valueFrom types (path, expression, supplied)",
            )
        ],
    ),
    (
        "output-exactly-two-sources",
        script(outputs=out(valueFrom={"path": "/o", "jqFilter": "."})),
        script(outputs=out(valueFrom={"path": "/o", "jqFilter": ""})),
        [
            (
                f"{T}.outputs.parameters[0].valueFrom",
                "output parameter 'o' has multiple valueFrom types (path, jqFilter)",
            )
        ],
    ),
    (
        "output-container-needs-path",
        leaf(outputs=out(valueFrom={"jsonPath": "{.x}"})),
        leaf(outputs=out(valueFrom={"path": "/o"})),
        [
            (
                f"{T}.outputs.parameters[0].valueFrom",
                "output parameter 'o' valueFrom.path must be set for container templates",
            )
        ],
    ),
    (
        "output-supplied-is-a-source-of-its-own",
        {"name": "main", "suspend": {}, "outputs": out(valueFrom={"supplied": {}, "path": ""})},
        {"name": "main", "suspend": {}, "outputs": out(valueFrom={"supplied": {}})},
        [],
    ),
    (
        "output-resource-needs-jq-or-json-path",
        resource(outputs=out(valueFrom={"path": "/o"})),
        resource(outputs=out(valueFrom={"jsonPath": "{.metadata.name}"})),
        [
            (
                f"{T}.outputs.parameters[0].valueFrom",
                "output parameter 'o' valueFrom.jqFilter or jsonPath must be set for resource "
                "templates",
            )
        ],
    ),
    (
        "output-resource-jq",
        resource(outputs=out(valueFrom={"expression": "x"})),
        resource(outputs=out(valueFrom={"jqFilter": ".x"})),
        [
            (
                f"{T}.outputs.parameters[0].valueFrom",
                "output parameter 'o' valueFrom.jqFilter or jsonPath must be set for resource "
                "templates",
            )
        ],
    ),
    (
        "output-dag-needs-parameter-or-expression",
        dag(outputs=out(valueFrom={"path": "/o"})),
        dag(outputs=out(valueFrom={"parameter": "{{tasks.t.outputs.parameters.o}}"})),
        [
            (
                f"{T}.outputs.parameters[0].valueFrom",
                "output parameter 'o' valueFrom.parameter or expression must be set for dag "
                "templates",
            )
        ],
    ),
    (
        "output-steps-expression",
        steps(outputs=out(valueFrom={"jsonPath": "x"})),
        steps(outputs=out(valueFrom={"expression": "steps.s.status"})),
        [
            (
                f"{T}.outputs.parameters[0].valueFrom",
                "output parameter 'o' valueFrom.parameter or expression must be set for steps "
                "templates",
            )
        ],
    ),
    (
        "archive-location",
        leaf(archiveLocation={**GCS, **S3}),
        leaf(archiveLocation=GCS),
        [
            (
                f"{T}.archiveLocation",
                "at most one artifact location can be specified (found s3, gcs)",
            )
        ],
    ),
    (
        "init-container-names",
        leaf(initContainers=[{"name": "ok", "image": "a"}, "x", {"image": "a"}]),
        leaf(initContainers=[{"name": "ok", "image": "a"}, "x", {"name": "b", "image": "a"}]),
        [(f"{T}.initContainers[2]", "initContainers must all have a container name")],
    ),
    (
        "template-metrics",
        leaf(metrics={"prometheus": [{"name": "m", "counter": {"value": "1"}}]}),
        leaf(metrics={"prometheus": [{"name": "m", "help": "h", "counter": {"value": "1"}}]}),
        [(f"{T}.metrics.prometheus[0]", "metric 'm' must have a help string")],
    ),
    (
        "retry-policy",
        leaf(retryStrategy={"retryPolicy": "Never"}),
        leaf(retryStrategy={"retryPolicy": "OnTransientError"}),
        [
            (
                f"{T}.retryStrategy.retryPolicy",
                "'Never' is not a valid retryPolicy (Always, OnError, OnFailure, OnTransientError)",
            )
        ],
    ),
    (
        "timeout-units",
        leaf(timeout=" +30 "),
        leaf(timeout="30m"),
        [
            (
                f"{T}.timeout",
                "timeout ' +30 ' has an invalid duration format (use units, e.g. ' +30 s')",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("broken", "fixed", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_template_check(broken: Doc, fixed: Doc, expected: list[tuple[str, str]]) -> None:
    assert errors(workflow(broken)) == expected
    assert errors(workflow(fixed)) == []
    # The same through the schema walk's tag listing (what lint and compile run).
    found = [(d.path, d.message) for d in validate_workflow(workflow(broken))]
    assert all(error in found for error in expected), found


def test_an_inline_template_is_named_so_in_messages() -> None:
    main = {"name": "main", "steps": [[{"name": "s", "inline": {"inputs": {}}}]]}
    assert errors(workflow(main)) == [
        (
            "spec.templates[0].steps[0][0].inline",
            "template '(inline)' has no template type: choose one of container, containerSet, "
            "steps, script, resource, dag, suspend, data, http, plugin",
        )
    ]


def test_steps_and_dag_templates_get_no_leaf_checks() -> None:
    # A leaf's container checks (its image) do not apply; its deadline and timeout do not either.
    assert errors(workflow(steps(parallelism=2))) == []
    assert errors(workflow(dag(timeout="", activeDeadlineSeconds=None))) == []
    assert errors(workflow(leaf(timeout="10s", activeDeadlineSeconds=5))) == []


def test_a_template_without_tags_is_fine_through_the_schema_walk() -> None:
    document = workflow(leaf(container={"image": "a:1", "args": ["{{inputs.parameters.p}}"]}))
    document["spec"]["templates"][1]["container"]["args"] = ["plain"]
    found = [(d.rule, d.path, d.message) for d in validate_workflow(document)]
    assert found == [
        (
            "argo-semantic",
            "spec.templates[0]",
            "failed to resolve {{inputs.parameters.p}}: input parameter 'p' is not declared in "
            "inputs.parameters",
        )
    ]

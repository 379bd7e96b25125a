"""compiler/validate/semantic.py: each check fails on a small broken workflow and passes on
its fixed counterpart; nothing odd in a document makes the checks raise."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest

from compiler.diagnostics import Severity
from compiler.validate import docpath, validate_workflow
from compiler.validate.semantic import check_semantics

Doc = dict[str, Any]


def leaf(name: str, **extra: Any) -> Doc:
    return {"name": name, "container": {"image": "alpine:3.19", "command": ["true"]}, **extra}


def workflow(*templates: Doc, **spec: Any) -> Doc:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "wf"},
        "spec": {"entrypoint": "main", "templates": list(templates), **spec},
    }


def steps_wf(*steps: Doc, extra: tuple[Doc, ...] = ()) -> Doc:
    main = {"name": "main", "steps": [[step] for step in steps]}
    return workflow(main, leaf("a"), leaf("b"), *extra)


def dag_wf(*tasks: Doc, extra: tuple[Doc, ...] = ()) -> Doc:
    main = {"name": "main", "dag": {"tasks": list(tasks)}}
    return workflow(main, leaf("a"), leaf("b"), *extra)


def errors(document: Doc) -> list[tuple[str | None, str]]:
    return [(d.path, d.message) for d in check_semantics(document) if d.is_error]


def task(name: str, template: str = "a", **extra: Any) -> Doc:
    return {"name": name, "template": template, **extra}


PARAM_TEMPLATE = leaf("p", inputs={"parameters": [{"name": "msg"}]})

# (id, broken document, fixed document, path of the error, words of its message)
CASES: list[tuple[str, Doc, Doc, str, str]] = [
    (
        "entrypoint-missing",
        workflow(leaf("main"), entrypoint=""),
        workflow(leaf("main")),
        "spec.entrypoint",
        "spec.entrypoint is required",
    ),
    (
        "entrypoint-undefined",
        workflow(leaf("main"), entrypoint="mian"),
        workflow(leaf("main")),
        "spec.entrypoint",
        "'mian' is not defined in spec.templates; did you mean 'main'?",
    ),
    (
        "onexit-undefined",
        workflow(leaf("main"), onExit="exit-handler"),
        workflow(leaf("main"), leaf("exit-handler"), onExit="exit-handler"),
        "spec.onExit",
        "onExit template 'exit-handler' is not defined",
    ),
    (
        "step-template-undefined",
        steps_wf(task("s1", "c")),
        steps_wf(task("s1", "b")),
        "spec.templates[0].steps[0][0].template",
        "step 's1' template 'c' is not defined",
    ),
    (
        "task-template-undefined",
        dag_wf(task("t1", "zz")),
        dag_wf(task("t1", "a")),
        "spec.templates[0].dag.tasks[0].template",
        "task 't1' template 'zz' is not defined",
    ),
    (
        "template-ref-incomplete",
        steps_wf({"name": "s1", "templateRef": {"name": "other"}}),
        steps_wf({"name": "s1", "templateRef": {"name": "other", "template": "x"}}),
        "spec.templates[0].steps[0][0].templateRef",
        "templateRef.template is required",
    ),
    (
        "template-and-template-ref",
        steps_wf({"name": "s1", "template": "a", "templateRef": {"name": "o", "template": "x"}}),
        steps_wf({"name": "s1", "templateRef": {"name": "o", "template": "x"}}),
        "spec.templates[0].steps[0][0]",
        "template cannot be set together with templateRef",
    ),
    (
        "step-without-template",
        steps_wf({"name": "s1"}),
        steps_wf(task("s1")),
        "spec.templates[0].steps[0][0]",
        "must set template, templateRef or inline",
    ),
    (
        "dependency-undefined",
        dag_wf(task("t1"), task("t2", dependencies=["t3"])),
        dag_wf(task("t1"), task("t2", dependencies=["t1"])),
        "spec.templates[0].dag.tasks[1].dependencies",
        "depends on 't3', which is not a task of this DAG",
    ),
    (
        "depends-undefined",
        dag_wf(task("t1"), task("t2", depends="t1.Succeeded && t9")),
        dag_wf(task("t1"), task("t2", depends="t1.Succeeded && t1.Failed")),
        "spec.templates[0].dag.tasks[1].depends",
        "depends on 't9'",
    ),
    (
        "dependency-cycle",
        dag_wf(task("t1", dependencies=["t2"]), task("t2", dependencies=["t1"])),
        dag_wf(task("t1"), task("t2", dependencies=["t1"])),
        "spec.templates[0].dag.tasks[0]",
        "dependency cycle detected: t1->t2->t1",
    ),
    (
        "depends-and-dependencies",
        dag_wf(task("t1"), task("t2", depends="t1"), task("t3", dependencies=["t1"])),
        dag_wf(task("t1"), task("t2", depends="t1"), task("t3", depends="t1")),
        "spec.templates[0].dag.tasks[2].dependencies",
        "cannot use both 'depends' and 'dependencies'",
    ),
    (
        "continue-on-with-depends",
        dag_wf(task("t1", continueOn={"failed": True}), task("t2", depends="t1")),
        dag_wf(task("t1"), task("t2", depends="t1.Failed")),
        "spec.templates[0].dag.tasks[0].continueOn",
        "cannot use 'continueOn' when using 'depends'",
    ),
    (
        "digit-task-name",
        dag_wf(task("1st"), task("t2", depends="1st")),
        dag_wf(task("first"), task("t2", depends="first")),
        "spec.templates[0].dag.tasks[0].name",
        "cannot begin with a digit",
    ),
    (
        "bad-task-result",
        dag_wf(task("t1"), task("t2", depends="t1.Succeded")),
        dag_wf(task("t1"), task("t2", depends="t1.Succeeded")),
        "spec.templates[0].dag.tasks[1].depends",
        "task result 'Succeded' for task 't1' is invalid",
    ),
    (
        "items-condition-without-items",
        dag_wf(task("t1"), task("t2", depends="t1.AnySucceeded")),
        dag_wf(task("t1", withItems=[1, 2]), task("t2", depends="t1.AnySucceeded")),
        "spec.templates[0].dag.tasks[1].depends",
        "items-based condition",
    ),
    (
        "duplicate-task",
        dag_wf(task("t1"), task("t1", "b")),
        dag_wf(task("t1"), task("t2", "b")),
        "spec.templates[0].dag.tasks[1].name",
        "task name 't1' is not unique",
    ),
    (
        "duplicate-step",
        steps_wf(task("s1"), task("s1", "b")),
        steps_wf(task("s1"), task("s2", "b")),
        "spec.templates[0].steps[1][0].name",
        "step name 's1' is not unique",
    ),
    (
        "empty-dag",
        workflow({"name": "main", "dag": {"tasks": []}}),
        dag_wf(task("t1")),
        "spec.templates[0].dag.tasks",
        "at least one task",
    ),
    (
        "dag-target-undefined",
        workflow({"name": "main", "dag": {"target": "t9", "tasks": [task("t1")]}}, leaf("a")),
        workflow({"name": "main", "dag": {"target": "t1", "tasks": [task("t1")]}}, leaf("a")),
        "spec.templates[0].dag.target",
        "target 't9' is not a task",
    ),
    (
        "argument-dependency-missing",
        dag_wf(
            task("t1"),
            task(
                "t2", "p", arguments={"parameters": [{"name": "msg", "value": "{{tasks.t1.ip}}"}]}
            ),
            extra=(PARAM_TEMPLATE,),
        ),
        dag_wf(
            task("t1"),
            task(
                "t2",
                "p",
                dependencies=["t1"],
                arguments={"parameters": [{"name": "msg", "value": "{{tasks.t1.ip}}"}]},
            ),
            extra=(PARAM_TEMPLATE,),
        ),
        "spec.templates[0].dag.tasks[1]",
        "uses task 't1', which the task does not depend on",
    ),
    (
        "duplicate-template",
        workflow(leaf("main"), leaf("main")),
        workflow(leaf("main"), leaf("other")),
        "spec.templates[1].name",
        "template name 'main' is not unique",
    ),
    (
        "template-name-missing",
        workflow(leaf("main"), {"container": {"image": "a:1"}}),
        workflow(leaf("main"), leaf("x")),
        "spec.templates[1]",
        "template name is required",
    ),
    (
        "template-name-invalid",
        workflow(leaf("main"), leaf("bad_name")),
        workflow(leaf("main"), leaf("bad-name")),
        "spec.templates[1].name",
        "template name 'bad_name' is invalid",
    ),
    (
        "no-template-type",
        workflow({"name": "main"}),
        workflow({"name": "main", "suspend": {}}),
        "spec.templates[0]",
        "has no template type",
    ),
    (
        "two-template-types",
        workflow({**leaf("main"), "script": {"image": "a:1", "source": "x"}}),
        workflow({"name": "main", "script": {"image": "a:1", "source": "x"}}),
        "spec.templates[0]",
        "multiple template types (container, script)",
    ),
    (
        "parameter-not-supplied",
        steps_wf(task("s1", "p"), extra=(PARAM_TEMPLATE,)),
        steps_wf(
            task("s1", "p", arguments={"parameters": [{"name": "msg", "value": "hi"}]}),
            extra=(PARAM_TEMPLATE,),
        ),
        "spec.templates[0].steps[0][0]",
        "template 'p' input parameter 'msg' was not supplied",
    ),
    (
        "entrypoint-parameter-not-supplied",
        workflow(leaf("main", inputs={"parameters": [{"name": "msg"}]})),
        workflow(
            leaf("main", inputs={"parameters": [{"name": "msg"}]}),
            arguments={"parameters": [{"name": "msg", "value": "x"}]},
        ),
        "spec.entrypoint",
        "input parameter 'msg' was not supplied (no default, and not in spec.arguments)",
    ),
    (
        "argument-without-value",
        workflow(leaf("main"), arguments={"parameters": [{"name": "msg"}]}),
        workflow(leaf("main"), arguments={"parameters": [{"name": "msg", "value": "v"}]}),
        "spec.arguments.parameters[0]",
        "needs a value or valueFrom",
    ),
    (
        "parameter-name-invalid",
        workflow(leaf("main"), arguments={"parameters": [{"name": "a b", "value": "v"}]}),
        workflow(leaf("main"), arguments={"parameters": [{"name": "a_b", "value": "v"}]}),
        "spec.arguments.parameters[0].name",
        "parameter name 'a b' is invalid",
    ),
    (
        "enum-mismatch",
        workflow(
            leaf("main"), arguments={"parameters": [{"name": "e", "value": "c", "enum": ["a"]}]}
        ),
        workflow(
            leaf("main"), arguments={"parameters": [{"name": "e", "value": "a", "enum": ["a"]}]}
        ),
        "spec.arguments.parameters[0].value",
        "not one of its enum values",
    ),
    (
        "artifact-locations",
        workflow(
            leaf("main"),
            arguments={"artifacts": [{"name": "a", "s3": {"key": "k"}, "gcs": {"key": "k"}}]},
        ),
        workflow(leaf("main"), arguments={"artifacts": [{"name": "a", "gcs": {"key": "k"}}]}),
        "spec.arguments.artifacts[0]",
        "at most one artifact location",
    ),
    (
        "timeout-on-steps",
        workflow({"name": "main", "timeout": "1m", "steps": [[task("s", "a")]]}, leaf("a")),
        workflow({"name": "main", "steps": [[task("s", "a")]]}, leaf("a", timeout="1m")),
        "spec.templates[0].timeout",
        "timeout cannot be applied to steps or dag templates",
    ),
    (
        "timeout-whole-number",
        workflow(leaf("main", timeout="30")),
        workflow(leaf("main", timeout="30s")),
        "spec.templates[0].timeout",
        "invalid duration format",
    ),
    (
        "deadline-on-dag",
        workflow(
            {"name": "main", "activeDeadlineSeconds": 5, "dag": {"tasks": [task("t")]}}, leaf("a")
        ),
        workflow({"name": "main", "dag": {"tasks": [task("t")]}}, leaf("a")),
        "spec.templates[0].activeDeadlineSeconds",
        "only valid for leaf templates",
    ),
    (
        "deadline-negative",
        workflow(leaf("main", activeDeadlineSeconds=-1)),
        workflow(
            leaf("main", activeDeadlineSeconds="{{workflow.parameters.t}}"),
            arguments={"parameters": [{"name": "t", "value": "5"}]},
        ),
        "spec.templates[0].activeDeadlineSeconds",
        "positive integer",
    ),
    (
        "parallelism-on-leaf",
        workflow(leaf("main", parallelism=2)),
        workflow({"name": "main", "parallelism": 2, "steps": [[task("s")]]}, leaf("a")),
        "spec.templates[0].parallelism",
        "only valid for steps and dag templates",
    ),
    (
        "image-empty",
        workflow({"name": "main", "container": {"command": ["true"]}}),
        workflow(
            {"name": "main", "container": {"command": ["true"]}},
            templateDefaults={"container": {"image": "alpine:3.19"}},
        ),
        "spec.templates[0].container.image",
        "container.image may not be empty",
    ),
    (
        "duplicate-mount-path",
        workflow(
            leaf("main"),
            volumes=[{"name": "v", "emptyDir": {}}, {"name": "w", "emptyDir": {}}],
        ),
        workflow(leaf("main"), volumes=[{"name": "v", "emptyDir": {}}]),
        "spec.templates[0].container.volumeMounts[1]",
        "mountPath '/m' is already mounted",
    ),
    (
        "mount-of-unknown-volume",
        workflow(leaf("main")),
        workflow(leaf("main"), volumes=[{"name": "data", "emptyDir": {}}]),
        "spec.templates[0].container.volumeMounts[0]",
        "volumeMount 'data' names no volume",
    ),
    (
        "retry-policy",
        workflow(leaf("main", retryStrategy={"retryPolicy": "Sometimes"})),
        workflow(leaf("main", retryStrategy={"retryPolicy": "OnError"})),
        "spec.templates[0].retryStrategy.retryPolicy",
        "'Sometimes' is not a valid retryPolicy",
    ),
    (
        "pod-gc-strategy",
        workflow(leaf("main"), podGC={"strategy": "OnPodDone"}),
        workflow(leaf("main"), podGC={"strategy": "OnPodSuccess"}),
        "spec.podGC.strategy",
        "unknown strategy 'OnPodDone'",
    ),
    (
        "output-parameter-without-path",
        workflow(leaf("main", outputs={"parameters": [{"name": "o", "valueFrom": {}}]})),
        workflow(
            leaf("main", outputs={"parameters": [{"name": "o", "valueFrom": {"path": "/o"}}]})
        ),
        "spec.templates[0].outputs.parameters[0].valueFrom",
        "valueFrom type unspecified",
    ),
    (
        "resource-action",
        workflow({"name": "main", "resource": {"action": "destroy", "manifest": "a: b"}}),
        workflow({"name": "main", "resource": {"action": "delete", "manifest": "a: b"}}),
        "spec.templates[0].resource.action",
        "resource.action must be one of",
    ),
    (
        "resource-manifest-yaml",
        workflow({"name": "main", "resource": {"action": "create", "manifest": "a: [b"}}),
        workflow({"name": "main", "resource": {"action": "create", "manifest": "a: {{x.y}}"}}),
        "spec.templates[0].resource.manifest",
        "must be valid YAML",
    ),
    (
        "loops-exclusive",
        steps_wf(task("s1", withItems=[1], withParam="[1]")),
        steps_wf(task("s1", withItems=[1])),
        "spec.templates[0].steps[0][0]",
        "only one of withItems, withParam, withSequence",
    ),
    (
        "sequence-count-and-end",
        steps_wf(task("s1", withSequence={"count": "3", "end": "5"})),
        steps_wf(task("s1", withSequence={"count": "3"})),
        "spec.templates[0].steps[0][0].withSequence",
        "only one of count or end",
    ),
    (
        "hook-without-expression",
        workflow(leaf("main"), hooks={"running": {"template": "main"}}),
        workflow(leaf("main"), hooks={"exit": {"template": "main"}}),
        "spec.hooks.running",
        "needs an expression",
    ),
    (
        "unresolved-input-reference",
        workflow(leaf("main", container={"image": "a:1", "args": ["{{inputs.parameters.x}}"]})),
        workflow(
            leaf(
                "main",
                container={"image": "a:1", "args": ["{{inputs.parameters.x}}"]},
                inputs={"parameters": [{"name": "x", "value": "1"}]},
            )
        ),
        "spec.templates[0]",
        "failed to resolve {{inputs.parameters.x}}",
    ),
    (
        "unresolved-workflow-parameter",
        workflow(leaf("main", container={"image": "a:1", "args": ["{{workflow.parameters.p}}"]})),
        workflow(
            leaf("main", container={"image": "a:1", "args": ["{{workflow.parameters.p}}"]}),
            arguments={"parameters": [{"name": "p", "value": "1"}]},
        ),
        "spec.templates[0]",
        "workflow parameter 'p' is not declared",
    ),
    (
        "unresolved-step-reference",
        steps_wf(
            task("s1"),
            task(
                "s2", "p", arguments={"parameters": [{"name": "msg", "value": "{{steps.s0.id}}"}]}
            ),
            extra=(PARAM_TEMPLATE,),
        ),
        steps_wf(
            task("s1"),
            task(
                "s2", "p", arguments={"parameters": [{"name": "msg", "value": "{{steps.s1.id}}"}]}
            ),
            extra=(PARAM_TEMPLATE,),
        ),
        "spec.templates[0]",
        "'s0' is not a step of this template",
    ),
    (
        "name-too-long",
        {**workflow(leaf("main")), "metadata": {"name": "x" * 64}},
        {**workflow(leaf("main")), "metadata": {"name": "x" * 63}},
        "metadata.name",
        "must not be more than 63 characters",
    ),
    (
        "workflow-template-ref-with-templates",
        workflow(leaf("main"), workflowTemplateRef={"name": "other"}),
        workflow(workflowTemplateRef={"name": "other"}),
        "spec.templates",
        "must be empty when the workflow uses workflowTemplateRef",
    ),
]

# The two volume cases need a mount; add it to both variants.
for _case in CASES:
    if _case[0] == "duplicate-mount-path":
        for _doc in _case[1:3]:
            mounts = [{"name": "v", "mountPath": "/m"}]
            if _doc is _case[1]:
                mounts.append({"name": "w", "mountPath": "/m"})
            _doc["spec"]["templates"][0]["container"]["volumeMounts"] = mounts
    if _case[0] == "mount-of-unknown-volume":
        for _doc in _case[1:3]:
            _doc["spec"]["templates"][0]["container"]["volumeMounts"] = [
                {"name": "data", "mountPath": "/d"}
            ]


@pytest.mark.parametrize(
    ("broken", "fixed", "path", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_check_fails_on_the_broken_and_passes_on_the_fixed(
    broken: Doc, fixed: Doc, path: str, words: str
) -> None:
    found = errors(broken)
    assert any(p == path and words in m for p, m in found), found
    assert errors(fixed) == []
    assert all(d.rule == "argo-semantic" for d in check_semantics(broken))


def test_workflow_templates_need_no_entrypoint_and_get_their_parameters_from_callers() -> None:
    document = workflow(leaf("main", inputs={"parameters": [{"name": "msg"}]}), entrypoint="")
    document["kind"] = "WorkflowTemplate"
    document["spec"]["arguments"] = {"parameters": [{"name": "free"}]}
    document["spec"]["templates"][0]["container"]["args"] = ["{{workflow.parameters.other}}"]
    assert errors(document) == []


def test_template_refs_and_workflow_template_refs_are_not_followed() -> None:
    document = steps_wf({"name": "s1", "templateRef": {"name": "lib", "template": "anything"}})
    assert errors(document) == []
    by_ref = workflow(entrypoint="", workflowTemplateRef={"name": "lib"}, onExit="elsewhere")
    del by_ref["spec"]["templates"]
    assert errors(by_ref) == []


def test_mixed_steps_and_dag_templates_and_inline_templates() -> None:
    inline = {
        "container": {"image": "a:1", "args": ["{{inputs.parameters.x}}"]},
        "inputs": {"parameters": [{"name": "x", "value": "1"}]},
    }
    document = workflow(
        {"name": "main", "steps": [[task("s1", "d")], [{"name": "s2", "inline": inline}]]},
        {
            "name": "d",
            "dag": {"tasks": [task("t1", "a"), {"name": "t2", "inline": {"suspend": {}}}]},
        },
        leaf("a"),
    )
    assert errors(document) == []
    document["spec"]["templates"][0]["steps"][1][0]["inline"] = {"name": "bad"}
    assert [p for p, _ in errors(document)] == ["spec.templates[0].steps[1][0].inline"]


def test_cron_workflows_check_their_schedule_and_workflow_spec() -> None:
    cron = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "c" * 53},
        "spec": {
            "schedules": ["* * *"],
            "concurrencyPolicy": "Sometimes",
            "workflowSpec": {"entrypoint": "nope", "templates": [leaf("main")]},
        },
    }
    assert {p for p, _ in errors(cron)} == {
        "metadata.name",
        "spec.schedules[0]",
        "spec.concurrencyPolicy",
        "spec.workflowSpec.entrypoint",
    }
    cron["metadata"]["name"] = "c"
    cron["spec"].update(schedules=["*/5 * * * *"], concurrencyPolicy="Forbid")
    cron["spec"]["workflowSpec"]["entrypoint"] = "main"
    assert errors(cron) == []


def test_a_missing_name_is_only_a_warning() -> None:
    document = workflow(leaf("main"))
    document["metadata"] = {"labels": {"a": "b"}}
    [diagnostic] = check_semantics(document)
    assert diagnostic.severity is Severity.WARNING


def test_validate_workflow_reports_schema_then_semantic_problems() -> None:
    document = workflow(leaf("main"), entrypoint="missing")
    document["spec"]["entrypont"] = "x"
    rules = [d.rule for d in validate_workflow(document)]
    assert rules == ["argo-schema", "argo-semantic"]


GARBAGE: list[Any] = [
    None,
    0,
    -1,
    True,
    "",
    "x",
    "{{",
    [],
    {},
    [[]],
    [None],
    {"name": None},
    {"": {}},
    [{"name": 1}],
    1.5,
]


def _mutations(document: Any, rng: random.Random) -> tuple[Any, str, Any]:
    """A copy of ``document`` with one random node replaced by garbage, the replaced node's
    path (as diagnostics spell it) and the garbage."""
    mutated = copy.deepcopy(document)
    holders: list[tuple[Any, Any, str]] = []
    stack: list[tuple[Any, str]] = [(mutated, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                child = docpath.key(path, key)
                holders.append((node, key, child))
                stack.append((value, child))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                holders.append((node, index, docpath.index(path, index)))
                stack.append((value, docpath.index(path, index)))
    garbage = copy.deepcopy(rng.choice(GARBAGE))
    if not holders:
        return mutated, "", garbage
    holder, key, path = rng.choice(holders)
    holder[key] = garbage
    return mutated, path, garbage


def _related(diagnostic_path: str | None, mutated_path: str) -> bool:
    """The diagnostic is about the mutated node, something inside it, or what contains it."""
    if not diagnostic_path:
        return True  # a document-level finding (e.g. a missing top-level field)
    return diagnostic_path.startswith(mutated_path) or mutated_path.startswith(diagnostic_path)


@pytest.mark.parametrize(
    ("document", "rule", "path", "fragment"),
    [
        (None, "argo-schema", None, "must be a mapping, got null"),
        ([], "argo-schema", None, "must be a mapping, got a list"),
        ("x", "argo-schema", None, "must be a mapping, got a string"),
        ({}, "argo-schema", None, "missing required field 'spec'"),
        ({"kind": "Workflow"}, "argo-semantic", "spec.entrypoint", "entrypoint is required"),
        ({"spec": None}, "argo-schema", "spec", "expected a mapping, got null"),
        # null is "not set", as the Kubernetes API reads it: no templates, so no entrypoint.
        ({"spec": {"templates": None}}, "argo-semantic", "spec.entrypoint", "is required"),
        (
            {"spec": {"templates": [None, 1, "x", []]}},
            "argo-schema",
            "spec.templates[1]",
            "got an integer",
        ),
        ({"kind": 3, "spec": []}, "argo-schema", "kind", "expected a string, got an integer"),
        (
            {"kind": "CronWorkflow", "spec": {"workflowSpec": "x", "schedules": "x"}},
            "argo-schema",
            "spec.workflowSpec",
            "got a string",
        ),
        (
            {"spec": {"templates": [{"name": "m", "steps": [None, [None, {"name": []}]]}]}},
            "argo-schema",
            "spec.templates[0].steps[1][1].name",
            "expected a string, got a list",
        ),
        (
            {"spec": {"templates": [{"name": "m", "dag": {"tasks": [{"depends": 3}, None]}}]}},
            "argo-schema",
            "spec.templates[0].dag.tasks[0].depends",
            "expected a string, got an integer",
        ),
        (
            {
                "spec": {
                    "templates": [{"name": "m", "dag": {"tasks": [{"name": "a", "depends": "("}]}}]
                }
            },
            "argo-semantic",
            "spec.templates[0].dag.tasks[0]",
            "must set template",
        ),
    ],
)
def test_odd_documents_are_errors_at_the_odd_place(
    document: Any, rule: str, path: str | None, fragment: str
) -> None:
    found = validate_workflow(document)
    assert all(d.rule in ("argo-schema", "argo-semantic") and d.message for d in found)
    assert any(
        d.is_error and d.rule == rule and d.path == path and fragment in d.message for d in found
    ), [(d.rule, d.path, d.message) for d in found]


def test_random_garbage_in_real_workflows_is_found_where_it_is(
    argo_data: Path, argo_docs: Any
) -> None:
    rng = random.Random(20240229)
    documents = [doc for _, _, doc in argo_docs(argo_data / "examples")]
    clean = {
        id(doc): {(d.rule, d.path, d.message) for d in validate_workflow(doc)} for doc in documents
    }
    type_errors = located = 0
    for _ in range(400):
        original = rng.choice(documents)
        mutated, path, garbage = _mutations(original, rng)
        found = validate_workflow(mutated)
        assert all(d.rule in ("argo-schema", "argo-semantic") and d.message for d in found)
        new = [d for d in found if (d.rule, d.path, d.message) not in clean[id(original)]]
        # Structural findings are about the garbage itself; semantic ones may be elsewhere (a
        # task renamed to garbage leaves other tasks depending on a name that is gone).
        structural = [d for d in new if d.rule == "argo-schema" and d.path]
        assert all(_related(d.path, path) for d in structural), (path, garbage, structural)
        if garbage in ([None], [[]], [{"name": 1}]) or (isinstance(garbage, dict) and garbage):
            type_errors += 1
            located += any(d.is_error for d in new)
    # Garbage of a shape no Argo field of a string/number/list-of-mapping type accepts is found.
    assert type_errors > 50 and located / type_errors > 0.6, (located, type_errors)


def test_huge_and_deep_workflows_are_fine() -> None:
    chain = [task(f"t{i}", dependencies=[f"t{i - 1}"] if i else []) for i in range(3000)]
    assert errors(dag_wf(*chain)) == []
    chain[0]["dependencies"] = ["t2999"]
    assert any("dependency cycle" in m for _, m in errors(dag_wf(*chain)))
    inline: Doc = {"suspend": {}}
    for depth in range(200):
        inline = {"steps": [[{"name": f"s{depth}", "inline": inline}]]}
    deep = validate_workflow(workflow({"name": "main", **inline}))
    assert [d.message for d in deep if d.rule == "argo-schema"] == [
        "the document is nested too deeply to check (inline templates?)"
    ]


def test_an_image_of_the_wrong_type_is_one_schema_error_not_also_an_empty_one() -> None:
    document = workflow({"name": "main", "container": {"image": 5, "command": ["true"]}})
    found = [(d.rule, d.path) for d in validate_workflow(document)]
    assert found == [("argo-schema", "spec.templates[0].container.image")], found


@pytest.mark.parametrize("depends", ["(a", "a)", "(a && (b)", ")a("])
def test_unbalanced_depends_expressions_are_errors(depends: str) -> None:
    document = dag_wf(task("a"), task("b"), task("c", depends=depends))
    found = [d for d in validate_workflow(document) if "unbalanced" in d.message]
    assert [(d.rule, d.path) for d in found] == [
        ("argo-semantic", "spec.templates[0].dag.tasks[2].depends")
    ]
    balanced = dag_wf(task("a"), task("b"), task("c", depends="(a && b) || a.Failed"))
    assert not [d for d in validate_workflow(balanced) if "unbalanced" in d.message]


def cron(schedules: list[str] | None = None, **spec: Any) -> Doc:
    workflow_spec = {"entrypoint": "main", "templates": [leaf("main")]}
    return {
        "kind": "CronWorkflow",
        "metadata": {"name": "c"},
        "spec": {
            **({"schedules": schedules} if schedules is not None else {}),
            **spec,
            "workflowSpec": workflow_spec,
        },
    }


@pytest.mark.parametrize(
    "schedule",
    [
        "*/5 * * * *",
        "  0 3 * * 1-5 ",
        "CRON_TZ=Europe/Berlin 0 3 * * *",
        "TZ=UTC 0 3 * * *",
        "CRON_TZ=UTC @daily",
        "@hourly",
        "@every 90s",
    ],
)
def test_good_cron_schedules(schedule: str) -> None:
    assert check_semantics(cron([schedule])) == []
    assert check_semantics(cron(schedule=schedule)) == []


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        ("* * *", "expected exactly 5 fields, found 3"),
        ("0 0 * * * *", "expected exactly 5 fields, found 6"),
        ("TZ=UTC", "expected exactly 5 fields, found 0"),
        ("@sometimes", "unknown descriptor '@sometimes'"),
        ("CRON_TZ=UTC @every", "unknown descriptor '@every'"),
    ],
)
def test_malformed_cron_schedules_say_why(schedule: str, problem: str) -> None:
    document = cron(["0 * * * *", schedule])
    assert errors(document) == [
        ("spec.schedules[1]", f"cron schedule '{schedule}' is malformed: {problem}")
    ]


def test_a_cron_workflow_has_schedule_or_schedules_not_both() -> None:
    both = cron(["0 * * * *"], schedule="0 * * * *")
    assert errors(both) == [
        ("spec", "a CronWorkflow cannot set both spec.schedule and spec.schedules")
    ]


def test_cron_concurrency_policy_and_starting_deadline() -> None:
    assert check_semantics(cron(["@daily"], concurrencyPolicy="Replace")) == []
    assert check_semantics(cron(["@daily"], startingDeadlineSeconds=0)) == []
    assert errors(cron(["@daily"], startingDeadlineSeconds=-1)) == [
        ("spec.startingDeadlineSeconds", "startingDeadlineSeconds must be positive")
    ]
    assert errors(cron(["@daily"], startingDeadlineSeconds="-1")) == []  # the schema's to report


def test_a_cron_workflow_name_may_have_52_characters() -> None:
    document = cron(["@daily"])
    document["metadata"]["name"] = "c" * 52
    assert check_semantics(document) == []
    document["metadata"]["name"] = "c" * 53
    assert errors(document) == [
        (
            "metadata.name",
            f"CronWorkflow name '{'c' * 53}' must not be more than 52 characters long "
            "(currently 53)",
        )
    ]


def test_a_name_or_a_generate_name_is_enough() -> None:
    document = workflow(leaf("main"))
    assert check_semantics(document) == []
    document["metadata"] = {"generateName": "wf-"}
    assert check_semantics(document) == []
    document["metadata"] = "garbage"  # the schema's to report
    assert check_semantics(document) == []


def test_templates_without_a_usable_name_are_skipped_not_resolved() -> None:
    document = workflow(leaf("main"), {"name": 5, "container": {"image": "a:1"}}, None, "x")
    assert errors(document) == []
    document["spec"]["templates"].append({"name": "", "container": {"image": "a:1"}})
    assert errors(document) == [("spec.templates[4]", "template name is required")]


def test_a_call_to_a_duplicated_template_is_checked_against_the_first() -> None:
    needs = leaf("dup", inputs={"parameters": [{"name": "msg"}]})
    document = steps_wf(task("s1", "dup"), extra=(needs, leaf("dup")))
    assert [m for _, m in errors(document)] == [
        "template name 'dup' is not unique (spec.templates[3])",
        "template 'dup' input parameter 'msg' was not supplied (no default, and not in "
        "step 's1' arguments)",
    ]


def test_workflow_arguments_feed_the_on_exit_template_of_a_workflow() -> None:
    exit_handler = leaf("exit", inputs={"parameters": [{"name": "status"}]})
    document = workflow(leaf("main"), exit_handler, onExit="exit")
    assert errors(document) == [
        (
            "spec.onExit",
            "template 'exit' input parameter 'status' was not supplied (no default, and not "
            "in spec.arguments)",
        )
    ]
    document["kind"] = "WorkflowTemplate"  # callers supply it
    assert errors(document) == []
    document["kind"] = "Workflow"
    document["spec"]["arguments"] = {"parameters": [{"name": "status", "value": "x"}]}
    assert errors(document) == []


def test_an_entrypoint_of_the_wrong_type_is_left_to_the_schema() -> None:
    document = workflow(leaf("main"), entrypoint=["main"])
    assert errors(document) == []
    document["spec"]["onExit"] = 7
    assert errors(document) == []


def test_a_workflow_template_ref_needs_no_local_templates() -> None:
    by_ref = workflow(entrypoint="elsewhere", workflowTemplateRef={"name": "lib"})
    del by_ref["spec"]["templates"]
    assert errors(by_ref) == []


def test_workflow_level_metrics_are_checked() -> None:
    metric = {"name": "bad name", "help": "h", "counter": {"value": "1"}}
    document = workflow(leaf("main"), metrics={"prometheus": [metric]})
    assert [p for p, _ in errors(document)] == ["spec.metrics.prometheus[0].name"]
    metric["name"] = "good_name"
    assert errors(document) == []


def test_semantics_take_the_scanned_tags_when_given() -> None:
    document = workflow(
        leaf("main", container={"image": "a:1", "args": ["{{inputs.parameters.x}}"]})
    )
    assert [m for _, m in errors(document)] == [
        "failed to resolve {{inputs.parameters.x}}: input parameter 'x' is not declared in "
        "inputs.parameters"
    ]
    # What the schema walk listed is what is checked: here, nothing.
    assert check_semantics(document, tagged=[]) == []

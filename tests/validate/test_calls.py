"""compiler/validate/calls.py: steps, DAG tasks and hooks — what they call, with which
arguments, their dependencies, and the ``{{...}}`` references of a template."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.validate import validate_workflow
from compiler.validate.semantic import check_semantics
from tests.validate.test_semantic import leaf, workflow

Doc = dict[str, Any]
T = "spec.templates[0]"


def steps_wf(*groups: list[Any], extra: tuple[Doc, ...] = ()) -> Doc:
    return workflow({"name": "main", "steps": list(groups)}, leaf("a"), *extra)


def dag_wf(*tasks: Any, extra: tuple[Doc, ...] = (), **dag: Any) -> Doc:
    return workflow({"name": "main", "dag": {"tasks": list(tasks), **dag}}, leaf("a"), *extra)


def call(name: str, template: str = "a", **extra: Any) -> Doc:
    return {"name": name, "template": template, **extra}


def errors(document: Doc) -> list[tuple[str | None, str]]:
    found = [(d.path, d.message) for d in check_semantics(document) if d.is_error]
    # The schema walk's tag listing (what lint and compile use) finds the same.
    semantic = [
        (d.path, d.message) for d in validate_workflow(document) if d.rule == "argo-semantic"
    ]
    assert [e for e in semantic if e in found] == found
    return found


# --- steps -----------------------------------------------------------------------------------


def test_steps_need_a_valid_name_and_garbage_steps_are_skipped() -> None:
    document = steps_wf([5, {"template": "a"}, call("bad_name")], [call("", "a")], 7)
    assert errors(document) == [
        (f"{T}.steps[0][1]", "step name is required"),
        (
            f"{T}.steps[0][2].name",
            "step name 'bad_name' is invalid: must consist of alpha-numeric characters or '-', "
            "and must start with an alpha-numeric character",
        ),
        (f"{T}.steps[1][0]", "step name is required"),
    ]
    assert errors(steps_wf([call("s1"), {"name": 5, "template": "a"}])) == []


def test_a_duplicate_step_points_at_the_first() -> None:
    document = steps_wf([call("s1")], [call("s2"), call("s1")], [call("s1")])
    assert errors(document) == [
        (
            f"{T}.steps[1][1].name",
            f"step name 's1' is not unique within the template ({T}.steps[0][0])",
        ),
        (
            f"{T}.steps[2][0].name",
            f"step name 's1' is not unique within the template ({T}.steps[0][0])",
        ),
    ]


def test_step_arguments_need_values_and_step_hooks_expressions() -> None:
    document = steps_wf(
        [
            call(
                "s1",
                arguments={"parameters": [{"name": "p"}]},
                hooks={"running": {"template": "a"}, "exit": {"template": "a"}},
            )
        ]
    )
    assert errors(document) == [
        (
            f"{T}.steps[0][0].arguments.parameters[0]",
            "argument parameter 'p' needs a value or valueFrom",
        ),
        (
            f"{T}.steps[0][0].hooks.running",
            "hook 'running' needs an expression (only 'exit' may omit it)",
        ),
    ]


def test_loops_are_exclusive_and_a_sequence_has_count_or_end() -> None:
    three = call("s", withItems=[1], withParam="[1]", withSequence={"count": "2"})
    assert errors(steps_wf([three])) == [
        (f"{T}.steps[0][0]", "step 's': only one of withItems, withParam, withSequence can be set")
    ]
    assert errors(steps_wf([call("s", withSequence={"end": "5", "start": "1"})])) == []
    assert errors(steps_wf([call("s", withItems=None, withParam="[1]")])) == []


# --- what a call refers to -------------------------------------------------------------------


def test_a_call_needs_a_template_and_an_empty_name_is_none() -> None:
    assert errors(steps_wf([call("s", "")])) == [
        (f"{T}.steps[0][0]", "step 's' must set template, templateRef or inline")
    ]
    # A template name of the wrong type is the schema's error, not also this one.
    assert errors(steps_wf([call("s", 5)])) == []  # type: ignore[arg-type]
    assert errors(steps_wf([call("s", "{{workflow.parameters.which}}")])) == [
        (
            T,
            "failed to resolve {{workflow.parameters.which}}: workflow parameter 'which' is not "
            "declared in spec.arguments",
        )
    ]


def test_template_ref_needs_name_and_template() -> None:
    document = steps_wf([{"name": "s", "templateRef": {}}])
    assert errors(document) == [
        (f"{T}.steps[0][0].templateRef", "step 's': templateRef.name is required"),
        (f"{T}.steps[0][0].templateRef", "step 's': templateRef.template is required"),
    ]


def _nested_inline(levels: int) -> Doc:
    inline: Doc = {"container": {"image": ""}}  # an empty image: an error at the bottom
    for level in range(levels - 1):
        inline = {"steps": [[{"name": f"s{level}", "inline": inline}]]}
    return workflow({"name": "main", "steps": [[{"name": "top", "inline": inline}]]})


def test_inline_templates_are_checked_twenty_levels_deep() -> None:
    [(path, message)] = errors(_nested_inline(20))
    assert path is not None and path.count(".inline") == 20
    assert message == "template '(inline)' container.image may not be empty"
    assert errors(_nested_inline(21)) == []


def test_hooks_inline_templates_are_not_followed() -> None:
    hook = {"exit": {"inline": {"container": {"image": ""}}}}
    assert errors(steps_wf([call("s", hooks=hook)])) == []


def test_inputs_without_a_default_must_be_supplied() -> None:
    callee = leaf(
        "c",
        inputs={
            "parameters": [
                5,
                {"name": ""},
                {"name": "given"},
                {"name": "value", "value": "v"},
                {"name": "default", "default": "d"},
                {"name": "from", "valueFrom": {"configMapKeyRef": {"name": "m", "key": "k"}}},
                {"name": "missing"},
            ],
            "artifacts": [
                None,
                {"name": ""},
                {"name": "given"},
                {"name": "optional", "optional": True},
                {"name": "located", "gcs": {"bucket": "b", "key": "k"}},
                {"name": "keyed", "key": "k"},
                {"name": "from", "from": "{{workflow.outputs.artifacts.x}}"},
                {"name": "missing", "optional": False},
            ],
        },
    )
    args = {
        "parameters": [{"name": "given", "value": "1"}],
        "artifacts": [{"name": "given", "from": "{{steps.s0.outputs.artifacts.a}}"}],
    }
    document = steps_wf([call("s0")], [call("s", "c", arguments=args)], extra=(callee,))
    # (The callee's nameless inputs are its own errors, at its path.)
    assert [e for e in errors(document) if e[0] == f"{T}.steps[1][0]"] == [
        (
            f"{T}.steps[1][0]",
            "template 'c' input parameter 'missing' was not supplied (no default, and not in "
            "step 's' arguments)",
        ),
        (
            f"{T}.steps[1][0]",
            "template 'c' input artifact 'missing' was not supplied (not optional, no location, "
            "and not in step 's' arguments)",
        ),
    ]


# --- DAG tasks -------------------------------------------------------------------------------


def test_garbage_tasks_are_skipped() -> None:
    assert errors(dag_wf(5, call("t1"), {"name": 3, "template": "a"})) == []
    assert errors(dag_wf(None)) == [
        (f"{T}.dag.tasks", "a dag template must have at least one task")
    ]


def test_a_task_name_may_not_begin_with_a_digit_when_dependencies_are_used() -> None:
    assert errors(dag_wf(call("1st"), call("2nd"))) == []
    assert errors(dag_wf(call("t0"), call("1st", dependencies=["t0"]))) == [
        (
            f"{T}.dag.tasks[1].name",
            "task name '1st' cannot begin with a digit when using 'depends' or 'dependencies'",
        )
    ]
    assert errors(dag_wf(call("t0"), call("a1st", dependencies=["t0"]))) == []


def test_continue_on_goes_with_dependencies_not_depends() -> None:
    document = dag_wf(call("t1", continueOn={"failed": True}), call("t2", dependencies=["t1"]))
    assert errors(document) == []


def test_dependencies_name_tasks_of_the_dag_and_need_no_items() -> None:
    document = dag_wf(call("build"), call("t2", dependencies=["biuld", 5]))
    assert errors(document) == [
        (
            f"{T}.dag.tasks[1].dependencies",
            "task 't2' depends on 'biuld', which is not a task of this DAG; did you mean 'build'?",
        )
    ]
    document = dag_wf(call("build"), call("t2", dependencies=["build"]))
    assert errors(document) == []


def test_an_items_based_condition_needs_items_of_any_kind() -> None:
    for loop in ({"withParam": "[1]"}, {"withSequence": {"count": "2"}}):
        document = dag_wf(call("t1", **loop), call("t2", depends="t1.AllFailed"))
        assert errors(document) == []


def test_a_cycle_is_reported_at_the_task_where_it_starts_and_skips_argument_checks() -> None:
    args = {"parameters": [{"name": "p", "value": "{{tasks.t9.outputs.result}}"}]}
    document = dag_wf(
        call("t0"),
        call("t1", dependencies=["t2"]),
        call("t2", dependencies=["t1"], arguments=args),
    )
    assert errors(document) == [
        (f"{T}.dag.tasks[1]", "dependency cycle detected: t1->t2->t1"),
        (
            T,
            "failed to resolve {{tasks.t9.outputs.result}}: 't9' is not a task of this DAG",
        ),
    ]


def test_the_dag_target_is_tasks_or_parameters() -> None:
    ok = dag_wf(call("t1"), call("t2"), target="t1  t2 {{workflow.parameters.t}}")
    ok["spec"]["arguments"] = {"parameters": [{"name": "t", "value": "t1"}]}
    assert errors(ok) == []
    assert errors(dag_wf(call("t1"), target="t1 t3")) == [
        (f"{T}.dag.target", "target 't3' is not a task of this DAG")
    ]
    assert errors(dag_wf(call("t1"), target="")) == []
    assert errors(dag_wf(call("t1"), target=5)) == []  # the schema's to report


def test_task_arguments_from_other_tasks_need_them_upstream() -> None:
    callee = leaf(
        "c",
        inputs={
            "parameters": [{"name": "p"}, {"name": "q"}, {"name": "r"}],
            "artifacts": [{"name": "x"}, {"name": "y"}],
        },
    )
    args = {
        "parameters": [
            {"name": "p", "value": "{{tasks.t0.outputs.result}}"},
            {"name": "q", "valueFrom": {"supplied": {}}},
            {"name": "r", "value": "from {{tasks.t0.outputs.result}}"},
        ],
        "artifacts": [
            {"name": "x", "from": "{{tasks.t1.outputs.artifacts.x}}"},
            {"name": "y", "from": "{{tasks.t0.outputs.artifacts.y}}"},
        ],
    }
    document = dag_wf(
        call("t0"),
        call("t1"),
        call("t2", "c", dependencies=["t1"], arguments=args),
        extra=(callee,),
    )
    assert errors(document) == [
        (
            f"{T}.dag.tasks[2]",
            "task 't2' parameter 'p' uses task 't0', which the task does not depend on",
        ),
        (
            f"{T}.dag.tasks[2]",
            "task 't2' artifact 'y' uses task 't0', which the task does not depend on",
        ),
    ]


@pytest.mark.parametrize("depends", ["((a))", "(a) || (b && !c)", "a"])
def test_balanced_depends_expressions_are_fine(depends: str) -> None:
    document = dag_wf(call("a"), call("b"), call("c"), call("d", depends=depends))
    assert errors(document) == []


# --- {{...}} references ----------------------------------------------------------------------


def test_references_that_resolve() -> None:
    main = {
        "name": "main",
        "inputs": {
            "parameters": [{"name": "p"}],
            "artifacts": [{"name": "art", "gcs": {"bucket": "b", "key": "k"}}],
        },
        "steps": [
            [
                call(
                    "s1",
                    arguments={
                        "parameters": [
                            {
                                "name": "a",
                                "value": "{{inputs.parameters.p}} {{inputs.parameters.d}}",
                            },
                            {"name": "b", "value": "{{steps.name}} {{workflow.parameters.json}}"},
                            {"name": "c", "value": "{{workflow.uid}} {{pod.name}} {{item}}"},
                            {"name": "e", "value": "{{inputs.artifacts.art.path}} {{inputs}}"},
                        ]
                    },
                )
            ],
            [call("s2", arguments={"parameters": [{"name": "f", "value": "{{steps.s1.ip}}"}]})],
        ],
    }
    document = workflow(
        main,
        leaf("a"),
        templateDefaults={"inputs": {"parameters": [{"name": "d", "value": "x"}]}},
    )
    document["spec"]["arguments"] = {"parameters": [{"name": "p", "value": "1"}]}
    assert errors(document) == []
    dag = {
        "name": "main",
        "dag": {
            "tasks": [
                call("t1"),
                call(
                    "t2",
                    dependencies=["t1"],
                    arguments={
                        "parameters": [{"name": "x", "value": "{{tasks.t1.ip}}{{tasks.name}}"}]
                    },
                ),
            ]
        },
    }
    assert errors(workflow(dag, leaf("a"))) == []


def test_references_that_cannot_resolve_are_reported_once_each() -> None:
    main = leaf(
        "main",
        container={
            "image": "a:1",
            "args": [
                "{{inputs.artifacts.gone.path}}",
                "{{steps.s1.ip}}",
                "{{tasks.t1.ip}}",
                "{{inputs.parameters.gone}}",
                "{{inputs.artifacts.gone.path}}",
            ],
        },
    )
    assert errors(workflow(main)) == [
        (
            T,
            "failed to resolve {{inputs.artifacts.gone.path}}: input artifact 'gone' is not "
            "declared in inputs.artifacts",
        ),
        (
            T,
            "failed to resolve {{inputs.parameters.gone}}: input parameter 'gone' is not "
            "declared in inputs.parameters",
        ),
    ]


def test_unknown_steps_and_tasks_are_reported_in_their_templates() -> None:
    values = ["{{tasks.t1.ip}}", "{{steps.s0.ip}}", "{{steps}}", "{{steps.s9}}"]
    steps = steps_wf(
        [
            call(
                "s1",
                arguments={
                    "parameters": [{"name": f"p{i}", "value": v} for i, v in enumerate(values)]
                },
            )
        ],
    )
    assert [m for _, m in errors(steps) if m.startswith("failed")] == [
        "failed to resolve {{steps.s0.ip}}: 's0' is not a step of this template",
        "failed to resolve {{steps.s9}}: 's9' is not a step of this template",
    ]
    values = ["{{steps.s1.ip}}", "{{tasks.t0.ip}}", "{{tasks}}", "{{tasks.t9}}"]
    dag = dag_wf(
        call("t1"),
        call(
            "t2",
            arguments={"parameters": [{"name": f"p{i}", "value": v} for i, v in enumerate(values)]},
        ),
    )
    assert [m for _, m in errors(dag) if m.startswith("failed")] == [
        "failed to resolve {{tasks.t0.ip}}: 't0' is not a task of this DAG",
        "failed to resolve {{tasks.t9}}: 't9' is not a task of this DAG",
    ]


def test_workflow_parameters_are_left_to_the_workflow_that_uses_a_workflow_template_ref() -> None:
    main = leaf("main", container={"image": "a:1", "args": ["{{workflow.parameters.p}}"]})
    document = workflow(main, workflowTemplateRef={"name": "lib"})
    assert [m for _, m in errors(document)] == [
        "spec.templates must be empty when the workflow uses workflowTemplateRef"
    ]

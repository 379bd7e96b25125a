"""compiler/validate/tags.py: the ``{{...}}`` tags of a template, found the same way whether
the schema walk listed them (``validate_workflow``) or the semantic checks scan for them
(``check_semantics`` alone, or a document the schema walk could not list completely)."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.validate import validate_workflow
from compiler.validate.semantic import check_semantics
from compiler.validate.tags import group_by_template, tags_in


def _workflow(*templates: dict[str, Any], kind: str = "Workflow") -> dict[str, Any]:
    spec = {"entrypoint": "main", "templates": list(templates)}
    if kind == "CronWorkflow":
        spec = {"schedule": "* * * * *", "workflowSpec": spec}
    return {"kind": kind, "metadata": {"name": "wf"}, "spec": spec}


def _leaf(name: str, *args: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "container": {"image": "alpine:3.19", "args": list(args)}, **extra}


def _unresolved(found: list[Any]) -> list[tuple[str, str]]:
    prefix = "failed to resolve "
    return [
        (d.path, d.message[len(prefix) :].split(":")[0])
        for d in found
        if d.message.startswith(prefix)
    ]


def _both(document: dict[str, Any]) -> list[tuple[str, str]]:
    """The unresolved tags as check_semantics finds them, checked against validate_workflow."""
    scanned = _unresolved(check_semantics(document))
    assert _unresolved(validate_workflow(document)) == scanned
    return scanned


def test_tags_are_trimmed_and_listed_in_document_order() -> None:
    template = _leaf("main", "{{ inputs.parameters.b }}", "x{{inputs.parameters.a}}y")
    template["container"]["env"] = [{"name": "E", "value": "{{workflow.name}}"}]
    assert tags_in(template) == ["inputs.parameters.b", "inputs.parameters.a", "workflow.name"]
    assert tags_in(_leaf("main", "no tags", "{single}")) == []
    assert _both(_workflow(template)) == [
        ("spec.templates[0]", "{{inputs.parameters.b}}"),
        ("spec.templates[0]", "{{inputs.parameters.a}}"),
    ]


def test_a_tag_with_a_newline_or_tab_inside_is_read_as_written() -> None:
    template = _leaf(
        "main", "echo {{\n  inputs.parameters.missing\n}}", "{{\tinputs.parameters.t}}"
    )
    assert tags_in(template) == ["inputs.parameters.missing", "inputs.parameters.t"]
    assert [tag for _, tag in _both(_workflow(template))] == [
        "{{inputs.parameters.missing}}",
        "{{inputs.parameters.t}}",
    ]


def test_quotes_and_other_characters_around_tags_do_not_change_them() -> None:
    quoted = _leaf("main", 'echo "{{inputs.parameters.q}}"', "{{a", "b}}")
    assert tags_in(quoted) == ["inputs.parameters.q"]
    assert tags_in(_leaf("main", "é {{inputs.parameters.ü}}", "{{a", "b}}")) == [
        "inputs.parameters.ü"
    ]


def test_tags_in_keys_count_as_argo_resolves_the_whole_template() -> None:
    template = _leaf("main", metadata={"labels": {"{{inputs.parameters.k}}": "v"}})
    assert tags_in(template) == ["inputs.parameters.k"]
    # The same when the template is walked (a quote in a value), key before value.
    template["metadata"]["labels"]["{{inputs.parameters.k}}"] = '"{{inputs.parameters.v}}"'
    assert tags_in(template) == ["inputs.parameters.k", "inputs.parameters.v"]


def test_a_deeply_nested_value_is_still_scanned() -> None:
    deep: Any = "{{inputs.parameters.deep}}"
    for _ in range(3000):
        deep = [deep]
    template = _leaf("main", "{{inputs.parameters.top}}")
    template["container"]["args"].append(deep)
    assert tags_in(template) == ["inputs.parameters.top", "inputs.parameters.deep"]


def _with_inline_step(*outer_args: str) -> dict[str, Any]:
    inline = _leaf("", "{{inputs.parameters.x}}", inputs={"parameters": [{"name": "x"}]})
    del inline["name"]
    return {
        "name": "main",
        "inputs": {"parameters": [{"name": "declared", "value": "1"}]},
        "steps": [
            [
                {
                    "name": "s1",
                    "inline": inline,
                    "arguments": {"parameters": [{"name": "x", "value": a} for a in outer_args]},
                }
            ]
        ],
    }


def test_the_tags_of_an_inline_template_are_its_own_not_its_callers() -> None:
    template = _with_inline_step("{{inputs.parameters.b}}", "{{inputs.parameters.declared}}")
    template["steps"][0][0]["arguments"]["parameters"].append(
        {"name": "y", "value": "{{inputs.parameters.a}}"}
    )
    assert tags_in(template) == [
        "inputs.parameters.b",
        "inputs.parameters.declared",
        "inputs.parameters.a",
    ]
    assert _both(_workflow(template)) == [
        ("spec.templates[0]", "{{inputs.parameters.b}}"),
        ("spec.templates[0]", "{{inputs.parameters.a}}"),
    ]


def test_inline_in_a_dag_task_and_in_a_cron_workflow() -> None:
    steps = _with_inline_step("{{inputs.parameters.gone}}")
    dag = {"name": "main", "inputs": steps["inputs"], "dag": {"tasks": steps["steps"][0]}}
    assert tags_in(dag) == ["inputs.parameters.gone"]
    cron = _workflow(dag, kind="CronWorkflow")
    assert _both(cron) == [("spec.workflowSpec.templates[0]", "{{inputs.parameters.gone}}")]


def test_garbage_steps_do_not_stop_the_scan() -> None:
    template = {"name": "main", "steps": [[5, "inline", None], 7], "dag": {"tasks": [3]}}
    template["outputs"] = {"parameters": [{"name": "o", "value": "{{inputs.parameters.z}}"}]}
    assert tags_in(template) == ["inputs.parameters.z"]
    assert ("spec.templates[0]", "{{inputs.parameters.z}}") in _unresolved(
        check_semantics(_workflow(template))
    )


def test_strings_outside_the_templates_belong_to_no_template() -> None:
    tagged = [
        ("metadata.generateName", "{{workflow.name}}"),
        ("spec.arguments.parameters[0].value", "{{inputs.parameters.a}}"),
        ("spec.templates[1].container.args[0]", "{{inputs.parameters.b}}"),
        ("spec.templates[1].steps[0][0].inline.container.args[0]", "{{x}} {{ y }}"),
        ("spec.templates[1].steps[0][0].inline.steps[0][0].inline.script.source", "{{z}}"),
        ("spec.workflowSpec.templates[0].container.args[0]", "{{inputs.parameters.c}}"),
    ]
    assert group_by_template(tagged, "spec") == {
        "spec.templates[1]": ["inputs.parameters.b"],
        "spec.templates[1].steps[0][0].inline": ["x", "y"],
        "spec.templates[1].steps[0][0].inline.steps[0][0].inline": ["z"],
    }
    assert group_by_template(tagged, "spec.workflowSpec") == {
        "spec.workflowSpec.templates[0]": ["inputs.parameters.c"],
    }


@pytest.mark.parametrize("kind", ["Workflow", "CronWorkflow"])
def test_tags_of_other_documents_kinds_are_grouped_by_their_templates(kind: str) -> None:
    document = _workflow(_leaf("main", "{{inputs.parameters.nope}}"), kind=kind)
    document["metadata"]["annotations"] = {"a": "{{inputs.parameters.elsewhere}}"}
    where = "spec.workflowSpec" if kind == "CronWorkflow" else "spec"
    assert _both(document) == [(f"{where}.templates[0]", "{{inputs.parameters.nope}}")]

"""compiler/validate/schema_nodes.py: the compiled schema (types, optional fields, maps, the
release's own schema) as the walker reports it, for plain values and ruamel's subclasses."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarfloat import ScalarFloat
from ruamel.yaml.scalarint import ScalarInt
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from compiler.validate import releases
from compiler.validate.schema import check_schema, scan
from compiler.validate.schema_nodes import KINDS, Node, _Compiler, compiled_schema


def workflow(**template: Any) -> dict[str, Any]:
    main = {"name": "main", "container": {"image": "alpine:3.19"}, **template}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "t-"},
        "spec": {"entrypoint": "main", "templates": [main]},
    }


def problems(document: object, release: releases.Release | None = None) -> list[tuple[str, str]]:
    return [(d.path or "", d.message) for d in check_schema(document, release)]


T0 = "spec.templates[0]"


@pytest.mark.parametrize(
    ("value", "got"),
    [
        ("3", "a string"),
        (DoubleQuotedScalarString("3"), "a string"),
        ([3], "a list"),
        (CommentedSeq([3]), "a list"),
        ((3,), "a list"),
        ({"n": 3}, "a mapping"),
        (CommentedMap(n=3), "a mapping"),
        (True, "a boolean"),
        (1.5, "a number"),
        (ScalarFloat(1.5), "a number"),
        (datetime.date(2024, 1, 1), "date"),  # an unquoted YAML timestamp
    ],
)
def test_a_value_of_the_wrong_type_is_named(value: object, got: str) -> None:
    assert problems(workflow(parallelism=value)) == [
        (f"{T0}.parallelism", f"expected an integer, got {got}")
    ]


@pytest.mark.parametrize("value", [3, 0, ScalarInt(3), 2.0, ScalarFloat(2.0), None])
def test_integers_integral_floats_and_null_fit_an_optional_integer(value: object) -> None:
    assert problems(workflow(parallelism=value)) == []


@pytest.mark.parametrize(
    ("value", "got"),
    [
        (3, "an integer"),
        (ScalarInt(3), "an integer"),
        (3.0, "an integer"),  # as Go reads JSON: a whole number is an integer
        (ScalarFloat(3.0), "an integer"),
        (2.5, "a number"),
        (False, "a boolean"),
        (CommentedMap(), "a mapping"),
    ],
)
def test_a_string_field_names_what_it_got(value: object, got: str) -> None:
    assert problems(workflow(serviceAccountName=value)) == [
        (f"{T0}.serviceAccountName", f"expected a string, got {got}")
    ]


@pytest.mark.parametrize("value", ["x", DoubleQuotedScalarString("x"), None])
def test_strings_and_their_subclasses_fit_a_string_field(value: object) -> None:
    assert problems(workflow(serviceAccountName=value)) == []


def test_several_expected_types_are_listed_in_order() -> None:
    document = workflow(inputs={"parameters": [{"name": "p", "value": [1]}]})
    assert problems(document) == [
        (
            f"{T0}.inputs.parameters[0].value",
            "expected a boolean, a number or a string, got a list",
        )
    ]


@pytest.mark.parametrize("value", ["x", 3, 2.5, True, ScalarFloat(2.5), None])
def test_a_parameter_value_takes_strings_numbers_and_booleans(value: object) -> None:
    assert problems(workflow(inputs={"parameters": [{"name": "p", "value": value}]})) == []


@pytest.mark.parametrize("value", [1, 1.5, "500m"])
def test_quantities_take_numbers_integers_included(value: object) -> None:
    document = workflow()
    document["spec"]["templates"][0]["container"]["resources"] = {"limits": {"cpu": value}}
    assert problems(document) == []


def test_a_round_trip_loaded_workflow_is_walked_like_a_plain_one() -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: t-, labels: {a: b}}
spec:
  entrypoint: main
  parallelism: 2.0
  templates:
  - name: main
    containr: {image: alpine}
    container: {image: alpine, args: ["{{workflow.name}}", 3]}
"""
    document = YAML(typ="rt").load(text)
    assert problems(document) == [
        (f"{T0}.containr", "unknown field 'containr' in Template; did you mean 'container'?"),
        (f"{T0}.container.args[1]", "expected a string, got an integer"),
    ]


def test_required_fields_of_nested_objects() -> None:
    document = workflow(inputs={"parameters": [{"value": "v"}]})
    assert problems(document) == [
        (f"{T0}.inputs.parameters[0]", "missing required field 'name' in Parameter")
    ]


def test_closed_objects_and_open_maps() -> None:
    document = workflow(nodeSelector={"any-key": "v", "other": "w"}, bogus=1)
    assert problems(document) == [
        (f"{T0}.bogus", "unknown field 'bogus' in Template"),
    ]
    document = workflow(nodeSelector={"any-key": 3})
    assert problems(document) == [
        (f"{T0}.nodeSelector.any-key", "expected a string, got an integer")
    ]


def test_each_release_has_its_own_compiled_schema_and_kinds() -> None:
    oldest = releases.choose("2.4")
    # Compiled once per file; every release using the file shares the nodes.
    assert compiled_schema(oldest).kinds is compiled_schema(releases.choose("v2.4.0")).kinds
    assert compiled_schema(releases.choose("4.1")).kinds is compiled_schema().kinds
    assert compiled_schema(oldest).argo_version != compiled_schema().argo_version
    assert compiled_schema(oldest).release is oldest
    assert compiled_schema().release is None
    assert "CronWorkflow" not in compiled_schema(oldest).kinds  # CronWorkflow came with 2.5
    assert set(compiled_schema().kinds) == set(KINDS)
    cron = {"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "spec": {}}
    version = compiled_schema(oldest).argo_version
    assert problems(cron, oldest) == [
        ("kind", f"kind 'CronWorkflow' does not exist in the Argo {version} API")
    ]


def test_recursive_definitions_resolve_to_one_node() -> None:
    # Template -> DAGTemplate -> DAGTask -> inline Template: the same checks all the way down.
    inline = {"name": "i", "container": {"image": "a:1", "imagePullPolicy": 3}}
    document = workflow()
    document["spec"]["templates"][0] = {
        "name": "main",
        "dag": {
            "tasks": [
                {"name": "t", "inline": {"dag": {"tasks": [{"name": "u", "inline": inline}]}}}
            ]
        },
    }
    assert problems(document) == [
        (
            f"{T0}.dag.tasks[0].inline.dag.tasks[0].inline.container.imagePullPolicy",
            "expected a string, got an integer",
        )
    ]


def all_nodes(roots: Any) -> list[Any]:
    seen: dict[int, Any] = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack += list((node.properties or {}).values())
        stack += [n for n in (node.target, node.items) if n is not None]
        if not isinstance(node.additional, bool):
            stack.append(node.additional)
    return list(seen.values())


def test_the_walkers_fast_paths_hold_for_every_shipped_schema() -> None:
    """The walker accepts a leaf's scalar in place and descends into lists only through
    ``items``: no leaf may take a list, and every node is typed once its wrapper is resolved.
    A leaf list item takes no object (a mapping item is always checked, so free-form content is
    noted), and a map's leaf values are typed (a string value is accepted in place)."""
    from compiler.validate import tekton

    schemas = [compiled_schema(releases.choose(m)).kinds.values() for m in releases.shipped()]
    schemas.append([n for kinds in tekton.tekton_schema().roots.values() for n in kinds.values()])
    for roots in schemas:
        for node in all_nodes(roots):
            assert not (node.leaf and node.types and "array" in node.types), node.name
            assert node.types is not None or node.leaf or node.target is not None, node.name
            items, additional = node.items, node.additional
            if items is not None and items.leaf:
                assert dict not in (items.py_types or ()), node.name
            if isinstance(additional, Node) and additional.leaf:
                assert additional.py_types is not None, node.name


def test_null_where_a_value_is_required_is_named_null() -> None:
    document = workflow(inputs={"parameters": [{"name": None, "value": "v"}]})
    assert problems(document) == [
        (f"{T0}.inputs.parameters[0].name", "expected a string, got null")
    ]


@pytest.mark.parametrize(
    "any_of",
    [
        [{"type": "string"}, {"type": "null"}, {"type": "null"}],
        [{"$ref": "#/definitions/A"}, {"type": "string"}],
        [{"type": "object", "properties": {"a": {}}}],
    ],
    ids=["three-branches", "two-alternatives", "one-branch"],
)
def test_a_schema_with_an_anyof_the_walker_cannot_check_is_refused(any_of: list[Any]) -> None:
    definitions = {"A": {"type": "object", "properties": {"x": {"anyOf": any_of}}}}
    with pytest.raises(ValueError, match=r"unsupported anyOf \(only \[X, null\] is\)"):
        _Compiler(definitions).definition("A")


def test_definitions_are_named_by_their_last_dotted_part() -> None:
    definitions = {
        "io.k8s.Thing": {"type": "object", "properties": {"x": {"type": "string"}}},
        "v1:v1.Holder": {
            "type": "object",
            "properties": {"thing": {"$ref": "#/definitions/io.k8s.Thing"}},
        },
    }
    compiler = _Compiler(definitions)
    holder = compiler.definition("v1:v1.Holder")
    compiler.finish()
    assert holder.name == "Holder"
    assert holder.properties is not None and holder.properties["thing"].name == "Thing"


def test_optional_references_to_leaf_definitions_are_checked_in_place() -> None:
    # metadata.creationTimestamp is [Time, null] and Time a string; plugin is [Plugin, null]
    # and Plugin a free-form object: both are leaves, their values checked where they are.
    document = workflow(plugin=None)
    document["metadata"]["creationTimestamp"] = "{{workflow.creationTimestamp}}"
    assert scan(document) == (
        [],
        [("metadata.creationTimestamp", "{{workflow.creationTimestamp}}")],
    )
    document["metadata"]["creationTimestamp"] = 3
    assert problems(document) == [
        ("metadata.creationTimestamp", "expected a string, got an integer")
    ]
    plugin = workflow(plugin={"hello": "{{workflow.name}}"})
    assert scan(plugin) == ([], None)  # free-form content is not looked into

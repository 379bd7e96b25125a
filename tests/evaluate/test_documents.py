"""From an evaluated value to Workflow documents."""

from __future__ import annotations

import pytest

from compiler.evaluate.documents import workflows_from


def test_null_creation_timestamps_are_dropped_everywhere_and_others_kept() -> None:
    value = {
        "kind": "Workflow",
        "metadata": {"name": "n", "creationTimestamp": None},
        "spec": {
            "templates": [
                {"name": "a", "metadata": {"creationTimestamp": None, "labels": {"x": "y"}}},
                {"name": "b", "metadata": {"creationTimestamp": "2019-01-01T00:00:00Z"}},
            ],
            "other": None,
        },
    }
    [document], diagnostics = workflows_from(value, "c.jsonnet")
    assert diagnostics == []
    assert document["metadata"] == {"name": "n"}
    assert document["spec"]["templates"][0]["metadata"] == {"labels": {"x": "y"}}
    assert document["spec"]["templates"][1]["metadata"] == {
        "creationTimestamp": "2019-01-01T00:00:00Z"
    }
    assert document["spec"]["other"] is None


def test_a_list_without_items_is_empty() -> None:
    documents, [diagnostic] = workflows_from({"apiVersion": "v1", "kind": "List"}, "c.jsonnet")
    assert documents == []
    assert (diagnostic.rule, diagnostic.file) == ("argo-schema", "c.jsonnet")
    assert diagnostic.message == "the component produced no Workflow"


def test_good_documents_survive_a_bad_neighbour() -> None:
    documents, [diagnostic] = workflows_from([{"kind": "Workflow"}, 3], "c.jsonnet")
    assert documents == [{"kind": "Workflow"}]
    assert (diagnostic.path, diagnostic.message) == (
        "[1]",
        "a number where a Workflow was expected",
    )


def test_a_document_without_kind() -> None:
    _, [diagnostic] = workflows_from({"metadata": {}}, "c.jsonnet")
    assert diagnostic.path == "kind"
    assert "no kind" in diagnostic.message


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"),
        (True, "a boolean"),
        (False, "a boolean"),
        (3, "a number"),
        (1.5, "a number"),
        ("apiVersion: v1", "a string"),
    ],
)
def test_a_value_that_holds_no_documents(value: object, kind: str) -> None:
    documents, [diagnostic] = workflows_from(value, "c.jsonnet", what="the py_func")
    assert documents == []
    assert (diagnostic.rule, diagnostic.file, diagnostic.path) == ("argo-schema", "c.jsonnet", None)
    assert diagnostic.message == (
        f"the py_func produced {kind}; "
        "expected a Workflow, a v1 List of Workflows or an array of Workflows"
    )


@pytest.mark.parametrize(
    ("items", "kind"),
    [({"kind": "Workflow"}, "an object"), ("x", "a string"), (0, "a number")],
)
def test_a_list_whose_items_is_no_array(items: object, kind: str) -> None:
    value = {"apiVersion": "v1", "kind": "List", "items": items}
    documents, [diagnostic] = workflows_from(value, "c.jsonnet")
    assert documents == []
    assert (diagnostic.path, diagnostic.message) == (
        "items",
        f"the v1 List's items is {kind}, not an array",
    )


def test_the_items_of_a_list_are_checked_one_by_one() -> None:
    workflow = {"kind": "Workflow", "metadata": {"name": "a", "creationTimestamp": None}}
    value = {"kind": "List", "items": [None, workflow, [workflow], {"kind": "Pod"}, {}]}
    documents, diagnostics = workflows_from(value, "c.jsonnet")
    assert documents == [{"kind": "Workflow", "metadata": {"name": "a"}}]
    assert [(d.path, d.message) for d in diagnostics] == [
        ("items[2]", "an array where a Workflow was expected"),
        (
            "items[3].kind",
            "a document with kind 'Pod'; only Argo Workflows (kind: Workflow) are compiled",
        ),
        (
            "items[4].kind",
            "a document with no kind; only Argo Workflows (kind: Workflow) are compiled",
        ),
    ]


def test_only_nulls_is_no_workflow() -> None:
    documents, [diagnostic] = workflows_from([None, None], "c.jsonnet")
    assert documents == []
    assert (diagnostic.path, diagnostic.message) == (None, "the component produced no Workflow")


def test_a_single_document_of_another_kind_is_pointed_at_its_kind() -> None:
    documents, [diagnostic] = workflows_from({"kind": "Service"}, "c.jsonnet")
    assert documents == []
    assert (diagnostic.path, diagnostic.rule) == ("kind", "argo-schema")
    assert "kind 'Service'" in diagnostic.message


def test_without_timestamps_the_documents_are_kept_as_they_are() -> None:
    # timestamps=False: the output never mentioned creationTimestamp, so nothing is walked
    workflow = {"kind": "Workflow", "metadata": {"creationTimestamp": None}}
    [document], _ = workflows_from([workflow], "c.jsonnet", timestamps=False)
    assert document == {"kind": "Workflow", "metadata": {"creationTimestamp": None}}
    [cleaned], _ = workflows_from([workflow], "c.jsonnet")
    assert cleaned == {"kind": "Workflow", "metadata": {}}
    assert workflow["metadata"] == {"creationTimestamp": None}  # the value is not changed

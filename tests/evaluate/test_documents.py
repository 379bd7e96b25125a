"""From an evaluated value to Workflow documents."""

from __future__ import annotations

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

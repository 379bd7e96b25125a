"""compiler/validate/docpath.py: diagnostic paths split unambiguously."""

from __future__ import annotations

from compiler.validate import docpath


def test_plain_keys_are_dotted_and_indexes_bracketed() -> None:
    path = docpath.index(docpath.key(docpath.key("", "spec"), "templates"), 2)
    assert docpath.key(path, "container") == "spec.templates[2].container"


def test_keys_with_dots_or_slashes_are_quoted() -> None:
    labels = docpath.key("metadata", "labels")
    assert (
        docpath.key(labels, "app.kubernetes.io/name") == 'metadata.labels["app.kubernetes.io/name"]'
    )
    assert docpath.key("", "a b") == '["a b"]'
    assert docpath.key("spec", 1) == 'spec["1"]'

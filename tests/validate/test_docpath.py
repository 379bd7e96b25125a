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


def test_parse_splits_what_key_and_index_join() -> None:
    path = docpath.key(docpath.index(docpath.key("spec", "params"), 12), "value")
    assert docpath.parse(path) == ("spec", "params", 12, "value")
    labels = docpath.key(docpath.key("metadata", "labels"), 'app.io/"name"')
    assert docpath.parse(labels) == ("metadata", "labels", 'app.io/"name"')
    assert docpath.parse("") == ()


def test_parse_stops_at_what_is_not_a_path() -> None:
    assert docpath.parse("spec.params[x].value") == ("spec", "params")
    assert docpath.parse("a..b") == ("a",)

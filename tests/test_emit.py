"""Deterministic YAML: same input, same bytes; what a YAML reader reads back is what went in."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from compiler.emit import dump, dump_all
from tests.conftest import ARGO_DATA

TRICKY = {
    "kind": "Workflow",
    "apiVersion": "argoproj.io/v1alpha1",
    "spec": {
        "strings": [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "true",
            "null",
            "~",
            "1.0",
            "0x1f",
            "07",
            "1_000",
            "1e3",
            ".5",
            "+1",
            "12:30",
            "2020-01-01",
            "a: b",
            "a #b",
            "#c",
            "x:",
            "- x",
            "* a",
            "&a",
            "!t",
            "%x",
            "@x",
            "{a}",
            "[x]",
            "| x",
            "> y",
            "? q",
            "",
            " lead",
            "trail ",
            "\ttab",
            "é",
            "it's",
            'say "hi"',
            "back\\slash",
            "a,b",
            "$(VAR)",
            "{{inputs.x}}",
        ],
        "blocks": ["x\ny\n", "x\ny", "x\n\n", "line\n  indented\nend", "a\r\nb", " a\nb"],
        "numbers": [0, -1, 1.5, 1e300, True, False, None],
        "empty": {"list": [], "map": {}},
        "nested": [[1, [2]], {"name": "n", "b": {"c": []}}],
    },
    "metadata": {"name": "x", "labels": {"a": "1"}},
}


def read(text: str) -> object:
    return YAML(typ="safe", pure=True).load(text)


def test_round_trip_of_tricky_scalars() -> None:
    assert read(dump(TRICKY)) == TRICKY


def test_key_order_is_kubernetes_head_then_name_then_sorted() -> None:
    text = dump(TRICKY)
    assert text.splitlines()[:3] == [
        "apiVersion: argoproj.io/v1alpha1",
        "kind: Workflow",
        "metadata:",
    ]
    assert text.index("  name: x") < text.index("  labels:")


def test_deterministic_regardless_of_input_order() -> None:
    reordered = dict(reversed(list(TRICKY.items())))
    assert dump(reordered) == dump(TRICKY)


def test_multi_document_stream() -> None:
    stream = dump_all([{"a": 1}, {"b": [1]}])
    assert list(YAML(typ="safe", pure=True).load_all(stream)) == [{"a": 1}, {"b": [1]}]
    assert stream.startswith("---\n")


def test_argo_examples_round_trip() -> None:
    if not ARGO_DATA.is_dir():
        pytest.skip("../shared/argo is not present")
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = True  # k8s-patch-json-workflow.yaml repeats `labels`, as Go allows
    count = 0
    for path in sorted((ARGO_DATA / "examples").rglob("*.yaml")):
        for document in list(yaml.load_all(path.read_text(encoding="utf-8"))):
            if document is None:
                continue
            assert yaml.load(dump(document)) == document, path
            count += 1
    assert count > 200


@pytest.mark.parametrize(
    "text",
    [
        "bell\x07\nline",
        "tab\tin\nblock",
        "nul\x00\nx",
        "esc\x1b[0m\ny",
        "sep\u2028\nz",
        "x\ny\x7f",
        "nel\x85\nc1\x9b",
        "bom\ufeff\nx",
    ],
)
def test_strings_with_characters_yaml_cannot_carry_raw_round_trip(text: str) -> None:
    """A literal block cannot hold control characters: such strings are emitted quoted, with
    what YAML forbids raw (DEL, C1 controls) escaped; so are single-line ones."""
    emitted = dump({"script": text, "line": text.replace("\n", " ")})
    assert "script: |" not in emitted
    assert read(emitted) == {"script": text, "line": text.replace("\n", " ")}


@pytest.mark.parametrize(("value", "text"), [({}, "{}\n"), ([], "[]\n"), (None, "null\n")])
def test_empty_documents_say_what_they_are(value: object, text: str) -> None:
    assert dump(value) == text
    assert read(dump(value)) == value


def test_the_exact_layout_of_blocks_and_the_kubernetes_head() -> None:
    """The bytes golden files pin: literal blocks indented by two, in mappings and in lists;
    the Kubernetes head (apiVersion, kind, metadata) before keys that sort earlier."""
    document = {"script": "a\nb\n", "args": ["x\ny\n", {"s": "p\nq"}]}
    assert dump(document) == "args:\n- |\n  x\n  y\n- s: |-\n    p\n    q\nscript: |\n  a\n  b\n"
    listing = {"kind": "List", "items": [], "apiVersion": "v1", "metadata": {}, "data": 1}
    assert dump(listing) == "apiVersion: v1\nkind: List\nmetadata: {}\ndata: 1\nitems: []\n"


def test_special_floats_and_booleans_are_yaml_spelled() -> None:
    document = {"a": float("nan"), "b": float("inf"), "c": float("-inf"), "t": True, "f": False}
    assert dump(document) == "a: .nan\nb: .inf\nc: -.inf\nf: false\nt: true\n"

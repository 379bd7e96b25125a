from __future__ import annotations

from typing import Any

import pytest

from .helpers import found, lib_document, variant


def _name(value: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        if value is None:
            del document["metadata"]["name"]
            document["metadata"]["generateName"] = "unittests-"
        else:
            document["metadata"]["name"] = value

    return change


def test_63_characters_pass() -> None:
    assert found(variant(lib_document(), _name("a" * 63)), "name-length") == []


@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        ("a" * 64, ["64 characters long"]),
        ("A" * 64, ["64 characters long", "not a DNS-1123 label"]),
        ("unit.tests", ["not a DNS-1123 label"]),
        ("-x", ["not a DNS-1123 label"]),
        (12, ["must be a string"]),
        (None, ["metadata.name is missing", "generateName is not enough"]),
    ],
)
def test_invalid_names(value: Any, fragments: list[str]) -> None:
    messages = [d.message for d in found(variant(lib_document(), _name(value)), "name-length")]
    assert len(messages) == (1 if value is None else len(fragments))
    for fragment in fragments:
        assert fragment in " ".join(messages)

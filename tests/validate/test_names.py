"""compiler/validate/names.py: Argo's naming rules and "did you mean" hints, as the semantic
checks report them."""

from __future__ import annotations

import pytest

from compiler.validate.names import (
    field_name_problem,
    is_parameter,
    param_name_problem,
    suggest,
)
from compiler.validate.semantic import check_semantics


def _leaf(name: str) -> dict[str, object]:
    return {"name": name, "container": {"image": "alpine:3.19"}}


def _messages(*templates: dict[str, object], entrypoint: str) -> list[str]:
    document = {
        "kind": "Workflow",
        "metadata": {"name": "wf"},
        "spec": {"entrypoint": entrypoint, "templates": list(templates)},
    }
    return [d.message for d in check_semantics(document)]


def test_a_field_name_may_have_128_characters_not_129() -> None:
    assert field_name_problem("a" * 128) is None
    assert field_name_problem("a" * 129) == "must be no more than 128 characters"
    assert _messages(_leaf("a" * 128), entrypoint="a" * 128) == []
    [message] = _messages(_leaf("a" * 129), entrypoint="a" * 129)
    assert "is invalid: must be no more than 128 characters" in message


@pytest.mark.parametrize("name", ["-lead", "under_score", "dot.ted", "", "sp ace"])
def test_a_field_name_is_alphanumerics_and_dashes_starting_alphanumeric(name: str) -> None:
    assert "must consist of alpha-numeric characters or '-'" in (field_name_problem(name) or "")


@pytest.mark.parametrize("name", ["a", "9lives", "run-tests-2"])
def test_good_field_names_have_no_problem(name: str) -> None:
    assert field_name_problem(name) is None


def test_parameter_names_allow_underscores_but_not_dots() -> None:
    assert param_name_problem("a_b-1") is None
    assert param_name_problem("a.b") == "must consist of alpha-numeric characters, '_' or '-'"


def test_a_parameter_reference_is_a_tag_of_dotted_names() -> None:
    assert is_parameter("{{inputs.parameters.target}}") is True
    assert is_parameter("x-{{workflow.name}}") is True
    assert is_parameter("{{ spaced }}") is False
    assert is_parameter("plain") is False


def test_the_closest_known_name_is_suggested() -> None:
    assert suggest("mian", ["exit", "main", "mainly"]) == "; did you mean 'main'?"
    assert suggest("zzz", ["main"]) == ""
    [message] = _messages(_leaf("build"), _leaf("test"), entrypoint="biuld")
    assert message.endswith("did you mean 'build'?")

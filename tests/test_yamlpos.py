"""YAML with positions: the same values a YAML 1.2 reader gives, plus where each one stood."""

from __future__ import annotations

import datetime
import math

from ruamel.yaml import YAML

from compiler.yamlpos import load

SCALARS = (
    "a: [yes, no, on, off, true, True, TRUE, false, null, Null, ~, '', 1, -1, +1, 0o17, 0x1f,"
    " 017, 1_000, 1.5, .5, 1e3, -.inf, .NaN, 2020-01-01, '1', \"true\", x, <<q, -x]\n"
    "b:\nc: !!str 1\nd: !!int '7'\ne: 12:30\n"
)


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b and type(a) is type(b)


def test_scalars_resolve_as_ruamel_safe_load_does() -> None:
    located, diagnostics = load(SCALARS.encode(), "x.yaml")
    assert diagnostics == [] and located is not None
    reference = YAML(typ="safe", pure=True).load(SCALARS)
    reference["a"] = [v.isoformat() if isinstance(v, datetime.date) else v for v in reference["a"]]
    assert all(same(x, y) for x, y in zip(located.data["a"], reference["a"], strict=True))
    assert (located.data["b"], located.data["c"], located.data["d"]) == (None, "1", 7)
    assert same(located.data["e"], reference["e"])


def test_positions_of_values_and_keys() -> None:
    located, _ = load(b"top:\n  list:\n    - one\n    - {k: v}\n", "x.yaml")
    assert located is not None
    assert located.keys[("top", "list")] == (2, 3)
    assert located.values[("top", "list", 1)] == (4, 7)
    assert located.values[("top", "list", 1, "k")] == (4, 11)


def test_merge_keys_fill_in_and_explicit_keys_win() -> None:
    located, _ = load(b"base: &b {x: 1, y: 2}\nc:\n  y: 3\n  <<: *b\n", "x.yaml")
    assert located is not None and located.data["c"] == {"y": 3, "x": 1}
    assert located.keys[("c", "y")] == (3, 3)


def test_duplicate_key_and_syntax_error_positions() -> None:
    _, duplicate = load(b"a: 1\nb: 2\na: 3\n", "x.yaml")
    assert [(d.rule, d.line, d.column) for d in duplicate] == [("yaml-syntax", 3, 1)]
    assert "first at line 1" in duplicate[0].message
    _, broken = load(b"lint: [", "x.yaml")  # no newline: the error stays on the last line
    assert [(d.rule, d.line) for d in broken] == [("yaml-syntax", 1)]


def billion_laughs(key: str = "lint") -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + f"\n{key}: {{disable: *l9}}\n"


def test_an_alias_bomb_is_a_syntax_error_at_its_line() -> None:
    located, [problem] = load(billion_laughs().encode(), "x.yaml")
    assert located is None
    assert problem.rule == "yaml-syntax" and problem.file == "x.yaml"
    assert problem.line is not None and 1 <= problem.line <= 11
    assert "alias" in problem.message


def test_one_long_string_repeated_by_aliases_is_bounded_too() -> None:
    text = f"a: &a '{'x' * 100_000}'\nb: [{', '.join(['*a'] * 50)}]\n"
    located, [problem] = load(text.encode(), "x.yaml")
    assert located is None and problem.rule == "yaml-syntax" and "alias" in problem.message


def test_a_recursive_alias_is_a_syntax_error() -> None:
    located, [problem] = load(b"workflows: &w [{name: a, params: *w}]\n", "x.yaml")
    assert located is None
    assert (problem.rule, problem.file, problem.line) == ("yaml-syntax", "x.yaml", 1)
    assert "levels deep" in problem.message


def test_deep_nesting_is_a_syntax_error_at_its_line() -> None:
    block = "x:\n" + "".join("  " * depth + "- \n" for depth in range(1, 300))
    for text in ("x: " + "[" * 2000 + "]" * 2000 + "\n", block):
        located, [problem] = load(text.encode(), "x.yaml")
        assert located is None
        assert problem.rule == "yaml-syntax" and problem.line is not None
        assert "100 levels deep" in problem.message


def test_aliases_within_reason_still_work() -> None:
    text = "base: &b {image: x, args: [1, 2]}\nitems: [*b, *b, {<<: *b, image: y}]\n"
    located, problems = load(text.encode(), "x.yaml")
    assert not problems and located is not None
    assert located.data["items"][2] == {"image": "y", "args": [1, 2]}

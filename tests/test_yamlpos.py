"""YAML with positions: the same values a YAML 1.2 reader gives, plus where each one stood."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from compiler.yamlpos import Located, format_path, load
from tests.conftest import run_kftest

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


def test_where_prefers_the_value_and_falls_back_to_the_key() -> None:
    located, _ = load(b"a: 1\nb:\n", "x.yaml")
    assert located is not None
    assert (located.where(("a",)), located.where(("b",))) == ((1, 4), (2, 3))
    keys_only = Located(data=None, keys={("k",): (3, 1)})
    assert (keys_only.where(("k",)), keys_only.where(("z",))) == ((3, 1), None)


def test_format_path() -> None:
    assert format_path(("spec", "templates", 2, "name")) == "spec.templates[2].name"
    assert format_path((0, "a", 1)) == "[0].a[1]"
    assert format_path(()) == ""


def test_a_list_of_merge_sources_the_first_wins() -> None:
    text = b"a: &a {x: 1, y: 2}\nb: &b {y: 5, z: 3}\nc:\n  z: 0\n  <<: [*a, *b]\n"
    located, problems = load(text, "x.yaml")
    assert problems == [] and located is not None
    assert located.data["c"] == {"z": 0, "x": 1, "y": 2}


def test_complex_keys_keep_their_whole_value() -> None:
    located, problems = load(b"? [a, b]\n: 1\n? [c]\n: 2\n", "x.yaml")
    assert problems == [] and located is not None
    assert located.data == {"['a', 'b']": 1, "['c']": 2}


@pytest.mark.parametrize(
    ("text", "where", "byte"),
    [
        (b"a: 1\nbb: \xfe x\n", (2, 5), "0xfe"),
        (b"\n\xff", (2, 1), "0xff"),
        ("é: 1\nbé: ".encode() + b"\xff", (2, 5), "0xff"),  # columns count characters
    ],
)
def test_a_file_that_is_not_utf8_says_where(text: bytes, where: tuple[int, int], byte: str) -> None:
    located, [problem] = load(text, "x.yaml")
    assert located is None and (problem.rule, problem.file) == ("yaml-syntax", "x.yaml")
    assert (problem.line, problem.column) == where
    assert problem.message == f"the file is not UTF-8 (byte {byte}); save it as UTF-8"


@pytest.mark.parametrize(
    ("text", "where", "code"),
    [("a: \x01\n", (1, 4), "0001"), ("é: 1\nbé: x\x7f\n", (2, 6), "007F")],
)
def test_a_character_yaml_does_not_allow(text: str, where: tuple[int, int], code: str) -> None:
    located, [problem] = load(text.encode(), "x.yaml")
    assert located is None and (problem.rule, problem.file) == ("yaml-syntax", "x.yaml")
    assert (problem.line, problem.column) == where
    assert problem.message == (
        f"YAML does not allow the character U+{code} (control characters are not allowed); "
        f"remove it, or write it as \\u{code.lower()} in a double-quoted string"
    )


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        # The problem's place, not the context's (the flow sequence opened on line 1).
        (
            "a: [1, 2\nb: 3\nc: 4\n",
            (2, 2),
            "while parsing a flow sequence did not find expected ',' or ']'",
        ),
        ("a: 1\nb: c: d", (2, 5), "mapping values are not allowed in this context"),
        # libyaml marks the end of the stream past the last line: the end of the last line.
        ("lint: [", (1, 8), "while parsing a flow node did not find expected node content"),
        ("lint: [\n", (1, 8), "while parsing a flow node did not find expected node content"),
    ],
)
def test_syntax_errors_at_the_problem(text: str, where: tuple[int, int], message: str) -> None:
    located, [problem] = load(text.encode(), "x.yaml")
    assert located is None and (problem.rule, problem.file) == ("yaml-syntax", "x.yaml")
    assert (problem.line, problem.column) == where
    assert problem.message == f"YAML syntax error: {message}"


@pytest.mark.parametrize(
    ("text", "where", "facts"),
    [
        ("a: [1, {2020-13-45: b}]\n", (1, 9), ["'2020-13-45' as a YAML timestamp", "month must"]),
        ("a: 1\nb: !!int 0x\n", (2, 4), ["'0x' as a YAML int (invalid literal"]),
        ("a: !!bool maybe\n", (1, 4), ["'maybe' as a YAML bool; quote it"]),
    ],
)
def test_a_value_its_type_cannot_hold_is_an_error_at_the_value(
    text: str, where: tuple[int, int], facts: list[str]
) -> None:
    located, [problem] = load(text.encode(), "x.yaml")
    assert located is None and (problem.rule, problem.file) == ("yaml-syntax", "x.yaml")
    assert (problem.line, problem.column) == where
    assert problem.message.startswith("YAML syntax error: cannot read ")
    assert all(fact in problem.message for fact in facts), problem.message


def expansion(excess: int) -> str:
    """A document whose aliases add exactly a million and ``excess`` units (one per value, one
    per character of a scalar) to the length of its text."""
    length, count = 20_500, 50
    body = f"a: &a {'x' * length}\nb: [{', '.join(['*a'] * count)}]\n"
    units = 2 + (count + 1) * (1 + length)  # the mapping and the list; the string, its aliases
    padding = units - len(body) - 1_000_000 - excess
    assert padding > 2
    return body + "#" + "x" * (padding - 2) + "\n"


def test_aliases_may_add_exactly_a_million_values_and_characters() -> None:
    located, problems = load(expansion(0).encode(), "x.yaml")
    assert problems == [] and located is not None and len(located.data["b"]) == 50
    located, [problem] = load(expansion(1).encode(), "x.yaml")
    assert located is None and problem.rule == "yaml-syntax"
    assert (problem.line, problem.column) == (1, 4)  # the value the aliases repeat
    assert "more than a million values and characters" in problem.message


def test_nesting_is_allowed_to_a_hundred_levels_below_the_top() -> None:
    located, problems = load(b"[" * 101 + b"]" * 101, "x.yaml")
    assert problems == [] and located is not None
    located, [problem] = load(b"[" * 102 + b"]" * 102, "x.yaml")
    assert located is None and (problem.line, problem.column) == (1, 102)
    assert problem.message.startswith("nested more than 100 levels deep (or an alias")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("x: " + "[" * 40_000 + "]" * 40_000 + "\n", (1, 104)),
        ("x:\n" + "- " * 40_000 + "a\n", (2, 201)),
        ("[\n{\n" * 20_000, (102, 1)),
        # Closed collections count no more.
        ("a: [" + "[], " * 6_000 + "]\nb: " + "[" * 40_000 + "]" * 40_000 + "\n", (2, 104)),
    ],
    ids=["flow", "block", "lines", "closed"],
)
def test_nesting_deep_enough_to_crash_libyaml_is_found_first(
    text: str, where: tuple[int, int]
) -> None:
    # libyaml's composer recurses in C: at some 25,000 levels it crashed the process.
    located, [problem] = load(text.encode(), "x.yaml")
    assert located is None and (problem.rule, problem.file) == ("yaml-syntax", "x.yaml")
    assert (problem.line, problem.column) == where
    assert problem.message == "nested more than 100 levels deep"


def test_a_syntax_error_in_a_long_line_is_still_reported() -> None:
    located, [problem] = load(("a: [" + "b, " * 6_000 + "}\n").encode(), "x.yaml")
    assert located is None and (problem.line, problem.column) == (1, 18_005)
    assert problem.message.startswith("YAML syntax error: while parsing a flow node")


@pytest.mark.parametrize(
    ("config", "where", "fact"),
    [
        ("workflows: " + "[" * 40_000 + "]" * 40_000 + "\n", "1:112", "nested more than 100"),
        (
            "workflows:\n  - name: a\n    py_func: a.b\n    kwargs: {date: 2020-13-45}\n",
            "4:20",
            "cannot read '2020-13-45' as a YAML timestamp",
        ),
    ],
    ids=["deep", "date"],
)
def test_lint_reports_unreadable_yaml_instead_of_crashing(
    make_repo: Callable[..., Path], config: str, where: str, fact: str
) -> None:
    repo = make_repo({"prow_config.yaml": config})
    result = run_kftest("lint", "--repo-root", str(repo))
    assert result.code == 1, result.stderr
    assert f"prow_config.yaml:{where}: error [yaml-syntax] " in result.stdout
    assert fact in result.stdout and "internal error" not in result.stderr

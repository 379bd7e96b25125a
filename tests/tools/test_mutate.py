"""tools/mutate.py: the mutants it makes, what it excludes, and which tests it runs first."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

_SPEC = importlib.util.spec_from_file_location("mutate", REPO_ROOT / "tools" / "mutate.py")
assert _SPEC is not None and _SPEC.loader is not None
mutate = importlib.util.module_from_spec(_SPEC)
sys.modules["mutate"] = mutate
_SPEC.loader.exec_module(mutate)

SOURCE = '''"""A docstring is never mutated."""


def limit(items, cap):
    if len(items) > cap and cap:
        return items[:cap]
    total = (
        len(items)
        + 1
    )
    return f"{total} items"
'''


def test_each_mutant_changes_the_source_in_one_place_and_still_parses() -> None:
    lines = SOURCE.splitlines(keepends=True)
    found = list(mutate.mutants(SOURCE))
    changes = {(m.line, m.description) for m in found}
    assert (5, "Gt -> GtE") in changes
    assert (5, "And -> Or") in changes
    assert (5, "negate condition") in changes
    assert (6, "return None") in changes
    assert not any(m.line == 1 for m in found)  # the docstring
    # inside an f-string nothing is mutated; only its whole return is
    assert {m.description for m in found if m.line == 11} == {"return None"}
    for mutant in found:
        mutated = mutant.apply(lines)
        assert mutated != SOURCE
        compile(mutated, "<mutant>", "exec")


def test_an_equivalent_marker_excludes_its_line_or_the_line_below() -> None:
    marked = SOURCE.replace(
        "    if len(items) > cap and cap:",
        "    # mutation: equivalent — callers never pass cap=0\n    if len(items) > cap and cap:",
    ).replace("return items[:cap]", "return items[:cap]  # mutation: equivalent — why")
    lines = marked.splitlines(keepends=True)
    found = list(mutate.mutants(marked))
    excluded = {m.line for m in found if mutate.excluded(m, lines)}
    assert excluded == {6, 7}
    kept = {m.line for m in found if not mutate.excluded(m, lines)}
    assert 9 in kept or 10 in kept  # the multi-line sum is still mutated


def test_a_narrowed_marker_excludes_only_the_mutants_it_names() -> None:
    marked = SOURCE.replace(
        "    if len(items) > cap and cap:",
        "    if len(items) > cap and cap:  # mutation: equivalent[And -> Or|Gt -> ] — why",
    )
    lines = marked.splitlines(keepends=True)
    on_line = [m for m in mutate.mutants(marked) if m.line == 5]
    dropped = {m.description for m in on_line if mutate.excluded(m, lines)}
    kept = {m.description for m in on_line if not mutate.excluded(m, lines)}
    assert dropped == {"And -> Or", "Gt -> GtE"}
    assert "negate condition" in kept


def test_a_line_maps_to_its_whole_statement_or_its_compound_header() -> None:
    spans = mutate.statement_lines(SOURCE)
    assert spans[9] == range(7, 11)  # inside the multi-line assignment
    assert spans[5] == range(5, 6)  # the if's header, not its body
    assert spans[6] == range(6, 7)


@pytest.mark.parametrize(
    ("contexts", "lines", "expected"),
    [
        ({5: {"t.py::a|run", "t.py::b|setup"}}, [5], ["t.py::a", "t.py::b"]),
        ({5: {"t.py::a|run", ""}}, [5], ["t.py::a"]),
        ({5: {""}}, [5], None),  # run, but by no known test: the whole set
        ({5: {"t.py::a|run"}}, [6], None),  # never seen run: the whole set
        ({5: {"t.py::a|run"}, 6: {"t.py::c[x|y]|run"}}, [5, 6], ["t.py::a", "t.py::c[x|y]"]),
    ],
)
def test_the_tests_run_first_are_those_seen_running_the_lines(
    contexts: dict[int, set[str]], lines: list[int], expected: list[str] | None
) -> None:
    assert mutate.LineTests(contexts).tests_for(lines) == expected


def test_every_listed_module_and_test_path_exists() -> None:
    for module, tests in mutate.MODULE_TESTS.items():
        assert (REPO_ROOT / module).is_file(), module
        for test in tests:
            assert (REPO_ROOT / test.split("::")[0]).exists(), (module, test)


def test_default_tests_mirror_the_module_path() -> None:
    assert mutate._default_tests("compiler/report/junit.py") == str(
        Path("tests/report/test_junit.py")
    )


def test_a_selection_may_run_five_times_its_measured_time_before_counting_as_a_hang() -> None:
    line_tests = mutate.LineTests({}, {"t.py::a": 10.0, "t.py::b": 2.0}, overhead=4.0)
    assert line_tests.budget(["t.py::a", "t.py::b"]) == 5 * 16.0
    assert line_tests.budget(["t.py::b"]) == 30.0  # never below 30 s


def test_the_summary_table_has_a_row_per_module_with_its_score() -> None:
    results = [
        {"module": "compiler/a.py", "score": 90.0, "killed": 9, "survived": 1, "excluded": 2},
        {"module": "compiler/b.py", "score": 100.0, "killed": 4, "survived": 0, "excluded": 0},
    ]
    table = mutate.summary_table(results).splitlines()
    assert table[2] == "| compiler/a.py | 90.0% | 9/10 | 2 |"
    assert table[3] == "| compiler/b.py | 100.0% | 4/4 | 0 |"
    assert len(table) == 4

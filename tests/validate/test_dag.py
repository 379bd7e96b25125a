"""compiler/validate/dag.py: what a ``depends`` expression names, ancestry and cycles."""

from __future__ import annotations

import time

from compiler.validate.dag import ancestors, find_cycle, parse_depends
from compiler.validate.semantic import check_semantics


def test_depends_names_tasks_and_marks_the_items_based_results() -> None:
    found, unknown = parse_depends("(a.Succeeded || b.AnySucceeded) && c && !d.AllFailed")
    assert found == {"a": False, "b": True, "c": False, "d": True}
    assert unknown == []


def test_a_task_named_twice_needs_items_if_either_condition_does() -> None:
    assert parse_depends("a.AnySucceeded || a.Failed")[0] == {"a": True}
    assert parse_depends("a.Failed || a.AllFailed")[0] == {"a": True}
    assert parse_depends("a || a.Failed")[0] == {"a": False}


def test_unknown_results_are_listed_with_their_task() -> None:
    found, unknown = parse_depends("a.Suceeded && b-2.Skipped && c.Done")
    assert unknown == [("a", "Suceeded"), ("c", "Done")]
    assert set(found) == {"a", "b-2", "c"}


def test_ancestors_are_everything_upstream() -> None:
    graph = {"d": ["b", "c"], "b": ["a"], "c": ["a"], "a": [], "e": ["d"]}
    assert ancestors("d", graph) == {"a", "b", "c"}
    assert ancestors("a", graph) == set()
    assert ancestors("unknown", graph) == set()


def test_many_diamonds_are_walked_once_each() -> None:
    # 60 levels of two tasks, each depending on both tasks of the level above: 2**60 paths.
    graph: dict[str, list[str]] = {"l0a": [], "l0b": []}
    for level in range(1, 60):
        graph[f"l{level}a"] = graph[f"l{level}b"] = [f"l{level - 1}a", f"l{level - 1}b"]
    started = time.monotonic()
    assert len(ancestors("l59a", graph)) == 118
    assert find_cycle(graph) is None
    assert time.monotonic() - started < 5


def test_a_cycle_is_returned_from_where_it_is_entered() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["b"], "d": ["d"]}
    assert find_cycle(graph) == ["b", "c", "b"]
    assert find_cycle({"x": [], "d": ["d"]}) == ["d", "d"]
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]


def test_a_cycle_back_to_the_first_task_is_found() -> None:
    assert find_cycle({"b": ["c"], "c": ["b"]}) == ["b", "c", "b"]


def test_shared_upstream_tasks_are_not_a_cycle() -> None:
    assert find_cycle({"a": [], "b": ["a"], "c": ["a", "b"], "d": ["c", "a"]}) is None
    # "base" is reached twice in one walk from "top": finished the first time, not on the path.
    diamond = {"top": ["left", "right"], "left": ["base"], "right": ["base"], "base": []}
    assert find_cycle(diamond) is None
    # Names outside the graph (reported elsewhere as unknown tasks) end a path.
    assert find_cycle({"a": ["ghost"], "b": ["ghost", "a"]}) is None


def test_a_finished_task_is_not_entered_again() -> None:
    # "b" is finished when "c" reaches it; walking it again would put it on c's path twice.
    graph = {"b": ["a"], "a": [], "c": ["b", "d"], "d": ["c"]}
    assert find_cycle(graph) == ["c", "d", "c"]


def _dag(*tasks: dict[str, object]) -> dict[str, object]:
    leaf = {"name": "a", "container": {"image": "alpine:3.19"}}
    return {
        "kind": "Workflow",
        "metadata": {"name": "wf"},
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "dag": {"tasks": list(tasks)}}, leaf],
        },
    }


def test_a_bare_depends_name_needs_no_items_and_a_later_items_condition_does() -> None:
    ok = _dag({"name": "x", "template": "a"}, {"name": "y", "template": "a", "depends": "x"})
    assert check_semantics(ok) == []
    items = _dag(
        {"name": "x", "template": "a"},
        {"name": "y", "template": "a", "depends": "x || x.AllFailed"},
    )
    [diagnostic] = check_semantics(items)
    assert diagnostic.path == "spec.templates[0].dag.tasks[1].depends"
    assert "items-based condition (.AnySucceeded/.AllFailed) on 'x'" in diagnostic.message

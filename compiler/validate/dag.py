"""DAG dependency logic: what a task's ``depends``/``dependencies`` name, cycles, ancestry."""

from __future__ import annotations

import re

TASK_RESULTS = frozenset(
    {
        "Succeeded",
        "Failed",
        "Errored",
        "Skipped",
        "Omitted",
        "Daemoned",
        "AnySucceeded",
        "AllFailed",
    }
)
# Argo's own pattern (workflow/common/ancestry.go): ``task.Result`` or a bare task name.
_TASK_NAME = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)")


def parse_depends(depends: str) -> tuple[dict[str, bool], list[tuple[str, str]]]:
    """Task names a ``depends`` expression uses (-> whether the condition needs items), and
    the (task, result) pairs whose result is not one Argo knows."""
    found: dict[str, bool] = {}
    unknown: list[tuple[str, str]] = []
    for match in _TASK_NAME.finditer(depends):
        if match.group(1):
            dep, result = match.group(1).split(".")  # the pattern allows one dot
            if result not in TASK_RESULTS:
                unknown.append((dep, result))
            items = result in ("AnySucceeded", "AllFailed")
            found[dep] = found.get(dep, False) or items
        else:
            found.setdefault(match.group(2), False)
    return found, unknown


def ancestors(name: str, graph: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(graph.get(name, ()))
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(graph.get(current, ()))
    return seen


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A dependency cycle as a list of names (first repeated at the end), or None.

    Depth-first, without recursion (a DAG may have thousands of tasks); a name that is not in
    the graph (an unknown task, reported elsewhere) has no dependencies of its own.
    """
    done: set[str] = set()
    for start in graph:
        if start not in done:
            path, on_path = [start], {start}
            iterators = [iter(graph[start])]
            while iterators:
                dep = next(iterators[-1], None)
                if dep is None:
                    finished = path.pop()
                    on_path.discard(finished)
                    done.add(finished)
                    iterators.pop()
                elif dep in on_path:
                    return [*path[path.index(dep) :], dep]
                elif dep not in done:
                    path.append(dep)
                    on_path.add(dep)
                    iterators.append(iter(graph.get(dep, ())))
    return None

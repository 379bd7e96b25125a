"""From what a component evaluated to, to the Workflow documents kftest emits.

A component may yield a Workflow, a v1 ``List`` of them (what ksonnet components returned), or
an array; nulls are dropped (``std.prune`` users and conditional items), and so is ksonnet-lib's
``creationTimestamp: null``. Anything else is an ``argo-schema`` diagnostic: evaluation worked,
the output is just not an Argo Workflow.
"""

from __future__ import annotations

from typing import Any

from compiler.diagnostics import Diagnostic
from compiler.validate.schema import ARGO_SCHEMA

RULE = ARGO_SCHEMA.id  # a component that yields no Workflow: its output is not one


def workflows_from(
    value: Any, file: str | None, what: str = "the component", timestamps: bool = True
) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
    """The Workflows in ``value``; ``timestamps=False`` says it has no creationTimestamp at all,
    which spares a walk over every document."""

    def problem(message: str, path: str | None = None) -> Diagnostic:
        return Diagnostic(RULE, message, file=file, path=path)

    if isinstance(value, dict) and value.get("kind") == "List":
        items = value.get("items")
        if items is None:
            items = []
        if not isinstance(items, list):
            return [], [problem(f"the v1 List's items is {_kind(items)}, not an array", "items")]
        where = "items[{}]"
    elif isinstance(value, list):
        items, where = value, "[{}]"
    elif isinstance(value, dict):
        items, where = [value], ""
    else:
        message = (
            f"{what} produced {_kind(value)}; "
            "expected a Workflow, a v1 List of Workflows or an array of Workflows"
        )
        return [], [problem(message)]

    documents: list[dict[str, Any]] = []
    diagnostics: list[Diagnostic] = []
    for index, item in enumerate(items):
        path = where.format(index)
        if item is None:
            continue
        if not isinstance(item, dict):
            message = f"{_kind(item)} where a Workflow was expected"
            diagnostics.append(problem(message, path or None))
        elif item.get("kind") != "Workflow":
            kind = item.get("kind")
            found = f"kind {kind!r}" if kind is not None else "no kind"
            message = f"a document with {found}; only Argo Workflows (kind: Workflow) are compiled"
            diagnostics.append(problem(message, f"{path}.kind" if path else "kind"))
        else:
            documents.append(_without_null_timestamps(item) if timestamps else item)
    if not documents and not diagnostics:
        diagnostics.append(problem(f"{what} produced no Workflow"))
    return documents, diagnostics


def _without_null_timestamps(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_null_timestamps(item)
            for key, item in value.items()
            if not (key == "creationTimestamp" and item is None)
        }
    if isinstance(value, list):
        return [_without_null_timestamps(item) for item in value]
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"

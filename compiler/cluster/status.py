"""Reading an Argo Workflow's status: phase, failed pod nodes, durations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

TERMINAL_PHASES = frozenset({"Succeeded", "Failed", "Error"})
FAILED_PHASES = frozenset({"Failed", "Error"})


def phase(obj: dict[str, Any] | None) -> str:
    """``status.phase``, or "" when the controller has not written one yet."""
    status = (obj or {}).get("status") or {}
    return str(status.get("phase") or "") if isinstance(status, dict) else ""


def message(obj: dict[str, Any] | None) -> str:
    status = (obj or {}).get("status") or {}
    return str(status.get("message") or "") if isinstance(status, dict) else ""


def failed_nodes(obj: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The pod nodes that failed or errored, in the order they started."""
    status = (obj or {}).get("status") or {}
    nodes = status.get("nodes") if isinstance(status, dict) else None
    if not isinstance(nodes, dict):
        return []
    failed = [
        node
        for node in nodes.values()
        if isinstance(node, dict)
        and node.get("type") == "Pod"
        and node.get("phase") in FAILED_PHASES
    ]
    return sorted(failed, key=lambda n: (str(n.get("startedAt") or ""), str(n.get("name") or "")))


def duration(item: dict[str, Any] | None) -> float | None:
    """Seconds from ``startedAt`` to ``finishedAt`` of a node or of ``status``."""
    if not isinstance(item, dict):
        return None
    started, finished = _time(item.get("startedAt")), _time(item.get("finishedAt"))
    if started is None or finished is None:
        return None
    return max(0.0, (finished - started).total_seconds())


def workflow_duration(obj: dict[str, Any] | None) -> float | None:
    return duration((obj or {}).get("status"))


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None

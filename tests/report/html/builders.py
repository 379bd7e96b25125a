"""Argo workflows with status, small and readable: times are seconds after T0."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

T0 = datetime(2026, 1, 2, 3, 0, 0, tzinfo=timezone.utc)
WF = "kftest-presubmit-e2e-7-abcdef1-15-abcd"


def at(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def node(
    node_id: str,
    type_: str = "Pod",
    phase: str = "Succeeded",
    *,
    children: tuple[str, ...] = (),
    start: float | None = 0,
    end: float | None = 10,
    display: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """``node_id`` is also the display name unless ``display`` says otherwise."""
    item: dict[str, Any] = {
        "id": node_id,
        "name": f"{WF}.{display or node_id}",
        "displayName": display or node_id,
        "type": type_,
        "phase": phase,
        "templateName": display or node_id,
    }
    if start is not None:
        item["startedAt"] = at(start)
    if end is not None:
        item["finishedAt"] = at(end)
    if children:
        item["children"] = list(children)
    if message:
        item["message"] = message
    return item


def workflow(
    *nodes: dict[str, Any], phase: str = "Failed", start: float = 0, end: float | None = None
) -> dict[str, Any]:
    """The first node is the workflow's own (its id becomes the workflow's name)."""
    root = dict(nodes[0])
    root.update(id=WF, name=WF, displayName=WF)
    ends = [n_end for n in nodes if (n_end := n.get("finishedAt"))]
    status: dict[str, Any] = {
        "phase": phase,
        "startedAt": at(start),
        "finishedAt": at(end) if end is not None else max(ends, default=None),
        "nodes": {WF: root, **{n["id"]: n for n in nodes[1:]}},
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": WF,
            "namespace": "kubeflow-test-infra",
            "labels": {"org": "kubeflow", "repo": "testing", "workflow": "e2e"},
        },
        "status": status,
    }

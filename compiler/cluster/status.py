"""Reading a run's status: phase, failed pod nodes, durations — of an Argo Workflow or a Tekton
PipelineRun.

A PipelineRun has no phase: its ``Succeeded`` condition says ``Unknown`` (running), ``True``
or ``False``. kftest's phase for it is the condition's reason (``Running``, ``Failed``,
``PipelineRunTimeout``, ``Cancelled``, ...), except that ``True`` is always ``Succeeded``
(Tekton says ``Completed`` when some tasks were skipped). Its "failed nodes" are its failed
TaskRuns, from ``status.taskRuns`` (v1alpha1, v1beta1) or the TaskRun objects the caller
fetched for ``status.childReferences`` (v1).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

TERMINAL_PHASES = frozenset({"Succeeded", "Failed", "Error"})
FAILED_PHASES = frozenset({"Failed", "Error"})


TEKTON_GROUP = "tekton.dev"


def is_tekton(obj: dict[str, Any] | None) -> bool:
    api = (obj or {}).get("apiVersion")
    return isinstance(api, str) and api.startswith(TEKTON_GROUP + "/")


def succeeded_condition(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``Succeeded`` condition of a Tekton object's status (a PipelineRun, a TaskRun)."""
    status = (obj or {}).get("status") or {}
    conditions = status.get("conditions") if isinstance(status, dict) else None
    for condition in conditions if isinstance(conditions, list) else []:
        if isinstance(condition, dict) and condition.get("type") == "Succeeded":
            return condition
    return None


def phase(obj: dict[str, Any] | None) -> str:
    """``status.phase`` (Tekton: from the Succeeded condition), or "" when the controller has
    not written one yet."""
    if is_tekton(obj):
        condition = succeeded_condition(obj)
        if condition is None:
            return ""
        if condition.get("status") == "True":
            return "Succeeded"
        reason = str(condition.get("reason") or "")
        if condition.get("status") == "False":
            return reason if reason and reason != "Succeeded" else "Failed"
        return reason or "Running"
    status = (obj or {}).get("status") or {}
    return str(status.get("phase") or "") if isinstance(status, dict) else ""


def terminal(obj: dict[str, Any] | None) -> bool:
    """Finished: an Argo phase in TERMINAL_PHASES, a Tekton condition True or False."""
    if is_tekton(obj):
        condition = succeeded_condition(obj)
        return condition is not None and condition.get("status") in ("True", "False")
    return phase(obj) in TERMINAL_PHASES


def message(obj: dict[str, Any] | None) -> str:
    if is_tekton(obj):
        return str((succeeded_condition(obj) or {}).get("message") or "")
    status = (obj or {}).get("status") or {}
    return str(status.get("message") or "") if isinstance(status, dict) else ""


def task_runs(obj: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A PipelineRun's TaskRuns as ``{name, pipelineTaskName, status}`` (embedded statuses of
    v1alpha1/v1beta1; for v1, the TaskRun objects under ``kftest/taskRuns``, which kftest adds
    when it fetched them)."""
    status = (obj or {}).get("status") or {}
    if not isinstance(status, dict):
        return []
    found = []
    embedded = status.get("taskRuns")
    if isinstance(embedded, dict):
        for name, run in embedded.items():
            if isinstance(run, dict):
                found.append({"name": name, **run})
    fetched = status.get("kftest/taskRuns")
    for run in fetched if isinstance(fetched, list) else []:
        if isinstance(run, dict):
            meta = run.get("metadata") or {}
            labels = meta.get("labels") or {}
            found.append(
                {
                    "name": meta.get("name"),
                    "pipelineTaskName": labels.get("tekton.dev/pipelineTask"),
                    "status": run.get("status") or {},
                }
            )
    return found


def _failed_task_runs(obj: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Failed TaskRuns shaped like Argo's pod nodes (name, displayName, id = pod, phase, ...)."""
    nodes = []
    for run in task_runs(obj):
        run_status = run.get("status") or {}
        condition = succeeded_condition({"status": run_status}) or {}
        if condition.get("status") != "False":
            continue
        failed_step = next(
            (
                step
                for step in run_status.get("steps") or []
                if isinstance(step, dict)
                and ((step.get("terminated") or {}).get("exitCode") or 0) != 0
            ),
            None,
        )
        node = {
            "type": "TaskRun",
            "name": run.get("name"),
            "displayName": run.get("pipelineTaskName") or run.get("name"),
            "templateName": run.get("pipelineTaskName"),
            "id": run_status.get("podName") or "",
            "phase": str(condition.get("reason") or "Failed"),
            "message": str(condition.get("message") or ""),
            "startedAt": run_status.get("startTime"),
            "finishedAt": run_status.get("completionTime"),
        }
        if failed_step is not None:
            node["step"] = failed_step.get("name") or failed_step.get("container")
            node["container"] = failed_step.get("container") or f"step-{node['step']}"
            node["exitCode"] = (failed_step.get("terminated") or {}).get("exitCode")
        nodes.append(node)
    return sorted(nodes, key=lambda n: (str(n.get("startedAt") or ""), str(n.get("name") or "")))


def failed_nodes(obj: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The pod nodes that failed or errored (Tekton: failed TaskRuns), in the order they
    started."""
    if is_tekton(obj):
        return _failed_task_runs(obj)
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
    status = (obj or {}).get("status")
    if is_tekton(obj) and isinstance(status, dict):
        status = {"startedAt": status.get("startTime"), "finishedAt": status.get("completionTime")}
    return duration(status)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None

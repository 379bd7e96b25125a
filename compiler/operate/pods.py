"""Ask the cluster about a workflow's failed steps: which pods still exist, the last lines of
their ``main`` container log, their container state and their events.

The pods are found in one list call by the label Argo puts on them
(``workflows.argoproj.io/workflow``) and matched to nodes by the ``node-id`` annotation Argo
sets, else by name (either pod name format). A Tekton PipelineRun's pods carry
``tekton.dev/pipelineRun``; each failed TaskRun names its pod, and the log read is its failed
step's container.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.cluster import status as tekton
from compiler.cluster.api import Cluster, NotFound, Refused
from compiler.cluster.kube import Resource
from compiler.diagnostics import KftestError
from compiler.durations import format_time, parse_time
from compiler.operate import pod_names
from compiler.operate.debug import ContainerState, EventInfo, PodInfo, summarize, tekton_view

MAIN = "main"
#: Tekton labels a run's pods with the PipelineRun's name.
TEKTON_RUN_LABEL = "tekton.dev/pipelineRun"


def gather(cluster: Cluster, workflow: Mapping[str, Any], tail: int = 50) -> dict[str, PodInfo]:
    """PodInfo by node id for every failed Pod step whose pod still exists.

    A failed step missing from the result has no pod any more. Raises InfraError when the
    cluster stops answering (after retries).
    """
    meta = workflow.get("metadata") or {}
    name, namespace = str(meta.get("name") or ""), str(meta.get("namespace") or "")
    steps = [step for step in summarize(workflow).failed if step.type == "Pod"]
    if not steps or not name or not namespace:
        return {}
    containers: dict[str, str] = {}
    label = pod_names.WORKFLOW_LABEL
    if tekton.is_tekton(dict(workflow)):
        label = TEKTON_RUN_LABEL
        view = tekton_view(workflow)
        for node_id, node in (view["status"].get("nodes") or {}).items():
            containers[node_id] = str(node.get("container") or MAIN)
    pods = cluster.list_pods(namespace, f"{label}={name}")
    by_node: dict[str, dict[str, Any]] = {}
    by_name: dict[str, dict[str, Any]] = {}
    for pod in pods:
        pod_meta = pod.get("metadata") or {}
        by_name[str(pod_meta.get("name"))] = pod
        node_id = (pod_meta.get("annotations") or {}).get(pod_names.NODE_ID_ANNOTATION)
        if node_id:
            by_node[str(node_id)] = pod
    found: dict[str, PodInfo] = {}
    for step in steps:
        pod = by_node.get(step.node_id) or next(
            (by_name[n] for n in step.pod_name_candidates if n in by_name), None
        )
        if pod is not None:
            info = _info(cluster, namespace, pod, tail, containers.get(step.node_id, MAIN))
            if info is not None:
                found[step.node_id] = info
    return found


def with_task_runs(cluster: Cluster, run: dict[str, Any]) -> dict[str, Any]:
    """A tekton.dev/v1 PipelineRun only names its TaskRuns (``status.childReferences``):
    fetch them (label ``tekton.dev/pipelineRun``) into ``status["kftest/taskRuns"]``, where
    ``status.task_runs`` reads them. Other objects come back unchanged; so does the run when
    the TaskRuns cannot be listed (the summary then has no steps)."""
    run_status = run.get("status")
    if not tekton.is_tekton(run) or not isinstance(run_status, dict):
        return run
    if (
        run_status.get("taskRuns")
        or run_status.get("kftest/taskRuns")
        or not run_status.get("childReferences")
    ):
        return run
    meta = run.get("metadata") or {}
    version = str(run.get("apiVersion") or "").split("/", 1)[-1]
    resource = Resource(tekton.TEKTON_GROUP, version, "taskruns", "TaskRun", "TaskRun")
    try:
        items = list(
            cluster.list_workflows(
                str(meta.get("namespace") or ""),
                f"{TEKTON_RUN_LABEL}={meta.get('name')}",
                resource=resource,
            )
        )
    except KftestError:
        return run
    return {**run, "status": {**run_status, "kftest/taskRuns": items}}


def lookup(
    cluster: Cluster, workflow: Mapping[str, Any], tail: int = 50
) -> tuple[dict[str, PodInfo] | None, str | None]:
    """``gather``, or (None, why) when the cluster would not say (no permission to list pods,
    or it stopped answering): the summary is still worth printing without the pods."""
    try:
        return gather(cluster, workflow, tail), None
    except KftestError as exc:
        return None, f"the failed steps' pods could not be looked up: {exc}"


def _info(
    cluster: Cluster, namespace: str, pod: Mapping[str, Any], tail: int, container: str = MAIN
) -> PodInfo | None:
    name = str((pod.get("metadata") or {}).get("name"))
    status = pod.get("status") or {}
    log_tail: tuple[str, ...] = ()
    log_error = events_error = None
    try:
        text = cluster.pod_log(namespace, name, container, tail)
        log_tail = tuple(text.splitlines()[-tail:]) if tail > 0 else ()
    except NotFound:
        return None  # deleted between the list and now
    except Refused as exc:
        log_error = str(exc).split(": ", 1)[-1]
    events: tuple[EventInfo, ...] = ()
    try:
        events = tuple(
            _event(item) for item in sorted(cluster.events_for(namespace, name), key=_when)
        )
    except (Refused, NotFound) as exc:
        events_error = str(exc).split(": ", 1)[-1]
    return PodInfo(
        name=name,
        found=True,
        phase=status.get("phase"),
        container=_container(status),
        log_tail=log_tail,
        log_error=log_error,
        events=events,
        events_error=events_error,
        container_name=container,
    )


def _container(status: Mapping[str, Any]) -> ContainerState | None:
    for container in status.get("containerStatuses") or []:
        if not isinstance(container, dict) or container.get("name") != MAIN:
            continue
        state = container.get("state") or {}
        last = (container.get("lastState") or {}).get("terminated") or {}
        current = state.get("terminated") or state.get("waiting") or last
        code = (state.get("terminated") or last).get("exitCode")
        return ContainerState(
            exit_code=int(code) if isinstance(code, int) else None,
            reason=current.get("reason"),
            message=current.get("message"),
            restarts=int(container.get("restartCount") or 0),
        )
    if status.get("reason"):  # e.g. Evicted: the pod failed as a whole
        return ContainerState(reason=status.get("reason"), message=status.get("message"))
    return None


def _when(event: Mapping[str, Any]) -> str:
    return str(
        event.get("lastTimestamp")
        or event.get("eventTime")
        or event.get("firstTimestamp")
        or (event.get("metadata") or {}).get("creationTimestamp")
        or ""
    )


def _event(event: Mapping[str, Any]) -> EventInfo:
    series = event.get("series") or {}
    count = event.get("count") or series.get("count") or 1
    return EventInfo(
        time=format_time(parse_time(_when(event))),
        type=str(event.get("type") or ""),
        reason=str(event.get("reason") or ""),
        message=" ".join(str(event.get("message") or "").split()),
        count=int(count) if isinstance(count, int) else 1,
    )

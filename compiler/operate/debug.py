"""Why did a workflow fail: the summary ``kftest debug`` prints, and ``kftest run`` appends to
the build log for every failed workflow.

``summarize`` reads only the Workflow object (what the cluster serves, or the final object
``kftest run`` saves to GCS) plus, when the cluster was asked, what it knows about the failed
steps' pods (``PodInfo``, gathered by ``compiler.operate.pods``). It never touches the network.

A *failed step* is a Pod node in phase Failed or Error, or a failed node of another kind with
no failure below it (a DAG that ran out of time). Attempts that a Retry node later retried
successfully are not failures. For each failed Pod step the summary names the pod (the node
id, or the v2 pod name of Argo v3+, see ``pod_names``), its exit code and message, and the
Cloud Logging query that finds its ``main`` container log once the pod is gone.
``render`` writes a summary as text or JSON.

A Tekton PipelineRun is summarized the same way through ``tekton_view``: its TaskRuns are the
steps, a failed TaskRun's pod is the one Tekton names in its status and the container to read
is its failed step's (``step-<name>``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from compiler.cluster import status as tekton
from compiler.cluster.status import FAILED_PHASES
from compiler.durations import format_time, parse_time
from compiler.operate import cloud_logging, hints, pod_names

_EXIT_CODE = re.compile(r"exit code (\d+)", re.IGNORECASE)
_ATTEMPT = re.compile(r"\((\d+)\)")


@dataclass(frozen=True)
class ContainerState:
    """The ``main`` container as the pod reports it."""

    exit_code: int | None = None
    reason: str | None = None  # OOMKilled, Error, ImagePullBackOff, ...
    message: str | None = None
    restarts: int = 0


@dataclass(frozen=True)
class EventInfo:
    time: str | None
    type: str  # Normal, Warning
    reason: str
    message: str
    count: int = 1


@dataclass(frozen=True)
class PodInfo:
    """What the cluster said about one failed step's pod. ``found`` False: the pod is gone."""

    name: str
    found: bool
    phase: str | None = None
    container: ContainerState | None = None
    log_tail: tuple[str, ...] = ()
    log_error: str | None = None  # why the log could not be read
    events: tuple[EventInfo, ...] = ()
    events_error: str | None = None
    container_name: str = "main"  # whose log this is (a Tekton step: step-<name>)


@dataclass(frozen=True)
class NodeLine:
    """One node of the tree, in display order."""

    id: str
    display_name: str
    type: str
    phase: str
    depth: int
    duration: float | None
    failed: bool
    retried: bool = False  # failed, but a later attempt succeeded
    message: str = ""
    # The graph's edges and the step's times, for drawings of the run (compiler/report/html).
    children: tuple[str, ...] = ()
    started_at: str | None = None
    finished_at: str | None = None


@dataclass(frozen=True)
class FailedStep:
    node_id: str
    node_name: str  # e.g. "<wf>.run-tests" or "<wf>[1].build"
    display_name: str
    template: str
    type: str
    phase: str
    started_at: str | None
    finished_at: str | None
    duration: float | None
    exit_code: int | None
    message: str
    pod_name: str | None  # the likeliest; None for nodes that run no pod
    pod_name_candidates: tuple[str, ...]
    logging_filter: str | None
    logging_url: str | None
    red_herring: bool
    hints: tuple[str, ...]
    pod: PodInfo | None  # None: the cluster was not asked (e.g. a saved YAML)


@dataclass(frozen=True)
class Summary:
    name: str
    namespace: str | None
    phase: str
    message: str
    started_at: str | None
    finished_at: str | None
    duration: float | None
    running: bool
    pod_name_format: str | None
    source: str | None
    nodes: tuple[NodeLine, ...]
    failed: tuple[FailedStep, ...]
    notes: tuple[str, ...] = field(default=())
    kind: str = "Workflow"  # or "PipelineRun"
    failure: bool | None = None  # a PipelineRun's: its Succeeded condition is False

    @property
    def is_failure(self) -> bool:
        return self.failure if self.failure is not None else self.phase in FAILED_PHASES

    def with_note(self, note: str | None) -> Summary:
        return replace(self, notes=(*self.notes, note)) if note else self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(
    workflow: Mapping[str, Any],
    pod_info: Mapping[str, PodInfo] | None = None,
    *,
    cluster: str | None = None,
    project: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> Summary:
    """The summary of one Workflow object.

    ``pod_info``: by node id, what the cluster knows about the failed steps' pods (a node
    missing from it means its pod is gone); None when the cluster was not asked.
    ``cluster``/``project``: the GKE cluster and GCP project, for the Cloud Logging query/link.
    """
    kind, failure = "Workflow", None
    if tekton.is_tekton(dict(workflow)):
        kind, failure = (
            "PipelineRun",
            tekton.terminal(dict(workflow)) and (tekton.phase(dict(workflow)) != "Succeeded"),
        )
        workflow = tekton_view(workflow)
    wf = dict(workflow)
    meta = _dict(wf.get("metadata"))
    status = _dict(wf.get("status"))
    name = str(meta.get("name") or "")
    namespace = meta.get("namespace")
    phase = str(status.get("phase") or "Pending")
    now = now or datetime.now(timezone.utc)
    nodes = {
        str(key): {"id": str(key), **node}
        for key, node in _dict(status.get("nodes")).items()
        if isinstance(node, dict)
    }
    parents = _parents(nodes)
    retried = _retried(nodes, parents)
    lines = _tree(nodes, parents, retried, name, now)
    failed = [
        _failed_step(wf, node, pod_info, cluster, project, now)
        for node in _failed_steps(nodes, retried)
    ]
    started, finished = parse_time(status.get("startedAt")), parse_time(status.get("finishedAt"))
    running = phase in ("Pending", "Running")
    end = finished or (now if running else None)
    return Summary(
        name=name,
        namespace=str(namespace) if namespace else None,
        phase=phase,
        message=str(status.get("message") or ""),
        started_at=format_time(started),
        finished_at=format_time(finished),
        duration=(end - started).total_seconds() if started and end else None,
        running=running,
        pod_name_format=pod_names.pod_name_format(wf),
        source=source,
        nodes=tuple(lines),
        failed=tuple(failed),
        notes=tuple(_notes(phase, str(status.get("message") or ""), nodes, failed)),
        kind=kind,
        failure=failure,
    )


def tekton_view(run: Mapping[str, Any]) -> dict[str, Any]:
    """A PipelineRun as the Workflow-shaped object ``summarize`` reads: its phase (the
    Succeeded condition's reason), and a node per TaskRun (``type: Pod``, ``podName``, the
    failed step's ``container``) under a node for the run."""
    run = dict(run)
    meta = _dict(run.get("metadata"))
    status = _dict(run.get("status"))
    name = str(meta.get("name") or "")
    phase = tekton.phase(run) or "Pending"
    failed = {str(node.get("name")): node for node in tekton.failed_nodes(run)}
    nodes: dict[str, Any] = {}
    children = []
    for task_run in tekton.task_runs(run):
        task_name = str(task_run.get("name") or "")
        task_status = _dict(task_run.get("status"))
        condition = tekton.succeeded_condition({"status": task_status}) or {}
        state = {"True": "Succeeded", "False": "Failed"}.get(
            str(condition.get("status")), "Running"
        )
        node = {
            "id": task_name,
            "name": task_name,
            "displayName": task_run.get("pipelineTaskName") or task_name,
            "templateName": task_run.get("pipelineTaskName") or "",
            "type": "Pod",
            "phase": state,
            "message": str(condition.get("message") or ""),
            "startedAt": task_status.get("startTime"),
            "finishedAt": task_status.get("completionTime"),
            "podName": task_status.get("podName") or "",
            "container": failed.get(task_name, {}).get("container") or "",
        }
        code = failed.get(task_name, {}).get("exitCode")
        if code is not None:
            node["outputs"] = {"exitCode": code}
        nodes[task_name] = node
        children.append(task_name)
    if nodes:
        nodes[name] = {
            "id": name,
            "name": name,
            "displayName": name,
            "type": "Pipeline",
            "phase": "Succeeded"
            if phase == "Succeeded"
            else ("Failed" if tekton.terminal(run) else "Running"),
            "startedAt": status.get("startTime"),
            "finishedAt": status.get("completionTime"),
            "children": children,
        }
    return {
        "kind": "PipelineRun",
        "metadata": meta,
        "status": {
            "phase": "Running" if not tekton.terminal(run) else phase,
            "message": tekton.message(run),
            "startedAt": status.get("startTime"),
            "finishedAt": status.get("completionTime"),
            "nodes": nodes,
        },
    }


# -- the node tree ---------------------------------------------------------------------------


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _children(node: Mapping[str, Any]) -> list[str]:
    children = node.get("children")
    return [str(child) for child in children] if isinstance(children, list) else []


def _parents(nodes: Mapping[str, dict[str, Any]]) -> dict[str, str]:
    parents: dict[str, str] = {}
    for node_id, node in nodes.items():
        for child in _children(node):
            # In a DAG a task is the child of every task it depends on; the first one wins.
            parents.setdefault(child, node_id)
    return parents


def attempt_number(retry_name: str, child_name: str) -> int | None:
    """``k`` when ``child_name`` is ``<retry_name>(k)``: Argo's name (and display name) for
    the k-th attempt of a Retry node. Other children of a Retry node are the tasks that depend
    on it (in a DAG a task's dependents are its children), not attempts."""
    if not retry_name or not child_name.startswith(retry_name + "("):
        return None
    found = _ATTEMPT.fullmatch(child_name[len(retry_name) :])
    return int(found[1]) if found else None


def _is_attempt(retry: Mapping[str, Any], child: Mapping[str, Any]) -> bool:
    return any(
        attempt_number(str(retry.get(key) or ""), str(child.get(key) or "")) is not None
        for key in ("name", "displayName")
    )


def _retried(nodes: Mapping[str, dict[str, Any]], parents: Mapping[str, str]) -> set[str]:
    """Failed nodes inside a failed attempt of a Retry node that eventually succeeded."""
    retried: set[str] = set()
    for node_id, node in nodes.items():
        if node.get("phase") not in FAILED_PHASES:
            continue
        current, seen = node_id, {node_id}
        parent = parents.get(node_id)
        while parent is not None and parent not in seen:
            seen.add(parent)
            ancestor = nodes.get(parent, {})
            attempt = nodes.get(current, {})
            if (
                ancestor.get("type") == "Retry"
                and ancestor.get("phase") == "Succeeded"
                and attempt.get("phase") in FAILED_PHASES
                and _is_attempt(ancestor, attempt)
            ):
                retried.add(node_id)
                break
            current, parent = parent, parents.get(parent)
    return retried


def _start_key(node: Mapping[str, Any]) -> tuple[str, str]:
    return (str(node.get("startedAt") or "~"), str(node.get("name") or ""))


def _duration(node: Mapping[str, Any], now: datetime) -> float | None:
    started = parse_time(node.get("startedAt"))
    if started is None:
        return None
    finished = parse_time(node.get("finishedAt"))
    if finished is None and node.get("phase") not in ("Pending", "Running"):
        return None
    return max(0.0, ((finished or now) - started).total_seconds())


def _tree(
    nodes: Mapping[str, dict[str, Any]],
    parents: Mapping[str, str],
    retried: set[str],
    workflow_name: str,
    now: datetime,
) -> list[NodeLine]:
    # The workflow's own node first, then the other roots (the onExit handler) by start time.
    roots = sorted(
        (node_id for node_id in nodes if node_id not in parents),
        key=lambda node_id: (node_id != workflow_name, *_start_key(nodes[node_id])),
    )
    lines: list[NodeLine] = []
    seen: set[str] = set()

    def visit(node_id: str, depth: int) -> None:
        if node_id in seen or node_id not in nodes:
            return
        seen.add(node_id)
        node = nodes[node_id]
        phase = str(node.get("phase") or "")
        lines.append(
            NodeLine(
                id=node_id,
                display_name=str(node.get("displayName") or node.get("name") or node_id),
                type=str(node.get("type") or ""),
                phase=phase,
                depth=depth,
                duration=_duration(node, now),
                failed=phase in FAILED_PHASES and node_id not in retried,
                retried=node_id in retried,
                message=str(node.get("message") or ""),
                children=tuple(child for child in _children(node) if child in nodes),
                started_at=format_time(parse_time(node.get("startedAt"))),
                finished_at=format_time(parse_time(node.get("finishedAt"))),
            )
        )
        for child in _children(node):
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    # Nodes only reachable through a cycle (a corrupt status) still get a line.
    for node_id in sorted(nodes, key=lambda key: _start_key(nodes[key])):
        visit(node_id, 0)
    return lines


def _failed_steps(nodes: Mapping[str, dict[str, Any]], retried: set[str]) -> list[dict[str, Any]]:
    """Failed Pod nodes, and failed nodes of other types with no failure below them (a DAG
    that hit its deadline, a step whose parameters did not resolve)."""

    def failed(node_id: str) -> bool:
        node = nodes.get(node_id, {})
        return node.get("phase") in FAILED_PHASES and node_id not in retried

    def failure_below(node_id: str) -> bool:
        seen = {node_id}
        stack = list(_children(nodes.get(node_id, {})))
        while stack:
            child = stack.pop()
            if child in seen:
                continue
            if failed(child):
                return True
            seen.add(child)
            stack += _children(nodes.get(child, {}))
        return False

    steps = [
        node
        for node_id, node in nodes.items()
        if failed(node_id) and (node.get("type") == "Pod" or not failure_below(node_id))
    ]
    return sorted(steps, key=_start_key)


# -- one failed step -------------------------------------------------------------------------


def _exit_code(node: Mapping[str, Any], pod: PodInfo | None) -> int | None:
    outputs = _dict(node.get("outputs"))
    for value in (
        outputs.get("exitCode"),
        pod.container.exit_code if pod and pod.container else None,
    ):
        try:
            return int(str(value).strip())
        except ValueError:
            continue
    found = _EXIT_CODE.search(str(node.get("message") or ""))
    return int(found[1]) if found else None


def _failed_step(
    workflow: Mapping[str, Any],
    node: dict[str, Any],
    pod_info: Mapping[str, PodInfo] | None,
    cluster: str | None,
    project: str | None,
    now: datetime,
) -> FailedStep:
    node_id = str(node.get("id"))
    is_pod = node.get("type") == "Pod"
    if node.get("podName"):  # a Tekton TaskRun names its pod
        names = [str(node["podName"])]
    else:
        names = pod_names.candidates(workflow, node) if is_pod else []
    pod: PodInfo | None = None
    if is_pod and pod_info is not None:
        pod = pod_info.get(node_id) or PodInfo(name=names[0], found=False)
    pod_name = pod.name if pod is not None and pod.found else (names[0] if names else None)
    namespace = (workflow.get("metadata") or {}).get("namespace")
    query = None
    if is_pod:
        chosen = [pod_name] if pod is not None and pod.found and pod_name else names
        query = cloud_logging.pod_filter(
            chosen, namespace=namespace, cluster=cluster, container=_container_of(node)
        )
    message = str(node.get("message") or "")
    texts = [message]
    if pod is not None and pod.container is not None:
        texts += [pod.container.reason or "", pod.container.message or ""]
    if pod is not None:
        texts += [f"{event.reason}: {event.message}" for event in pod.events]
    found_hints = hints.matching(texts)
    hint_texts = [hint.text for hint in found_hints]
    if pod is not None and not pod.found:
        hint_texts.append(hints.POD_GONE_TEXT)
    exit_code = _exit_code(node, pod)
    return FailedStep(
        node_id=node_id,
        node_name=str(node.get("name") or ""),
        display_name=str(node.get("displayName") or node.get("name") or node_id),
        template=pod_names.template_of(node),
        type=str(node.get("type") or ""),
        phase=str(node.get("phase") or ""),
        started_at=format_time(parse_time(node.get("startedAt"))),
        finished_at=format_time(parse_time(node.get("finishedAt"))),
        duration=_duration(node, now),
        exit_code=exit_code,
        message=message,
        pod_name=pod_name,
        pod_name_candidates=tuple(names),
        logging_filter=query,
        logging_url=cloud_logging.console_url(query, project) if query else None,
        red_herring=any(hint.key == hints.RED_HERRING for hint in found_hints),
        hints=tuple(hint_texts),
        pod=pod,
    )


def _container_of(node: Mapping[str, Any]) -> str:
    return str(node.get("container") or "main")


def _notes(
    phase: str, message: str, nodes: Mapping[str, Any], failed: list[FailedStep]
) -> list[str]:
    if phase in ("Pending", "Running"):
        return [f"the workflow is still {phase.lower()}; run kftest debug again when it ends"]
    if phase in FAILED_PHASES and not failed:
        if not nodes:
            return [
                "no step ran: the workflow failed before Argo started it (an invalid spec, a "
                "missing template or parameter, or a quota); the message above says which"
            ]
        return ["no step failed by itself: see the workflow's message (a deadline or a shutdown)"]
    if phase == "Succeeded" and failed:
        return ["the workflow succeeded although some steps failed (continueOn)"]
    return []

"""Workflows as Argo leaves them, and pods and events beside them in the API stand-in."""

from __future__ import annotations

import gc
import sys
import zlib
from dataclasses import dataclass
from typing import Any

import pytest
from standins import EVENTS, PODS, WORKFLOWS
from standins.fixtures import NAMESPACE, KubeEnv

from compiler.cluster.retry import RetryPolicy

FAST = RetryPolicy(timeout=2.0, initial=0.01, maximum=0.05, connect_timeout=2, read_timeout=5)
IMPATIENT = RetryPolicy(timeout=0.3, initial=0.01, maximum=0.05, connect_timeout=1, read_timeout=1)
WF = "kubeflow-presubmit-e2e-1810-70210d5-3900-218a"
T0, T_END = "2018-10-17T05:02:11Z", "2018-10-17T05:08:30Z"


def node(
    wf: str,
    step: str,
    phase: str,
    *,
    node_id: str | None = None,
    type_: str = "Pod",
    children: list[str] | None = None,
    message: str | None = None,
    exit_code: str | None = None,
    started: str = "2018-10-17T05:04:20Z",
    finished: str | None = "2018-10-17T05:07:58Z",
    template: str | None = None,
) -> dict[str, Any]:
    """A status.nodes entry shaped like the seed README's example."""
    item: dict[str, Any] = {
        "id": node_id or f"{wf}-{zlib.crc32(step.encode())}",
        "name": step if step.startswith(wf) else f"{wf}.{step}",
        "displayName": step,
        "type": type_,
        "templateName": template or step,
        "phase": phase,
        "boundaryID": wf,
        "startedAt": started,
    }
    if finished:
        item["finishedAt"] = finished
    if children:
        item["children"] = children
    if message:
        item["message"] = message
    if exit_code is not None:
        item["outputs"] = {"exitCode": exit_code}
    return item


def failed_dag(name: str = WF, message: str = "failed with exit code 1") -> dict[str, Any]:
    """checkout -> kfctl-apply-gcp (failed), with an exit handler that succeeded."""
    checkout = node(
        name,
        "checkout",
        "Succeeded",
        node_id=f"{name}-1",
        started=T0,
        finished="2018-10-17T05:04:19Z",
    )
    apply = node(
        name,
        "kfctl-apply-gcp",
        "Failed",
        node_id=f"{name}-2243590372",
        message=message,
        exit_code="1",
    )
    checkout["children"] = [apply["id"]]
    root = node(
        name,
        name,
        "Failed",
        node_id=name,
        type_="DAG",
        children=[checkout["id"]],
        started=T0,
        finished=T_END,
        template="e2e",
    )
    handler = node(
        name,
        f"{name}.onExit",
        "Succeeded",
        node_id=f"{name}-3",
        type_="DAG",
        children=[f"{name}-4"],
        started="2018-10-17T05:08:00Z",
        finished=T_END,
        template="exit-handler",
    )
    copy = node(
        name,
        "copy-artifacts",
        "Succeeded",
        node_id=f"{name}-4",
        started="2018-10-17T05:08:01Z",
        finished="2018-10-17T05:08:29Z",
    )
    nodes = {n["id"]: n for n in (root, checkout, apply, handler, copy)}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": {"org": "kubeflow", "repo": "kubeflow", "workflow": "e2e"},
        },
        "spec": {"entrypoint": "e2e", "onExit": "exit-handler"},
        "status": {
            "phase": "Failed",
            "message": f"child '{apply['id']}' failed",
            "startedAt": T0,
            "finishedAt": T_END,
            "nodes": nodes,
        },
    }


def put_workflow(kube: KubeEnv, workflow: dict[str, Any]) -> dict[str, Any]:
    """Store a workflow exactly as given (status included), as if Argo had finished it."""
    kube.api.controller.stop()
    return kube.api.store.create(WORKFLOWS, NAMESPACE, workflow)


def put_pod(
    kube: KubeEnv,
    name: str,
    workflow: str,
    *,
    log: str | None = None,
    status: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
) -> None:
    meta: dict[str, Any] = {"name": name, "labels": {"workflows.argoproj.io/workflow": workflow}}
    if annotations:
        meta["annotations"] = annotations
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "status": status or {}}
    kube.api.store.create(PODS, NAMESPACE, pod)
    if log is not None:
        kube.api.store.pod_logs[(NAMESPACE, name, "main")] = log


def put_event(kube: KubeEnv, pod: str, reason: str, message: str, when: str, **extra: Any) -> None:
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": f"{pod}."},
        "involvedObject": {"kind": "Pod", "name": pod, "namespace": NAMESPACE},
        "reason": reason,
        "message": message,
        "type": extra.pop("type", "Warning"),
        "lastTimestamp": when,
        **extra,
    }
    kube.api.store.create(EVENTS, NAMESPACE, event)


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def invoke(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str, **env: str
) -> Outcome:
    """``kftest ARGS`` in this process (quicker than a subprocess), with ``env`` set."""
    from compiler.cli import main

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", ["kftest", *args])
    capsys.readouterr()
    thresholds = gc.get_threshold()  # main() sets kftest's own for the process
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        gc.set_threshold(*thresholds)
    captured = capsys.readouterr()
    code = exited.value.code
    return Outcome(code if isinstance(code, int) else 1, captured.out, captured.err)

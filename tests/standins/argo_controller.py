"""A fake Argo workflow controller: moves workflows in the stand-in through their phases.

Each workflow goes ``Pending -> Running -> <final>`` one ``step`` apart (final is Succeeded
unless an outcome rule says Failed or Error, or ``hang`` keeps it Running). The final status
carries ``status.nodes`` as Argo writes them: the workflow's DAG node, its pod nodes (failed
ones with a message), and the exit handler's node; pods, pod logs and Kubernetes events are
created alongside, so that debugging tools have something to read.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .kube_store import Kind, NotFound, Obj, Store

WORKFLOWS: Kind = ("apis/argoproj.io/v1alpha1", "workflows")
PODS: Kind = ("api/v1", "pods")
EVENTS: Kind = ("api/v1", "events")
TERMINAL = ("Succeeded", "Failed", "Error")


@dataclass
class Outcome:
    match: Callable[[Obj], bool]
    phase: str = "Succeeded"
    failed_nodes: int = 1
    message: str | None = None
    hang: bool = False
    step: float | None = None
    #: Run these steps one after the other while Running, writing each node's progress as
    #: Argo does: (name, seconds, final node phase). A failed step ends the script; then the
    #: exit handler runs for ``exit_seconds`` and the workflow ends in the failed step's phase
    #: (else Succeeded; ``phase`` is not used).
    steps: tuple[tuple[str, float, str], ...] | None = None
    exit_seconds: float = 0.2


@dataclass
class _Progress:
    name: str
    namespace: str
    seen: float
    outcome: Outcome
    stage: int = 0  # 0 new, 1 Pending, 2 Running, 3 final
    running_at: float = 0.0  # time.time() when Running was written
    written: tuple[tuple[str, str], ...] = ()  # the scripted node phases last written


@dataclass
class FakeArgoController:
    store: Store
    step: float = 0.05
    outcomes: list[Outcome] = field(default_factory=list)
    # (name, phase, time.monotonic() when written)
    transitions: list[tuple[str, str, float]] = field(default_factory=list)
    on_finish: list[Callable[[Obj], None]] = field(default_factory=list)
    _progress: dict[tuple[str, str], _Progress] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def set_outcome(
        self, match: str | Callable[[Obj], bool], phase: str = "Succeeded", **kwargs: Any
    ) -> None:
        """``match``: a predicate on the workflow, or a string the workflow's name contains."""
        if isinstance(match, str):
            needle = match
            match = lambda obj: needle in obj["metadata"]["name"]  # noqa: E731
        self.outcomes.insert(0, Outcome(match, phase, **kwargs))

    def start(self) -> FakeArgoController:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def phase_of(self, namespace: str, name: str) -> str | None:
        try:
            return (self.store.get(WORKFLOWS, namespace, name).get("status") or {}).get("phase")
        except NotFound:
            return None

    # -- the loop ------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self.store.cond:
                keys = [(ns, name) for kind, ns, name in self.store.objects if kind == WORKFLOWS]
            now = time.monotonic()
            for key in keys:
                progress = self._progress.get(key)
                if progress is None:
                    try:
                        obj = self.store.get(WORKFLOWS, *key)
                    except NotFound:
                        continue
                    progress = _Progress(key[1], key[0], now, self._outcome(obj))
                    self._progress[key] = progress
                self._advance(progress, now)
            # Sleep until the next write (a new workflow) or the next tick.
            with self.store.cond:
                self.store.cond.wait(max(min(self.step / 5, 0.01), 0.002))

    def _outcome(self, obj: Obj) -> Outcome:
        for outcome in self.outcomes:
            if outcome.match(obj):
                return outcome
        return Outcome(lambda _: True)

    def _advance(self, progress: _Progress, now: float) -> None:
        outcome = progress.outcome
        step = outcome.step if outcome.step is not None else self.step
        due = progress.seen + step * (progress.stage + 1)
        if progress.stage == 2 and outcome.steps is not None:
            self._script(progress)
            return
        if progress.stage >= 3 or now < due:
            return
        if progress.stage == 2 and outcome.hang:
            return
        try:
            obj = self.store.get(WORKFLOWS, progress.namespace, progress.name)
        except NotFound:
            return
        progress.stage += 1
        phase = {1: "Pending", 2: "Running", 3: outcome.phase}[progress.stage]
        status = _status(obj, phase, outcome) if progress.stage == 3 else {"phase": phase}
        if progress.stage >= 2:
            status.setdefault("startedAt", _iso())
        if progress.stage == 3:
            # Argo runs the exit handler (which uploads the outputs) before the phase is final.
            for callback in self.on_finish:
                callback({**obj, "status": status})
        try:
            updated = self.store.update(
                WORKFLOWS,
                progress.namespace,
                progress.name,
                lambda o: o.__setitem__("status", status),
            )
        except NotFound:
            return
        self.transitions.append((progress.name, phase, time.monotonic()))
        progress.running_at = time.time()
        self._event(updated, phase)
        if progress.stage == 3:
            self._pods(updated)

    def _script(self, progress: _Progress) -> None:
        """Running with ``Outcome.steps``: write the nodes whenever one changes phase."""
        outcome = progress.outcome
        assert outcome.steps is not None
        nodes, done = _scripted_nodes(
            progress.name, outcome.steps, outcome.exit_seconds, progress.running_at, time.time()
        )
        written = tuple((n["displayName"], n["phase"]) for n in nodes.values())
        if written == progress.written and not done:
            return
        progress.written = written
        started = _iso(progress.running_at - time.time())
        failed = [n for n in nodes.values() if n["type"] == "Pod" and n["phase"] != "Succeeded"]
        final = failed[0]["phase"] if failed and failed[0]["phase"] != "Running" else "Succeeded"
        phase = final if done else "Running"
        status: Obj = {"phase": phase, "startedAt": started, "nodes": nodes}
        if done:
            status["finishedAt"] = _iso()
            if failed:
                status["message"] = outcome.message or f"child '{failed[0]['id']}' failed"
            nodes[progress.name]["phase"] = phase
            nodes[progress.name]["finishedAt"] = status["finishedAt"]
            for callback in self.on_finish:
                obj = self.store.get(WORKFLOWS, progress.namespace, progress.name)
                callback({**obj, "status": status})
        try:
            updated = self.store.update(
                WORKFLOWS,
                progress.namespace,
                progress.name,
                lambda o: o.__setitem__("status", status),
            )
        except NotFound:
            return
        if done:
            progress.stage = 3
            self.transitions.append((progress.name, phase, time.monotonic()))
            self._event(updated, phase)
            self._pods(updated)

    # -- what Argo writes ----------------------------------------------------------------------

    def _event(self, wf: Obj, phase: str) -> None:
        meta = wf["metadata"]
        reason = {"Running": "WorkflowRunning", "Pending": "WorkflowPending"}.get(
            phase, f"Workflow{phase}"
        )
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"generateName": f"{meta['name']}."},
            "involvedObject": {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Workflow",
                "name": meta["name"],
                "namespace": meta["namespace"],
                "uid": meta.get("uid"),
            },
            "reason": reason,
            "message": f"Workflow {phase.lower()}",
            "type": "Normal" if phase != "Failed" and phase != "Error" else "Warning",
        }
        self.store.create(EVENTS, meta["namespace"], event)

    def _pods(self, wf: Obj) -> None:
        meta = wf["metadata"]
        for node in (wf.get("status", {}).get("nodes") or {}).values():
            if node.get("type") != "Pod":
                continue
            pod = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": node["id"],
                    "labels": {
                        "workflows.argoproj.io/workflow": meta["name"],
                        "step_name": node["displayName"],
                    },
                },
                "status": {"phase": "Failed" if node["phase"] != "Succeeded" else "Succeeded"},
            }
            self.store.create(PODS, meta["namespace"], pod)
            self.store.pod_logs[(meta["namespace"], node["id"], "main")] = (
                f"step {node['displayName']} of {meta['name']}\n{node.get('message', 'done')}\n"
            )


def _iso(offset: float = 0.0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def _scripted_nodes(
    name: str,
    steps: tuple[tuple[str, float, str], ...],
    exit_seconds: float,
    running_at: float,
    now: float,
) -> tuple[dict[str, Obj], bool]:
    """The nodes of a scripted workflow ``now``, and whether it is over (exit handler done)."""
    nodes: dict[str, Obj] = {}
    children = []
    begin = running_at
    failed = False
    for step, seconds, phase in steps:
        if now < begin:
            break
        node_id = _node_id(name, step)
        over = now >= begin + seconds
        node: Obj = {
            "id": node_id,
            "name": f"{name}.{step}",
            "displayName": step,
            "type": "Pod",
            "templateName": step,
            "phase": phase if over else "Running",
            "startedAt": _iso(begin - now),
        }
        if over:
            node["finishedAt"] = _iso(begin + seconds - now)
            if phase in ("Failed", "Error"):
                node["message"] = "Error (exit code 1)" if phase == "Failed" else "pod deleted"
                failed = True
        nodes[node_id] = node
        children.append(node_id)
        begin += seconds
        if not over or failed:
            break
    script_over = (
        bool(nodes)
        and all("finishedAt" in n for n in nodes.values())
        and (failed or len(nodes) == len(steps))
    )
    done = False
    if script_over:
        node_id = _node_id(name, "copy-artifacts")
        over = now >= begin + exit_seconds
        nodes[node_id] = {
            "id": node_id,
            "name": f"{name}.onExit.copy-artifacts",
            "displayName": "copy-artifacts",
            "type": "Pod",
            "templateName": "copy-artifacts",
            "phase": "Succeeded" if over else "Running",
            "startedAt": _iso(begin - now),
            **({"finishedAt": _iso(begin + exit_seconds - now)} if over else {}),
        }
        done = over
    nodes[name] = {
        "id": name,
        "name": name,
        "displayName": name,
        "type": "DAG",
        "phase": "Failed" if failed else "Running",
        "startedAt": _iso(running_at - now),
        "children": children,
    }
    return nodes, done


def _node_id(workflow: str, name: str) -> str:
    return f"{workflow}-{zlib.crc32(name.encode()) % 10**10}"


def _status(wf: Obj, phase: str, outcome: Outcome) -> Obj:
    name = wf["metadata"]["name"]
    started, finished = _iso(-30), _iso()
    steps = ["checkout", "run-tests"] + [f"test-{i}" for i in range(1, outcome.failed_nodes)]
    failing = set(steps[1:]) if phase != "Succeeded" else set()
    nodes: dict[str, Obj] = {}
    children = []
    for step in [*steps, "copy-artifacts"]:
        node_id = _node_id(name, step)
        node = {
            "id": node_id,
            "name": f"{name}.{step}",
            "displayName": step,
            "type": "Pod",
            "templateName": step,
            "phase": "Succeeded",
            "startedAt": _iso(-20),
            "finishedAt": _iso(-5),
        }
        if step in failing:
            node["phase"] = phase
            node["message"] = outcome.message or (
                "Error (exit code 1)" if phase == "Failed" else "pod deleted"
            )
        nodes[node_id] = node
        if step != "copy-artifacts":
            children.append(node_id)
    nodes[name] = {
        "id": name,
        "name": name,
        "displayName": name,
        "type": "DAG",
        "phase": phase,
        "startedAt": started,
        "finishedAt": finished,
        "children": children,
    }
    status: Obj = {"phase": phase, "startedAt": started, "finishedAt": finished, "nodes": nodes}
    if phase != "Succeeded":
        status["message"] = outcome.message or f"child '{_node_id(name, steps[1])}' failed"
    return status

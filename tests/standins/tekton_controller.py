"""A fake Tekton controller: completes the PipelineRuns in the stand-in (any tekton.dev version).

Each run gets a ``Succeeded`` condition ``Unknown``/``Running`` one ``step`` after it appears,
then ``True``/``Succeeded`` (or ``False`` with the outcome's reason, ``Failed`` by default)
one step later, with ``startTime``/``completionTime``. As Tekton does, it creates a TaskRun
per pipeline task (named ``<run>-<task>``, labelled ``tekton.dev/pipelineRun`` and
``tekton.dev/pipelineTask``) and a pod per TaskRun (``<taskrun>-pod``, containers
``step-<step>`` with logs), and reports them in the run's status: ``status.taskRuns`` (embedded
statuses) for v1alpha1/v1beta1, ``status.childReferences`` for v1. A failed TaskRun has a
failed step (exit code 1) and a Warning event on its pod. ``on_finish`` callbacks run before
the final condition is written (a pipeline's last task uploads its junit before the run
completes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .kube_store import Kind, NotFound, Obj, Store

PODS: Kind = ("api/v1", "pods")
EVENTS: Kind = ("api/v1", "events")
VERSIONS = ("v1alpha1", "v1beta1", "v1")


def pipeline_runs(version: str) -> Kind:
    return (f"apis/tekton.dev/{version}", "pipelineruns")


def task_runs(version: str) -> Kind:
    return (f"apis/tekton.dev/{version}", "taskruns")


@dataclass
class TektonOutcome:
    match: Callable[[Obj], bool]
    succeeded: bool = True
    reason: str = "Failed"
    message: str | None = None
    hang: bool = False


@dataclass
class FakeTektonController:
    store: Store
    step: float = 0.05
    outcomes: list[TektonOutcome] = field(default_factory=list)
    transitions: list[tuple[str, str, float]] = field(default_factory=list)  # name, reason, when
    on_finish: list[Callable[[Obj], None]] = field(default_factory=list)
    _seen: dict[tuple[Kind, str, str], tuple[float, int, TektonOutcome]] = field(
        default_factory=dict
    )
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def set_outcome(
        self, match: str | Callable[[Obj], bool], succeeded: bool = False, **kwargs: Any
    ) -> None:
        """``match``: a predicate on the run, or a string its name contains."""
        if isinstance(match, str):
            needle = match
            match = lambda obj: needle in obj["metadata"]["name"]  # noqa: E731
        self.outcomes.insert(0, TektonOutcome(match, succeeded, **kwargs))

    def start(self) -> FakeTektonController:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def runs(self) -> list[Obj]:
        with self.store.cond:
            return [
                obj
                for (kind, _, _), obj in self.store.objects.items()
                if kind in [pipeline_runs(v) for v in VERSIONS]
            ]

    # -- the loop ------------------------------------------------------------------------

    def _loop(self) -> None:
        kinds = {pipeline_runs(version): version for version in VERSIONS}
        while not self._stop.is_set():
            with self.store.cond:
                keys = [key for key in self.store.objects if key[0] in kinds]
            now = time.monotonic()
            for key in keys:
                seen = self._seen.get(key)
                if seen is None:
                    try:
                        obj = self.store.get(*key)
                    except NotFound:
                        continue
                    seen = (now, 0, self._outcome(obj))
                    self._seen[key] = seen
                first, stage, outcome = seen
                if stage >= 2 or now < first + self.step * (stage + 1):
                    continue
                if stage == 1 and outcome.hang:
                    continue
                self._seen[key] = (first, stage + 1, outcome)
                self._advance(key, kinds[key[0]], stage + 1, outcome)
            with self.store.cond:
                self.store.cond.wait(max(min(self.step / 5, 0.01), 0.002))

    def _outcome(self, obj: Obj) -> TektonOutcome:
        for outcome in self.outcomes:
            if outcome.match(obj):
                return outcome
        return TektonOutcome(lambda _: True)

    def _advance(self, key: tuple[Kind, str, str], version: str, stage: int, outcome: Any) -> None:
        kind, namespace, name = key
        try:
            obj = self.store.get(kind, namespace, name)
        except NotFound:
            return
        if stage == 1:
            status: Obj = {
                "startTime": _iso(),
                "conditions": [_condition("Unknown", "Running", "Tasks Completed: 0")],
            }
            reason = "Running"
        else:
            status = self._final(obj, version, outcome)
            reason = status["conditions"][0]["reason"]
            for callback in self.on_finish:
                callback({**obj, "status": status})
        try:
            updated = self.store.update(
                kind, namespace, name, lambda o: o.__setitem__("status", status)
            )
        except NotFound:
            return
        self.transitions.append((name, reason, time.monotonic()))
        self._event(updated, reason)

    # -- what Tekton writes --------------------------------------------------------------

    def _tasks(self, run: Obj) -> list[str]:
        spec = run.get("spec") or {}
        pipeline = spec.get("pipelineSpec") or {}
        names = [t.get("name") for t in pipeline.get("tasks") or [] if isinstance(t, dict)]
        return [n for n in names if isinstance(n, str)] or ["run-tests"]

    def _final(self, run: Obj, version: str, outcome: TektonOutcome) -> Obj:
        meta = run["metadata"]
        name, namespace = meta["name"], meta["namespace"]
        tasks = self._tasks(run)
        failing = {tasks[-1]} if not outcome.succeeded else set()
        statuses: dict[str, Obj] = {}
        children = []
        for task in tasks:
            task_run = f"{name}-{task}"[:63]
            pod = f"{task_run}-pod"[:63]
            failed = task in failing
            task_status: Obj = {
                "podName": pod,
                "startTime": _iso(-20),
                "completionTime": _iso(-5),
                "conditions": [
                    _condition(
                        "False" if failed else "True",
                        "Failed" if failed else "Succeeded",
                        '"step-test" exited with code 1 (image: "golang:1.22.1")'
                        if failed
                        else "All Steps have completed executing",
                    )
                ],
                "steps": [
                    {
                        "name": "test",
                        "container": "step-test",
                        "terminated": {
                            "exitCode": 1 if failed else 0,
                            "reason": "Error" if failed else "Completed",
                        },
                    }
                ],
            }
            task_obj = {
                "apiVersion": f"tekton.dev/{version}",
                "kind": "TaskRun",
                "metadata": {
                    "name": task_run,
                    "labels": {
                        "tekton.dev/pipelineRun": name,
                        "tekton.dev/pipelineTask": task,
                    },
                },
                "status": task_status,
            }
            self.store.create(task_runs(version), namespace, task_obj)
            self._pod(namespace, pod, task_run, name, task, failed)
            statuses[task_run] = {"pipelineTaskName": task, "status": task_status}
            children.append(
                {
                    "apiVersion": f"tekton.dev/{version}",
                    "kind": "TaskRun",
                    "name": task_run,
                    "pipelineTaskName": task,
                }
            )
        if outcome.succeeded:
            condition = _condition("True", "Succeeded", f"Tasks Completed: {len(tasks)}")
        else:
            condition = _condition(
                "False",
                outcome.reason,
                outcome.message or f"Tasks Completed: {len(tasks)} (Failed: 1, Cancelled 0)",
            )
        status: Obj = {
            "startTime": _iso(-30),
            "completionTime": _iso(),
            "conditions": [condition],
        }
        if version == "v1":
            status["childReferences"] = children
        else:
            status["taskRuns"] = statuses
        return status

    def _pod(
        self, namespace: str, pod: str, task_run: str, run: str, task: str, failed: bool
    ) -> None:
        self.store.create(
            PODS,
            namespace,
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": pod,
                    "labels": {
                        "tekton.dev/taskRun": task_run,
                        "tekton.dev/pipelineRun": run,
                        "tekton.dev/pipelineTask": task,
                    },
                },
                "status": {"phase": "Failed" if failed else "Succeeded"},
            },
        )
        self.store.pod_logs[(namespace, pod, "step-test")] = f"=== RUN {task} of {run}\n" + (
            "--- FAIL: TestE2E\nexit status 1\n" if failed else "ok\n"
        )
        if failed:
            self._pod_event(namespace, pod)

    def _pod_event(self, namespace: str, pod: str) -> None:
        self.store.create(
            EVENTS,
            namespace,
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"generateName": f"{pod}."},
                "involvedObject": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "name": pod,
                    "namespace": namespace,
                },
                "reason": "BackOff",
                "message": "Back-off restarting failed container step-test",
                "type": "Warning",
                "lastTimestamp": _iso(),
            },
        )

    def _event(self, run: Obj, reason: str) -> None:
        meta = run["metadata"]
        self.store.create(
            EVENTS,
            meta["namespace"],
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"generateName": f"{meta['name']}."},
                "involvedObject": {
                    "apiVersion": run.get("apiVersion"),
                    "kind": "PipelineRun",
                    "name": meta["name"],
                    "namespace": meta["namespace"],
                },
                "reason": reason,
                "message": f"PipelineRun {reason.lower()}",
                "type": "Warning" if reason not in ("Running", "Succeeded") else "Normal",
            },
        )


def _condition(status: str, reason: str, message: str) -> Obj:
    return {
        "type": "Succeeded",
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": _iso(),
    }


def _iso(offset: float = 0.0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))

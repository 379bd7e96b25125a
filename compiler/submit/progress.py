"""What the build log says while workflows run: a Prow log must never be silent for hours.

Three kinds of line, each naming the workflow:

* at every phase change: ``workflow W: Running after 12s; steps: 1 running, 1 finished;
  longest running: e2e (9s); UI: <url>``;
* while a workflow is not done, at least every ``interval`` seconds: the same, as ``still
  Running after 1h02m``, so a reader can tell a slow step from a hung one;
* at every failed step, as soon as the watch shows it (usually long before the workflow ends,
  while the exit handler still runs): ``workflow W: step e2e failed after 3m12s: <message>;
  explain it with: kftest debug W -n <namespace>``.

``Progress`` is fed by the waiter (``update`` for every object seen, ``change`` for every new
phase) and ticked by its own thread (``run``), so the interval holds however the watch
behaves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from compiler.cluster import status
from compiler.durations import format_duration, parse_time
from compiler.submit.wait import DELETED, WAIT_TERMINAL, Change

DEFAULT_INTERVAL = 60.0
#: Node phases of a step that is over (Argo's Skipped/Omitted never ran, but are not pending).
FINISHED = frozenset({"Succeeded", "Failed", "Error", "Skipped", "Omitted"})
STEP_TYPES = frozenset({"Pod", "Container"})


@dataclass(frozen=True)
class Line:
    text: str
    failure: bool = False  # a failed step or workflow: logged as an error


@dataclass(frozen=True)
class Steps:
    """The step (pod) nodes of a workflow: counts and the one running longest."""

    running: int
    finished: int
    failed: int
    longest: str | None  # display name of the step running longest
    longest_for: float | None  # seconds

    @classmethod
    def of(cls, obj: Mapping[str, Any] | None, now: datetime) -> Steps:
        if status.is_tekton(dict(obj or {})):
            return cls._of_task_runs(dict(obj or {}), now)
        nodes = (obj or {}).get("status", {}) or {}
        nodes = nodes.get("nodes") if isinstance(nodes, dict) else None
        steps = [
            node
            for node in (nodes or {}).values()
            if isinstance(node, dict) and node.get("type") in STEP_TYPES
        ]
        finished = [node for node in steps if node.get("phase") in FINISHED]
        running = [node for node in steps if node.get("phase") not in FINISHED]
        failed = [node for node in finished if node.get("phase") in status.FAILED_PHASES]
        longest, longest_for = None, None
        started = [(parse_time(node.get("startedAt")), node) for node in running]
        started = [(when, node) for when, node in started if when is not None]
        if started:
            when, node = min(started, key=lambda item: item[0])
            longest = str(node.get("displayName") or node.get("name") or node.get("id"))
            longest_for = max(0.0, (now - when).total_seconds())
        return cls(len(running), len(finished), len(failed), longest, longest_for)

    @classmethod
    def _of_task_runs(cls, obj: dict[str, Any], now: datetime) -> Steps:
        """A Tekton PipelineRun's steps are its TaskRuns."""
        running, finished, failed = [], 0, 0
        for run in status.task_runs(obj):
            condition = status.succeeded_condition({"status": run.get("status") or {}}) or {}
            if condition.get("status") in ("True", "False"):
                finished += 1
                failed += condition.get("status") == "False"
            else:
                running.append(run)
        longest, longest_for = None, None
        started = [(parse_time((run.get("status") or {}).get("startTime")), run) for run in running]
        started = [(when, run) for when, run in started if when is not None]
        if started:
            when, run = min(started, key=lambda item: item[0])
            longest = str(run.get("pipelineTaskName") or run.get("name"))
            longest_for = max(0.0, (now - when).total_seconds())
        return cls(len(running), finished, failed, longest, longest_for)

    def text(self) -> str:
        if not (self.running or self.finished):
            return "no step started yet"
        failed = f" ({self.failed} failed)" if self.failed else ""
        text = f"steps: {self.running} running, {self.finished} finished{failed}"
        if self.longest is not None:
            text += f"; longest running: {self.longest} ({format_duration(self.longest_for)})"
        return text


class Progress:
    """Progress lines for the workflows ``names`` (name -> namespace), passed to ``emit``.

    ``ui_urls`` maps a name to its Argo UI link (absent or "" when unknown). ``clock`` is the
    waiter's (elapsed times are since submission); ``now`` is wall-clock time for the node
    timestamps Argo writes.
    """

    def __init__(
        self,
        names: Mapping[str, str],
        emit: Callable[[Line], None],
        *,
        interval: float = DEFAULT_INTERVAL,
        ui_urls: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        started: float | None = None,
        tekton: Iterable[str] = (),
    ) -> None:
        self.namespaces = dict(names)
        self.tekton = set(tekton)  # the names that are Tekton PipelineRuns
        self.emit = emit
        self.interval = interval
        self.ui_urls = dict(ui_urls or {})
        self.clock = clock
        self.now = now
        self.started = started if started is not None else clock()
        self.objects: dict[str, Mapping[str, Any] | None] = dict.fromkeys(names)
        self.phases: dict[str, str] = dict.fromkeys(names, "")
        self.last_line: dict[str, float] = dict.fromkeys(names, self.started)
        self.reported_failures: set[tuple[str, str]] = set()
        self.lock = threading.Lock()

    def add(self, name: str, namespace: str, ui_url: str = "", tekton: bool = True) -> None:
        """Follow one more run from now on (a Tekton teardown, started when its run ended)."""
        with self.lock:
            if tekton:
                self.tekton.add(name)
            self.namespaces[name] = namespace
            self.objects[name] = None
            self.phases[name] = ""
            self.last_line[name] = self.clock()
            if ui_url:
                self.ui_urls[name] = ui_url

    # -- fed by the waiter -----------------------------------------------------------------

    def update(self, name: str, obj: Mapping[str, Any]) -> None:
        """Every state of a workflow the waiter sees: report steps that failed since the last."""
        lines = []
        with self.lock:
            if name not in self.objects:
                return
            self.objects[name] = obj
            for node in status.failed_nodes(dict(obj)):
                key = (name, str(node.get("id") or node.get("name")))
                if key in self.reported_failures:
                    continue
                self.reported_failures.add(key)
                lines.append(Line(self._failed_step(name, node), failure=True))
        for line in lines:
            self.emit(line)

    def change(self, change: Change) -> None:
        """A workflow reached a new phase."""
        if change.object is not None:
            self.update(change.name, change.object)
        with self.lock:
            if change.name not in self.objects:
                return
            self.phases[change.name] = change.phase
            if change.object is not None:
                self.objects[change.name] = change.object
            self.last_line[change.name] = self.clock()
            line = self._line(change.name, change.phase, change.elapsed, still=False)
        self.emit(Line(line, failure=change.phase in status.FAILED_PHASES))

    # -- ticked ----------------------------------------------------------------------------

    def tick(self) -> None:
        """A line for every workflow not done whose last line is ``interval`` old."""
        lines = []
        with self.lock:
            now = self.clock()
            for name, phase in self.phases.items():
                if phase in WAIT_TERMINAL or now - self.last_line[name] < self.interval:
                    continue
                self.last_line[name] = now
                lines.append(self._line(name, phase, now - self.started, still=True))
        for line in lines:
            self.emit(Line(line))

    def run(self, stop: threading.Event) -> None:
        """Tick until ``stop`` is set (the wait is over)."""
        pause = min(1.0, self.interval / 10)
        while not stop.wait(pause):
            self.tick()

    def start(self) -> Callable[[], None]:
        """Tick in a daemon thread; returns the function that stops it."""
        stop = threading.Event()
        thread = threading.Thread(target=self.run, args=(stop,), name="kftest-progress")
        thread.daemon = True
        thread.start()

        def stopper() -> None:
            stop.set()
            thread.join(timeout=5)

        return stopper

    # -- the lines -------------------------------------------------------------------------

    def _line(self, name: str, phase: str, elapsed: float, *, still: bool) -> str:
        obj = self.objects.get(name)
        noun, controller = (
            ("PipelineRun", "Tekton") if name in self.tekton else ("workflow", "Argo")
        )
        if not phase:
            head = (
                f"not picked up by the {controller} controller yet after {format_duration(elapsed)}"
            )
        else:
            head = f"{'still ' if still else ''}{phase} after {format_duration(elapsed)}"
        parts = [f"{noun} {name}: {head}"]
        if phase and phase not in ("Pending", DELETED):
            parts.append(Steps.of(obj, self.now()).text())
        if self.ui_urls.get(name):
            parts.append(f"UI: {self.ui_urls[name]}")
        return "; ".join(parts)

    def _failed_step(self, name: str, node: Mapping[str, Any]) -> str:
        step = node.get("displayName") or node.get("name") or node.get("id")
        message = str(node.get("message") or node.get("phase") or "").strip()
        elapsed = format_duration(self.clock() - self.started)
        verb = "errored" if node.get("phase") == "Error" else "failed"
        noun, what = ("PipelineRun", "TaskRun") if name in self.tekton else ("workflow", "step")
        return (
            f"{noun} {name}: {what} {step} {verb} after "
            f"{elapsed}{': ' + message if message else ''}; explain it with: "
            f"{debug_command(name, self.namespaces[name])}"
        )


def debug_command(name: str, namespace: str) -> str:
    return f"kftest debug {name} -n {namespace}"

"""The progress lines of ``kftest run``, driven by a fake clock: what each line says and when."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from compiler.submit.progress import Line, Progress, Steps
from compiler.submit.wait import Change

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def node(name: str, phase: str, started: float, message: str = "") -> dict[str, Any]:
    return {
        "id": f"wf-{name}",
        "name": f"wf.{name}",
        "displayName": name,
        "type": "Pod",
        "phase": phase,
        "startedAt": iso(started),
        **({"message": message} if message else {}),
    }


def workflow(phase: str, *nodes: dict[str, Any]) -> dict[str, Any]:
    dag = {"id": "wf", "name": "wf", "type": "DAG", "phase": phase, "startedAt": iso(0)}
    return {
        "metadata": {"name": "wf"},
        "status": {"phase": phase, "nodes": {n["id"]: n for n in (dag, *nodes)}},
    }


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def progress(clock: Clock, lines: list[Line], ui: str = "") -> Progress:
    return Progress(
        {"wf": "ns"},
        lines.append,
        interval=60,
        ui_urls={"wf": ui} if ui else {},
        clock=clock,
        now=lambda: T0 + timedelta(seconds=clock.t - 1000),
        started=1000.0,
    )


def test_steps_count_running_finished_failed_and_the_longest_running() -> None:
    obj = workflow(
        "Running",
        node("checkout", "Succeeded", 0),
        node("unit", "Failed", 10),
        node("e2e", "Running", 20),
        node("lint", "Running", 300),
        node("skipped", "Omitted", 30),
    )
    steps = Steps.of(obj, T0 + timedelta(seconds=620))
    assert (steps.running, steps.finished, steps.failed) == (2, 3, 1)
    assert steps.text() == "steps: 2 running, 3 finished (1 failed); longest running: e2e (10m)"
    assert Steps.of(workflow("Running"), T0).text() == "no step started yet"


def test_a_line_per_phase_change_and_at_least_every_interval_while_not_done() -> None:
    clock, lines = Clock(), []
    p = progress(clock, lines, ui="http://argo/wf")
    clock.t += 59
    p.tick()
    assert [line.text for line in lines] == []  # the interval is not over yet
    clock.t += 1
    p.tick()
    assert lines[-1].text == (
        "workflow wf: not picked up by the Argo controller yet after 1m; UI: http://argo/wf"
    )
    running = workflow("Running", node("checkout", "Running", 55))
    clock.t += 5
    p.change(Change("wf", "Running", 65, 0, running))
    assert lines[-1].text == (
        "workflow wf: Running after 1m05s; steps: 1 running, 0 finished; longest running: "
        "checkout (10s); UI: http://argo/wf"
    )
    clock.t += 59  # a phase change restarts the interval
    p.tick()
    assert len(lines) == 2
    clock.t += 1
    p.tick()
    assert lines[-1].text.startswith("workflow wf: still Running after 2m05s; steps: 1 running")
    assert not any(line.failure for line in lines)


def test_a_failed_step_is_reported_at_once_and_once() -> None:
    clock, lines = Clock(), []
    p = progress(clock, lines)
    clock.t += 130
    failed = workflow(
        "Running",
        node("checkout", "Succeeded", 0),
        node("e2e", "Failed", 10, "Error (exit code 1)"),
        node("copy-artifacts", "Running", 125),
    )
    p.update("wf", failed)
    p.update("wf", failed)  # the same state again (a relist): not reported twice
    assert [(line.text, line.failure) for line in lines] == [
        (
            "workflow wf: step e2e failed after 2m10s: Error (exit code 1); explain it with: "
            "kftest debug wf -n ns",
            True,
        )
    ]
    errored = workflow("Error", node("e2e", "Failed", 10), node("x", "Error", 20, "pod deleted"))
    clock.t += 10
    p.change(Change("wf", "Error", 140, 2, errored))
    assert [line.text for line in lines[1:]] == [
        "workflow wf: step x errored after 2m20s: pod deleted; explain it with: "
        "kftest debug wf -n ns",
        "workflow wf: Error after 2m20s; steps: 0 running, 2 finished (2 failed)",
    ]
    assert lines[-1].failure
    clock.t += 600  # done: no more lines
    p.tick()
    assert len(lines) == 3

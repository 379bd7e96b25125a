"""The verdict on one selected entry: what it says, in which order the reasons win."""

from __future__ import annotations

import pytest

from compiler.cluster import status
from compiler.diagnostics import Diagnostic
from compiler.report.outcome import WorkflowOutcome

BROKEN = Diagnostic("labels", "no org label", file="c.jsonnet")


@pytest.mark.parametrize(
    ("outcome", "verdict"),
    [
        # Diagnostics win over everything: the entry was never a valid workflow.
        (WorkflowOutcome("a", "", diagnostics=[BROKEN], submitted=True, phase="Succeeded"),
         "Invalid"),
        (WorkflowOutcome("a", "wf", phase="Succeeded"), "NotSubmitted"),
        (WorkflowOutcome("a", "wf", submitted=True, phase="Succeeded", timed_out=True),
         "Succeeded"),
        (WorkflowOutcome("a", "wf", submitted=True, phase="Failed", aborted=True), "Failed"),
        (WorkflowOutcome("a", "wf", submitted=True, phase="Error"), "Error"),
        (WorkflowOutcome("a", "wf", submitted=True, phase="Deleted", timed_out=True), "Deleted"),
        (WorkflowOutcome("a", "wf", submitted=True, phase="Running", timed_out=True,
                         aborted=True), "TimedOut"),
        (WorkflowOutcome("a", "wf", submitted=True, phase="Running", aborted=True), "Aborted"),
        (WorkflowOutcome("a", "wf", submitted=True, phase="Running"), "Unknown"),
        (WorkflowOutcome("a", "wf", submitted=True), "Unknown"),
    ],
)  # fmt: skip
def test_the_verdict(outcome: WorkflowOutcome, verdict: str) -> None:
    assert outcome.verdict == verdict
    assert outcome.passed is (verdict == "Succeeded")


def _pipeline_run(status: str, reason: str) -> dict[str, object]:
    condition = {"type": "Succeeded", "status": status, "reason": reason}
    return {"apiVersion": "tekton.dev/v1beta1", "kind": "PipelineRun",
            "status": {"conditions": [condition]}}  # fmt: skip


@pytest.mark.parametrize(
    ("run", "timed_out", "verdict"),
    [
        # A finished Tekton run's verdict is its condition's reason, whatever the wait says.
        (_pipeline_run("False", "PipelineRunTimeout"), True, "PipelineRunTimeout"),
        (_pipeline_run("False", "Cancelled"), False, "Cancelled"),
        (_pipeline_run("True", "Completed"), True, "Succeeded"),  # some tasks skipped
        # Still running (status Unknown) when the wait ended: the wait's reason.
        (_pipeline_run("Unknown", "Running"), True, "TimedOut"),
    ],
)  # fmt: skip
def test_a_tekton_run_that_finished_is_judged_by_its_reason(
    run: dict[str, object], timed_out: bool, verdict: str
) -> None:
    phase = status.phase(run)  # as the watcher records it
    outcome = WorkflowOutcome(
        "e2e", "e2e-run", submitted=True, object=run, phase=phase, timed_out=timed_out
    )
    assert outcome.verdict == verdict
    assert outcome.passed is (verdict == "Succeeded")


def test_the_label_is_the_workflow_name_or_else_the_entry() -> None:
    assert WorkflowOutcome("e2e", "kftest-e2e-1-abcd").label == "kftest-e2e-1-abcd"
    assert WorkflowOutcome("e2e", "").label == "e2e"

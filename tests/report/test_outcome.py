"""The verdict on one selected entry: what it says, in which order the reasons win."""

from __future__ import annotations

import pytest

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


def test_the_label_is_the_workflow_name_or_else_the_entry() -> None:
    assert WorkflowOutcome("e2e", "kftest-e2e-1-abcd").label == "kftest-e2e-1-abcd"
    assert WorkflowOutcome("e2e", "").label == "e2e"

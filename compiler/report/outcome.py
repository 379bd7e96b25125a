"""What became of one selected entry: not valid, not submitted, or a workflow's final state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.cluster import status
from compiler.diagnostics import Diagnostic

INVALID = "Invalid"
NOT_SUBMITTED = "NotSubmitted"
TIMED_OUT = "TimedOut"
ABORTED = "Aborted"
UNKNOWN = "Unknown"  # the wait ended early (e.g. the cluster became unreachable)


@dataclass
class WorkflowOutcome:
    entry: str  # the prow_config.yaml entry name
    name: str  # the workflow's metadata.name ("" if it never compiled)
    namespace: str = ""
    ui_url: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)  # errors that kept it back
    submitted: bool = False
    submit_error: str | None = None
    object: dict[str, Any] | None = None  # the last state seen, with status
    phase: str = ""  # the last phase seen ("Deleted" if it vanished)
    timed_out: bool = False
    aborted: bool = False

    @property
    def label(self) -> str:
        """The key under which started.json and finished.json name this workflow."""
        return self.name or self.entry

    @property
    def verdict(self) -> str:
        """Succeeded, Failed, Error, Deleted (a Tekton run: the reason of its final
        condition), or why there is no final phase: Invalid, NotSubmitted, TimedOut, Aborted,
        Unknown."""
        if self.diagnostics:
            return INVALID
        if not self.submitted:
            return NOT_SUBMITTED
        if self.phase in status.TERMINAL_PHASES or self.phase == "Deleted":
            return self.phase
        if self.phase and status.terminal(self.object):  # a Tekton run's reason
            return self.phase
        if self.timed_out:
            return TIMED_OUT
        return ABORTED if self.aborted else UNKNOWN

    @property
    def passed(self) -> bool:
        return self.verdict == "Succeeded"

"""Diagnostics: the one shape every problem takes, and the exit-code policy.

A stage never prints and never raises for bad *input*: it returns diagnostics.
Exceptions are for the two other outcomes of the contract, usage errors (exit 2)
and infrastructure errors (exit 3).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INFRA = 3
#: A bug in kftest (an unexpected exception): never used for bad input.
EXIT_BUG = 4


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Diagnostic:
    """One problem, as the contract's ``--format json`` prints it."""

    rule: str
    message: str
    severity: Severity = Severity.ERROR
    file: str | None = None
    line: int | None = None
    column: int | None = None
    workflow: str | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        # The contract's key order.
        keys = ("rule", "severity", "file", "line", "column", "workflow", "path", "message")
        return {key: data[key] for key in keys}

    def with_workflow(self, workflow: str | None) -> Diagnostic:
        return self if self.workflow else replace(self, workflow=workflow)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.rule, self.message)


def count(diagnostics: Iterable[Diagnostic]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for diagnostic in diagnostics:
        if diagnostic.is_error:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def exit_code(diagnostics: Iterable[Diagnostic]) -> int:
    errors, _ = count(diagnostics)
    return EXIT_PROBLEMS if errors else EXIT_OK


def dedupe_sorted(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Stable output: sorted by place, duplicates (same rule, place, message) dropped."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


class KftestError(Exception):
    """Base for errors that end a command with a clean message instead of a traceback."""

    exit_code = EXIT_PROBLEMS


class UsageError(KftestError):
    """Bad command line: unknown option value, a file named on the command line is missing."""

    exit_code = EXIT_USAGE


class InfraError(KftestError):
    """The cluster or the storage could not be reached after retries."""

    exit_code = EXIT_INFRA

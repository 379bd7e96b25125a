"""Garbage-collect what failed tests leave behind, safely: a dry run unless told to delete.

A *resource kind* (``ResourceKind``) lists its resources with their start time and deletes one;
kinds live in ``compiler/operate/cleanup_kinds/``, one module each, registered in its
``KINDS``. This module picks the resources older than the age, deletes them when asked, and
keeps going when one deletion fails. If the cluster stops answering (retries exhausted) it
stops deleting, since every further call would wait out the same retries, and says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from compiler.diagnostics import EXIT_INFRA, EXIT_OK, EXIT_PROBLEMS, InfraError
from compiler.durations import format_duration, format_time


@dataclass(frozen=True)
class Resource:
    kind: str  # the kind's name, e.g. "workflows"
    namespace: str | None
    name: str
    started: datetime | None
    age_from: str  # which field ``started`` came from
    detail: str = ""  # e.g. the workflow's phase

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def noun(self) -> str:
        return self.kind.removesuffix("s")


class Gone(Exception):
    """The resource was already deleted (by someone else, or a TTL controller)."""


class DeleteFailed(Exception):
    """This one resource could not be deleted; the others still can."""


class ResourceKind(Protocol):
    name: str  # plural noun, e.g. "workflows"

    def describe_scope(self) -> str:
        """Where it looks, for the output: e.g. "in namespace X with labels a=b"."""

    def list(self) -> Iterable[Resource]:
        """Every candidate; may raise InfraError."""

    def delete(self, resource: Resource) -> None:
        """Delete one; raises Gone, DeleteFailed, or InfraError."""


@dataclass(frozen=True)
class KindOptions:
    """What every kind is constructed with; kinds ignore what does not apply to them."""

    namespace: str | None  # None: every namespace
    selector: str | None  # a Kubernetes label selector; None or "": everything
    page_size: int
    cluster: Callable[[], Any]  # connects lazily: compiler.cluster.api.Cluster


WOULD_DELETE, DELETED, GONE, FAILED, SKIPPED = (
    "would-delete",
    "deleted",
    "gone",
    "failed",
    "skipped",
)


@dataclass(frozen=True)
class Outcome:
    resource: Resource
    age: float  # seconds
    status: str  # one of the constants above
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.resource.kind,
            "namespace": self.resource.namespace,
            "name": self.resource.name,
            "started": format_time(self.resource.started),
            "age_from": self.resource.age_from,
            "age_seconds": round(self.age),
            "detail": self.resource.detail,
            "status": self.status,
            "error": self.error,
        }


@dataclass
class Report:
    older_than: timedelta
    dry_run: bool
    scopes: list[tuple[str, str]] = field(default_factory=list)  # (kind, scope)
    scanned: int = 0
    unknown_age: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str | None = None  # why deleting stopped early (cluster unreachable)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def exit_code(self) -> int:
        if self.stopped:
            return EXIT_INFRA
        return EXIT_PROBLEMS if self.count(FAILED) else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "older_than_seconds": round(self.older_than.total_seconds()),
            "dry_run": self.dry_run,
            "scopes": [{"kind": kind, "scope": scope} for kind, scope in self.scopes],
            "scanned": self.scanned,
            "unknown_age": self.unknown_age,
            "matched": len(self.outcomes),
            "deleted": self.count(DELETED),
            "gone": self.count(GONE),
            "failed": self.count(FAILED),
            "skipped": self.count(SKIPPED),
            "stopped": self.stopped,
            "resources": [outcome.to_dict() for outcome in self.outcomes],
        }


def cleanup(
    kinds: Sequence[ResourceKind],
    older_than: timedelta,
    *,
    now: datetime,
    delete: bool,
    progress: Callable[[Outcome], None] | None = None,
    listing: Callable[[ResourceKind, int], None] | None = None,
) -> Report:
    """List every kind, pick what is older than ``older_than``, delete it when ``delete``.

    ``listing`` is told the kind and how many of it were listed so far, after each one (a
    large namespace takes many pages). Listing errors (InfraError) propagate: without a
    complete list nothing is deleted.
    """
    report = Report(older_than=older_than, dry_run=not delete)
    expired: list[tuple[Resource, float]] = []
    for kind in kinds:
        report.scopes.append((kind.name, kind.describe_scope()))
        for listed, resource in enumerate(kind.list(), 1):
            report.scanned += 1
            if listing is not None:
                listing(kind, listed)
            if resource.started is None:
                report.unknown_age += 1
                continue
            age = (now - resource.started).total_seconds()
            if age > older_than.total_seconds():
                expired.append((resource, age))
    expired.sort(key=lambda item: (-item[1], item[0].kind, item[0].ref))
    by_name = {kind.name: kind for kind in kinds}
    for resource, age in expired:
        if report.stopped:
            outcome = Outcome(resource, age, SKIPPED, report.stopped)
        elif delete:
            outcome, unreachable = _delete(by_name[resource.kind], resource, age)
            if unreachable:
                report.stopped = outcome.error
        else:
            outcome = Outcome(resource, age, WOULD_DELETE)
        report.outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return report


def _delete(kind: ResourceKind, resource: Resource, age: float) -> tuple[Outcome, bool]:
    """The outcome, and whether the cluster (not just this resource) is the problem."""
    try:
        kind.delete(resource)
    except Gone:
        return Outcome(resource, age, GONE), False
    except DeleteFailed as exc:
        return Outcome(resource, age, FAILED, str(exc)), False
    except InfraError as exc:
        return Outcome(resource, age, FAILED, str(exc)), True
    return Outcome(resource, age, DELETED), False


# -- rendering -------------------------------------------------------------------------------

_VERB = {
    WOULD_DELETE: "would delete",
    DELETED: "deleted",
    GONE: "already gone",
    FAILED: "FAILED",
    SKIPPED: "skipped",
}


def format_outcome(outcome: Outcome) -> str:
    """``  deleted      workflow ns/name  phase Failed, age 9d07h (status.startedAt ...)``."""
    resource = outcome.resource
    age = (
        f"age {format_duration(outcome.age)} ({resource.age_from} {format_time(resource.started)})"
    )
    line = f"  {_VERB[outcome.status]:<12} {resource.noun} {resource.ref}  "
    line += f"{resource.detail}, {age}" if resource.detail else age
    if outcome.error and outcome.status != SKIPPED:
        line += f"  error: {outcome.error}"
    return line


def format_header(older_than: timedelta, kinds: Sequence[ResourceKind]) -> str:
    scopes = "; ".join(f"{kind.name} {kind.describe_scope()}" for kind in kinds)
    return f"Looking for {scopes} older than {format_duration(older_than.total_seconds())}:"


def format_footer(report: Report) -> str:
    lines = [
        f"{len(report.outcomes)} of {report.scanned} older than "
        f"{format_duration(report.older_than.total_seconds())}"
        + (
            f" ({report.unknown_age} without a start or creation time, kept)"
            if report.unknown_age
            else ""
        )
        + "."
    ]
    if report.dry_run:
        if report.outcomes:
            lines.append("Dry run: nothing was deleted. Add --yes to delete them.")
        return "\n".join(lines)
    done = f"Deleted {report.count(DELETED)}"
    if report.count(GONE):
        done += f", {report.count(GONE)} already gone"
    if report.count(FAILED):
        done += f", {report.count(FAILED)} failed"
    if report.count(SKIPPED):
        done += f", {report.count(SKIPPED)} skipped"
    lines.append(done + ".")
    if report.stopped:
        lines.append(f"Stopped deleting: the cluster did not answer: {report.stopped}")
    return "\n".join(lines)


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2)

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from standins import WORKFLOWS
from standins.fixtures import NAMESPACE, KubeEnv

from compiler.cluster.api import Cluster
from compiler.cluster.ownership import DEFAULT_SELECTOR, MANAGED_BY_LABEL, MANAGED_BY_VALUE
from compiler.diagnostics import InfraError
from compiler.operate import cleanup
from compiler.operate.cleanup import (
    DELETED,
    FAILED,
    GONE,
    SKIPPED,
    WOULD_DELETE,
    DeleteFailed,
    Gone,
    KindOptions,
    Resource,
)
from compiler.operate.cleanup_kinds import KINDS

from .builders import put_workflow

NOW = datetime(2030, 1, 10, tzinfo=timezone.utc)
WEEK = timedelta(hours=168)


@dataclass
class InMemory:
    """A resource kind kept in a dict: the engine's behaviour without a cluster."""

    ages: dict[str, float | None]  # name -> age in days (None: unknown)
    refuse: set[str] = field(default_factory=set)
    vanished: set[str] = field(default_factory=set)
    unreachable_from: str | None = None
    name: str = "things"
    deleted: list[str] = field(default_factory=list)

    def describe_scope(self) -> str:
        return "in memory"

    def list(self) -> Iterator[Resource]:
        for name, days in self.ages.items():
            started = None if days is None else NOW - timedelta(days=days)
            yield Resource(self.name, "ns", name, started, "status.startedAt")

    def delete(self, resource: Resource) -> None:
        if resource.name == self.unreachable_from:
            raise InfraError("delete thing: giving up after 5 attempts")
        if resource.name in self.refuse:
            raise DeleteFailed("HTTP 403 Forbidden: no")
        if resource.name in self.vanished:
            raise Gone(resource.name)
        self.deleted.append(resource.name)


def test_dry_run_lists_oldest_first_and_deletes_nothing() -> None:
    kind = InMemory({"new": 1, "old": 30, "older": 60, "unknown": None})
    report = cleanup.cleanup([kind], WEEK, now=NOW, delete=False)
    assert [(o.resource.name, o.status) for o in report.outcomes] == [
        ("older", WOULD_DELETE),
        ("old", WOULD_DELETE),
    ]
    assert kind.deleted == []
    assert (report.scanned, report.unknown_age, report.exit_code) == (4, 1, 0)
    footer = cleanup.format_footer(report)
    assert "2 of 4 older than 7d (1 without a start or creation time, kept)" in footer
    assert "Add --yes" in footer


def test_one_failure_does_not_stop_the_rest() -> None:
    kind = InMemory({"a": 10, "b": 9, "c": 8, "d": 7.5}, refuse={"b"}, vanished={"c"})
    seen: list[str] = []
    report = cleanup.cleanup(
        [kind], WEEK, now=NOW, delete=True, progress=lambda o: seen.append(o.status)
    )
    assert seen == [DELETED, FAILED, GONE, DELETED]
    assert kind.deleted == ["a", "d"]
    assert report.exit_code == 1
    assert "FAILED" in cleanup.format_outcome(report.outcomes[1])
    assert "HTTP 403 Forbidden" in cleanup.format_outcome(report.outcomes[1])
    assert cleanup.format_footer(report).endswith("Deleted 2, 1 already gone, 1 failed.")


def test_an_unreachable_cluster_stops_the_deleting() -> None:
    kind = InMemory({"a": 10, "b": 9, "c": 8}, unreachable_from="b")
    report = cleanup.cleanup([kind], WEEK, now=NOW, delete=True)
    assert [o.status for o in report.outcomes] == [DELETED, FAILED, SKIPPED]
    assert report.exit_code == 3
    assert "did not answer" in cleanup.format_footer(report)
    data = json.loads(cleanup.render_json(report))
    assert (data["deleted"], data["failed"], data["skipped"]) == (1, 1, 1)


# -- the workflows kind, against the Kubernetes API stand-in ---------------------------------


def stamp(days: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def add(
    kube: KubeEnv, name: str, days: float | None, *, ours: bool = True, created: float | None = None
) -> None:
    labels = {MANAGED_BY_LABEL: MANAGED_BY_VALUE} if ours else {"app": "other"}
    body: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "labels": labels},
        "spec": {},
        "status": {"phase": "Failed", "startedAt": stamp(days)} if days is not None else {},
    }
    put_workflow(kube, body)
    if created is not None:
        kube.api.store.update(
            WORKFLOWS, NAMESPACE, name,
            lambda obj: obj["metadata"].__setitem__("creationTimestamp", stamp(created)),
        )  # fmt: skip


@pytest.fixture
def mixed(kube: KubeEnv) -> KubeEnv:
    add(kube, "ours-old-1", 10)
    add(kube, "ours-old-2", 8)
    add(kube, "ours-old-3", 30)
    add(kube, "ours-new", 1)
    add(kube, "ours-never-started", None, created=9)
    add(kube, "ours-pending-new", None)
    add(kube, "theirs-old", 20, ours=False)
    return kube


def workflows_kind(
    cluster: Cluster, selector: str | None = DEFAULT_SELECTOR, page_size: int = 2
) -> Any:
    return KINDS["workflows"](KindOptions(NAMESPACE, selector, page_size, lambda: cluster))


def names(report: cleanup.Report, status: str) -> list[str]:
    return [o.resource.name for o in report.outcomes if o.status == status]


def test_pages_ages_and_labels(mixed: KubeEnv, cluster: Cluster) -> None:
    report = cleanup.cleanup(
        [workflows_kind(cluster)], WEEK, now=datetime.now(timezone.utc), delete=False
    )
    assert names(report, WOULD_DELETE) == [
        "ours-old-3",
        "ours-old-1",
        "ours-never-started",
        "ours-old-2",
    ]
    assert report.scanned == 6
    never = next(o for o in report.outcomes if o.resource.name == "ours-never-started")
    assert never.resource.age_from == "metadata.creationTimestamp"
    lists = [r for r in mixed.api.requests if r.verb == "list"]
    assert len(lists) == 3 and sum("continue=" in r.query for r in lists) == 2
    assert all("limit=2" in r.query for r in lists)
    assert len(mixed.api.workflows()) == 7


def test_empty_selector_means_every_workflow(mixed: KubeEnv, cluster: Cluster) -> None:
    report = cleanup.cleanup(
        [workflows_kind(cluster, None, 100)], WEEK, now=datetime.now(timezone.utc), delete=False
    )
    assert "theirs-old" in names(report, WOULD_DELETE)


def test_delete_with_one_failure(mixed: KubeEnv, cluster: Cluster) -> None:
    mixed.api.faults.add("delete", "403")  # the first delete (the oldest) is refused
    mixed.api.faults.add("list", "503")  # and a transient list error is retried
    report = cleanup.cleanup(
        [workflows_kind(cluster)], WEEK, now=datetime.now(timezone.utc), delete=True
    )
    assert names(report, FAILED) == ["ours-old-3"]
    assert names(report, DELETED) == ["ours-old-1", "ours-never-started", "ours-old-2"]
    assert "403" in (report.outcomes[0].error or "")
    left = sorted(w["metadata"]["name"] for w in mixed.api.workflows())
    assert left == ["ours-new", "ours-old-3", "ours-pending-new", "theirs-old"]
    assert report.exit_code == 1


def test_already_deleted_is_not_a_failure(kube: KubeEnv, cluster: Cluster) -> None:
    add(kube, "ours-old", 10)
    kind = workflows_kind(cluster)
    [resource] = list(kind.list())
    kube.api.store.delete(WORKFLOWS, NAMESPACE, "ours-old")
    with pytest.raises(Gone):
        kind.delete(resource)

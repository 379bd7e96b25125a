"""``kftest cleanup`` knows Tekton PipelineRuns (the ``pipelineruns`` kind)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from standins.fixtures import KubeEnv
from standins.tekton_controller import pipeline_runs

from compiler.cluster.api import Cluster
from compiler.cluster.ownership import DEFAULT_SELECTOR, MANAGED_BY_LABEL, MANAGED_BY_VALUE
from compiler.operate import cleanup
from compiler.operate.cleanup import DELETED, WOULD_DELETE, KindOptions
from compiler.operate.cleanup_kinds import KINDS

WEEK = timedelta(hours=168)
NAMESPACE = "kf-ci"


def stamp(days: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def add(kube: KubeEnv, version: str, name: str, days: float | None, ours: bool = True) -> None:
    status: dict[str, Any] = {}
    if days is not None:
        status = {
            "startTime": stamp(days),
            "conditions": [{"type": "Succeeded", "status": "False", "reason": "Failed"}],
        }
    kube.api.store.create(
        pipeline_runs(version),
        NAMESPACE,
        {
            "apiVersion": f"tekton.dev/{version}",
            "kind": "PipelineRun",
            "metadata": {
                "name": name,
                "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE} if ours else {"app": "other"},
            },
            "spec": {},
            "status": status,
        },
    )


def kind(cluster: Cluster) -> Any:
    return KINDS["pipelineruns"](KindOptions(NAMESPACE, DEFAULT_SELECTOR, 2, lambda: cluster))


def test_old_pipeline_runs_are_listed_and_deleted(kube: KubeEnv, cluster: Cluster) -> None:
    kube.api.tekton.stop()  # the runs below keep the status they were given
    add(kube, "v1", "ours-old", 10)
    add(kube, "v1", "ours-new", 1)
    add(kube, "v1", "theirs-old", 20, ours=False)
    report = cleanup.cleanup([kind(cluster)], WEEK, now=datetime.now(timezone.utc), delete=False)
    [outcome] = report.outcomes
    assert (outcome.resource.name, outcome.status) == ("ours-old", WOULD_DELETE)
    assert outcome.resource.age_from == "status.startTime"
    assert "phase Failed" in cleanup.format_outcome(outcome)
    report = cleanup.cleanup([kind(cluster)], WEEK, now=datetime.now(timezone.utc), delete=True)
    assert [o.status for o in report.outcomes] == [DELETED]
    left = kube.api.store.list(pipeline_runs("v1"), NAMESPACE)
    assert sorted(item["metadata"]["name"] for item in left[0]) == ["ours-new", "theirs-old"]


def test_an_older_tekton_is_listed_at_the_version_it_serves(
    kube: KubeEnv, cluster: Cluster
) -> None:
    kube.api.tekton.stop()
    add(kube, "v1beta1", "ours-old", 10)
    kube.api.faults.add("list", "404", times=1, resource="pipelineruns")  # no tekton.dev/v1
    pipeline_kind = kind(cluster)
    report = cleanup.cleanup([pipeline_kind], WEEK, now=datetime.now(timezone.utc), delete=True)
    assert [(o.resource.name, o.status) for o in report.outcomes] == [("ours-old", DELETED)]
    assert kube.api.store.list(pipeline_runs("v1beta1"), NAMESPACE)[0] == []

"""The failure report ``kftest run`` appends to the build log: the ``kftest debug`` summary of
every workflow that failed or errored, so that the answer is already in Prow's log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from compiler.operate.debug import Summary, summarize
from compiler.operate.render import render_text

if TYPE_CHECKING:
    from compiler.cluster.kube import KubeSession
    from compiler.cluster.retry import RetryPolicy

RULE = "-" * 80


def render(summaries: Iterable[Summary]) -> str:
    """``render_text`` of each summary, separated by rules; "" if none."""
    return f"\n\n{RULE}\n\n".join(render_text(summary) for summary in summaries)


def explain(
    workflows: Iterable[Mapping[str, Any]],
    *,
    session: KubeSession | None = None,
    policy: RetryPolicy | None = None,
    tail: int = 50,
    cluster: str | None = None,
    project: str | None = None,
) -> list[Summary]:
    """The summary of each failed or errored workflow (the others are left out).

    With ``session`` the failed pods are looked up (log tail, events). A cluster that stops
    answering is noted in the summary, never raised: the report must not fail the run.
    ``policy`` bounds those lookups (default: give up after 60 s).
    """
    failed = [wf for wf in workflows if summarize(wf).is_failure]
    if not failed:
        return []
    live = None
    if session is not None:
        from compiler.cluster.api import Cluster
        from compiler.cluster.retry import policy_for

        live = Cluster(session, policy or policy_for(60.0))
        if cluster is None or project is None:
            found_cluster, found_project = live.gke_location()
            cluster, project = cluster or found_cluster, project or found_project
    return [_summary(workflow, live, tail, cluster, project) for workflow in failed]


def _summary(
    workflow: Mapping[str, Any], live: Any, tail: int, cluster: str | None, project: str | None
) -> Summary:
    pod_info, note = None, None
    if live is not None:
        from compiler.operate.pods import lookup, with_task_runs

        workflow = with_task_runs(live, dict(workflow))
        pod_info, note = lookup(live, workflow, tail)
    return summarize(workflow, pod_info, cluster=cluster, project=project).with_note(note)

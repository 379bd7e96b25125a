"""``kftest debug``: explain a workflow's failure in one command.

TARGET is a workflow or Tekton PipelineRun name (read from the cluster, with the failed pods'
logs and events), a YAML/JSON file, or the final object ``kftest run`` saved to
``gs://.../<name>.yaml``.
Exit code 1 when a workflow failed or errored, 0 otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import click

from compiler.cluster.retry import policy_for
from compiler.diagnostics import EXIT_OK, EXIT_PROBLEMS, UsageError
from compiler.operate import debug, render, sources


def run(
    targets: Sequence[str],
    *,
    namespace: str,
    tail: int,
    fmt: str,
    kubeconfig: str | None,
    context: str | None,
    cluster_name: str | None,
    project: str | None,
    retry_timeout: float,
) -> int:
    if tail < 0:
        raise UsageError(f"--tail {tail}: must be 0 or more")
    if retry_timeout <= 0:
        raise UsageError(f"--retry-timeout {retry_timeout}: must be positive")
    classified = [sources.classify(target) for target in targets]
    live = _Live(kubeconfig, context, retry_timeout)
    found: list[tuple[dict[str, Any], debug.Summary]] = []
    try:
        for target in classified:
            found += _summaries(target, namespace, tail, live, cluster_name, project)
    finally:
        live.close()
    summaries = [summary for _, summary in found]
    if fmt == "json":
        click.echo(render.render_json(summaries))
    elif fmt == "html":
        from compiler.report.html import page
        from compiler.report.html import render as html

        click.echo(html.render(page.for_workflows(found)).rstrip("\n"))
    else:
        click.echo(("\n\n" + "-" * 80 + "\n\n").join(render.render_text(s) for s in summaries))
    return EXIT_PROBLEMS if any(summary.is_failure for summary in summaries) else EXIT_OK


class _Live:
    """The cluster connection, made on first use (files and GCS objects need none)."""

    def __init__(self, kubeconfig: str | None, context: str | None, retry_timeout: float) -> None:
        self.kubeconfig, self.context = kubeconfig, context
        self.policy = policy_for(retry_timeout)
        self._cluster: Any = None

    @property
    def cluster(self) -> Any:
        if self._cluster is None:
            from compiler.cluster.api import Cluster

            self._cluster = Cluster.connect(
                os.environ, kubeconfig=self.kubeconfig, context=self.context, policy=self.policy
            )
        return self._cluster

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.close()


def _summaries(
    target: sources.Target,
    namespace: str,
    tail: int,
    live: _Live,
    cluster_name: str | None,
    project: str | None,
) -> list[tuple[dict[str, Any], debug.Summary]]:
    """Each workflow of ``target`` with its summary."""

    def saved(workflow: dict[str, Any]) -> debug.Summary:
        return debug.summarize(
            workflow, None, cluster=cluster_name, project=project, source=target.value
        )

    if target.kind == "file":
        return [(wf, saved(wf)) for wf in sources.read_file(target.value)]
    if target.kind == "gcs":
        from compiler.storage import read_url

        data = read_url(target.value, policy=live.policy)
        text = data.decode("utf-8", errors="replace")
        return [(wf, saved(wf)) for wf in sources.parse(text, target.value)]
    from compiler.operate import pods

    cluster = live.cluster
    workflow = _live_object(cluster, namespace, target.value)
    if workflow is None:
        raise UsageError(
            f"workflow or PipelineRun {target.value} not found in namespace {namespace} (wrong "
            f"--namespace, or already deleted: debug the copy kftest run saved instead, "
            f"kftest debug gs://BUCKET/.../{target.value}.yaml)"
        ) from None
    workflow = pods.with_task_runs(cluster, workflow)
    if cluster_name is None or project is None:
        found_cluster, found_project = cluster.gke_location()
        cluster_name = cluster_name or found_cluster
        project = project or found_project
    info, note = pods.lookup(cluster, workflow, tail)
    summary = debug.summarize(
        workflow, info, cluster=cluster_name, project=project, source="the cluster"
    )
    return [(workflow, summary.with_note(note))]


def _live_object(cluster: Any, namespace: str, name: str) -> dict[str, Any] | None:
    """The Argo workflow of that name, else the Tekton PipelineRun (at the newest tekton.dev
    version the cluster serves); None when neither exists."""
    from compiler.cluster.api import NotFound
    from compiler.cluster.kube import TEKTON_VERSIONS, pipeline_runs

    try:
        return dict(cluster.get_workflow(namespace, name))
    except NotFound:
        pass
    for version in reversed(TEKTON_VERSIONS):
        try:
            return dict(cluster.get_workflow(namespace, name, resource=pipeline_runs(version)))
        except NotFound:
            continue
    return None

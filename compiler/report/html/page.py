"""The page's model for a run that just ended (``kftest run``), for a saved run (``kftest
report``) and for workflows ``kftest debug`` read: all three end in ``model.Page``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from compiler.operate.debug import Summary, summarize
from compiler.report.html import junit_results
from compiler.report.html.model import (
    ABORTED,
    Header,
    Page,
    WorkflowView,
    overall_verdict,
    time_span,
    view_of,
)
from compiler.report.job import JobInfo
from compiler.report.outcome import WorkflowOutcome


def header_of(
    job: JobInfo, workflows: Sequence[WorkflowView], *, verdict: str, results: str = ""
) -> Header:
    started, finished, duration = time_span(workflows)
    return Header(
        job=job.job_name,
        job_type=job.job_type,
        repo=job.repo_slug,
        pull=job.pull_number,
        sha=job.sha,
        build=job.build,
        verdict=verdict,
        started_at=started,
        finished_at=finished,
        duration=duration,
        results=results,
    )


def for_run(
    job: JobInfo,
    outcomes: Sequence[WorkflowOutcome],
    *,
    summaries: Mapping[str, Summary] | None = None,
    junit_files: Iterable[tuple[str, bytes]] = (),
    result: str | None = None,
    results: str = "",
    saved_copy: Callable[[str], str | None] = lambda name: None,
) -> Page:
    """``summaries``: by workflow name, what ``explain`` found at the end of the run (with the
    failed pods' log tails and events); the other workflows are summarized from their object."""
    from compiler.formats.text import format_diagnostic

    summaries = summaries or {}
    views = []
    for outcome in outcomes:
        summary = None
        if outcome.object is not None:
            summary = summaries.get(outcome.name) or summarize(outcome.object)
        problems = [format_diagnostic(d) for d in outcome.diagnostics]
        if outcome.submit_error:
            problems.append(f"not submitted: {outcome.submit_error}")
        views.append(
            view_of(
                summary,
                label=outcome.entry,
                verdict=outcome.verdict,
                ui_url=outcome.ui_url if outcome.submitted else "",
                saved_copy=saved_copy(outcome.name) if outcome.name and summary else None,
                problems=problems,
            )
        )
    junit = junit_results.read_all(junit_files, [o.label for o in outcomes])
    verdict = result or overall_verdict(views, junit)
    return Page(header_of(job, views, verdict=verdict, results=results), tuple(views), junit)


def for_workflows(
    workflows: Iterable[tuple[Mapping[str, Any], Summary | None]],
    *,
    job: JobInfo | None = None,
    verdicts: Mapping[str, str] | None = None,
    ui_urls: Mapping[str, str] | None = None,
    junit_files: Iterable[tuple[str, bytes]] = (),
    result: str | None = None,
    results: str = "",
    saved_copy: Callable[[str], str | None] = lambda name: None,
    missing: Mapping[str, str] | None = None,
) -> Page:
    """Workflow objects (with the summary already made, or None to make it here), as saved
    runs and ``kftest debug`` have them. ``missing``: label -> verdict of entries that have
    no workflow (invalid, not submitted), from finished.json."""
    verdicts, ui_urls = verdicts or {}, ui_urls or {}
    views = []
    for workflow, summary in workflows:
        summary = summary or summarize(workflow)
        labels = (workflow.get("metadata") or {}).get("labels")
        if not isinstance(labels, Mapping):
            labels = {}  # a saved workflow's labels are the user's: a list reads as none
        name = summary.name
        views.append(
            view_of(
                summary,
                label=str(labels.get("workflow") or name),
                verdict=verdicts.get(name) or summary.phase,
                ui_url=ui_urls.get(name, ""),
                saved_copy=saved_copy(name),
            )
        )
    for label, verdict in (missing or {}).items():
        views.append(
            view_of(
                None,
                label=label,
                verdict=verdict,
                problems=[f"{verdict}: no workflow ran; its junit file below says why"],
            )
        )
    names = [v.summary.name for v in views if v.summary is not None] + list(missing or {})
    junit = junit_results.read_all(junit_files, names)
    verdict = result or overall_verdict(views, junit)
    if verdict not in ("SUCCESS", "FAILURE", ABORTED):
        verdict = overall_verdict(views, junit)
    header = header_of(job or JobInfo(""), views, verdict=verdict, results=results)
    return Page(header, tuple(views), junit)

"""The run report: one self-contained HTML page per run that a person looks at.

``kftest run`` writes it as ``artifacts/kftest-report.html`` (Spyglass's HTML lens shows it
inline, and it stays after the cluster forgets the workflows), ``kftest report SOURCE``
re-makes it from saved artifacts, and ``kftest debug --format html`` prints it.

- ``model``: the data behind the page (graph with the failed path, timeline with the critical
  path, failed steps, junit), computed from ``kftest debug``'s summaries;
- ``page``: the model for a finished run, a saved run, or workflows;
- ``graph_layout``: the graph drawn by Graphviz ``dot`` (the step tree when it is missing);
- ``render``: the HTML;
- ``saved``: reading a saved run (a local directory, a workflow YAML, a gs:// build dir).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compiler.operate.debug import Summary
    from compiler.report.job import JobInfo
    from compiler.report.layout import GcsLayout
    from compiler.report.outcome import WorkflowOutcome

ARTIFACT = "artifacts/kftest-report.html"


def run_report(
    job: JobInfo,
    outcomes: Sequence[WorkflowOutcome],
    *,
    summaries: Mapping[str, Summary],
    junit_files: Iterable[tuple[str, bytes]],
    result: str,
    layout: GcsLayout | None,
    output_dir: Path,
    redact: Callable[[str], str],
    dot_timeout: float = 20.0,
) -> bytes:
    """The page of a run that just ended, as ``kftest run`` uploads it."""
    from compiler.report.html import page, render

    def saved_copy(name: str) -> str | None:
        return layout.gs(f"{name}.yaml") if layout is not None else str(output_dir / f"{name}.yaml")

    model = page.for_run(
        job,
        outcomes,
        summaries=summaries,
        junit_files=junit_files,
        result=result,
        results=layout.gs() if layout is not None else str(output_dir),
        saved_copy=saved_copy,
    )
    return render.render(model, redact=redact, dot_timeout=dot_timeout).encode("utf-8")

"""The run report: one self-contained HTML page per run that a person looks at.

``kftest run`` writes it as ``artifacts/kftest-report.html`` (Spyglass's HTML lens shows it
inline, and it stays after the cluster forgets the workflows), ``kftest report SOURCE``
re-makes it from saved artifacts, and ``kftest debug --format html`` prints it.

- ``model``: the data behind the page (graph with the failed path, timeline with the critical
  path, failed steps, junit), computed from ``kftest debug``'s summaries;
- ``page``: the model for a finished run, a saved run, or workflows;
- ``graph_layout``: the graph drawn by Graphviz ``dot`` (the step tree when it is missing);
- ``render``: the HTML; ``escape``: its text, safe also inside Spyglass's HTML lens;
- ``saved``: reading a saved run (a local directory, a workflow YAML, a gs:// build dir).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # mutation: equivalent — type-only imports; importing them too changes nothing
    from compiler.operate.debug import Summary
    from compiler.report.job import JobInfo
    from compiler.report.layout import GcsLayout
    from compiler.report.outcome import WorkflowOutcome

ARTIFACT = "artifacts/kftest-report.html"
#: The failed workflows as ``kftest debug --format json`` prints them, with the pods' log tails
#: and events read at the end of the run: what ``kftest report`` needs to make the page again.
DEBUG_JSON = "artifacts/kftest-debug.json"


def run_files(
    job: JobInfo,
    outcomes: Sequence[WorkflowOutcome],
    *,
    summaries: Mapping[str, Summary],
    junit_files: Iterable[tuple[str, bytes]],
    result: str,
    layout: GcsLayout | None,
    output_dir: Path,
    redact: Callable[[str], str],
    dot_timeout: float,
) -> list[tuple[str, bytes]]:
    """What ``kftest run`` adds to the artifacts: the page, and (when a workflow failed) the
    failed workflows as ``kftest debug --format json`` shows them, pods' log tails included,
    so that ``kftest report`` can make the same page again once the pods are gone."""
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
    html = render.render(model, redact=redact, dot_timeout=dot_timeout).encode("utf-8")
    files = [(ARTIFACT, html)]
    if summaries:
        data = {"workflows": [_redacted(s.to_dict(), redact) for s in summaries.values()]}
        files.append((DEBUG_JSON, (json.dumps(data, indent=1) + "\n").encode()))
    return files


def _redacted(value: Any, redact: Callable[[str], str]) -> Any:
    """Every string redacted before JSON escaping could hide a secret from the byte-level
    redaction of the reporter (a password with a quote in it)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item, redact) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(item, redact) for item in value]
    return value

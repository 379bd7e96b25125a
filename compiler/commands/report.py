"""``kftest report SOURCE``: the HTML run report, re-made offline from what a run saved.

SOURCE is a local directory (``kftest run --output-dir``, ``$ARTIFACTS``, a downloaded build
dir), a saved workflow YAML, or a ``gs://`` build directory (or one workflow object in it).
The page goes to ``--output`` or stdout. Exit code 0 when the page was made, 2 when SOURCE
does not exist or holds no run, 3 when GCS cannot be reached.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from compiler.diagnostics import EXIT_OK, UsageError
from compiler.operate.debug import Summary, summarize
from compiler.report.html import page, render, saved


def run(
    source: str,
    *,
    output: Path | None,
    cluster_name: str | None,
    project: str | None,
    retry_timeout: float,
) -> int:
    found = saved.load(source, env=os.environ, timeout=retry_timeout)
    pods = found.pods()

    def summary_of(workflow: dict[str, Any]) -> Summary:
        name = str((workflow.get("metadata") or {}).get("name") or "")
        return summarize(
            workflow, pods.get(name), cluster=cluster_name, project=project, source=source
        )

    model = page.for_workflows(
        [(wf, summary_of(wf)) for wf in found.workflows],
        job=found.job,
        verdicts=found.verdicts(),
        ui_urls=found.ui_urls(),
        junit_files=found.junit_files(),
        result=found.result,
        results=found.location,
        saved_copy=found.copies.get,
        missing=found.missing(),
    )
    text = render.render(model)
    if output is None:
        click.echo(text.rstrip("\n"))
        return EXIT_OK
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {output} ({len(text.encode()) // 1024 + 1} KiB)", err=True)
    return EXIT_OK

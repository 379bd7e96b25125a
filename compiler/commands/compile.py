"""``kftest compile [--out DIR]``: the selected entries as Argo Workflow YAML."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from compiler import emit, pipeline
from compiler.commands.common import build_options, nothing_checked, render, scope
from compiler.diagnostics import UsageError, exit_code
from compiler.model import CompiledWorkflow
from compiler.paths import file_in


def run(out: Path | None, all_entries: bool, fmt: str, **common: Any) -> int:
    options = build_options(documents=False, **common)
    result = pipeline.compile_all(options) if all_entries else pipeline.compile_selected(options)
    if not result.workflows and not result.diagnostics and result.plan is not None:
        click.echo(_nothing_selected(result.plan), err=True)
    if out is None:
        if result.workflows:
            stream = emit.stream(_text(workflow) for workflow in result.workflows)
            click.echo(stream.removesuffix("\n"))  # the stream's own last newline is echo's
        # YAML owns stdout; the diagnostics go to stderr.
        if result.diagnostics or fmt != "text":
            click.echo(
                render("compile", result.diagnostics, fmt, result.checked, scope(result)), err=True
            )
    else:
        write_all(out, result.workflows)
        summary = scope(result) or nothing_checked(result, options)
        summary += f" written to {out}" if result.workflows else ""
        click.echo(render("compile", result.diagnostics, fmt, result.checked, summary))
    return exit_code(result.diagnostics)


def _nothing_selected(plan: pipeline.Plan) -> str:
    """Say why the output is empty: an empty stream is otherwise indistinguishable from a bug."""
    lines = [
        f"kftest: no entry selected for job type {plan.job_type} and "
        f"{len(plan.changed_files)} changed files (`kftest plan` says why; `--all` compiles "
        "every entry for every job type it runs under):"
    ]
    lines += [f"  skip {d.entry.name}: {d.reason}" for d in plan.decisions]
    lines += [f"  note: {note}" for note in plan.notes]
    return "\n".join(lines)


def _text(workflow: CompiledWorkflow) -> str:
    return workflow.text if workflow.text is not None else emit.dump(workflow.document)


def write_all(out: Path, workflows: list[CompiledWorkflow]) -> list[Path]:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: {exc.strerror or exc}") from None
    written = []
    real_out = os.path.realpath(out)
    for workflow in workflows:
        path = file_in(out, workflow.name, real_directory=real_out)
        path.write_text(_text(workflow), encoding="utf-8")
        written.append(path)
    return written

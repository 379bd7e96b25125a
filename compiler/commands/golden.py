"""``kftest golden [--update]``: compile under the fixed golden environment, compare golden/."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from compiler import golden, pipeline
from compiler.commands.common import build_options, nothing_checked, render, scope
from compiler.diagnostics import EXIT_OK, EXIT_PROBLEMS, Diagnostic, exit_code
from compiler.model import JOB_TYPES


def run(update: bool, golden_dir: Path | None, fmt: str, **common: Any) -> int:
    common["salt"] = golden.SALT
    options = build_options(documents=False, **common)
    golden_dir = golden_dir or options.repo_root / "golden"
    workflows = []
    diagnostics: list[Diagnostic] = []
    checked: list[str] = []
    merged = pipeline.BuildResult([], [], [])
    loaded = pipeline.load(options)  # once, not once per job type: it does not depend on it
    for job_type in (options.job_type,) if options.job_type else JOB_TYPES:
        run_options = dataclasses.replace(
            options, job_type=job_type, environ=golden.environment(job_type), placeholders=False
        )
        result = pipeline.compile_all(run_options, loaded=loaded)
        workflows += result.workflows
        diagnostics += result.diagnostics
        checked += result.checked
        merged.pairs += result.pairs
        merged.entries_in_config = result.entries_in_config
    merged.workflows = workflows
    actual = golden.render(workflows)
    checked = list(dict.fromkeys(checked))
    summary = scope(merged) or nothing_checked(merged, options)
    if update:
        changed = golden.update(golden_dir, actual)
        for name in changed:
            click.echo(f"updated golden/{name}", err=True)
        click.echo(render("golden", _unique(diagnostics), fmt, checked, summary))
        return exit_code(diagnostics)
    mismatches = golden.compare(golden_dir, actual)
    for mismatch in mismatches:
        diagnostics.append(
            Diagnostic(
                rule="golden",
                file=f"{golden_dir.name}/{mismatch.path}",
                message=mismatch.message(),
            )
        )
        if fmt == "text" and mismatch.diff:
            click.echo(mismatch.diff.removesuffix("\n"), err=True)
    summary += f" compared with {golden_dir.name}/" if merged.pairs else ""
    click.echo(render("golden", _unique(diagnostics), fmt, checked, summary))
    if mismatches:
        return EXIT_PROBLEMS
    return exit_code(diagnostics) if diagnostics else EXIT_OK


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    from compiler.diagnostics import dedupe_sorted

    return dedupe_sorted(diagnostics)

"""``kftest plan``: which entries run for this job type and these changed files, and why."""

from __future__ import annotations

import json
from typing import Any

import click

from compiler import pipeline
from compiler.commands.common import build_options, render
from compiler.diagnostics import exit_code
from compiler.formats import plural


def run(fmt: str, **common: Any) -> int:
    options = build_options(**common)
    plan = pipeline.plan(options)
    if fmt == "json":
        click.echo(json.dumps(plan.to_dict(), indent=2))
    elif fmt == "text":
        click.echo(format_text(plan))
    else:  # github, junit, sarif are formats for problems: the configuration's, here
        click.echo(render("plan", plan.diagnostics, fmt, []))
        return exit_code(plan.diagnostics)
    if plan.diagnostics:
        click.echo(render("plan", plan.diagnostics, "text", []), err=True)
    return exit_code(plan.diagnostics)


def format_text(plan: pipeline.Plan) -> str:
    lines = [f"job type: {plan.job_type or '(unset)'}"]
    lines.append(f"changed files: {len(plan.changed_files)}")
    lines += [f"  {file}" for file in plan.changed_files[:20]]
    if len(plan.changed_files) > 20:
        lines.append(f"  ... and {len(plan.changed_files) - 20} more")
    lines += [f"note: {note}" for note in plan.notes]
    width = max((len(d.entry.name) for d in plan.decisions), default=0)
    for decision in plan.decisions:
        verdict = "run " if decision.run else "skip"
        lines.append(f"{verdict} {decision.entry.name:<{width}}  {decision.reason}")
    selected = sum(1 for d in plan.decisions if d.run)
    total = plural(len(plan.decisions), "entry", "entries")
    lines.append(f"{selected} of {total} run{'s' if selected == 1 else ''}")
    return "\n".join(lines)

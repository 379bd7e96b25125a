"""``kftest lint [FILES...]``: every entry, every job type it runs under, every check."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from compiler import affected, pipeline
from compiler.commands.common import (
    build_options,
    nothing_checked,
    nothing_to_check,
    render,
    scope,
)
from compiler.diagnostics import UsageError, exit_code


def run(files: Sequence[Path], fmt: str, **common: Any) -> int:
    missing = [str(file) for file in files if not file.exists()]
    if missing:
        # A typo must not pass as "nothing to check" (pre-commit passes only existing files).
        raise UsageError(f"{', '.join(missing)}: no such file")
    options = build_options(emit=False, cache=True, documents=False, **common)
    loaded = pipeline.load(options)
    only = None
    if files and loaded.config is not None:
        only = affected.entries_affected_by(files, loaded.config, options)
    result = pipeline.compile_all(options, only=only, loaded=loaded)
    if fmt == "text":
        # Where the checkouts and the Argo schema came from; on stderr, so the report stays
        # exactly the diagnostics.
        notes = pipeline.context_notes(options, loaded, result.diagnostics)
        if notes:
            click.echo("\n".join(f"note: {note}" for note in notes), err=True)
    summary = scope(result)
    if not summary:
        summary = _unaffected(files) if only == [] and result.entries_in_config else ""
        summary = summary or nothing_checked(result, options)
    click.echo(render("lint", result.diagnostics, fmt, result.checked, summary))
    return exit_code(result.diagnostics)


def _unaffected(files: Sequence[Path]) -> str:
    if len(files) == 1:
        return nothing_to_check(f"{files[0]} affects no entry")
    return nothing_to_check(f"none of the {len(files)} files affects an entry")

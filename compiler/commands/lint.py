"""``kftest lint [FILES...]``: every entry, every job type it runs under, every check."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from compiler import affected, pipeline
from compiler.commands.common import build_options, render
from compiler.diagnostics import exit_code


def run(files: Sequence[Path], fmt: str, **common: Any) -> int:
    options = build_options(emit=False, **common)
    loaded = pipeline.load(options)
    only = None
    if files and loaded.config is not None:
        only = affected.entries_affected_by(files, loaded.config, options)
    result = pipeline.compile_all(options, only=only, loaded=loaded)
    click.echo(render("lint", result.diagnostics, fmt, result.checked))
    return exit_code(result.diagnostics)

"""``--format text``: one grep-friendly line per diagnostic, then a summary line.

``file:line:col: severity [rule] message (workflow: W; path: P)``, the location shortened to
``file:line:`` or ``file:`` when the column or line is unknown, and ``kftest:`` when no file
is known (as compilers name themselves). The lines after the first of a multi-line message
are indented, so that every diagnostic starts at column 0 with its location.

With ``style`` the location is bold, ``error`` red and ``warning`` yellow (as yamllint and
pre-commit colour them), as ANSI codes that ``click.echo`` strips unless colour is on: a
terminal, ``--color``, and no ``NO_COLOR`` (see ``compiler/cli.py``).
"""

from __future__ import annotations

import click

from compiler.diagnostics import Diagnostic, Severity
from compiler.formats import Report, context_suffix, summary_line

CONTINUATION_INDENT = "    "


def location(diagnostic: Diagnostic) -> str:
    """``file:line:col``, ``file:line``, ``file`` or ``kftest``."""
    if not diagnostic.file:
        return "kftest"
    parts = [diagnostic.file]
    if diagnostic.line is not None:
        parts.append(str(diagnostic.line))
        if diagnostic.column is not None:
            parts.append(str(diagnostic.column))
    return ":".join(parts)


SEVERITY_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow"}


def format_diagnostic(diagnostic: Diagnostic, style: bool = False) -> str:
    first, *rest = diagnostic.message.splitlines() or [""]
    where, severity = f"{location(diagnostic)}:", diagnostic.severity.value
    if style:
        where = click.style(where, bold=True)
        severity = click.style(severity, fg=SEVERITY_COLOURS.get(diagnostic.severity))
    head = f"{where} {severity} [{diagnostic.rule}] {first}{context_suffix(diagnostic)}"
    return "\n".join([head, *(CONTINUATION_INDENT + line for line in rest)])


def render(report: Report, style: bool = False) -> str:
    lines = [format_diagnostic(diagnostic, style) for diagnostic in report.diagnostics]
    lines.append(summary_line(report.diagnostics, report.scope))
    return "\n".join(lines)

"""``--format github``: GitHub Actions workflow-command annotations, one line per diagnostic.

``::error file=F,line=L,col=C,title=[rule]::message``; warnings as ``::warning``. The runner
splits properties on ``,`` and the command on ``::``, so property values escape ``%``, CR,
LF, ``:`` and ``,`` while the message escapes only ``%``, CR and LF (the same rules as
``@actions/core``). A plain summary line follows: the runner logs it as ordinary output.
"""

from __future__ import annotations

from compiler.diagnostics import Diagnostic
from compiler.formats import Report, context_suffix, summary_line


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(diagnostic: Diagnostic) -> str:
    properties: list[tuple[str, object]] = [
        ("file", diagnostic.file),
        ("line", diagnostic.line),
        # A column without a line would not place the annotation anywhere.
        ("col", diagnostic.column if diagnostic.line is not None else None),
        ("title", f"[{diagnostic.rule}]"),
    ]
    rendered = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in properties if value is not None
    )
    message = escape_data(diagnostic.message + context_suffix(diagnostic))
    return f"::{diagnostic.severity.value} {rendered}::{message}"


def render(report: Report) -> str:
    lines = [annotation(diagnostic) for diagnostic in report.diagnostics]
    lines.append(summary_line(report.diagnostics, report.scope))
    return "\n".join(lines)

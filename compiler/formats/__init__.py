"""Output formats for diagnostics: one module per ``--format`` value, all behind :func:`render`.

Every renderer takes a :class:`Report` and returns the whole output as one string, so that
a command prints it in one write and tests can compare it exactly. Renderers keep the
diagnostics in the order given (commands sort them with ``dedupe_sorted``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Diagnostic, Severity, UsageError

FORMATS: tuple[str, ...] = ("text", "json", "github", "junit", "sarif")


@dataclass(frozen=True)
class RuleMeta:
    """What a format needs to know about a rule: id, one-line summary, default severity."""

    id: str
    summary: str
    severity: Severity = Severity.ERROR


@dataclass(frozen=True)
class Report:
    """The outcome of one command, as every format renders it.

    ``checked`` names the entries that were checked, so that formats listing tests (JUnit)
    can show the passing ones too. ``rules`` gives rule metadata (SARIF): objects with
    ``id``/``summary``/``severity`` attributes, or plain ``(id, summary[, severity])`` tuples.
    ``scope`` says what was checked ("3 entries x 3 job types, 9 workflows"), so that the
    summary line of a run that checked nothing does not look like a clean bill of health.
    """

    command: str
    diagnostics: Sequence[Diagnostic]
    checked: Sequence[str] = ()
    rules: Sequence[Any] = ()
    scope: str = ""


def rule_meta(rule: Any) -> RuleMeta:
    """Normalise one rule description (RuleInfo-like object or tuple) to :class:`RuleMeta`."""
    if isinstance(rule, RuleMeta):
        return rule
    if isinstance(rule, (tuple, list)):
        rule_id, summary, *rest = rule
        severity = rest[0] if rest else Severity.ERROR
    else:
        rule_id = rule.id
        summary = getattr(rule, "summary", "") or ""
        severity = getattr(rule, "severity", Severity.ERROR)
    return RuleMeta(str(rule_id), str(summary), Severity(severity))


def summary_line(diagnostics: Sequence[Diagnostic], scope: str = "") -> str:
    """``[SCOPE: ]N errors, M warnings`` (singular when 1), the last line of text-like formats."""
    errors = sum(1 for diagnostic in diagnostics if diagnostic.is_error)
    warnings = len(diagnostics) - errors
    counts = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
    return f"{scope}: {counts}" if scope else counts


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 entry``, ``3 entries``: ``words`` is the plural when it is not ``word + "s"``."""
    return f"{n} {word}" if n == 1 else f"{n} {words or word + 's'}"


def context_suffix(diagnostic: Diagnostic) -> str:
    """`` (workflow: W; path: P)`` for the parts that are set, else empty."""
    parts = []
    if diagnostic.workflow:
        parts.append(f"workflow: {diagnostic.workflow}")
    if diagnostic.path:
        parts.append(f"path: {diagnostic.path}")
    return f" ({'; '.join(parts)})" if parts else ""


def _renderers() -> dict[str, Callable[[Report], str]]:
    # Imported here because each format module imports Report from this package.
    from compiler.formats import github, json, junit, sarif, text

    return {
        "text": text.render,
        "json": json.render,
        "github": github.render,
        "junit": junit.render,
        "sarif": sarif.render,
    }


def render(report: Report, fmt: str, style: bool = False) -> str:
    """The whole output of ``report`` in format ``fmt`` (one of :data:`FORMATS`); ``style``
    colours the text format (see ``formats.text``), the machine formats never."""
    renderers = _renderers()
    if fmt not in renderers:
        raise UsageError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if fmt == "text" and style:
        from compiler.formats import text

        return text.render(report, style=True)
    return renderers[fmt](report)

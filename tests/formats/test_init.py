from __future__ import annotations

from dataclasses import dataclass

import pytest

from compiler.diagnostics import Diagnostic, Severity, UsageError
from compiler.formats import FORMATS, Report, RuleMeta, render, rule_meta, summary_line


def test_every_format_renders_an_empty_report() -> None:
    for fmt in FORMATS:
        output = render(Report("lint", []), fmt)
        assert output.strip(), fmt
        assert not output.endswith("\n"), f"{fmt}: callers add the final newline"


def test_every_format_is_deterministic(report: Report) -> None:
    for fmt in FORMATS:
        assert render(report, fmt) == render(report, fmt), fmt


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"unknown format 'xml'.*text, json, github, junit, sarif"):
        render(Report("lint", []), "xml")


def test_rule_meta_accepts_tuples_and_rule_objects() -> None:
    @dataclass
    class RuleInfo:
        id: str
        summary: str
        severity: Severity

    assert rule_meta(("labels", "workflow labels")) == RuleMeta("labels", "workflow labels")
    assert rule_meta(("x", "y", "warning")) == RuleMeta("x", "y", Severity.WARNING)
    info = RuleInfo("dead-include-pattern", "patterns match files", Severity.WARNING)
    assert rule_meta(info) == RuleMeta(
        "dead-include-pattern", "patterns match files", Severity.WARNING
    )


def test_summary_line_counts_and_pluralises() -> None:
    error = Diagnostic("labels", "m")
    warning = Diagnostic("labels", "m", Severity.WARNING)
    assert summary_line([]) == "0 errors, 0 warnings"
    assert summary_line([error, warning]) == "1 error, 1 warning"
    assert summary_line([error, error, warning, warning, warning]) == "2 errors, 3 warnings"

from __future__ import annotations

import click

from compiler.diagnostics import Diagnostic
from compiler.formats import Report, render


def test_one_line_per_diagnostic_then_the_summary(report: Report) -> None:
    assert render(report, "text").splitlines() == [
        "prow_config.yaml:12:7: error [immutable-image] image gcr.io/x/test:latest uses a moving"
        " tag: (workflow: unittests; path: spec.templates[1].container.image)",
        "    set params.stepImage to a digest",
        "prow_config.yaml:9: warning [dead-include-pattern] include_dirs pattern 'docs/*' matches"
        " no tracked file (workflow: unittests)",
        "prow_config.yaml: error [yaml-syntax] mapping values are not allowed here",
        "kftest: error [argo-semantic] entrypoint 'main' names no template (workflow: e2e)",
        "3 errors, 1 warning",
    ]


def test_summary_alone_when_clean() -> None:
    assert render(Report("lint", [], checked=["a"]), "text") == "0 errors, 0 warnings"


def test_column_without_line_is_not_printed() -> None:
    diagnostic = Diagnostic("jsonnet-error", "boom", file="c.jsonnet", column=3)
    assert render(Report("lint", [diagnostic]), "text").splitlines()[0] == (
        "c.jsonnet: error [jsonnet-error] boom"
    )


def test_keeps_the_given_order(diagnostics: list[Diagnostic]) -> None:
    forward = render(Report("lint", diagnostics), "text").splitlines()
    backward = render(Report("lint", diagnostics[::-1]), "text").splitlines()
    assert forward[0].startswith("prow_config.yaml:12:7:")
    assert backward[0].startswith("kftest:")


def test_styled_location_bold_errors_red_warnings_yellow(report: Report) -> None:
    lines = render(report, "text", style=True).splitlines()
    bold, red, yellow, reset = "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[0m"
    assert lines[0].startswith(f"{bold}prow_config.yaml:12:7:{reset} {red}error{reset} [")
    assert lines[2].startswith(f"{bold}prow_config.yaml:9:{reset} {yellow}warning{reset} [")
    assert [click.unstyle(line) for line in lines] == render(report, "text").splitlines()
    for fmt in ("json", "github", "junit", "sarif"):
        assert "\x1b[" not in render(report, fmt, style=True)

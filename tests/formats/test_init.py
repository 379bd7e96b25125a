from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from compiler.diagnostics import Diagnostic, Severity, UsageError
from compiler.formats import FORMATS, Report, RuleMeta, render, rule_meta, summary_line
from tests.conftest import Result


def test_every_format_renders_an_empty_report() -> None:
    for fmt in FORMATS:
        output = render(Report("lint", []), fmt)
        assert output.strip(), fmt
        assert not output.endswith("\n"), f"{fmt}: callers add the final newline"


MESSY_CONFIG = """
workflows:
  - name: unittests
    app_dir: ci
    component: unittests
    include_dirs: [py/*, nothing/*]
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:latest
  - name: broken
    app_dir: ci
    component: broken
    job_typo: [presubmit]
"""
LIB_COMPONENT = """
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_the_same_from_run_to_run(
    fmt: str, make_repo: Callable[..., Path], kftest: Callable[..., Result]
) -> None:
    """Two processes with different hash seeds (set and dict order, str hashes) print the same
    bytes: CI diffs, SARIF uploads and golden reviews depend on it."""
    repo = make_repo(
        {
            "prow_config.yaml": MESSY_CONFIG,
            "ci/unittests.jsonnet": LIB_COMPONENT,
            "ci/broken.jsonnet": "error 'no'",
            "py/a.py": "",
        }
    )
    runs = [
        kftest("lint", "--repo-root", str(repo), "--format", fmt, env={"PYTHONHASHSEED": seed})
        for seed in ("1", "2", "3")
    ]
    assert {run.code for run in runs} == {1}, runs[0].stderr
    assert runs[0].stdout.strip() and runs[0].stdout == runs[1].stdout == runs[2].stdout


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

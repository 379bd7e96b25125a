"""The shared compile pipeline: its limit on one run's size."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from compiler import pipeline
from tests.test_cli import COMPONENT, CONFIG


def test_a_run_too_large_is_refused_with_a_diagnostic(
    make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = "".join(
        CONFIG.split("workflows:", 1)[1].replace("name: unittests", f"name: unittests-{index}")
        for index in range(3)
    )
    files = {
        "prow_config.yaml": "workflows:" + entries,
        "ci/unittests.jsonnet": COMPONENT,
        "py/a.py": "",
    }
    repo = make_repo(files)
    options = pipeline.Options(repo_root=repo, config_path=repo / "prow_config.yaml", environ={})
    monkeypatch.setattr(pipeline, "MAX_EVALUATIONS", 11)  # 3 entries x 4 job types = 12
    result = pipeline.compile_all(options)
    [limit] = result.diagnostics
    assert (limit.rule, limit.file, limit.line) == ("config-schema", "prow_config.yaml", 2)
    assert "12 evaluations" in limit.message and "at most 11" in limit.message
    assert result.workflows == [] and result.checked == []
    monkeypatch.setattr(pipeline, "MAX_EVALUATIONS", 12)
    result = pipeline.compile_all(options)
    assert result.diagnostics == [] and len(result.workflows) == 12

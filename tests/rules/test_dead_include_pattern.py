from __future__ import annotations

from pathlib import Path

from compiler.rules import LintSettings, check_config

from .helpers import load_entry

CONFIG = """\
workflows:
  - name: unittests
    app_dir: ci/workflows
    component: example
    include_dirs: [compiler/*, ./tests/*, docs/, "*.md"]
  - name: docs
    app_dir: ci/workflows
    component: docs
    include_dirs: [doc/*]
    lint: {disable: [dead-include-pattern]}
"""
TRACKED = ["compiler/cli.py", "tests/rules/test_x.py", "README.md"]


def test_dead_patterns_with_hints_and_lines(tmp_path: Path) -> None:
    config = load_entry(tmp_path, CONFIG)
    found = check_config(config, TRACKED, LintSettings())
    assert [(d.rule, d.line, d.column, d.path, d.severity.value) for d in found] == [
        ("dead-include-pattern", 5, 32, "workflows[0].include_dirs[1]", "warning"),
        ("dead-include-pattern", 5, 43, "workflows[0].include_dirs[2]", "warning"),
    ]
    assert "without a leading `./` or `/`: `tests/*`" in found[0].message
    assert "write `docs/*`" in found[1].message


def test_the_only_pattern_says_the_entry_never_runs(tmp_path: Path) -> None:
    config = load_entry(
        tmp_path, CONFIG.replace("    lint: {disable: [dead-include-pattern]}\n", "")
    )
    [diagnostic] = [
        d for d in check_config(config, TRACKED, LintSettings()) if d.workflow == "docs"
    ]
    assert "the entry never runs on presubmits or postsubmits" in diagnostic.message


def test_repository_settings_and_unknown_files(tmp_path: Path) -> None:
    config = load_entry(tmp_path, CONFIG)
    off = LintSettings(disabled=frozenset({"dead-include-pattern"}))
    assert check_config(config, TRACKED, off) == []
    assert check_config(config, [], LintSettings()) == []

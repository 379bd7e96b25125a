"""Progress on a terminal only: rewritten in place, erased at the end, never on stdout."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler import progress
from compiler.cli import cli
from tests.conftest import run_kftest
from tests.test_cli import COMPONENT, CONFIG


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_counts_are_shown_in_place_and_erased(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    stream = Terminal()
    shown = progress.Progress("evaluated", stream)
    for done in range(1, 4):
        shown(done, 3)
    shown.close()
    text = stream.getvalue()
    assert "kftest: 1/3 evaluated" in text and "kftest: 3/3 evaluated" in text
    assert text.endswith("\r\x1b[K") and "\n" not in text


def test_a_short_run_shows_nothing() -> None:
    stream = Terminal()
    shown = progress.Progress("evaluated", stream)  # the default delay: a second
    shown(1, 2)
    shown(2, 2)
    shown.close()
    assert stream.getvalue() == ""


def test_wanted_only_on_a_terminal_and_not_quiet() -> None:
    assert progress.wanted(False, Terminal())
    assert not progress.wanted(True, Terminal())
    assert not progress.wanted(False, io.StringIO())


def test_lint_on_a_terminal_shows_progress_on_stderr_only(
    make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = "".join(
        CONFIG.split("workflows:", 1)[1].replace("name: unittests", f"name: unittests-{index}")
        for index in range(3)
    )
    files = {"prow_config.yaml": "workflows:" + entries, "ci/unittests.jsonnet": COMPONENT}
    repo = make_repo(files)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    terminal, stdout = Terminal(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(sys, "stdout", stdout)
    with pytest.raises(SystemExit) as exited:
        cli(["lint", "--repo-root", str(repo)], prog_name="kftest")
    assert exited.value.code == 0, stdout.getvalue()
    # every (entry, job type) pair: 3 entries x 4 job types
    assert "kftest: 12/12 evaluated" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\x1b[K")  # erased
    assert "evaluated" not in stdout.getvalue()

    terminal.seek(0)
    terminal.truncate()
    with pytest.raises(SystemExit) as exited:
        cli(["lint", "--quiet", "--repo-root", str(repo)], prog_name="kftest")
    assert exited.value.code == 0
    assert terminal.getvalue() == ""


def test_not_a_terminal_shows_nothing(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT})
    result = run_kftest("lint", cwd=repo)
    assert result.code == 0 and "\r" not in result.stderr and result.stderr == ""

"""The README's tour works as copied: its files and commands, run in a new directory, print
exactly what the README shows.

The README marks what a newcomer copies with an HTML comment before a fenced block (invisible
on GitHub): ``<!-- tour: file PATH -->`` (save the block as PATH) and ``<!-- tour: session -->``
(a console transcript: ``$ command`` lines, each followed by what it prints).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from compiler.prow import PROW_VARS
from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
MARKER = re.compile(r"^<!-- tour: (file (?P<path>\S+)|session) -->\n```[\w-]*\n(?P<body>.*?)^```$",
                    re.MULTILINE | re.DOTALL)  # fmt: skip


@dataclass
class Step:
    command: str
    expected: list[str]


def tour(text: str) -> tuple[dict[str, str], list[Step]]:
    """The files to save and the session's commands, in README order."""
    files: dict[str, str] = {}
    steps: list[Step] = []
    for match in MARKER.finditer(text):
        if match["path"]:
            files[match["path"]] = match["body"]
            continue
        for line in match["body"].splitlines():
            if line.startswith("$ "):
                steps.append(Step(line[2:], []))
            else:
                steps[-1].expected.append(line)
    return files, steps


def test_the_readme_marks_a_tour() -> None:
    files, steps = tour(README.read_text(encoding="utf-8"))
    assert set(files) == {"prow_config.yaml", "ci/workflows/unittests.jsonnet"}
    commands = [step.command.split("#")[0].split() for step in steps]
    assert [c[:2] for c in commands if c[0] == "kftest"] == [
        ["kftest", "lint"],
        ["kftest", "plan"],
        ["kftest", "compile"],
        ["kftest", "golden"],
        ["kftest", "golden"],
    ]
    # Nothing a newcomer copies may depend on code that is not in a new repository.
    assert "py_func" not in files["prow_config.yaml"]


@pytest.fixture
def kftest_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment where `kftest` is this checkout's, and nothing of Prow is set."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "kftest"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m compiler "$@"\n')
    script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in PROW_VARS}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["HOME"] = str(tmp_path)  # no user git configuration
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return env


def test_the_tour_prints_what_the_readme_shows(
    tmp_path: Path, kftest_on_path: dict[str, str]
) -> None:
    files, steps = tour(README.read_text(encoding="utf-8"))
    work = tmp_path / "first-workflow"
    for name, content in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(content, encoding="utf-8")
    for step in steps:
        result = subprocess.run(
            ["bash", "-c", step.command],
            cwd=work,
            env=kftest_on_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # as a terminal shows them
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"$ {step.command}\n{result.stdout}"
        assert result.stdout.splitlines() == step.expected, f"$ {step.command}"
    # What the tour says it made is there.
    assert len(list((work / "out").glob("*.yaml"))) == 3
    assert len(list((work / "golden").glob("*/*.yaml"))) == 3

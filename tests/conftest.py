"""Shared fixtures: small repositories on disk, and the kftest CLI run as a user runs it."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from compiler.prow import PROW_VARS

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
ARGO_DATA = SHARED / "argo"


#: Modules that run kftest end to end in subprocesses (and pre-commit, which builds a virtualenv
#: and pip-installs kftest), and tests against the stand-in servers (tests/standins/, which
#: wait for real watches and timeouts): most of the suite's time. `pytest -m "not slow"`
#: leaves them out.
SLOW_MODULES = frozenset(
    {"test_precommit.py", "test_cli.py", "test_readme.py", "test_fuzz.py", "test_compile.py"}
)
SLOW_FIXTURES = frozenset({"kube", "gcs", "gcs_emulator"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.path.name in SLOW_MODULES or fixtures & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_prow_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROW_VARS:
        monkeypatch.delenv(name, raising=False)


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, env=env, check=True
    )
    return result.stdout


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """``make_repo({"prow_config.yaml": ..., ...}, git=True)`` -> the repository root."""

    def make(files: dict[str, str | bytes], use_git: bool = True, name: str = "repo") -> Path:
        root = tmp_path / name
        root.mkdir()
        write_files(root, files)
        if use_git:
            git(root, "init", "-q", "-b", "main")
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "initial")
        return root

    return make


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


@functools.cache
def _unprivileged_prefix() -> tuple[str, ...] | None:
    """A command prefix under which file modes bind (None: no way to get one). Root reads a file
    of mode 000 by its CAP_DAC_OVERRIDE; setpriv runs the command without it (and without
    CAP_DAC_READ_SEARCH), so it meets an unreadable file as every other user does."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = (setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--")
    # Dropping capabilities needs CAP_SETPCAP, which a container may not grant.
    probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=60, check=False)
    return prefix if probe.returncode == 0 else None


def unprivileged_prefix() -> tuple[str, ...]:
    """``_unprivileged_prefix()``, or the test is skipped."""
    prefix = _unprivileged_prefix()
    if prefix is None:
        pytest.skip("running as root without setpriv: root reads files whatever their mode")
    return prefix


def run_kftest(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    unprivileged: bool = False,
) -> Result:
    """kftest as a separate process, exactly as a user or CI runs it; ``unprivileged``: as a
    user whom file modes bind, also when the tests run as root (else the test is skipped)."""
    full_env = {k: v for k, v in os.environ.items() if k not in PROW_VARS}
    full_env.update(env or {})
    prefix = unprivileged_prefix() if unprivileged else ()
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "compiler", *args],
        cwd=cwd or REPO_ROOT,
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        timeout=300,
        check=False,
    )
    return Result(result.returncode, result.stdout, result.stderr)


@pytest.fixture
def kftest() -> Callable[..., Result]:
    return run_kftest


@pytest.fixture(autouse=True)
def _private_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Every test has its own kftest cache (compiler.cache), never the user's."""
    directory = tmp_path_factory.mktemp("kftest-cache")
    monkeypatch.setenv("KFTEST_CACHE_DIR", str(directory))
    return directory

"""The real pre-commit runs this repository's ``kftest-lint`` hook in a user's repository.

pre-commit installs a hook repository from git at a fixed rev, so the project's working tree
(tracked and untracked files, as the developer sees them) is committed into a temporary hook
repository first. ``try-repo`` does the same for committed changes but builds a new
environment on every call; a ``.pre-commit-config.yaml`` pointing at the temporary repository,
with one ``PRE_COMMIT_HOME`` for the whole module, installs kftest once (about half a minute)
and every later run takes a second.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
HOOK_ID = "kftest-lint"
# What pip needs to install kftest; the rest of the tree only slows the copy down.
NOT_INSTALLED = ("tests/", "bench/", "golden/")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None or shutil.which("git") is None,
    reason="needs pre-commit and git",
)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "kftest tests",
    "GIT_AUTHOR_EMAIL": "tests@kftest.invalid",
    "GIT_COMMITTER_NAME": "kftest tests",
    "GIT_COMMITTER_EMAIL": "tests@kftest.invalid",
    # The developer's own git settings (signing, hooks, templates) must not interfere.
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

CLEAN_CONFIG = """\
workflows:
  - name: unittests
    app_dir: test
    component: unittests
    params:
      stepImage: gcr.io/kubeflow-ci/test-worker:v20240101-abcdef0
"""

CLEAN_COMPONENT = """\
local kftest = import 'kftest.libsonnet';

function(params)
  local wf = kftest.workflow(params, 'unittests');
  local junit = '--junitxml=' + wf.dirs.artifacts + '/junit_pytest.xml';
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest', junit])])
"""


def _git(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def _commit_all(repo: Path) -> str:
    _git("add", "-A", cwd=repo)
    _git("commit", "-q", "--no-verify", "-m", "snapshot", cwd=repo)
    return _git("rev-parse", "HEAD", cwd=repo).strip()


def _project_files() -> list[str]:
    """The project's files as the developer sees them: tracked or untracked, not ignored."""
    listing = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=PROJECT)
    return sorted(
        name
        for name in set(listing.split("\0"))
        if name and not name.startswith(NOT_INSTALLED) and (PROJECT / name).is_file()
    )


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository holding the project's working tree, and its commit."""
    if not (PROJECT / ".git").exists():
        pytest.skip("the project is not a git checkout")
    repo = tmp_path_factory.mktemp("kftest-hook-repo")
    for name in _project_files():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT / name, repo / name)
    _git("init", "-q", cwd=repo)
    return repo, _commit_all(repo)


PreCommit = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def pre_commit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreCommit]:
    """Run the real pre-commit with one hook-environment cache shared by this module's tests."""
    home = tmp_path_factory.mktemp("pre-commit-home")

    def run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
        env.pop("SKIP", None)  # pre-commit's own "skip these hooks" variable
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", HOOK_ID, "--color", "never", *args],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            # The first run builds the hook's virtualenv and pip-installs kftest into it.
            timeout=600,
        )

    yield run
    # The hook's virtualenv is a few hundred megabytes: do not leave one per test run.
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def user_repo(tmp_path: Path, hook_repo: tuple[Path, str]) -> Callable[[Mapping[str, str]], Path]:
    """Make a user's repository with ``files`` and a .pre-commit-config.yaml using the hook."""

    def make(files: Mapping[str, str]) -> Path:
        repo = tmp_path / "user-repo"
        hook_path, rev = hook_repo
        config = (
            f"repos:\n  - repo: {hook_path}\n    rev: {rev}\n    hooks:\n      - id: {HOOK_ID}\n"
        )
        files = {".pre-commit-config.yaml": config, **files}
        for name, text in files.items():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_text(text, encoding="utf-8")
        _git("init", "-q", cwd=repo)
        _commit_all(repo)
        return repo

    return make


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_hook_passes_on_a_clean_repository(
    user_repo: Callable[[Mapping[str, str]], Path], pre_commit: PreCommit
) -> None:
    repo = user_repo({"prow_config.yaml": CLEAN_CONFIG, "test/unittests.jsonnet": CLEAN_COMPONENT})
    result = pre_commit(repo, "--all-files")
    assert result.returncode == 0, _output(result)
    assert re.search(r"^kftest lint\.+Passed$", result.stdout, re.MULTILINE), _output(result)


def test_hook_fails_with_the_diagnostic_on_a_broken_repository(
    user_repo: Callable[[Mapping[str, str]], Path], pre_commit: PreCommit
) -> None:
    # A misspelt key on line 4 of prow_config.yaml.
    broken = CLEAN_CONFIG.replace("    component: unittests", "    componnet: unittests")
    repo = user_repo({"prow_config.yaml": broken, "test/unittests.jsonnet": CLEAN_COMPONENT})
    result = pre_commit(repo, "--all-files")
    assert result.returncode == 1, _output(result)
    assert re.search(r"^kftest lint\.+Failed$", result.stdout, re.MULTILINE), _output(result)
    assert re.search(
        r"^prow_config\.yaml:4:\d+: error \[config-schema\] .*componnet",
        result.stdout,
        re.MULTILINE,
    ), _output(result)


def test_hook_checks_only_the_entries_the_changed_files_affect(
    user_repo: Callable[[Mapping[str, str]], Path], pre_commit: PreCommit
) -> None:
    config = CLEAN_CONFIG + (
        "  - name: broken\n"
        "    app_dir: test\n"
        "    component: broken\n"
        "    params:\n"
        "      stepImage: gcr.io/kubeflow-ci/test-worker:v20240101-abcdef0\n"
    )
    repo = user_repo(
        {
            "prow_config.yaml": config,
            "test/unittests.jsonnet": CLEAN_COMPONENT,
            # A jsonnet syntax error: the object is never closed.
            "test/broken.jsonnet": "local kftest = import 'kftest.libsonnet';\nfunction(p) {\n",
            "README.md": "# a user's repository\n",
        }
    )
    # pre-commit passes the matching staged files: here the clean component alone.
    clean = pre_commit(repo, "--files", "test/unittests.jsonnet")
    assert clean.returncode == 0, _output(clean)

    broken = pre_commit(repo, "--files", "test/broken.jsonnet")
    assert broken.returncode == 1, _output(broken)
    assert re.search(
        r"^test/broken\.jsonnet:\d+(:\d+)?: error \[jsonnet-error\]", broken.stdout, re.MULTILINE
    ), _output(broken)

    # prow_config.yaml affects every entry.
    everything = pre_commit(repo, "--files", "prow_config.yaml")
    assert everything.returncode == 1, _output(everything)
    assert "[jsonnet-error]" in everything.stdout, _output(everything)

    # Files the hook's `files:` pattern does not match do not run it at all.
    skipped = pre_commit(repo, "--files", "README.md")
    assert skipped.returncode == 0, _output(skipped)
    assert re.search(r"^kftest lint\.+\(no files to check\)Skipped$", skipped.stdout, re.MULTILINE)


def test_manifest_declares_the_hook() -> None:
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(PROJECT / ".pre-commit-hooks.yaml"))
    assert (hook["id"], hook["entry"], hook["language"]) == (HOOK_ID, "kftest lint", "python")
    assert hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    triggers = ["prow_config.yaml", ".kftest.yaml", "test/a.jsonnet", "lib/kftest.libsonnet"]
    others = ["README.md", "docs/prow_config.yaml", "a.jsonnet.orig", "py/x.py"]
    assert [name for name in triggers + others if files.search(name)] == triggers

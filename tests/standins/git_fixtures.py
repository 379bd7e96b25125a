"""pytest fixtures around the loopback git server (git_http.py). Use them from a test module
or a conftest.py::

    from standins.git_fixtures import PROW, Remote, checkout, head, remote  # noqa: F401

``remote``: the server with the repositories a Prow job sees; ``checkout``: ``kftest
checkout`` run against it as a separate process, as a user runs it (with tests/conftest.py's
``kftest`` fixture).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from standins.git_http import GitHttpServer, GitHubLikeRepo, git


@dataclass
class Remote:
    """The server, the repository under test (kubeflow/kftest) and an extra one
    (kubeflow/testing), with a tag, a release branch and two pull requests."""

    server: GitHttpServer
    repo: GitHubLikeRepo
    testing: GitHubLikeRepo
    first: str  # main's first commit (tagged v0.1.0)
    base: str  # main's head
    pr1: str  # head of PR 1 (adds pr1.txt)
    pr2: str  # head of PR 2 (adds pr2.txt)
    release: str  # head of release-1.0

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Remote]:
    server = GitHttpServer(tmp_path / "server").start()
    try:
        repo = server.repo("kubeflow", "kftest")
        first = repo.commit({"README.md": "v1\n"}, "first")
        repo.tag("v0.1.0", first)
        repo.commit({"README.md": "v2\n"}, "second")
        base = repo.commit({"README.md": "v3\n"}, "third")
        pr1 = repo.pull_request(1, {"pr1.txt": "one\n"})
        pr2 = repo.pull_request(2, {"pr2.txt": "two\n"})
        release = repo.commit({"RELEASE": "1.0\n"}, "release", branch="release-1.0")
        git(repo.work, "checkout", "-q", "main")
        testing = server.repo("kubeflow", "testing")
        testing.commit({"py/x.py": "x = 1\n"}, "testing 1")
        yield Remote(server, repo, testing, first, base, pr1, pr2, release)
    finally:
        server.stop()


PROW = {
    "presubmit": {"JOB_TYPE": "presubmit", "PULL_NUMBER": "1", "PULL_BASE_REF": "main"},
    "postsubmit": {"JOB_TYPE": "postsubmit", "PULL_BASE_REF": "main"},
    "periodic": {"JOB_TYPE": "periodic"},
}


@pytest.fixture
def checkout(tmp_path: Path, remote: Remote, kftest: Callable[..., Any]) -> Callable[..., Any]:
    """``checkout(*args, env={...})``: kftest checkout <tmp>/src --base-url <server> ..."""
    home = tmp_path / "home"
    home.mkdir()

    def run(*args: str, env: dict[str, str] | None = None, src: Path | None = None) -> Any:
        full = {
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "EXTRA_REPOS": "",
            "BRANCH_NAME": "",
            "REPO_OWNER": "kubeflow",
            "REPO_NAME": "kftest",
            **(env or {}),
        }
        target = str(src or tmp_path / "src")
        base = [] if "--base-url" in args else ["--base-url", remote.url]
        return kftest("checkout", target, *base, *args, env=full)

    return run


def head(path: Path, ref: str = "HEAD") -> str:
    return git(path, "rev-parse", ref)

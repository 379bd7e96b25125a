"""git for a checkout: credentials out of URLs and output, which failures are worth a retry."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from compiler.checkout.git import Git, GitFailed, Remote, known_secrets, mask_urls
from compiler.cluster.retry import RetryPolicy
from compiler.diagnostics import UsageError
from compiler.report.buildlog import Redactor

TOKEN = "ghp_kftestCanary0123456789abcdef"


def test_the_base_url_loses_its_credentials() -> None:
    remote = Remote.parse(f"https://x-access-token:{TOKEN}@github.example.com:8443/mirror/")
    assert remote.base == "https://github.example.com:8443/mirror"
    assert remote.url("kubeflow", "testing") == (
        "https://github.example.com:8443/mirror/kubeflow/testing.git"
    )
    assert remote.header is not None and remote.header.startswith("Authorization: Basic ")
    assert TOKEN in remote.secrets
    plain = Remote.parse("https://github.com")
    assert (plain.base, plain.header, plain.secrets) == ("https://github.com", None, ())
    assert Remote.parse("file:///srv/git").url("a", "b") == "file:///srv/git/a/b.git"
    for bad in ("github.com", "", f"http//u:{TOKEN}@host"):
        with pytest.raises(UsageError) as caught:
            Remote.parse(bad)
        assert TOKEN not in str(caught.value)


def test_secrets_from_the_environment_and_stored_credentials(tmp_path: Path) -> None:
    (tmp_path / ".git-credentials").write_text(f"https://bot:{TOKEN}@github.com\n")
    environ = {
        "HOME": str(tmp_path),
        "GITHUB_TOKEN": "gho_other-token",
        "GIT_AUTHOR_NAME": "Jane Doe",
        "PATH": "/usr/bin",
    }
    assert sorted(known_secrets(environ)) == sorted(["gho_other-token", TOKEN, TOKEN])
    assert mask_urls(f"fatal: unable to access 'https://bot:{TOKEN}@h/x.git/'") == (
        "fatal: unable to access 'https://[REDACTED]@h/x.git/'"
    )


def test_what_is_retried(tmp_path: Path) -> None:
    """A server error is retried until --retry-timeout; a missing repository is not."""
    git = Git(
        Remote.parse("http://127.0.0.1:9"),  # discard: nothing listens
        redactor=Redactor(),
        policy=RetryPolicy(timeout=0.5, initial=0.05, maximum=0.1),
        deadline=time.monotonic() + 60,
        environ={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    git.run(tmp_path, "init", "-q")
    started = time.monotonic()
    with pytest.raises(GitFailed) as refused:
        git.run(tmp_path, "ls-remote", "http://127.0.0.1:9/a/b.git", network=True, what="a/b")
    assert "giving up after" in str(refused.value) and not refused.value.missing
    assert refused.value.exit_code == 3 and time.monotonic() - started >= 0.1
    with pytest.raises(GitFailed) as missing:
        git.run(tmp_path, "ls-remote", str(tmp_path / "nothing"), network=True, what="a/c")
    assert missing.value.missing and "giving up" not in str(missing.value)

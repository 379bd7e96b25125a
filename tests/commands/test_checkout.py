"""``kftest checkout`` and ``kftest run --checkout`` as a user runs them: exit codes for bad
specs before anything is fetched, credentials that never reach the output, and a Prow job
that is one command."""

from __future__ import annotations

from pathlib import Path

from standins.fixtures import CANARY_TOKEN, KubeEnv, kube  # noqa: F401
from standins.git_fixtures import PROW, Remote, checkout, head, remote  # noqa: F401
from standins.git_http import git

CANARY = "ghp_kftestCanary0123456789abcdef"
COMPONENT = """
local kftest = import 'kftest.libsonnet';
function(params)
  local wf = kftest.workflow(params, 'unittests');
  wf.dag([wf.step('pytest', ['python', '-m', 'pytest'])])
"""
CONFIG = """
workflows:
  - name: unittests
    app_dir: ci
    component: unittests
    params: {stepImage: "gcr.io/kubeflow-ci/test-worker:v20181017-bfeaaf5"}
"""


def test_malformed_specs_are_usage_errors_before_any_fetch(checkout, remote: Remote, tmp_path):  # noqa: F811
    cases = [
        ({"EXTRA_REPOS": "kubeflow/testing@HEAD,kubeflow/kfctl@HEAD"}, (), "EXTRA_REPOS: "),
        ({"EXTRA_REPOS": "kubeflow/testing@master"}, (), "neither a commit SHA nor HEAD"),
        ({}, ("--repos", "kubeflow/testing@HEAD;x/y@HEAD"), "--repos: "),
        ({}, ("--depth", "zero"), "--depth: 'zero'"),
        ({}, ("--links", "../x=y"), "--links: "),
        ({"JOB_TYPE": "presubmit"}, (), "a presubmit job needs PULL_NUMBER"),
        ({}, ("--base-url", "not a url"), "--base-url"),
        ({"REPO_OWNER": "", "REPO_NAME": ""}, (), "nothing to check out"),
        (
            {"EXTRA_REPOS": "kubeflow/testing@HEAD;kubeflow/testing@abcdef1"},
            (),
            "kubeflow/testing is named twice with different refs",
        ),
    ]
    for env, args, fragment in cases:
        result = checkout(*args, env=env)
        assert result.code == 2, (env, args, result.stderr)
        assert fragment in result.stderr, (fragment, result.stderr)
        assert "Traceback" not in result.stderr
    assert remote.server.requests == []
    assert not (tmp_path / "src").exists()


def test_credentials_never_reach_the_output(checkout, remote: Remote, tmp_path: Path):  # noqa: F811
    remote.server.require_auth("x-access-token", CANARY)
    env = {**PROW["presubmit"], "PULL_PULL_SHA": remote.pr1, "GITHUB_TOKEN": CANARY}
    # In the base URL: works, and the token is neither printed nor stored in .git/config.
    base = remote.url.replace("http://", f"http://x-access-token:{CANARY}@")
    ok = checkout("--base-url", base, env=env)
    assert ok.code == 0, ok.stderr
    repo = tmp_path / "src" / "kubeflow" / "kftest"
    assert head(repo) == remote.pr1
    assert CANARY not in (repo / ".git" / "config").read_text()
    # Failures print URLs and git's messages: still no token.
    missing = checkout("--base-url", base, env={**env, "PULL_NUMBER": "99"}, src=tmp_path / "s2")
    assert missing.code == 3 and "refs/pull/99/head" in missing.stderr
    bad = checkout("--base-url", base.replace("http://", "http//"), env=env, src=tmp_path / "s3")
    assert bad.code == 2
    # From ~/.git-credentials, as a pod with a mounted credentials file has them.
    home = tmp_path / "home"
    (home / ".git-credentials").write_text(
        remote.url.replace("http://", f"http://x-access-token:{CANARY}@") + "\n"
    )
    git(home, "config", "--file", str(home / ".gitconfig"), "credential.helper", "store")
    stored = checkout(env=env, src=tmp_path / "s4")
    assert stored.code == 0, stored.stderr
    denied = tmp_path / "s5"
    (home / ".git-credentials").write_text(
        remote.url.replace("http://", f"http://x-access-token:{CANARY[::-1]}@") + "\n"
    )
    refused = checkout("--retry-timeout", "1", env=env, src=denied)
    assert refused.code == 3 and "retry" not in refused.stderr  # refused is final
    for result in (ok, missing, bad, stored, refused):
        assert CANARY not in result.stdout + result.stderr
        assert CANARY[::-1] not in result.stdout + result.stderr
    assert "[REDACTED]" in bad.stderr


def test_run_checks_out_first(remote: Remote, kube: KubeEnv, tmp_path: Path, kftest):  # noqa: F811
    run_kftest = kftest

    sha = remote.repo.commit(
        {"prow_config.yaml": CONFIG, "ci/unittests.jsonnet": COMPONENT}, "add a test"
    )
    env = {
        **PROW["postsubmit"],
        **kube.env,
        "HOME": str(tmp_path),
        "REPO_OWNER": "kubeflow",
        "REPO_NAME": "kftest",
        "PULL_BASE_SHA": sha,
        "JOB_NAME": "kftest-postsubmit",
        "BUILD_ID": "42",
        "EXTRA_REPOS": "kubeflow/testing@HEAD",
    }
    src = tmp_path / "src"
    args = ["run", "--checkout", str(src), "--base-url", remote.url, "--no-upload"]
    result = run_kftest(
        *args, "--output-dir", str(tmp_path / "out"), "--salt", "abcd", "--timeout", "60s",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert head(src / "kubeflow" / "kftest") == sha
    assert (src / "kubeflow" / "testing" / "py" / "x.py").is_file()
    assert "checking out kubeflow/kftest@" in result.stderr
    names = [w["metadata"]["name"] for w in kube.api.workflows()]
    assert names == ["kftest-postsubmit-unittests-" + sha[:7] + "-abcd"]
    # A checkout that fails is exit 3 before anything is submitted.
    result = run_kftest(
        *args, "--output-dir", str(tmp_path / "out2"), env={**env, "PULL_BASE_SHA": "f" * 40},
        cwd=tmp_path,
    )  # fmt: skip
    assert result.code == 3 and "not found" in result.stderr
    assert len(kube.api.workflows()) == 1


def test_the_lint_path_never_loads_checkout(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from compiler.cli import cli\n"
        "try: cli(['lint'], prog_name='kftest')\n"
        "except SystemExit as exit: assert exit.code == 0, exit.code\n"
        "print(sorted(m for m in sys.modules if m.startswith('compiler.checkout')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"

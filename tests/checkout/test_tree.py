"""``kftest checkout`` against real git repositories served over loopback by git http-backend:
every job type, extra repositories, pins, links, reuse, a flaky remote, missing refs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from standins.git_fixtures import PROW, Remote, head
from standins.git_http import git

Checkout = Callable[..., object]


def test_presubmit_checks_out_the_pull_request_head(checkout, remote: Remote, tmp_path: Path):
    result = checkout(env={**PROW["presubmit"], "PULL_PULL_SHA": remote.pr1})
    assert result.code == 0, result.stderr
    repo = tmp_path / "src" / "kubeflow" / "kftest"
    assert head(repo) == remote.pr1
    assert (repo / "pr1.txt").read_text() == "one\n"
    assert not (repo / "pr2.txt").exists()
    # origin/<PULL_BASE_REF> is there for kftest run's changed files; `pr` as checkout.sh made.
    assert head(repo, "refs/remotes/origin/main") == remote.base
    assert head(repo, "refs/heads/pr") == remote.pr1
    assert git(repo, "rev-parse", "--is-shallow-repository") == "true"  # depth 2, as the seed
    # `git describe` is printed, one line per repository on stdout.
    describe = git(repo, "describe", "--tags", "--always", "--dirty")
    assert result.stdout.splitlines() == [f"kubeflow/kftest {describe} {remote.pr1} {repo}"]
    assert "kubeflow/kftest@" in result.stderr and "presubmit" in result.stderr
    assert list((tmp_path / "src" / "kubeflow").iterdir()) == [repo]  # no partial dir left


def test_presubmit_at_an_older_commit_of_the_pull_request(checkout, remote: Remote, tmp_path):
    git(remote.repo.work, "checkout", "-q", remote.pr1)
    git(remote.repo.work, "checkout", "-q", "-B", "pr-1b")
    newer = remote.repo.commit({"pr1.txt": "one, amended\n"}, "amend")
    git(remote.repo.work, "push", "-q", "-f", "origin", f"{newer}:refs/pull/1/head")
    # Prow started the job at pr1; the PR has moved on since. The job's commit is checked out.
    result = checkout(env={**PROW["presubmit"], "PULL_PULL_SHA": remote.pr1})
    assert result.code == 0, result.stderr
    repo = tmp_path / "src" / "kubeflow" / "kftest"
    assert head(repo) == remote.pr1
    assert head(repo, "refs/heads/pr") == newer
    # Without PULL_PULL_SHA: the PR's head.
    result = checkout(env=PROW["presubmit"], src=tmp_path / "src2")
    assert result.code == 0, result.stderr
    assert head(tmp_path / "src2" / "kubeflow" / "kftest") == newer


def test_postsubmit_checks_out_the_base_sha(checkout, remote: Remote, tmp_path: Path):
    older = head(remote.repo.bare, "main~1")
    result = checkout(env={**PROW["postsubmit"], "PULL_BASE_SHA": older})
    assert result.code == 0, result.stderr
    repo = tmp_path / "src" / "kubeflow" / "kftest"
    assert head(repo) == older
    assert head(repo, f"{older}^") == remote.first  # depth 2: `sha^` for the changed files
    assert head(repo, "refs/remotes/origin/main") == remote.base


def test_periodic_checks_out_the_branch(checkout, remote: Remote, tmp_path: Path):
    result = checkout(env={**PROW["periodic"], "BRANCH_NAME": "release-1.0"})
    assert result.code == 0, result.stderr
    repo = tmp_path / "src" / "kubeflow" / "kftest"
    assert head(repo) == remote.release
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "release-1.0"
    # PULL_BASE_REF names the branch when BRANCH_NAME does not; neither: the default branch.
    result = checkout(env={**PROW["periodic"], "PULL_BASE_REF": "release-1.0"}, src=tmp_path / "b")
    assert result.code == 0, result.stderr
    assert head(tmp_path / "b" / "kubeflow" / "kftest") == remote.release
    result = checkout(env=PROW["periodic"], src=tmp_path / "c")
    assert result.code == 0, result.stderr
    assert head(tmp_path / "c" / "kubeflow" / "kftest") == remote.base


def test_batch_merges_every_pull_request_onto_the_base(checkout, remote: Remote, tmp_path):
    refs = f"main:{remote.base},1:{remote.pr1},2:{remote.pr2}"
    result = checkout(env={"JOB_TYPE": "batch", "PULL_BASE_REF": "main", "PULL_REFS": refs})
    assert result.code == 0, result.stderr
    repo = tmp_path / "src" / "kubeflow" / "kftest"
    assert (repo / "pr1.txt").is_file() and (repo / "pr2.txt").is_file()
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    # Two --no-ff merges on top of the base, in order, as clonerefs makes them.
    assert git(repo, "rev-list", "--first-parent", "HEAD").splitlines()[2] == remote.base
    merges = git(repo, "log", "--merges", "--format=%P").splitlines()
    assert [line.split()[1] for line in merges] == [remote.pr2, remote.pr1]


def test_batch_that_does_not_merge_leaves_nothing(checkout, remote: Remote, tmp_path: Path):
    clash = remote.repo.pull_request(3, {"pr1.txt": "something else\n"})
    refs = f"main:{remote.base},1:{remote.pr1},3:{clash}"
    result = checkout(env={"JOB_TYPE": "batch", "PULL_REFS": refs})
    assert result.code == 1, result.stderr
    assert "pull request #3" in result.stderr and "does not merge cleanly" in result.stderr
    assert not (tmp_path / "src" / "kubeflow" / "kftest").exists()
    assert list((tmp_path / "src" / "kubeflow").iterdir()) == []


def test_extra_repos_with_and_without_pull_requests_and_pins(checkout, remote: Remote, tmp_path):
    pipelines = remote.server.repo("kubeflow", "pipelines")
    p1 = pipelines.commit({"a": "1\n"}, "p1")
    pipelines.commit({"a": "2\n"}, "p2")
    pr_first = pipelines.pull_request(5, {"b": "pr\n"})
    pr_head = pipelines.commit({"b": "pr, more\n"}, "pr more", branch="pr-5")
    git(pipelines.work, "push", "-q", "-f", "origin", f"{pr_head}:refs/pull/5/head")
    git(pipelines.work, "checkout", "-q", "main")
    extra = f"kubeflow/testing@HEAD;kubeflow/pipelines@{pr_first}:5"
    result = checkout(
        env={**PROW["postsubmit"], "PULL_BASE_SHA": remote.base, "EXTRA_REPOS": extra}
    )
    assert result.code == 0, result.stderr
    src = tmp_path / "src"
    assert head(src / "kubeflow" / "testing") == remote.testing.head()
    # The pin is honoured with a PR (checkout.sh checked out the PR's head instead).
    assert head(src / "kubeflow" / "pipelines") == pr_first
    assert head(src / "kubeflow" / "pipelines", "refs/heads/pr") == pr_head
    assert [line.split()[0] for line in result.stdout.splitlines()] == [
        "kubeflow/kftest", "kubeflow/testing", "kubeflow/pipelines",
    ]  # fmt: skip
    # @HEAD:PR is the PR's head; an abbreviated pin without a PR resolves too.
    extra = f"kubeflow/pipelines@HEAD:5;kubeflow/testing@{remote.testing.head()[:8]}"
    result = checkout(env={"EXTRA_REPOS": extra, "REPO_OWNER": "", "REPO_NAME": ""}, src=src / "2")
    assert result.code == 0, result.stderr
    assert head(src / "2" / "kubeflow" / "pipelines") == pr_head
    assert head(src / "2" / "kubeflow" / "testing") == remote.testing.head()
    assert not (src / "2" / "kubeflow" / "kftest").exists()
    # A pin without a PR: that commit, full history (EXTRA_REPOS were full clones).
    result = checkout(env={"EXTRA_REPOS": f"kubeflow/pipelines@{p1}", "REPO_OWNER": "",
                           "REPO_NAME": ""}, src=src / "3")  # fmt: skip
    assert result.code == 0, result.stderr
    assert head(src / "3" / "kubeflow" / "pipelines") == p1
    assert (
        git(src / "3" / "kubeflow" / "pipelines", "rev-parse", "--is-shallow-repository") == "false"
    )


def test_the_repository_under_test_wins_over_an_extra_item(checkout, remote: Remote, tmp_path):
    env = {**PROW["presubmit"], "PULL_PULL_SHA": remote.pr1, "EXTRA_REPOS": "kubeflow/kftest@HEAD"}
    result = checkout(env=env)
    assert result.code == 0, result.stderr
    assert head(tmp_path / "src" / "kubeflow" / "kftest") == remote.pr1
    assert "is the repository under test" in result.stderr


def test_repos_links_and_depth(checkout, remote: Remote, tmp_path: Path):
    fork = remote.server.repo("someone", "testing")
    fork_head = fork.commit({"fork": "yes\n"}, "fork")
    result = checkout(
        "--repos", f"someone/testing@{fork_head},kubeflow/testing@HEAD",
        "--links", "someone/testing=kubeflow/testing-fork",
        "--links", "kubeflow/testing=aliases/testing",
        "--depth", "1",
        env={"REPO_OWNER": "", "REPO_NAME": ""},
    )  # fmt: skip
    assert result.code == 0, result.stderr
    src = tmp_path / "src"
    link = src / "kubeflow" / "testing-fork"
    assert link.is_symlink() and (link / "fork").read_text() == "yes\n"
    assert not Path(link.readlink()).is_absolute()  # relative: survives another mount point
    assert (src / "aliases" / "testing" / "py" / "x.py").is_file()
    assert git(src / "someone" / "testing", "rev-list", "--count", "HEAD") == "1"
    # --depth all: full history.
    result = checkout("--repos", "kubeflow/kftest@HEAD", "--depth", "all",
                      env={"REPO_OWNER": "", "REPO_NAME": ""}, src=tmp_path / "full")  # fmt: skip
    assert result.code == 0, result.stderr
    assert git(tmp_path / "full" / "kubeflow" / "kftest", "rev-list", "--count", "HEAD") == "3"


def test_an_existing_checkout_is_reused(checkout, remote: Remote, tmp_path: Path):
    env = {**PROW["presubmit"], "PULL_PULL_SHA": remote.pr1}
    assert checkout(env=env).code == 0
    repo = tmp_path / "src" / "kubeflow" / "kftest"
    (repo / "build-output").write_text("kept\n")
    # The init container restarts, after a killed run left a partial directory behind.
    partial = tmp_path / "src" / "kubeflow" / ".testing.kftest-partial"
    partial.mkdir()
    (partial / "junk").write_text("x")
    result = checkout(env={**env, "EXTRA_REPOS": "kubeflow/testing@HEAD"})
    assert result.code == 0, result.stderr
    assert "reusing the checkout" in result.stderr
    assert (repo / "build-output").read_text() == "kept\n"
    assert head(repo) == remote.pr1
    assert not partial.exists() and (tmp_path / "src" / "kubeflow" / "testing" / "py").is_dir()
    # Reused for another commit: brought to it.
    result = checkout(env={**PROW["postsubmit"], "PULL_BASE_SHA": remote.base})
    assert result.code == 0, result.stderr
    assert head(repo) == remote.base and not (repo / "pr1.txt").exists()


def test_something_else_in_the_way_is_a_usage_error(checkout, remote: Remote, tmp_path: Path):
    other = tmp_path / "src" / "kubeflow" / "kftest"
    other.mkdir(parents=True)
    (other / "notes.txt").write_text("mine\n")
    result = checkout(env={**PROW["postsubmit"], "PULL_BASE_SHA": remote.base})
    assert result.code == 2
    assert f"{other} exists and is not a checkout of kubeflow/kftest" in result.stderr
    assert (other / "notes.txt").read_text() == "mine\n"
    # A checkout of another repository there: named.
    git(
        tmp_path,
        "clone",
        "-q",
        f"{remote.url}/kubeflow/testing.git",
        str(tmp_path / "s2" / "kubeflow" / "kftest"),
    )
    result = checkout(env={**PROW["postsubmit"], "PULL_BASE_SHA": remote.base}, src=tmp_path / "s2")
    assert result.code == 2
    assert "holds a checkout of" in result.stderr and "kubeflow/testing.git" in result.stderr


def test_a_flaky_remote_is_retried(checkout, remote: Remote, tmp_path: Path):
    remote.server.fail_next(2)
    result = checkout(env={**PROW["presubmit"], "PULL_PULL_SHA": remote.pr1})
    assert result.code == 0, result.stderr
    assert [status for _, _, status in remote.server.requests[:3]] == [503, 503, 200]
    assert result.stderr.count("returned error: 503") == 2
    assert "retry 1" in result.stderr and "retry 2" in result.stderr
    assert head(tmp_path / "src" / "kubeflow" / "kftest") == remote.pr1


def test_a_remote_that_stays_down_is_exit_3(checkout, remote: Remote, tmp_path: Path):
    remote.server.fail_next(1000)
    result = checkout(
        "--retry-timeout", "2", env={**PROW["postsubmit"], "PULL_BASE_SHA": remote.base}
    )
    assert result.code == 3
    assert "kubeflow/kftest@" in result.stderr and "giving up after" in result.stderr
    assert not (tmp_path / "src" / "kubeflow" / "kftest").exists()
    assert list((tmp_path / "src" / "kubeflow").iterdir()) == []


def test_a_missing_ref_names_the_repository_and_ref(checkout, remote: Remote, tmp_path: Path):
    result = checkout(env={**PROW["presubmit"], "PULL_NUMBER": "99"})
    assert result.code == 3
    assert "kubeflow/kftest@HEAD:99" in result.stderr and "refs/pull/99/head" in result.stderr
    assert "retry" not in result.stderr  # a missing ref is not retried
    assert list((tmp_path / "src" / "kubeflow").iterdir()) == []
    # A pinned commit that does not exist, in an extra repository after a good one.
    missing = "0123456789abcdef0123456789abcdef01234567"
    result = checkout(
        env={
            "REPO_OWNER": "",
            "REPO_NAME": "",
            "EXTRA_REPOS": f"kubeflow/kftest@HEAD;kubeflow/testing@{missing}",
        },
        src=tmp_path / "s2",
    )
    assert result.code == 3
    assert f"kubeflow/testing@{missing}" in result.stderr and "not found" in result.stderr
    assert sorted(p.name for p in (tmp_path / "s2" / "kubeflow").iterdir()) == ["kftest"]
    # A repository that does not exist.
    result = checkout("--repos", "kubeflow/nothere@HEAD", env={"REPO_OWNER": "", "REPO_NAME": ""},
                      src=tmp_path / "s3")  # fmt: skip
    assert result.code == 3 and "kubeflow/nothere" in result.stderr
    assert "not found" in result.stderr and "retry" not in result.stderr


def test_submodules_are_checked_out(checkout, remote: Remote, tmp_path: Path):
    lib = remote.server.repo("kubeflow", "lib")
    lib.commit({"lib.txt": "library\n"}, "lib")
    work = remote.repo.work
    git(
        work,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        "../lib.git",
        "third_party/lib",
    )
    # The submodule's URL is relative: resolved against the remote, as on GitHub.
    sha = remote.repo.commit({}, "add a submodule")
    result = checkout(env={**PROW["postsubmit"], "PULL_BASE_SHA": sha})
    assert result.code == 0, result.stderr
    assert (tmp_path / "src" / "kubeflow" / "kftest" / "third_party" / "lib" / "lib.txt").is_file()

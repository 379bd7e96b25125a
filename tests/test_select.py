"""Selection: the seed's job_types and include_dirs rules, and changed files from real git."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.model import Entry, Position
from compiler.prow import ProwEnv
from compiler.select import changed_files_from_git, decide, read_changed_files, tracked_files
from tests.conftest import git, write_files


def commit(repo: Path, files: dict[str, str | bytes], message: str) -> None:
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def entry(**fields) -> Entry:
    return Entry(name=fields.pop("name", "e"), index=0, position=Position("p"), **fields)


# The table of seed-system.md §2.3, verified there with python3.
@pytest.mark.parametrize(
    ("changed", "pattern", "runs"),
    [
        ("kubeflow/a/b/c.py", "kubeflow/*", True),
        ("kubeflow", "kubeflow/*", False),
        ("a/kubeflow/b", "kubeflow/*", False),
        ("a/kubeflow/b", "*kubeflow/*", True),
        ("Kubeflow/a", "kubeflow/*", False),
        ("py/a/x.py", "py/*.py", True),
        ("docs/README.md", "*.md", True),
        ("testing/deploy_kubeflow.py", "testing/deploy_kubeflow.py", True),
    ],
)
def test_fnmatch_semantics(changed: str, pattern: str, runs: bool) -> None:
    decision = decide(entry(include_dirs=[pattern]), "presubmit", [changed])
    assert decision.run is runs
    if runs:
        assert (decision.pattern, decision.file) == (pattern, changed)


def test_job_types_come_first() -> None:
    decision = decide(entry(job_types=["postsubmit"], include_dirs=["*"]), "presubmit", ["a"])
    assert not decision.run and "not in job_types" in decision.reason


def test_periodic_ignores_include_dirs() -> None:
    assert decide(entry(include_dirs=["never/*"]), "periodic", []).run


def test_no_include_dirs_always_runs() -> None:
    assert decide(entry(), "postsubmit", []).run


def test_no_match_says_why() -> None:
    decision = decide(entry(include_dirs=["py/*"]), "presubmit", ["go/x.go", "README.md"])
    assert not decision.run and "none of the 2 changed files" in decision.reason


def test_changed_files_file_normalizes(tmp_path: Path) -> None:
    listing = tmp_path / "changed.txt"
    listing.write_text("./py/a.py\n\n/docs/x.md\n")
    assert read_changed_files(str(listing)) == ["py/a.py", "docs/x.md"]
    assert read_changed_files("-", "a\nb\n") == ["a", "b"]


@pytest.fixture
def upstream_and_clone(tmp_path: Path) -> tuple[Path, Path]:
    """An upstream repository with main, and a clone on a PR branch two commits ahead."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    commit(upstream, {"README.md": "x\n", "py/a.py": "a\n"}, "base")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    git(clone, "checkout", "-q", "-b", "pr")
    commit(clone, {"py/b.py": "b\n"}, "pr 1")
    commit(clone, {"docs/c.md": "c\n"}, "pr 2")
    # main moves on after the PR branched: its files must not count as changed by the PR.
    commit(upstream, {"go/main.go": "package main\n"}, "main moves")
    return upstream, clone


def test_presubmit_diffs_against_merge_base(upstream_and_clone: tuple[Path, Path]) -> None:
    _, clone = upstream_and_clone
    env = ProwEnv.from_environ({"JOB_TYPE": "presubmit", "PULL_BASE_REF": "main"})
    files, notes = changed_files_from_git(clone, env)
    assert sorted(files) == ["docs/c.md", "py/b.py"]
    base = git(clone, "merge-base", "HEAD", "origin/main").strip()
    assert notes == [f"changed files: since {base[:7]}, the merge-base of HEAD and origin/main"]


def test_batch_is_diffed_like_presubmit(upstream_and_clone: tuple[Path, Path]) -> None:
    _, clone = upstream_and_clone
    env = ProwEnv.from_environ({"JOB_TYPE": "batch", "PULL_BASE_REF": "main"})
    assert sorted(changed_files_from_git(clone, env)[0]) == ["docs/c.md", "py/b.py"]


def test_presubmit_falls_back_without_merge_base(tmp_path: Path) -> None:
    # Two unrelated histories: merge-base fails, as in the seed's shallow clones.
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"a.txt": "a\n"}, "a")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "checkout", "-q", "--orphan", "pr")
    git(repo, "rm", "-q", "-rf", ".")
    commit(repo, {"b.txt": "b\n"}, "b")
    env = ProwEnv.from_environ({"JOB_TYPE": "presubmit", "PULL_BASE_REF": "main"})
    files, notes = changed_files_from_git(repo, env)
    assert sorted(files) == ["a.txt", "b.txt"]
    assert len(notes) == 1
    assert notes[0].startswith("changed files: against origin/main itself (no merge-base")


def test_postsubmit_diffs_the_last_commit(upstream_and_clone: tuple[Path, Path]) -> None:
    _, clone = upstream_and_clone
    sha = git(clone, "rev-parse", "HEAD").strip()
    env = ProwEnv.from_environ({"JOB_TYPE": "postsubmit", "PULL_BASE_SHA": sha})
    assert changed_files_from_git(clone, env)[0] == ["docs/c.md"]


def test_periodic_has_no_changed_files(upstream_and_clone: tuple[Path, Path]) -> None:
    _, clone = upstream_and_clone
    assert changed_files_from_git(clone, ProwEnv.from_environ({"JOB_TYPE": "periodic"})) == ([], [])


def test_a_laptop_clone_diffs_against_the_local_base_branch(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"a.txt": "a\n"}, "a")
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"py/b.py": "b\n"}, "b")
    env = ProwEnv.from_environ({"JOB_TYPE": "presubmit"})
    files, notes = changed_files_from_git(repo, env)
    assert files == ["py/b.py"]
    assert len(notes) == 1
    assert "merge-base of HEAD and the local branch main (no remote origin)" in notes[0]


def test_a_plain_git_init_says_once_what_it_compared(tmp_path: Path) -> None:
    # `git init` on master, no remote: there is no base branch, so the uncommitted changes
    # (modified and new files) are the change, and one note says so.
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "master")
    write_files(repo, {"a.txt": "a\n", "b.txt": "b\n"})
    env = ProwEnv.from_environ({"JOB_TYPE": "presubmit"})
    files, notes = changed_files_from_git(repo, env)
    assert sorted(files) == ["a.txt", "b.txt"]
    assert notes == ["changed files: every file, as there is no commit yet"]

    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a")
    write_files(repo, {"a.txt": "changed\n", "py/new.py": "x\n"})
    files, notes = changed_files_from_git(repo, env)
    assert sorted(files) == ["a.txt", "py/new.py"]
    assert len(notes) == 1
    assert notes[0].startswith("changed files: the uncommitted changes against HEAD")
    assert "no remote origin, no local branch main" in notes[0]


def test_git_failures_are_notes_not_errors(tmp_path: Path) -> None:
    env = ProwEnv.from_environ({"JOB_TYPE": "postsubmit", "PULL_BASE_SHA": "0" * 40})
    files, notes = changed_files_from_git(tmp_path, env)  # not a repository at all
    assert files == [] and len(notes) == 1
    # git's own words say why (they name the commit it could not use).
    assert notes[0].startswith("could not compute changed files with git: ")
    assert "0" * 40 in notes[0]


def test_postsubmit_diffs_the_commit_prow_names_not_head(
    upstream_and_clone: tuple[Path, Path],
) -> None:
    _, clone = upstream_and_clone
    first = git(clone, "rev-parse", "HEAD~1").strip()  # "pr 1"; HEAD is "pr 2"
    env = ProwEnv.from_environ({"JOB_TYPE": "postsubmit", "PULL_BASE_SHA": first})
    files, notes = changed_files_from_git(clone, env)
    assert files == ["py/b.py"]
    assert notes == [f"changed files: the last commit ({first}^..{first})"]


def test_the_base_branch_is_the_one_prow_names(tmp_path: Path) -> None:
    """PULL_BASE_REF=release-1.0: the PR is diffed against that branch, not main."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    commit(upstream, {"a.txt": "a\n"}, "a")
    git(upstream, "checkout", "-q", "-b", "release-1.0")
    commit(upstream, {"release.txt": "r\n"}, "release")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "release-1.0", str(upstream), str(clone))
    git(clone, "checkout", "-q", "-b", "fix")
    commit(clone, {"py/fix.py": "f\n"}, "fix")
    env = ProwEnv.from_environ({"JOB_TYPE": "presubmit", "PULL_BASE_REF": "release-1.0"})
    files, notes = changed_files_from_git(clone, env)
    assert files == ["py/fix.py"]  # against main, release.txt would count too
    assert notes[0].endswith("the merge-base of HEAD and origin/release-1.0")


def test_git_that_cannot_even_start_is_a_note(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"  # running git there raises OSError
    env = ProwEnv.from_environ({"JOB_TYPE": "presubmit"})
    files, notes = changed_files_from_git(missing, env)
    assert files == [] and len(notes) == 1
    assert notes[0].startswith("could not compute changed files with git:")
    assert tracked_files(missing) is None


def test_tracked_files_are_what_git_sees(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"a.txt": "a\n", ".gitignore": "build/\n"}, "a")
    write_files(repo, {"new/b.py": "b\n", "build/out.bin": "x"})
    assert sorted(tracked_files(repo) or []) == [".gitignore", "a.txt", "new/b.py"]
    assert tracked_files(tmp_path / "not-a-repo-dir") is None


def test_changed_file_lines_are_stripped(tmp_path: Path) -> None:
    assert read_changed_files("-", "  py/a.py  \n\t./docs/x.md\t\n   \n") == [
        "py/a.py",
        "docs/x.md",
    ]


def test_a_clone_without_the_base_branch_fetches_it(tmp_path: Path) -> None:
    """Prow clones only the PR: origin/<base> exists once kftest has fetched it."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    commit(upstream, {"a.txt": "a\n"}, "a")
    git(upstream, "checkout", "-q", "-b", "feature")
    commit(upstream, {"py/f.py": "f\n"}, "f")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--single-branch", "-b", "feature", str(upstream), str(clone))
    env = ProwEnv.from_environ({"JOB_TYPE": "presubmit", "PULL_BASE_REF": "main"})
    files, notes = changed_files_from_git(clone, env)
    assert files == ["py/f.py"]
    assert notes[0].endswith("the merge-base of HEAD and origin/main")


def test_an_unset_job_type_is_named_as_such() -> None:
    decision = decide(entry(job_types=["presubmit"]), None, [])
    assert decision.reason == "job type (unset) not in job_types ['presubmit']"

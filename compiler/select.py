"""Select the entries that run: job_types first, then include_dirs over the changed files.

Matching is the seed system's (seed-system.md §2.3-2.4): Python ``fnmatch.fnmatchcase`` over
repo-relative paths (case-sensitive, anchored, ``*`` crosses ``/``); periodic jobs ignore
include_dirs. Changed files come from git as the seed computed them, except for batch jobs,
which the seed never diffed (so it skipped every entry with include_dirs); kftest diffs them
against the merge-base with the base branch, like a presubmit.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from compiler.model import Entry
from compiler.prow import ProwEnv


@dataclass(frozen=True)  # mutation: equivalent — immutability guards misuse, no behaviour
class Decision:
    entry: Entry
    run: bool
    reason: str
    pattern: str | None = None
    file: str | None = None

    def to_dict(self) -> dict[str, object]:
        matched = {"pattern": self.pattern, "file": self.file} if self.pattern else None
        return {"name": self.entry.name, "run": self.run, "reason": self.reason, "matched": matched}


def decide(entry: Entry, job_type: str | None, changed_files: Sequence[str]) -> Decision:
    if entry.job_types and job_type not in entry.job_types:
        return Decision(
            entry, False, f"job type {job_type or '(unset)'} not in job_types {entry.job_types}"
        )
    if not entry.include_dirs:
        return Decision(entry, True, "no include_dirs: runs on every change")
    if job_type == "periodic":
        return Decision(entry, True, "periodic jobs ignore include_dirs")
    for pattern in entry.include_dirs:
        for file in changed_files:
            if fnmatchcase(file, pattern):
                return Decision(entry, True, f"{file} matches {pattern}", pattern, file)
    if not changed_files:
        return Decision(entry, False, "no changed files, and the entry has include_dirs")
    return Decision(
        entry,
        False,
        f"none of the {len(changed_files)} changed files matches include_dirs {entry.include_dirs}",
    )


def select(
    entries: Sequence[Entry], job_type: str | None, changed_files: Sequence[str]
) -> list[Decision]:
    return [decide(entry, job_type, changed_files) for entry in entries]


class GitError(Exception):
    pass


def read_changed_files(source: str, stdin_text: str | None = None) -> list[str]:
    """``--changed-files FILE`` (``-`` for stdin): one repo-relative path per line."""
    text = stdin_text if source == "-" else Path(source).read_text(encoding="utf-8")
    return [normalize(line) for line in (text or "").splitlines() if line.strip()]


def normalize(path: str) -> str:
    path = path.strip()
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def changed_files_from_git(repo: Path, env: ProwEnv) -> tuple[list[str], list[str]]:
    """The seed's diff for the job type; returns (files, notes for the log). Never raises:
    when git cannot say, there are no changed files and a note says why. There is one note,
    saying what the files were compared against (none for periodics, which use no files).

    presubmit: fetch the base branch, diff against the merge-base with it, falling back to a
    diff against the branch itself when the merge-base fails (shallow clones); a clone without
    that remote branch uses the local one, and one without either (a plain ``git init``) takes
    the uncommitted changes; batch: the same (an improvement on the seed); postsubmit: the
    last commit only; periodic: nothing.
    """
    notes: list[str] = []
    try:
        return _diff(repo, env, notes), notes
    except GitError as exc:
        return [], [f"could not compute changed files with git: {exc}"]


def _diff(repo: Path, env: ProwEnv, notes: list[str]) -> list[str]:
    job_type = env.job_type
    if job_type in ("presubmit", "batch"):
        base_ref = env.get("PULL_BASE_REF") or "main"
        remote = f"origin/{base_ref}"
        if not _has_ref(repo, "HEAD"):
            notes.append("changed files: every file, as there is no commit yet")
            return _lines(_git(repo, "ls-files", "--cached", "--others", "--exclude-standard"))
        why_not_remote = "no remote origin"
        if "origin" in _git(repo, "remote").split():
            why_not_remote = f"no {remote}"
            try:
                _git(repo, "fetch", "origin", f"{base_ref}:refs/remotes/origin/{base_ref}")
            except GitError as exc:
                why_not_remote = f"git fetch origin {base_ref} failed: {exc}"
        if _has_ref(repo, f"refs/remotes/{remote}"):
            base, what = remote, remote
        elif _has_ref(repo, f"refs/heads/{base_ref}"):
            # A laptop clone without that remote branch: the local one is the base.
            base, what = base_ref, f"the local branch {base_ref} ({why_not_remote})"
        else:
            files = _lines(_git(repo, "diff", "--name-only", "HEAD"))
            files += _lines(_git(repo, "ls-files", "--others", "--exclude-standard"))
            notes.append(
                f"changed files: the uncommitted changes against HEAD, as there is no base "
                f"branch {base_ref} ({why_not_remote}, no local branch {base_ref}; "
                "PULL_BASE_REF names the base branch, --changed-files lists the files)"
            )
            return list(dict.fromkeys(files))
        try:
            ancestor = _git(repo, "merge-base", "HEAD", base).strip()
        except GitError as exc:
            notes.append(f"changed files: against {what} itself (no merge-base with HEAD: {exc})")
            return _lines(_git(repo, "diff", "--name-only", base))
        notes.append(f"changed files: since {ancestor[:7]}, the merge-base of HEAD and {what}")
        return _lines(_git(repo, "diff", "--name-only", ancestor))
    if job_type == "postsubmit":
        sha = env.get("PULL_BASE_SHA") or "HEAD"
        notes.append(f"changed files: the last commit ({sha}^..{sha})")
        return _lines(_git(repo, "diff", "--name-only", f"{sha}^", sha))
    return []


def _git(repo: Path, *args: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,  # mutation: equivalent — 120 s or 121 s: only a hung git reaches it
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(str(exc)) from exc
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
        raise GitError((fatal or lines or [f"git {args[0]} failed"])[0])
    return result.stdout


def _has_ref(repo: Path, ref: str) -> bool:
    try:
        _git(repo, "rev-parse", "--verify", "--quiet", ref)
    except GitError:
        return False  # mutation: equivalent[return None] — None is as false to every caller
    return True


def _lines(text: str) -> list[str]:
    return [normalize(line) for line in text.splitlines() if line.strip()]


def tracked_files(repo: Path) -> list[str] | None:
    """Files in the repository as git sees them: tracked, plus untracked ones it does not
    ignore (a new file is part of the change before it is added). None outside git."""
    try:
        return _lines(_git(repo, "ls-files", "--cached", "--others", "--exclude-standard"))
    except GitError:
        return None

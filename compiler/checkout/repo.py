"""Check out one repository into its target directory, all or nothing.

A new checkout is built in a hidden sibling directory (``.<name>.kftest-partial``) and renamed
into place only when everything — fetch, checkout, merges, submodules — succeeded, so a
target that exists is a finished checkout; a failure removes the partial directory (and a
restarted init container removes the one a killed run left). An existing checkout of the same
repository is reused and brought to the requested ref (Argo restarts init containers); an
empty directory is checked out into in place; anything else in the way is a usage error.

What is fetched (only what is needed; ``depth`` commits of each, except batches, which merge
and need full history):

* a pull request: ``refs/pull/<N>/head`` (as ``origin/pr/<N>``, and a local branch ``pr`` as
  checkout.sh made), then the pinned SHA if one is given, else the PR's head;
* a batch (PULL_REFS): the base branch at its SHA as a local branch, then every PR merged
  into it with ``--no-ff``, in order, as Prow's clonerefs does;
* a branch (periodic): its head, as a local branch tracking ``origin/<branch>``;
* a SHA: fetched by SHA (GitHub allows any reachable commit), falling back to every branch's
  full history for an abbreviated SHA or a server that refuses; ``HEAD``: the default branch.

The base branch of a presubmit or postsubmit is fetched too, so ``origin/<PULL_BASE_REF>``
exists for the changed-files computation of ``kftest run``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from compiler.checkout.git import Git, GitFailed
from compiler.checkout.spec import RepoSpec, is_full_sha
from compiler.diagnostics import KftestError, UsageError

log = logging.getLogger("kftest.checkout")


@dataclass(frozen=True)
class Result:
    spec: RepoSpec
    path: Path
    sha: str
    describe: str


class MergeConflict(KftestError):
    """A batch's pull requests do not merge cleanly (exit 1: the inputs, not the network)."""


def check_out(spec: RepoSpec, target: Path, git: Git, depth: int | None) -> Result:
    url = git.remote.url(spec.org, spec.name)
    mode = _existing(target, url, git, spec)
    if mode == "new":
        work = target.parent / f".{target.name}.kftest-partial"
        if work.exists() or work.is_symlink():
            _remove(work)  # what a killed run left behind
        work.mkdir(parents=True)
    else:
        work = target
    try:
        if mode != "reuse":
            git.run(work, "init", "-q")
            git.run(work, "remote", "add", "origin", url)
        else:
            git.run(work, "remote", "set-url", "origin", url)
        sha = _sync(work, spec, git, depth)
        describe = git.run(work, "describe", "--tags", "--always", "--dirty").strip()
        if mode == "new":
            os.rename(work, target)
    except BaseException:
        if mode == "new":
            _remove(work)
        elif mode == "empty":
            for child in target.iterdir():
                _remove(child)
        raise
    return Result(spec, target, sha, describe)


def _existing(target: Path, url: str, git: Git, spec: RepoSpec) -> str:
    """``new``, ``empty`` (an empty directory) or ``reuse`` (a checkout of this repository)."""
    if target.is_symlink():
        raise UsageError(f"{target} is a symbolic link; kftest checks out into a directory")
    if not target.exists():
        return "new"
    if not target.is_dir():
        raise UsageError(f"{target} exists and is not a directory; remove it")
    if not any(target.iterdir()):
        return "empty"
    if (target / ".git").is_dir():
        try:
            top = git.run(target, "rev-parse", "--show-toplevel").strip()
            origin = git.run(target, "config", "--get", "remote.origin.url").strip()
        except GitFailed:
            top, origin = "", ""
        if top and Path(top).resolve() == target.resolve() and _same(origin, url):
            log.info("%s: reusing the checkout in %s", spec.full_name, target)
            return "reuse"
        if top and origin:
            raise UsageError(
                f"{target} holds a checkout of {git.clean(origin)}, not {url}; remove it or "
                "check out into another SRC_DIR"
            )
    raise UsageError(
        f"{target} exists and is not a checkout of {spec.full_name}; remove it or check out "
        "into another SRC_DIR"
    )


def _same(origin: str, url: str) -> bool:
    def norm(text: str) -> str:
        text = text.strip().rstrip("/")
        text = text.removesuffix(".git")
        scheme, sep, rest = text.partition("://")
        return f"{scheme}{sep}{rest.rpartition('@')[2]}".lower()

    return norm(origin) == norm(url)


def _sync(work: Path, spec: RepoSpec, git: Git, depth: int | None) -> str:
    """Fetch and check out ``spec`` in ``work``; the SHA of HEAD."""
    if spec.merges:
        depth = None  # merging needs the merge base
    name = spec.describe()
    url = git.remote.url(spec.org, spec.name)
    refspecs = []
    if spec.base_ref:
        refspecs.append(f"+refs/heads/{spec.base_ref}:refs/remotes/origin/{spec.base_ref}")
    if spec.branch:
        refspecs.append(f"+refs/heads/{spec.branch}:refs/remotes/origin/{spec.branch}")
    prs = [spec.pr] if spec.pr is not None else [number for number, _ in spec.merges]
    refspecs += [f"+refs/pull/{n}/head:refs/remotes/origin/pr/{n}" for n in prs]
    if not refspecs and not spec.pinned:
        refspecs.append("+HEAD:refs/remotes/origin/HEAD")
    if refspecs:
        _fetch(work, git, depth, refspecs, name, url)
    if spec.branch:
        remote_ref = f"refs/remotes/origin/{spec.branch}"
        git.run(work, "checkout", "-q", "-f", "-B", spec.branch, remote_ref)
    elif spec.merges:
        _ensure(work, git, spec.sha, depth, name, url)
        git.run(work, "checkout", "-q", "-f", "-B", spec.base_ref or "base", spec.sha)
        for number, sha in spec.merges:
            _ensure(work, git, sha, depth, name, url)
            _merge(work, git, spec, number, sha)
    else:
        if spec.pinned:
            _ensure(work, git, spec.sha, depth, name, url)
            commit = spec.sha
        elif spec.pr is not None:
            commit = f"refs/remotes/origin/pr/{spec.pr}"
        else:
            commit = "refs/remotes/origin/HEAD"
        git.run(work, "checkout", "-q", "-f", "--detach", commit)
    if spec.pr is not None:
        git.run(work, "update-ref", "refs/heads/pr", f"refs/remotes/origin/pr/{spec.pr}")
    if (work / ".gitmodules").is_file():
        git.run(work, "submodule", "sync", "-q", "--recursive")
        git.run(
            work,
            "submodule",
            "update",
            "-q",
            "--init",
            "--recursive",
            "--force",
            network=True,
            what=f"{name}: submodules",
        )
    return git.run(work, "rev-parse", "HEAD").strip()


def _depth(depth: int | None) -> list[str]:
    return [] if depth is None else [f"--depth={depth}"]


def _fetch(
    work: Path, git: Git, depth: int | None, refspecs: list[str], name: str, url: str
) -> None:
    refs = ", ".join(r.split(":")[0].lstrip("+") for r in refspecs)
    try:
        git.run(
            work,
            "fetch",
            "-q",
            *_depth(depth),
            "origin",
            *refspecs,
            network=True,
            what=f"{name}: fetching {refs} from {url}",
        )
    except GitFailed as exc:
        if exc.missing:
            raise GitFailed(f"{exc} (does the ref exist?)", missing=True) from None
        raise


def _has(work: Path, git: Git, sha: str) -> bool:
    try:
        git.run(work, "rev-parse", "-q", "--verify", f"{sha}^{{commit}}")
        return True
    except GitFailed:
        return False


def _ensure(work: Path, git: Git, sha: str, depth: int | None, name: str, url: str) -> None:
    """Make commit ``sha`` present — with its ``depth`` ancestors, so that a postsubmit's
    ``sha^`` exists even when the branch has moved on: by SHA, else from every branch's full
    history."""
    if _has(work, git, sha) and (depth is None or not _shallow(work, git)):
        return
    if is_full_sha(sha):
        try:
            git.run(
                work, "fetch", "-q", *_depth(depth), "origin", sha,
                network=True, what=f"{name}: fetching commit {sha} from {url}",
            )  # fmt: skip
        except GitFailed as exc:
            if not exc.missing:
                raise
        if _has(work, git, sha):
            return
    git.run(
        work, "fetch", "-q", *(["--unshallow"] if _shallow(work, git) else []), "origin",
        "+refs/heads/*:refs/remotes/origin/*",
        network=True, what=f"{name}: fetching every branch of {url} to find {sha}",
    )  # fmt: skip
    if not _has(work, git, sha):
        raise GitFailed(
            f"{name}: commit {sha} not found in {url} (neither fetchable by SHA nor on a "
            "branch or the pull request)",
            missing=True,
        )


def _shallow(work: Path, git: Git) -> bool:
    return git.run(work, "rev-parse", "--is-shallow-repository").strip() == "true"


def _merge(work: Path, git: Git, spec: RepoSpec, number: int, sha: str) -> None:
    try:
        git.run(work, "merge", "-q", "--no-ff", "--no-stat", "-m", f"Merge #{number} ({sha})", sha)
    except GitFailed as exc:
        with contextlib.suppress(GitFailed):
            git.run(work, "merge", "--abort")
        raise MergeConflict(
            f"{spec.describe()}: pull request #{number} ({sha[:7]}) does not merge cleanly "
            f"onto {spec.base_ref} ({spec.sha[:7]}) and the pull requests before it: {exc}"
        ) from None


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)

"""What to check out: repository specs from the Prow environment, EXTRA_REPOS and --repos.

Every spec is parsed and checked before anything is fetched, so a malformed one is a usage
error (exit 2) naming the variable or option it came from, and nothing is half done.

Forms (seed-system.md §5): ``ORG/NAME@SHA`` (a commit; ``HEAD`` for the default branch's
head) and ``ORG/NAME@SHA:PR`` (pull request PR; with a SHA other than HEAD that commit is
checked out — checkout.sh ignored the pin when a PR was given, kftest does not). EXTRA_REPOS
separates items with ``;``, ``--repos`` (checkout_repos.sh) with ``,``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from compiler.diagnostics import UsageError

log = logging.getLogger("kftest.checkout")

_ORG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,99})$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
_NUMBER = re.compile(r"^[1-9][0-9]{0,9}$")
# git check-ref-format's rules for a branch name, the ones a hostile value could break.
_BRANCH = re.compile(r"^(?!-)(?!.*\.\.)(?!.*//)(?!.*@\{)[A-Za-z0-9._/+-]{1,200}(?<![./])$")
_MAX_ITEMS = 100
FORMAT = "ORG/NAME@SHA or ORG/NAME@SHA:PR (SHA: a commit SHA of 7 to 40 hex digits, or HEAD)"


@dataclass(frozen=True)
class RepoSpec:
    """One repository to check out, and at what.

    Exactly one of: ``branch`` (its head), ``merges`` onto ``sha`` (a batch), ``pr`` (the pull
    request's head, or ``sha`` when pinned), ``sha`` (a commit, HEAD = the default branch).
    ``base_ref`` is fetched too, so that ``origin/<base_ref>`` exists for changed files.
    """

    org: str
    name: str
    sha: str = "HEAD"
    pr: int | None = None
    branch: str | None = None
    base_ref: str | None = None
    merges: tuple[tuple[int, str], ...] = ()
    source: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.org}/{self.name}"

    @property
    def path(self) -> PurePosixPath:
        return PurePosixPath(self.org, self.name)

    @property
    def pinned(self) -> bool:
        return self.sha != "HEAD"

    def describe(self) -> str:
        """The ref in the user's terms, for messages: ``kubeflow/testing@abc123:12``."""
        if self.merges:
            prs = ", ".join(f"#{n} ({sha[:7]})" for n, sha in self.merges)
            return f"{self.full_name}@{self.base_ref}:{self.sha[:7]} + {prs}"
        if self.branch:
            return f"{self.full_name} branch {self.branch}"
        tail = f":{self.pr}" if self.pr is not None else ""
        return f"{self.full_name}@{self.sha}{tail}"


def parse_item(text: str, source: str) -> RepoSpec:
    item = text.strip()
    where, _, ref = item.partition("@")
    org, slash, name = where.partition("/")
    sha, colon, pr = ref.partition(":")
    problems = []
    if not slash or not _ORG.match(org) or not _NAME.match(name) or name in (".", ".."):
        problems.append(f"{where!r} is not ORG/NAME")
    if not ref:
        problems.append("no @SHA")
    elif sha != "HEAD" and not _SHA.match(sha):
        problems.append(f"{sha!r} is neither a commit SHA nor HEAD")
    if colon and not _NUMBER.match(pr):
        problems.append(f"{pr!r} is not a pull request number")
    if problems:
        raise UsageError(f"{source}: {item!r}: {'; '.join(problems)}; expected {FORMAT}")
    return RepoSpec(
        org=org,
        name=name,
        sha=sha if sha == "HEAD" else sha.lower(),
        pr=int(pr) if colon else None,
        source=source,
    )


def parse_list(text: str, separator: str, source: str) -> list[RepoSpec]:
    """``;``-separated (EXTRA_REPOS) or ``,``-separated (--repos) items; empty means none."""
    if not text.strip():
        return []
    other = "," if separator == ";" else ";"
    if other in text:
        raise UsageError(f"{source}: {text!r}: items are separated by `{separator}`, not `{other}`")
    items = text.strip().split(separator)
    if len(items) > _MAX_ITEMS:
        raise UsageError(f"{source}: {len(items)} repositories; at most {_MAX_ITEMS}")
    if any(not item.strip() for item in items):
        raise UsageError(
            f"{source}: {text!r} has an empty item (a doubled or trailing `{separator}`)"
        )
    return [parse_item(item, source) for item in items]


def parse_links(values: tuple[str, ...] | list[str]) -> list[tuple[PurePosixPath, PurePosixPath]]:
    """``--links src=dest[,src=dest]``: paths relative to SRC_DIR, neither leaving it."""
    links = []
    for value in values:
        for pair in value.split(","):
            src, equals, dest = pair.strip().partition("=")
            if not equals or not src or not dest:
                raise UsageError(f"--links: {pair!r} is not SRC=DEST (paths relative to SRC_DIR)")
            paths = (PurePosixPath(src), PurePosixPath(dest))
            for path in paths:
                if path.is_absolute() or ".." in path.parts or str(path) in ("", "."):
                    raise UsageError(
                        f"--links: {pair!r}: {str(path)!r} must be a path inside SRC_DIR "
                        "(relative, without ..)"
                    )
            links.append(paths)
    return links


def parse_depth(value: str | None) -> int | None:
    """``N`` commits, or ``all`` (None: full history)."""
    if value is None or value == "all":
        return None
    if not re.fullmatch(r"[1-9][0-9]{0,6}", value):
        raise UsageError(f"--depth: {value!r} is neither a positive number of commits nor `all`")
    return int(value)


def is_full_sha(sha: str) -> bool:
    return bool(_FULL_SHA.match(sha))


def from_prow(environ: Mapping[str, str], job_type: str | None = None) -> RepoSpec | None:
    """The repository under test, at the ref the Prow job is about; None without REPO_OWNER
    and REPO_NAME. The job type is JOB_TYPE (or ``job_type``), else inferred from the variables
    that are set, in checkout.sh's order: PULL_NUMBER, BRANCH_NAME, PULL_BASE_SHA."""
    owner, name = environ.get("REPO_OWNER", ""), environ.get("REPO_NAME", "")
    if not owner and not name:
        return None
    source = "the Prow environment"
    if not owner or not name:
        raise UsageError(f"{source}: REPO_OWNER and REPO_NAME must both be set")
    parse_item(f"{owner}/{name}@HEAD", f"{source} (REPO_OWNER/REPO_NAME)")  # valid names
    kind = job_type or environ.get("JOB_TYPE") or _infer(environ)
    base_ref = _branch(environ.get("PULL_BASE_REF", ""), "PULL_BASE_REF")
    if kind == "presubmit":
        number = _required(environ, "PULL_NUMBER", kind)
        if not _NUMBER.match(number):
            raise UsageError(f"{source}: PULL_NUMBER={number!r} is not a pull request number")
        sha = _sha(environ.get("PULL_PULL_SHA", ""), "PULL_PULL_SHA") or "HEAD"
        return RepoSpec(owner, name, sha=sha, pr=int(number), base_ref=base_ref, source=kind)
    if kind == "postsubmit":
        sha = _sha(_required(environ, "PULL_BASE_SHA", kind), "PULL_BASE_SHA")
        return RepoSpec(owner, name, sha=sha, base_ref=base_ref, source=kind)
    if kind == "batch" and not environ.get("PULL_REFS") and environ.get("PULL_BASE_SHA"):
        # A workflow's checkout step sees only the seed's prow_env, which has no PULL_REFS:
        # the base, as checkout.sh checked it out.
        log.warning(
            "batch job without PULL_REFS: checking out the base PULL_BASE_SHA only, without "
            "the batch's pull requests (as checkout.sh did)"
        )
        sha = _sha(environ["PULL_BASE_SHA"], "PULL_BASE_SHA")
        return RepoSpec(owner, name, sha=sha, base_ref=base_ref, source=kind)
    if kind == "batch":
        base, merges = _pull_refs(_required(environ, "PULL_REFS", kind))
        return RepoSpec(owner, name, sha=base[1], base_ref=base[0], merges=merges, source=kind)
    if kind == "periodic" or kind is None:
        branch = _branch(environ.get("BRANCH_NAME", ""), "BRANCH_NAME") or base_ref
        if branch:
            return RepoSpec(owner, name, branch=branch, source=kind or "periodic")
        return RepoSpec(owner, name, source=kind or "periodic")  # the default branch's head
    raise UsageError(f"{source}: JOB_TYPE={kind!r} is not presubmit, postsubmit, periodic or batch")


def _infer(environ: Mapping[str, str]) -> str | None:
    if environ.get("PULL_NUMBER"):
        return "presubmit"
    if environ.get("BRANCH_NAME"):
        return "periodic"
    if environ.get("PULL_BASE_SHA"):
        return "postsubmit"
    return None


def _required(environ: Mapping[str, str], key: str, kind: str) -> str:
    value = environ.get(key, "")
    if not value:
        raise UsageError(f"the Prow environment: a {kind} job needs {key}, and it is not set")
    return value


def _sha(value: str, key: str) -> str:
    if value and not _SHA.match(value):
        raise UsageError(f"the Prow environment: {key}={value!r} is not a commit SHA")
    return value.lower()


def _branch(value: str, key: str) -> str | None:
    if value and not _BRANCH.match(value):
        raise UsageError(f"the Prow environment: {key}={value!r} is not a branch name")
    return value or None


def _pull_refs(value: str) -> tuple[tuple[str, str], tuple[tuple[int, str], ...]]:
    """PULL_REFS ``base_ref:base_sha,N:sha,...`` (Prow's format)."""
    parts = value.split(",")
    problem = f"the Prow environment: PULL_REFS={value!r} is not BASE_REF:BASE_SHA,PR:SHA,..."
    base_ref, colon, base_sha = parts[0].partition(":")
    if not colon or not _BRANCH.match(base_ref) or not _SHA.match(base_sha):
        raise UsageError(problem)
    merges = []
    for part in parts[1:]:
        number, colon, sha = part.partition(":")
        if not colon or not _NUMBER.match(number) or not _SHA.match(sha):
            raise UsageError(problem)
        merges.append((int(number), sha.lower()))
    if len(merges) > _MAX_ITEMS:
        raise UsageError(f"{problem} (at most {_MAX_ITEMS} pull requests)")
    return (base_ref, base_sha.lower()), tuple(merges)

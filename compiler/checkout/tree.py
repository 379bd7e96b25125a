"""Check out every repository a job needs under SRC_DIR, as ``<org>/<name>``, then the links.

The repositories, in order: the repository under test from the Prow environment, the
``EXTRA_REPOS`` items, the ``--repos`` items. Everything is parsed first (a malformed spec
is exit 2 before anything is fetched). A repository named twice is checked out once: the
repository under test wins over an extra item naming it (checkout.sh skipped it too), and two
extra items with different refs are a usage error. Depth: ``--depth`` for all, else what the
seed's scripts did — 2 commits for the repository under test and ``--repos``, full history
for ``EXTRA_REPOS``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from compiler.checkout import spec as specs
from compiler.checkout.git import Git, Remote
from compiler.checkout.repo import Result, check_out
from compiler.checkout.spec import RepoSpec
from compiler.cluster.retry import RetryPolicy
from compiler.diagnostics import InfraError, UsageError
from compiler.report.buildlog import Redactor

log = logging.getLogger("kftest.checkout")

DEFAULT_BASE_URL = "https://github.com"
#: checkout.sh cloned the repository under test with --depth=2 (enough for a postsubmit's
#: ``sha^``), checkout_repos.sh's default; its EXTRA_REPOS were full clones.
SEED_DEPTH = 2


@dataclass(frozen=True)
class Request:
    src_dir: Path
    repos: tuple[str, ...] = ()  # --repos values, each ,-separated
    links: tuple[str, ...] = ()  # --links values, each ,-separated src=dest
    depth: str | None = None  # --depth N|all; None: the seed's defaults
    base_url: str = DEFAULT_BASE_URL
    job_type: str | None = None
    timeout: float = 1800.0  # the whole checkout
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def plan(request: Request, environ: Mapping[str, str]) -> list[tuple[RepoSpec, int | None]]:
    """Every repository to check out and its depth; UsageError for anything malformed."""
    depth_given = request.depth is not None
    depth = specs.parse_depth(request.depth)
    chosen: dict[str, tuple[RepoSpec, int | None]] = {}
    prow = specs.from_prow(environ, request.job_type)
    if prow is not None:
        chosen[prow.full_name.lower()] = (prow, depth if depth_given else SEED_DEPTH)
    extra = specs.parse_list(environ.get("EXTRA_REPOS", ""), ";", "EXTRA_REPOS")
    given = [s for value in request.repos for s in specs.parse_list(value, ",", "--repos")]
    for item in [*extra, *given]:
        item_depth = depth if depth_given or item.source == "EXTRA_REPOS" else SEED_DEPTH
        key = item.full_name.lower()
        if key not in chosen:
            chosen[key] = (item, item_depth)
            continue
        first = chosen[key][0]
        if first is prow:
            log.info(
                "%s (%s) is the repository under test: checked out at the job's ref, not %s",
                item.full_name, item.source, item.describe(),
            )  # fmt: skip
        elif replace(first, source="") != replace(item, source=""):
            raise UsageError(
                f"{item.full_name} is named twice with different refs: "
                f"{first.describe()} ({first.source}) and {item.describe()} ({item.source})"
            )
    if not chosen:
        raise UsageError(
            "nothing to check out: set REPO_OWNER and REPO_NAME (Prow does), EXTRA_REPOS, "
            "or give --repos ORG/NAME@SHA[:PR]"
        )
    return list(chosen.values())


def check_out_all(
    request: Request,
    environ: Mapping[str, str],
    redactor: Redactor,
) -> list[Result]:
    work = plan(request, environ)
    links = specs.parse_links(request.links)
    remote = Remote.parse(request.base_url)
    src = request.src_dir
    try:
        src.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"SRC_DIR {src}: {exc.strerror or exc}") from None
    root = src.resolve()
    git = Git(
        remote,
        redactor=redactor,
        policy=request.retry,
        deadline=time.monotonic() + request.timeout,
        environ=environ,
    )
    results = []
    for spec, depth in work:
        target = _inside(root, spec.path, f"{spec.full_name}'s directory")
        log.info(
            "checking out %s (%s, %s) into %s",
            spec.describe(), spec.source,
            "full history" if depth is None or spec.merges else f"depth {depth}", target,
        )  # fmt: skip
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _inside(root, spec.path, f"{spec.full_name}'s directory")  # a symlinked org dir
            result = check_out(spec, target, git, depth)
        except OSError as exc:  # the volume: full, read-only, not ours
            raise InfraError(
                f"{spec.describe()}: cannot write {exc.filename or target}: {exc.strerror or exc}"
            ) from None
        log.info("%s: %s at %s (%s)", spec.full_name, result.describe, result.sha, target)
        results.append(result)
    try:
        make_links(root, links)
    except OSError as exc:
        raise InfraError(f"--links: {exc.filename or root}: {exc.strerror or exc}") from None
    return results


def make_links(root: Path, links: Sequence[tuple[PurePosixPath, PurePosixPath]]) -> None:
    """``ln -sf SRC_DIR/src SRC_DIR/dest`` (checkout_repos.sh), with a relative link."""
    for src, dest in links:
        source = _inside(root, src, f"--links source {src}")
        if not source.exists():
            raise UsageError(
                f"--links {src}={dest}: {source} does not exist (nothing checked out there)"
            )
        link = root / dest
        link.parent.mkdir(parents=True, exist_ok=True)
        _inside(root, dest.parent, f"--links destination {dest}")
        if link.is_symlink():
            link.unlink()
        elif link.exists():
            raise UsageError(f"--links {src}={dest}: {link} exists and is not a link; remove it")
        os.symlink(os.path.relpath(source, link.parent.resolve()), link)
        log.info("linked %s -> %s", link, source)


def _inside(root: Path, relative: PurePosixPath, what: str) -> Path:
    """``root/relative``, refusing a path that leaves ``root`` through a symbolic link."""
    path = root / relative
    resolved = path.parent.resolve() / path.name
    if resolved != root and root not in resolved.parents:
        raise UsageError(f"{what}: {path} leads outside SRC_DIR {root} (through a symbolic link)")
    return path

"""``kftest checkout SRC_DIR``: check out the repository under test and its extra repositories.

Progress (and retries) go to stderr as a timestamped log, then one ``ORG/NAME DESCRIBE SHA
DIR`` line per repository to stdout (``git describe --tags --always --dirty``, as checkout.sh
printed it). Every line and every error message passes through the redactor, so no
credential reaches the output. Exit codes: 0 done, 1 a batch's pull requests do not merge,
2 a malformed spec or option, 3 git could not fetch a repository or ref after retries.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import click

from compiler.checkout.git import known_secrets, mask_urls
from compiler.checkout.repo import Result
from compiler.checkout.tree import Request, check_out_all
from compiler.cluster.retry import RetryPolicy
from compiler.diagnostics import EXIT_OK, KftestError, UsageError
from compiler.report.buildlog import BuildLog, Redactor


def run(
    src_dir: Path,
    *,
    repos: tuple[str, ...],
    links: tuple[str, ...],
    depth: str | None,
    base_url: str,
    checkout_timeout: float,
    retry_timeout: float,
) -> int:
    request = make_request(
        src_dir, repos=repos, links=links, depth=depth, base_url=base_url, timeout=checkout_timeout,
        retry_timeout=retry_timeout,
    )  # fmt: skip
    redactor = Redactor()
    with BuildLog(redactor):
        results = check_out(request, os.environ, redactor)
    for result in results:
        click.echo(redactor.text(line(result)))
    return EXIT_OK


def make_request(
    src_dir: Path,
    *,
    repos: tuple[str, ...] = (),
    links: tuple[str, ...] = (),
    depth: str | None = None,
    base_url: str,
    timeout: float,
    retry_timeout: float,
    job_type: str | None = None,
) -> Request:
    return Request(
        src_dir=src_dir,
        repos=repos,
        links=links,
        depth=depth,
        base_url=base_url,
        job_type=job_type,
        timeout=timeout,
        retry=RetryPolicy(timeout=retry_timeout, maximum=30.0),
    )


def check_out(request: Request, environ: Mapping[str, str], redactor: Redactor) -> list[Result]:
    """check_out_all, with the error message redacted (it keeps its exit code)."""
    redactor.add(known_secrets(environ))
    try:
        return check_out_all(request, environ, redactor)
    except KftestError as exc:
        exc.args = (redactor.text(mask_urls(str(exc))),)
        raise


def line(result: Result) -> str:
    return f"{result.spec.full_name} {result.describe} {result.sha} {result.path}"


def for_run(
    src_dir: Path,
    *,
    base_url: str,
    checkout_timeout: float,
    retry_timeout: float,
    job_type: str | None,
    environ: Mapping[str, str],
) -> Path:
    """``kftest run --checkout SRC_DIR``: check out the repository under test (and
    EXTRA_REPOS) first; the directory of the repository under test."""
    owner, name = environ.get("REPO_OWNER", ""), environ.get("REPO_NAME", "")
    if not owner or not name:
        raise UsageError("--checkout needs REPO_OWNER and REPO_NAME (Prow sets them)")
    request = make_request(
        src_dir, base_url=base_url, timeout=checkout_timeout, retry_timeout=retry_timeout,
        job_type=job_type,
    )  # fmt: skip
    redactor = Redactor()
    with BuildLog(redactor):
        results = check_out(request, environ, redactor)
    return results[0].path

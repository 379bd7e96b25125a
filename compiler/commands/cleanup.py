"""``kftest cleanup``: list, and with ``--yes`` delete, what failed tests left behind.

A dry run by default. Exit 0 when everything asked for was done, 1 when some deletion failed
(the others still happened), 3 when the cluster could not be reached after retries.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, TextIO

import click

from compiler.cluster.retry import policy_for
from compiler.diagnostics import UsageError
from compiler.operate import cleanup
from compiler.operate.cleanup import ResourceKind
from compiler.operate.cleanup_kinds import KINDS


def run(
    *,
    older_than: float,
    namespace: str,
    all_namespaces: bool,
    selector: str,
    kinds: Sequence[str],
    yes: bool,
    fmt: str,
    page_size: int,
    kubeconfig: str | None,
    context: str | None,
    retry_timeout: float,
) -> int:
    age = timedelta(seconds=older_than)
    if page_size < 1:
        raise UsageError(f"--page-size {page_size}: must be at least 1")
    if retry_timeout <= 0:
        raise UsageError(f"--retry-timeout {retry_timeout}: must be positive")
    policy = policy_for(retry_timeout)
    connection: list[Any] = []

    def connect() -> Any:
        if not connection:
            from compiler.cluster.api import Cluster

            connection.append(
                Cluster.connect(os.environ, kubeconfig=kubeconfig, context=context, policy=policy)
            )
        return connection[0]

    options = cleanup.KindOptions(
        namespace=None if all_namespaces else namespace,
        selector=selector or None,
        page_size=page_size,
        cluster=connect,
    )
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise UsageError(f"--kind {unknown[0]}: unknown; known kinds: {', '.join(sorted(KINDS))}")
    chosen = [KINDS[name](options) for name in dict.fromkeys(kinds or KINDS)]
    text = fmt == "text"
    if text:
        click.echo(cleanup.format_header(age, chosen))
    listing = Listing(sys.stderr) if sys.stderr.isatty() else None
    try:
        report = cleanup.cleanup(
            chosen,
            age,
            now=datetime.now(timezone.utc),
            delete=yes,
            progress=(lambda outcome: click.echo(cleanup.format_outcome(outcome)))
            if text
            else None,
            listing=listing,
        )
    finally:
        if listing is not None:
            listing.clear()
        if connection:
            connection[0].close()
    click.echo(cleanup.format_footer(report) if text else cleanup.render_json(report))
    return report.exit_code


class Listing:
    """On a terminal, while a large namespace is listed page by page: ``listing workflows in
    namespace X: 1500 so far``, rewritten in place at most ten times a second, and erased
    before the results are printed. Nothing when stderr is not a terminal (a log)."""

    def __init__(self, stream: TextIO, every: float = 0.1) -> None:
        self.stream = stream
        self.every = every
        self.shown = False
        self.last = 0.0

    def __call__(self, kind: ResourceKind, listed: int) -> None:
        now = time.monotonic()
        if self.shown and now - self.last < self.every:
            return
        self.last = now
        self.shown = True
        self.stream.write(f"\r\033[Klisting {kind.name} {kind.describe_scope()}: {listed} so far")
        self.stream.flush()

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False

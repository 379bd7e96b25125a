"""Runs with a teardown (Tekton ``tekton_teardown``): wait for the run, then start its teardown
run and wait for that, within the same deadline.

The teardown starts once the run has finished, whatever its result (it cleans up what the
test created); not when the wait for the run timed out or was stopped, because the run may
still be using what the teardown would delete. ``Group`` waits for ordinary runs and such
chains together, with one ``snapshot()`` and ``interrupt()`` for all of them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from compiler.cluster import retry
from compiler.cluster.kube import KubeSession, resource_of
from compiler.submit.batch import MultiWaiter, merge, run_all
from compiler.submit.wait import Change, Waiter, WaitResult

log = logging.getLogger("kftest.wait")

#: Creates a teardown body; returns False when it could not (the reason is logged).
Starter = Callable[[Mapping[str, Any]], bool]


class Chain:
    """One run, then its teardown."""

    def __init__(
        self,
        session: KubeSession,
        run: Mapping[str, Any],
        teardown: Mapping[str, Any],
        start: Starter,
        **wait: Any,
    ) -> None:
        self.session = session
        self.run_body = run
        self.teardown_body = teardown
        self.start = start
        self.wait = wait
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.current = self._waiter(run)
        self.waiters = [self.current]

    def _waiter(self, body: Mapping[str, Any]) -> Waiter:
        meta = body["metadata"]
        return Waiter(
            self.session,
            meta["namespace"],
            [meta["name"]],
            stop=self.stop,
            resource=resource_of(body),
            **self.wait,
        )

    def run(self) -> WaitResult:
        first = self.current.run()
        name = self.run_body["metadata"]["name"]
        teardown = self.teardown_body["metadata"]["name"]
        if self.stop.is_set() or first.pending():
            why = "the wait was stopped" if self.stop.is_set() else "it did not finish in time"
            log.error("%s: teardown %s not started: %s", name, teardown, why)
            return first
        log.info("%s finished (%s): starting its teardown %s", name, first.phases[name], teardown)
        if not self.start(self.teardown_body):
            return first
        with self.lock:
            self.current = self._waiter(self.teardown_body)
            self.waiters.append(self.current)
        return merge([first, self.current.run()])

    def snapshot(self) -> WaitResult:
        with self.lock:
            waiters = list(self.waiters)
        return merge([waiter.result() for waiter in waiters])

    def interrupt(self) -> None:
        self.stop.set()
        with self.lock:
            current = self.current
        current.interrupt()


class Group:
    """Waits for ``bodies`` (one watch per namespace and resource) and for each ``(run,
    teardown)`` chain, in parallel; the same interface as ``MultiWaiter``."""

    def __init__(
        self,
        session: KubeSession,
        bodies: Sequence[Mapping[str, Any]],
        chains: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
        start: Starter,
        *,
        timeout: float,
        policy: retry.RetryPolicy,
        on_change: Callable[[Change], None] | None = None,
        on_update: Callable[[str, dict[str, Any]], None] | None = None,
        resync: float = 60.0,
        started: float | None = None,
    ) -> None:
        wait = {
            "timeout": timeout,
            "policy": policy,
            "on_change": on_change,
            "on_update": on_update,
            "resync": resync,
            # One deadline for runs and teardowns alike.
            "started": time.monotonic() if started is None else started,
        }
        self.parts: list[Any] = []
        if bodies:
            self.parts.append(MultiWaiter(session, bodies, **wait))
        self.parts += [Chain(session, run, down, start, **wait) for run, down in chains]

    def run(self) -> WaitResult:
        return run_all(self.parts, self.interrupt)

    def snapshot(self) -> WaitResult:
        return merge([part.snapshot() for part in self.parts])

    def interrupt(self) -> None:
        for part in self.parts:
            part.interrupt()

"""Retries with exponential backoff, bounded in time, for calls to the cluster and to GCS.

A failed call is classified by its caller's ``classify``: ``RETRY`` (5xx, 429, a reset or
refused connection, a timeout), ``RELOAD`` (401/403: reload the credentials, then retry) or
``FATAL`` (re-raised as is, e.g. 409 or 422, which the caller interprets). When retrying has
gone on for ``policy.timeout`` seconds the call ends with an InfraError (exit code 3).
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from compiler.diagnostics import InfraError

T = TypeVar("T")
log = logging.getLogger("kftest.retry")


class Action(enum.Enum):
    RETRY = "retry"
    RELOAD = "reload"
    FATAL = "fatal"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. The defaults are for production; tests shrink every number."""

    timeout: float = 300.0  # give up after this long without a success (the seed: 5 min)
    initial: float = 1.0  # first backoff delay
    maximum: float = 10.0  # delays double up to this
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    reloads: int = 3  # credential reloads per call before 401/403 is final

    @property
    def request_timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)

    def delay(self, attempt: int, hint: float | None = None) -> float:
        """Backoff before retry number ``attempt`` (1-based); ``hint`` is a Retry-After."""
        delay = min(self.maximum, self.initial * 2 ** (attempt - 1))
        return min(self.maximum, max(delay, hint)) if hint else delay


def policy_for(timeout: float) -> RetryPolicy:
    """The production retry policy, with every delay shortened when ``timeout`` (how long to
    keep trying an unreachable cluster) is shorter than its default."""
    default = RetryPolicy()
    if timeout >= default.timeout:
        return RetryPolicy(timeout=timeout)
    return RetryPolicy(
        timeout=timeout,
        initial=min(default.initial, timeout / 10),
        maximum=min(default.maximum, max(timeout / 4, 0.01)),
        connect_timeout=min(default.connect_timeout, max(timeout, 0.5)),
        read_timeout=min(default.read_timeout, max(timeout, 5.0)),
    )


Classifier = Callable[[BaseException], tuple[Action, float | None]]


class Streak:
    """The failures since the last success: when to retry, reload, or give up."""

    def __init__(self, policy: RetryPolicy, what: str, clock: Callable[[], float] = time.monotonic):
        self.policy = policy
        self.what = what
        self.clock = clock
        self.started: float | None = None
        self.attempts = 0
        self.reloads = 0

    def reset(self) -> None:
        self.started = None
        self.attempts = 0
        self.reloads = 0

    def failed(self, action: Action, problem: str, hint: float | None = None) -> float:
        """Record a failure; the delay before the next attempt, or InfraError when out of time."""
        now = self.clock()
        if self.started is None:
            self.started = now
        self.attempts += 1
        if action is Action.RELOAD:
            self.reloads += 1
            if self.reloads > self.policy.reloads:
                raise InfraError(
                    f"{self.what}: still refused after reloading the credentials "
                    f"{self.policy.reloads} times: {problem}"
                )
            log.warning("%s: %s; reloading credentials and retrying", self.what, problem)
            return 0.0
        delay = self.policy.delay(self.attempts, hint)
        if now - self.started + delay > self.policy.timeout:
            raise InfraError(
                f"{self.what}: giving up after {self.attempts} attempts in "
                f"{now - self.started:.1f}s: {problem}"
            )
        log.warning("%s: %s; retry %d in %.1fs", self.what, problem, self.attempts, delay)
        return delay


def call(
    function: Callable[[], T],
    *,
    policy: RetryPolicy,
    what: str,
    classify: Classifier,
    describe: Callable[[BaseException], str],
    reload: Callable[[], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``function()``, retried per ``policy``; FATAL errors propagate unchanged."""
    streak = Streak(policy, what)
    while True:
        try:
            return function()
        except Exception as exc:
            action, hint = classify(exc)
            if action is Action.FATAL or (action is Action.RELOAD and reload is None):
                raise
            delay = streak.failed(action, describe(exc), hint)
            if action is Action.RELOAD and reload is not None:
                reload()
            if delay:
                sleep(delay)

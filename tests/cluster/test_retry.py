from __future__ import annotations

import pytest

from compiler.cluster.retry import Action, RetryPolicy, Streak, call
from compiler.diagnostics import InfraError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_delays_double_up_to_the_maximum() -> None:
    policy = RetryPolicy(initial=1.0, maximum=10.0)
    assert [policy.delay(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert policy.delay(1, hint=5.0) == 5.0  # Retry-After
    assert policy.delay(1, hint=60.0) == 10.0


def test_gives_up_after_the_timeout() -> None:
    clock = Clock()
    streak = Streak(RetryPolicy(timeout=20.0), "create x", clock)
    waited = 0.0
    with pytest.raises(InfraError, match=r"create x: giving up after \d+ attempts"):
        while True:
            delay = streak.failed(Action.RETRY, "HTTP 503")
            clock.sleep(delay)
            waited += delay
    assert 10 <= waited <= 20


def test_reload_then_retry_without_waiting() -> None:
    streak = Streak(RetryPolicy(reloads=2), "get x")
    assert streak.failed(Action.RELOAD, "HTTP 401") == 0.0
    assert streak.failed(Action.RELOAD, "HTTP 401") == 0.0
    with pytest.raises(InfraError, match="reloading the credentials 2 times"):
        streak.failed(Action.RELOAD, "HTTP 401")


def test_call_retries_reloads_and_passes_fatal_errors() -> None:
    clock = Clock()
    outcomes: list[BaseException | str] = [ConnectionError(), PermissionError(), "done"]
    reloads: list[int] = []

    def function() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def classify(exc: BaseException) -> tuple[Action, float | None]:
        return (Action.RELOAD if isinstance(exc, PermissionError) else Action.RETRY), None

    result = call(
        function,
        policy=RetryPolicy(),
        what="op",
        classify=classify,
        describe=repr,
        reload=lambda: reloads.append(1),
        sleep=clock.sleep,
    )
    assert (result, reloads, clock.now) == ("done", [1], 1.0)
    with pytest.raises(KeyError):
        call(
            lambda: {}["missing"],
            policy=RetryPolicy(),
            what="op",
            classify=lambda exc: (Action.FATAL, None),
            describe=repr,
        )

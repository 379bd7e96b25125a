"""Worker processes: order, time limits, crashes, progress, and both start methods."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest

from compiler.evaluate import pool


def work(task: tuple[str, Any], notify: pool.Notify) -> Any:
    """Module-level, so that it also runs under the "spawn" start method."""
    kind, value = task
    if kind == "echo":
        return (value, os.getpid())
    if kind == "sleep":
        time.sleep(value)
        return "woke"
    if kind == "progress-then-sleep":
        notify("half done", 0.5)
        time.sleep(value)
        return "woke"
    if kind == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if kind == "exit":
        os._exit(value)
    if kind == "raise":
        raise ValueError(value)
    raise AssertionError(kind)


def budget(task: tuple[str, Any]) -> float:
    return 0.5


def test_results_come_back_in_task_order_from_worker_processes() -> None:
    tasks = [("echo", index) for index in range(12)]
    results = pool.run(tasks, work, budget, jobs=2)
    assert [value for value, _ in results] == list(range(12))
    pids = {pid for _, pid in results}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


def test_a_task_over_budget_is_killed_and_the_rest_go_on() -> None:
    started = time.monotonic()
    results = pool.run([("sleep", 30), ("echo", 1), ("echo", 2)], work, budget, jobs=1)
    assert time.monotonic() - started < 5
    assert results[0] == pool.Failure("timeout", True)
    assert [value for value, _ in results[1:]] == [1, 2]


def test_a_crash_is_a_failure_and_the_rest_go_on() -> None:
    results = pool.run([("segfault", None), ("exit", 7), ("echo", 3)], work, budget, jobs=1)
    assert results[0] == pool.Failure("crashed (SIGSEGV)", False)
    assert results[1] == pool.Failure("exited with status 7", False)
    assert results[2][0] == 3


def test_progress_restarts_the_clock_and_is_kept_on_failure() -> None:
    [lost] = pool.run([("progress-then-sleep", 30)], work, budget)
    assert lost == pool.Failure("timeout", True, "half done")
    [done] = pool.run([("progress-then-sleep", 0.2)], work, lambda task: 0.3)
    assert done == "woke"  # 0.2 s after the progress report, within its new 0.5 s


def test_an_exception_in_a_task_is_a_bug_and_raises() -> None:
    with pytest.raises(pool.WorkerError, match="ValueError: boom"):
        pool.run([("raise", "boom")], work, budget)


def test_spawn_start_method_works_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "start_method", lambda: "spawn")
    results = pool.run([("echo", "a"), ("sleep", 30)], work, lambda task: 0.5, jobs=1)
    assert results[0][0] == "a"
    assert results[1] == pool.Failure("timeout", True)


def test_fork_is_avoided_once_the_go_runtime_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "_gojsonnet", object())
    assert pool.start_method() == "spawn"


def test_no_tasks() -> None:
    assert pool.run([], work, budget) == []

"""Run tasks in worker processes, each under a wall-clock budget.

Evaluation runs user code (jsonnet, a py_func) that may loop forever or crash a native binding.
A thread cannot be stopped inside a C call, so every task runs in a worker process that the
parent kills when its budget runs out, or finds dead when the binding crashed; either way the
task becomes a ``Failure`` and the remaining tasks go on in a fresh worker.

A task may call ``notify(payload, budget)`` to report progress: the parent keeps the payload
(returned in the ``Failure`` if the task is later lost) and restarts the clock with the new
budget.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Notify = Callable[[Any, float], None]

#: Native modules whose runtime does not survive ``fork`` (Go starts threads when loaded).
FORK_UNSAFE_MODULES = ("_gojsonnet",)
_STOP_GRACE = 1.0
_STARTUP_ALLOWANCE = 60.0


@dataclass(frozen=True)
class Failure:
    """A task that did not return: ``reason`` is "timeout" or a description of the crash."""

    reason: str
    timed_out: bool
    partial: Any = None  # the last payload the task reported


class WorkerError(RuntimeError):
    """A task raised: a bug in kftest, not a problem in the user's input."""


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def start_method() -> str:
    # fork is cheap (the worker starts with kftest imported) but only safe on Linux, and only
    # while no native runtime with threads of its own is loaded.
    if sys.platform.startswith("linux") and not any(m in sys.modules for m in FORK_UNSAFE_MODULES):
        return "fork"
    return "spawn"


def run(
    tasks: Sequence[T],
    work: Callable[[T, Notify], R],
    budget: Callable[[T], float],
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[R | Failure]:
    """``work(task, notify)`` for every task, in worker processes; results in task order.

    ``work`` must be a module-level function when the start method is "spawn".
    ``progress(done, total)`` is called in this process as each task finishes.
    """
    if not tasks:
        return []
    context = multiprocessing.get_context(start_method())
    results: dict[int, R | Failure] = {}
    pending = deque(range(len(tasks)))
    workers: list[_Worker] = []
    try:
        for _ in range(min(jobs or default_jobs(), len(tasks))):
            worker = _Worker.start(context, work)
            workers.append(worker)
            worker.give(pending, tasks, budget)
        while any(worker.index is not None for worker in workers):
            busy = [worker for worker in workers if worker.index is not None]
            timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
            ready = wait([worker.conn for worker in busy], timeout=timeout)
            for worker in busy:
                index = worker.index
                assert index is not None
                if worker.conn in ready:
                    outcome = worker.receive(budget(tasks[index]))
                elif time.monotonic() >= worker.deadline:
                    outcome = Failure("timeout", True, worker.partial)
                    worker.kill()
                else:
                    continue
                if outcome is _Worker.PENDING:
                    continue
                results[index] = outcome
                if progress is not None:
                    progress(len(results), len(tasks))
                if not worker.alive:
                    workers.remove(worker)
                    if pending:
                        worker = _Worker.start(context, work)
                        workers.append(worker)
                worker.give(pending, tasks, budget)
    finally:
        for worker in workers:
            worker.stop()
    return [results[index] for index in range(len(tasks))]


@dataclass
class _Worker:
    PENDING = object()

    process: BaseProcess
    conn: Connection
    index: int | None = None
    deadline: float = float("inf")
    partial: Any = None
    alive: bool = True

    @classmethod
    def start(cls, context: BaseContext, work: Callable[[Any, Notify], Any]) -> _Worker:
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, work), daemon=True)  # type: ignore[attr-defined]
        process.start()
        child.close()
        return cls(process, parent)

    def give(
        self, pending: deque[int], tasks: Sequence[Any], budget: Callable[[Any], float]
    ) -> None:
        self.index, self.partial, self.deadline = None, None, float("inf")
        if not pending or not self.alive:
            return
        index = pending.popleft()
        self.conn.send((index, tasks[index]))
        # The clock starts when the worker picks the task up: a worker that is still starting
        # (under "spawn", Python itself is) is not charged for it, within reason.
        self.index, self.deadline = index, time.monotonic() + _STARTUP_ALLOWANCE

    def receive(self, default_budget: float) -> Any:
        try:
            message = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(_STOP_GRACE)
            self.alive = False
            self.conn.close()
            return Failure(_describe_exit(self.process.exitcode), False, self.partial)
        kind = message[0]
        if kind == "started":
            self.deadline = time.monotonic() + default_budget
            return self.PENDING
        if kind == "progress":
            _, payload, budget = message
            self.partial = payload
            self.deadline = time.monotonic() + (budget or default_budget)
            return self.PENDING
        if kind == "raised":
            raise WorkerError(f"evaluation worker failed:\n{message[1]}")
        return message[1]

    def kill(self) -> None:
        self.alive = False
        if self.process.is_alive():
            self.process.kill()
        self.process.join(_STOP_GRACE)
        self.conn.close()

    def stop(self) -> None:
        if self.alive:
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.process.join(_STOP_GRACE)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(_STOP_GRACE)
        self.conn.close()


def _serve(conn: Connection, work: Callable[[Any, Notify], Any]) -> None:
    # Ctrl-C reaches the whole process group; the parent decides what happens to workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A crash is reported by the parent; a Python stack dump of the worker would be noise.
    faulthandler.disable()

    def notify(payload: Any, budget: float) -> None:
        conn.send(("progress", payload, budget))

    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        _, task = item
        conn.send(("started",))
        try:
            result = work(task, notify)
            conn.send(("done", result))
        except BaseException:
            conn.send(("raised", traceback.format_exc()))


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "the worker disappeared"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"crashed ({name})"
    return f"exited with status {code}"

"""Run tasks in worker processes, each under a CPU-time budget and a memory limit.

Evaluation runs user code (jsonnet, a py_func) that may loop forever, allocate without end or
crash a native binding. A thread cannot be stopped inside a C call, so every task runs in a
worker process that the parent kills when its budget runs out, or finds dead when the binding
crashed; either way the task becomes a ``Failure`` and the remaining tasks go on in a fresh
worker.

**Budgets are CPU time** of the worker (read from ``/proc``), so a busy CI machine that gives a
worker half a core does not turn a slow but finite component into an error; a wall-clock
backstop (``WALL_FACTOR`` times the budget plus ``WALL_SLACK``) still ends a task that sleeps or
waits. Where ``/proc`` is missing the budget is wall-clock time.

**Memory**: each worker runs under ``RLIMIT_DATA``: ``memory`` bytes more than the heap it
inherits from the parent (a parent holding a large configuration leaves the budget whole); a
binding that runs out aborts, and the parent reports ``Failure(kind="memory")``. The worker's
stderr goes to a file the parent reads when it dies, to tell a stack overflow or an
out-of-memory abort from another crash (and to keep a Go runtime dump of hundreds of lines off
the user's terminal).

**Orphans**: a worker dies with its parent, whatever signal ends the parent
(``PR_SET_PDEATHSIG`` on Linux), so a killed ``kftest`` leaves no evaluation running.

A task may call ``notify(payload, budget)`` to report progress: the parent keeps the payload
(returned in the ``Failure`` if the task is later lost) and restarts the clock with the new
budget. ``notify.later(payload, budget)`` does the same only if the task is still running when
about half of what is left of its budget (at most ``LATER_AFTER`` seconds) has passed: a task
that is nearly done need not send its payload across just in case (most of them finish in
milliseconds); a slow one reports it in time. A task the worker itself sees fail (a
``MemoryError``) reports a pending payload first.

**Messages.** A worker sends "started" once, when it picks up its first task (its stderr is
open then); it gets every task with its budget (a forked worker, which has the task list in
its copy of the parent's memory, only the task's index), and the clock of a later task starts
when the parent hands it over. Each task ends with one message, "done" (or "raised",
"memory"), so a run costs about one message each way per task.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import gc
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Notify(Protocol):
    """How a task reports progress (see the module docstring)."""

    def __call__(self, payload: Any, budget: float) -> None: ...

    def later(self, payload: Any, budget: float) -> None: ...


#: Native modules whose runtime does not survive ``fork`` (Go starts threads when loaded).
FORK_UNSAFE_MODULES = ("_gojsonnet",)
_STOP_GRACE = 1.0
_STARTUP_ALLOWANCE = 60.0
#: The wall-clock backstop of a task: max(budget * WALL_FACTOR, budget + WALL_SLACK) seconds.
WALL_FACTOR = 4.0
WALL_SLACK = 20.0
#: How often the parent reads the CPU time of busy workers.
POLL_INTERVAL = 0.1
#: ``notify.later``: at most this many seconds until the payload is sent (see ``_Notifier``).
LATER_AFTER = 1.0
#: ... and never later than half of what is left of the budget, less this margin (the parent's
#: clock starts a little before the worker's: while the task is handed over).
LATER_MARGIN = 0.1
#: Default memory limit of a worker: generous for any real component.
DEFAULT_MEMORY = 1 << 30
_PR_SET_PDEATHSIG = 1
#: What a worker's stderr says when it ran out of memory or stack (Go, Rust, C++ runtimes).
_MEMORY_WORDS = (
    "out of memory",
    "cannot allocate memory",
    "memory allocation of",
    "std::bad_alloc",
    "MemoryError",
)
_STACK_WORDS = ("overflowed its stack", "stack overflow", "goroutine stack exceeds")


@dataclass(frozen=True)  # mutation: equivalent[True -> False] — nothing changes or hashes one
class Failure:
    """A task that did not return.

    ``kind`` is "timeout", "memory" (the memory limit), "stack" (the native stack overflowed:
    runaway recursion the binding did not bound) or "crash"; ``reason`` describes it.
    """

    reason: str
    timed_out: bool
    partial: Any = None  # the last payload the task reported
    kind: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", "timeout" if self.timed_out else "crash")


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
    memory: int | None = DEFAULT_MEMORY,
    progress: Callable[[int, int], None] | None = None,
) -> list[R | Failure]:
    """``work(task, notify)`` for every task, in worker processes; results in task order.

    ``budget(task)`` is CPU seconds; ``memory`` the bytes each worker may allocate (None: no
    limit). ``work`` must be a module-level function when the start method is "spawn".
    ``progress(done, total)`` is called in this process as each task finishes.
    """
    if not tasks:
        return []
    context = multiprocessing.get_context(start_method())
    results: dict[int, R | Failure] = {}
    pending = deque(range(len(tasks)))
    workers: list[_Worker] = []

    # A forked worker has the tasks already (fork copies the parent's memory): it is sent only
    # their indexes, not a pickle of each.
    inherited = tasks if context.get_start_method() == "fork" else None

    def start() -> _Worker:
        worker = _Worker.start(context, work, memory, inherited)
        workers.append(worker)
        return worker

    # What the parent holds now (modules, schemas, the configuration), forked workers hold too:
    # frozen, their garbage collections skip it (and leave its pages shared).
    gc.freeze()
    try:
        for _ in range(min(jobs or default_jobs(), len(tasks))):
            start().give(pending, tasks, budget)
        while any(worker.index is not None for worker in workers):
            busy = [worker for worker in workers if worker.index is not None]
            now = time.monotonic()
            timeout = max(0.0, min(worker.deadline for worker in busy) - now)
            if any(worker.cpu_budget is not None for worker in busy):
                timeout = min(timeout, POLL_INTERVAL)
            ready = wait([worker.conn for worker in busy], timeout=timeout)
            for worker in busy:
                index = worker.index
                assert index is not None
                if worker.conn in ready:
                    outcome = worker.receive(budget(tasks[index]))
                elif worker.over_budget():
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
                        worker = start()
                worker.give(pending, tasks, budget)
    finally:
        gc.unfreeze()
        for worker in workers:
            worker.stop()
    return [results[index] for index in range(len(tasks))]


@dataclass
class _Worker:
    PENDING = object()

    process: BaseProcess
    conn: Connection
    stderr: str  # the file the worker's stderr goes to (unlinked once the worker has it open)
    stderr_fd: int  # the parent's handle on it, to read it after the worker died
    inherits: bool  # it was forked with the tasks: it is sent their indexes only
    index: int | None = None
    deadline: float = float("inf")  # wall clock: the backstop (or the budget without /proc)
    cpu_deadline: float = float("inf")
    cpu_budget: float | None = None  # None: the budget is measured in wall-clock time
    partial: Any = None
    alive: bool = True
    started: bool = False  # it has picked up its first task (and opened its stderr)
    cpu_checked: float = float("-inf")  # when its CPU time was last read (monotonic)

    @classmethod
    def start(
        cls,
        context: BaseContext,
        work: Callable[[Any, Notify], Any],
        memory: int | None,
        inherited: Sequence[Any] | None = None,
    ) -> _Worker:
        parent, child = context.Pipe()
        handle, stderr = tempfile.mkstemp(prefix="kftest-worker-", suffix=".stderr")
        process = context.Process(  # type: ignore[attr-defined]
            target=_serve,
            args=(child, work, os.getpid(), memory, stderr, inherited),
            daemon=True,
        )
        process.start()
        # Closed here so as not to rely on refcounting (Process.start drops its args):
        # mutation: equivalent[delete expr] — CPython closes it anyway as start() returns
        child.close()
        return cls(process, parent, stderr, handle, inherits=inherited is not None)

    def give(
        self, pending: deque[int], tasks: Sequence[Any], budget: Callable[[Any], float]
    ) -> None:
        self.index, self.partial, self.deadline = None, None, float("inf")
        self.cpu_budget, self.cpu_deadline = None, float("inf")
        if not pending or not self.alive:
            return
        index = pending.popleft()
        cpu_budget = budget(tasks[index])
        self.conn.send((index, cpu_budget) if self.inherits else (index, cpu_budget, tasks[index]))
        self.index = index
        if self.started:
            # It waits for the task: the clock starts now, without a message to say so.
            self.restart_clock(cpu_budget)
        else:
            # The clock starts when the worker picks its first task up: a worker that is still
            # starting (under "spawn", Python itself is) is not charged for it, within reason.
            self.deadline = time.monotonic() + _STARTUP_ALLOWANCE

    def restart_clock(self, budget: float) -> None:
        cpu = _cpu_seconds(self.process.pid)
        self.cpu_checked = time.monotonic()
        if cpu is None:
            self.cpu_budget, self.deadline = None, time.monotonic() + budget
            return
        self.cpu_budget, self.cpu_deadline = budget, cpu + budget
        self.deadline = time.monotonic() + max(budget * WALL_FACTOR, budget + WALL_SLACK)

    def over_budget(self) -> bool:
        now = time.monotonic()
        if now >= self.deadline:  # mutation: equivalent[GtE -> Gt] — the same instant, never
            return True
        # How often /proc is read is a cost only (without a budget, cpu_deadline is infinity):
        # mutation: equivalent[Or -> And|Lt -> LtE|Sub -> Add|Div -> Mult|2 -> 3] — (see above)
        if self.cpu_budget is None or now - self.cpu_checked < POLL_INTERVAL / 2:
            # Another worker's message woke the parent: this one's CPU time was read lately
            # enough (reading /proc for every message would cost more than the messages).
            return False  # mutation: equivalent[return None] — None is as false to run()
        self.cpu_checked = now
        cpu = _cpu_seconds(self.process.pid)
        # mutation: equivalent[GtE -> Gt] — one clock tick (10 ms of CPU time) later at most
        return cpu is not None and cpu >= self.cpu_deadline

    def receive(self, default_budget: float) -> Any:
        try:
            message = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(_STOP_GRACE)
            self.alive = False
            failure = _describe_death(self.process.exitcode, self.stderr_fd, self.partial)
            self.close()
            return failure
        kind = message[0]
        if kind == "started":
            # The worker has its stderr open: the name can go, so that nothing is left behind
            # even when kftest itself is killed.
            self.started = True
            _remove(self.stderr)
            self.restart_clock(default_budget)
            return self.PENDING
        if kind == "progress":
            _, payload, budget = message
            self.partial = payload
            self.restart_clock(budget or default_budget)
            return self.PENDING
        if kind == "memory":
            self.kill()  # it exits anyway: its state after a MemoryError cannot be trusted
            return Failure("ran out of memory", False, self.partial, kind="memory")
        if kind == "raised":
            raise WorkerError(f"evaluation worker failed:\n{message[1]}")
        return message[1]

    def kill(self) -> None:
        self.alive = False
        self.stop()

    def stop(self) -> None:
        """Ask the worker to exit (not one killed or dead), kill it if it does not; close."""
        if self.alive:
            with contextlib.suppress(OSError):
                self.conn.send(None)
            # mutation: equivalent[delete expr] — killed at once instead, with nothing left to do
            self.process.join(_STOP_GRACE)  # (only coverage's data of the worker is lost then)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(_STOP_GRACE)
        self.close()

    def close(self) -> None:
        """Let go of an exited worker's pipe, process handles and stderr file (a caller that
        keeps an exception from ``run`` keeps its frames, and with them the workers)."""
        self.conn.close()
        with contextlib.suppress(ValueError):  # still running after all: its handles go with it
            self.process.close()
        _release(self.stderr, self.stderr_fd)


def _serve(
    conn: Connection,
    work: Callable[[Any, Notify], Any],
    parent: int,
    memory: int | None,
    stderr: str,
    inherited: Sequence[Any] | None = None,
) -> None:
    die_with(parent)
    # Ctrl-C reaches the whole process group; the parent decides what happens to workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A crash is reported by the parent; a Python stack dump of the worker would be noise.
    faulthandler.disable()
    # Native runtimes write crash dumps to fd 2: keep them for the parent's diagnosis.
    with contextlib.suppress(OSError):
        handle = os.open(stderr, os.O_WRONLY | os.O_APPEND)
        os.dup2(handle, 2)
        # mutation: equivalent[delete expr] — a second handle on fd 2's file, not inherited
        os.close(handle)
    if memory is not None:
        limit_memory(memory)

    notify = _Notifier(conn)
    started = False
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        index, budget, *sent = item
        task = sent[0] if sent else inherited[index]  # type: ignore[index]
        notify.begin(budget)
        if not started:  # later tasks' clocks start when the parent gives them
            notify.send(("started",))
            started = True  # mutation: equivalent[True -> False] — "started" again: a restart
        try:
            result = work(task, notify)
            notify.send(("done", result))
        except MemoryError:
            # Python's own allocations hit the limit: the worker may be in any state.
            with contextlib.suppress(BaseException):
                notify.flush()
                notify.send(("memory",))
            # mutation: equivalent — the parent kills it on reading "memory": never seen
            os._exit(1)
        except BaseException:
            notify.send(("raised", traceback.format_exc()))


class _Notifier:
    """A worker's ``notify``: progress reports now, or later if the task is still running.

    ``later`` leaves the payload with a watcher thread (started on first use), which sends it
    when its time comes unless the task's next message (``send``) came first. The time is
    measured on the wall clock, which runs at least as fast as the task's CPU time, so the
    payload reaches the parent before the budget it counts in CPU time runs out.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Condition()
        self._later: tuple[Any, float, float] | None = None  # payload, budget, when (monotonic)
        self._watcher: threading.Thread | None = None
        self._wakes = float("inf")  # when the watcher wakes up by itself (monotonic)
        self._cpu = 0.0  # the task's CPU clock started at this process_time()
        self._budget = float("inf")

    def begin(self, budget: float) -> None:
        self._cpu, self._budget = time.process_time(), budget

    def send(self, message: Any) -> None:
        with self._lock:
            self._later = None
            self._conn.send(message)

    def __call__(self, payload: Any, budget: float) -> None:
        self.send(("progress", payload, budget))
        self.begin(budget)

    def later(self, payload: Any, budget: float) -> None:
        left = self._budget - (time.process_time() - self._cpu)
        wait = min(LATER_AFTER, (left - LATER_MARGIN) / 2)
        if wait <= 0:  # mutation: equivalent[LtE -> Lt] — waiting 0 s: sent at once all the same
            self(payload, budget)
            return
        when = time.monotonic() + wait
        with self._lock:
            self._later = (payload, budget, when)
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, daemon=True)
                self._watcher.start()
            # Woken if it sleeps past this payload's time (else it finds it as it wakes up):
            # mutation: equivalent[Lt -> LtE] — the same instant, never
            elif when < self._wakes:
                self._lock.notify()

    def flush(self) -> None:
        """Send a payload left for later now."""
        with self._lock:
            if self._later is not None:
                payload, budget, _ = self._later
                self(payload, budget)

    def _watch(self) -> None:
        with self._lock:
            while True:
                if self._later is None:
                    self._wakes = float("inf")
                    self._lock.wait()
                    # mutation: equivalent[delete continue] — only later() wakes it, _later set
                    continue  # (the next turn finds _later set as well)
                payload, budget, when = self._later
                wait = when - time.monotonic()
                if wait > 0:  # mutation: equivalent[Gt -> GtE] — the same instant, never
                    self._wakes = when
                    self._lock.wait(wait)
                    continue
                self._later = None
                self._conn.send(("progress", payload, budget))
                self.begin(budget)


def die_with(parent: int) -> None:
    """Have the kernel kill this process when ``parent`` dies, whatever killed it (Linux)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)  # mutation: equivalent — errno is not read
        # mutation: equivalent[0 -> 1] — PR_SET_PDEATHSIG reads its second argument only
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)  # mutation: equivalent[1 -> 2] — no parent is left to read the status


def limit_memory(size: int) -> None:
    """At most ``size`` more bytes of heap for this process (and what it starts) than it holds
    now: a worker forked from a parent that holds a large configuration gets the whole ``size``
    for its evaluations, not what the parent's copy leaves of it."""
    import resource

    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        size += _data_bytes()
        if hard != resource.RLIM_INFINITY:
            size = min(size, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (size, hard))


def _data_bytes(path: str = "/proc/self/status") -> int:
    """What RLIMIT_DATA counts for this process now (``VmData``), or 0 without /proc."""
    try:
        with open(path, "rb") as status:
            for line in status:
                if line.startswith(b"VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


# mutation: equivalent[100 -> 101] — without os.sysconf there is no /proc to divide by it
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of process ``pid`` (all its threads), or None without /proc."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2 :].split()
    try:
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    except (IndexError, ValueError):
        return None


def _describe_death(code: int | None, stderr: int, partial: Any) -> Failure:
    """Why a worker died: its exit status, and what its runtime said on stderr."""
    said = _tail(stderr)
    if any(word in said for word in _MEMORY_WORDS):
        return Failure("ran out of memory", False, partial, kind="memory")
    if any(word in said for word in _STACK_WORDS) or code == -signal.SIGSEGV:
        # A binding's native recursion overflows the stack (SIGSEGV when its runtime does not
        # catch it): the evaluation recursed without bound.
        return Failure("overflowed the native stack", False, partial, kind="stack")
    return Failure(_describe_exit(code), False, partial)


# mutation: equivalent[64 -> 65|1024 -> 1025] — any tail that holds a runtime's last words
def _tail(fd: int, size: int = 64 * 1024) -> str:
    try:
        end = os.fstat(fd).st_size
        return os.pread(fd, size, max(0, end - size)).decode("utf-8", errors="replace")
    except OSError:  # the parent's own handle on its own file: not expected
        return ""  # mutation: equivalent[return None] — unreachable: fstat/pread of its own fd


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _release(path: str, fd: int) -> None:
    _remove(path)
    with contextlib.suppress(OSError):
        os.close(fd)


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

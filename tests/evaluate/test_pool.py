"""Worker processes: order, time limits, crashes, progress, and both start methods."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
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
    if kind == "spin":  # CPU time, which is what the budget counts
        end = time.monotonic() + value
        while time.monotonic() < end:
            pass
        return "spun"
    if kind == "progress-then-spin":
        notify("half done", 0.5)
        return work(("spin", value), notify)
    if kind == "later-then-spin":
        notify.later("half done", 0.5)
        return work(("spin", value), notify)
    if kind == "later-then-allocate":
        notify.later("half done", 0.5)
        return work(("allocate", value), notify)
    if kind == "later-then-echo":
        notify.later(Sent(value), 0.5)
        return "echo"
    if kind == "allocate":
        return len(bytearray(value))
    if kind == "pid-then-spin":
        with open(value, "w") as handle:
            handle.write(str(os.getpid()))
        return work(("spin", 60), notify)
    if kind == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if kind == "exit":
        os._exit(value)
    if kind == "signal":
        os.kill(os.getpid(), value)
    if kind == "say-then-exit":  # what a native runtime prints to fd 2 as it dies
        os.write(2, value.encode())
        os._exit(2)
    if kind == "raise":
        raise ValueError(value)
    if kind == "reserve":  # address space, as a native binding's malloc asks for it
        return _reserve(value)
    if kind == "interrupt-then-echo":  # Ctrl-C: the terminal signals the whole process group
        os.kill(os.getppid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        return work(("spin", 0.05), notify)
    if kind == "call":
        return value()
    if kind == "cpu":  # CPU time itself, however little of it a loaded machine gives
        _cpu_spin(value)
        return "spun"
    if kind == "progress-then-cpu":
        budget_after, seconds = value
        notify("half done", budget_after)
        return work(("cpu", seconds), notify)
    if kind == "kernel":  # system CPU time: a task busy in system calls (reading, say)
        end = os.times().system + value
        buffer = bytearray(1 << 20)
        with open("/dev/zero", "rb", buffering=0) as zero:
            while os.times().system < end:
                zero.readinto(buffer)
        return "read"
    if kind == "later-timed":  # steps, then notify.later: how long until it was sent
        path, steps = value
        for number, (step, argument) in enumerate(steps):
            if step == "cpu":
                _cpu_spin(argument)
            elif step == "sleep":
                time.sleep(argument)
            elif step == "notify":
                notify("now", argument)
            elif step == "later":  # left for later, and dropped by the next report
                notify.later("early", argument)
            elif step == "sent":  # left for later, and sent
                _sent_after(notify, f"{path}.{number}", argument)
        return _sent_after(notify, path, 30.0)
    if kind == "frozen":
        import gc

        return gc.get_freeze_count()
    raise AssertionError(kind)


def _reserve(size: int) -> bool:
    """Whether ``size`` bytes can be allocated (and freed again, its pages never touched)."""
    import ctypes

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    address = libc.malloc(size)
    libc.free(address)
    return address is not None


def _cpu_spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def _sent_after(notify: pool.Notify, path: str, budget: float) -> float:
    """Seconds from ``notify.later`` until its payload was sent (pickled) to the parent."""
    called = time.monotonic()
    notify.later(Stamp(path), budget)
    deadline = called + 30
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.01)
    return float(Path(path).read_text()) - called


class Stamp:
    """A payload that writes down when it was sent (pickled) to the parent."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __getstate__(self) -> dict[str, str]:
        Path(f"{self.path}.part").write_text(repr(time.monotonic()))
        os.replace(f"{self.path}.part", self.path)  # whole, for the task that waits for it
        return {"path": self.path}


class Sent:
    """A payload that leaves a file behind when it is sent (pickled) to the parent."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __getstate__(self) -> dict[str, str]:
        Path(self.path).write_text("sent")
        return {"path": self.path}


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
    results = pool.run([("spin", 30), ("echo", 1), ("echo", 2)], work, budget, jobs=1)
    assert time.monotonic() - started < 10
    assert results[0] == pool.Failure("timeout", True)
    assert [value for value, _ in results[1:]] == [1, 2]


def test_the_budget_is_cpu_time_so_waiting_is_not_charged() -> None:
    # A busy machine gives a worker less CPU per second; sleeping is the extreme case.
    assert pool.run([("sleep", 1.0)], work, lambda task: 0.3) == ["woke"]


def test_a_wall_clock_backstop_ends_a_task_that_only_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pool, "WALL_FACTOR", 1.0)
    monkeypatch.setattr(pool, "WALL_SLACK", 1.0)
    started = time.monotonic()
    assert pool.run([("sleep", 60)], work, lambda task: 0.2) == [pool.Failure("timeout", True)]
    assert time.monotonic() - started < 10


def test_a_crash_is_a_failure_and_the_rest_go_on() -> None:
    results = pool.run([("segfault", None), ("exit", 7), ("echo", 3)], work, budget, jobs=1)
    # A native binding's SIGSEGV is its stack overflowing: recursion it did not bound.
    assert results[0] == pool.Failure("overflowed the native stack", False)
    assert results[0].kind == "stack"
    assert results[1] == pool.Failure("exited with status 7", False)
    assert results[1].kind == "crash"
    assert results[2][0] == 3


def test_memory_is_limited_per_worker() -> None:
    results = pool.run(
        [("allocate", 3 << 30), ("allocate", 1 << 20)], work, budget, jobs=1, memory=512 << 20
    )
    assert results[0].kind == "memory", results[0]
    assert results[1] == 1 << 20  # the next task runs in a fresh worker


def test_the_memory_limit_is_on_top_of_what_the_parent_holds() -> None:
    # A parent holding more than the limit (a huge prow_config.yaml, or a long test session):
    # its forked worker still has the whole limit for the evaluation.
    held = bytearray(600 << 20)  # address space only: the pages are never touched
    results = pool.run(
        [("allocate", 1 << 20), ("allocate", 3 << 30)], work, budget, jobs=1, memory=512 << 20
    )
    assert results[0] == 1 << 20, results[0]
    assert results[1].kind == "memory", results[1]  # the limit still holds
    del held


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_workers_die_with_their_parent(how: signal.Signals, tmp_path) -> None:
    import subprocess
    import sys
    import textwrap

    pid_file = tmp_path / "worker.pid"
    script = textwrap.dedent(
        f"""
        import signal, sys
        signal.alarm(120)  # gone even if the test that started it is killed
        sys.path[:0] = {[str(Path(__file__).parent), *sys.path]!r}
        from compiler.evaluate import pool
        from test_pool import work
        pool.run([("pid-then-spin", {str(pid_file)!r})], work, lambda task: 60.0)
        """
    )
    temp = tmp_path / "temp"  # where the worker's stderr file goes
    temp.mkdir()
    parent = subprocess.Popen(
        [sys.executable, "-c", script], env={**os.environ, "TMPDIR": str(temp)}
    )
    try:
        deadline = time.monotonic() + 30
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        worker = int(pid_file.read_text())
        # Its stderr file goes once the worker has it open, while the task runs: a killed
        # kftest leaves nothing behind.
        while list(temp.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(temp.iterdir()) == []
        parent.send_signal(how)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker), "the worker outlived its parent"
    finally:
        parent.kill()
        parent.wait()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_progress_restarts_the_clock_and_is_kept_on_failure() -> None:
    [lost] = pool.run([("progress-then-spin", 30)], work, budget)
    assert lost == pool.Failure("timeout", True, "half done")
    [done] = pool.run([("progress-then-spin", 0.2)], work, lambda task: 0.3)
    assert done == "spun"  # 0.2 s of CPU after the progress report, within its new 0.5 s


def test_a_progress_report_for_later_is_sent_in_time_and_kept_on_failure() -> None:
    [lost] = pool.run([("later-then-spin", 30)], work, budget)
    assert lost == pool.Failure("timeout", True, "half done")
    # Sent after ~0.1 s (half of what was left of 0.3 s, less the margin), then 0.5 s more.
    [done] = pool.run([("later-then-spin", 0.45)], work, lambda task: 0.3)
    assert done == "spun"


def test_a_progress_report_for_later_is_not_sent_when_the_task_ends_first(tmp_path) -> None:
    marker = tmp_path / "sent"
    assert pool.run([("later-then-echo", str(marker))] * 3, work, budget, jobs=1) == ["echo"] * 3
    time.sleep(0.3)  # the watcher would have sent it by now (see LATER_AFTER, LATER_MARGIN)
    assert not marker.exists()
    # A budget too short to wait: sent at once.
    assert pool.run([("later-then-echo", str(marker))], work, lambda task: 0.1) == ["echo"]
    assert marker.read_text() == "sent"


def test_a_progress_report_for_later_is_sent_when_memory_runs_out() -> None:
    [lost] = pool.run([("later-then-allocate", 3 << 30)], work, budget, memory=512 << 20)
    assert lost.kind == "memory" and lost.partial == "half done", lost


def test_an_exception_in_a_task_is_a_bug_and_raises() -> None:
    with pytest.raises(pool.WorkerError, match="ValueError: boom"):
        pool.run([("raise", "boom")], work, budget)


def test_spawn_start_method_works_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "start_method", lambda: "spawn")
    results = pool.run([("echo", "a"), ("spin", 30)], work, lambda task: 0.5, jobs=1)
    assert results[0][0] == "a"
    assert results[1] == pool.Failure("timeout", True)


def test_fork_is_avoided_once_the_go_runtime_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "_gojsonnet", object())
    assert pool.start_method() == "spawn"


def test_no_tasks() -> None:
    assert pool.run([], work, budget) == []


def test_progress_is_reported_as_each_task_finishes() -> None:
    seen: list[tuple[int, int]] = []
    tasks = [("echo", 1), ("spin", 30), ("echo", 2)]
    results = pool.run(tasks, work, budget, jobs=1, progress=lambda *args: seen.append(args))
    assert results[1] == pool.Failure("timeout", True)
    assert seen == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize(
    ("said", "kind", "reason"),
    [
        ("fatal error: runtime: out of memory\n", "memory", "ran out of memory"),
        ("memory allocation of 4096 bytes failed\n", "memory", "ran out of memory"),
        ("thread 'main' has overflowed its stack\n", "stack", "overflowed the native stack"),
        (
            "runtime: goroutine stack exceeds 1000000000-byte limit\n",
            "stack",
            "overflowed the native stack",
        ),
        ("panic: something else\n", "crash", "exited with status 2"),
    ],
)
def test_what_a_dying_worker_said_tells_why(said: str, kind: str, reason: str) -> None:
    [failure] = pool.run([("say-then-exit", "noise\n" * 20000 + said)], work, budget)
    assert failure == pool.Failure(reason, False)
    assert failure.kind == kind


def test_a_dying_worker_is_heard_from_its_first_word() -> None:
    # Rust's abort message is all that a worker may write before it dies.
    said = "memory allocation of 4096 bytes failed\n"
    [failure] = pool.run([("say-then-exit", said)], work, budget)
    assert failure == pool.Failure("ran out of memory", False)
    assert failure.kind == "memory"


def test_a_worker_killed_by_a_signal() -> None:
    [failure] = pool.run([("signal", signal.SIGTERM)], work, budget)
    assert failure == pool.Failure("crashed (SIGTERM)", False)
    assert failure.kind == "crash"


@pytest.mark.parametrize(
    ("code", "reason"),
    [(None, "the worker disappeared"), (-99, "crashed (signal 99)"), (0, "exited with status 0")],
)
def test_describe_exit(code: int | None, reason: str) -> None:
    assert pool._describe_exit(code) == reason


def test_the_default_is_one_job_per_usable_core() -> None:
    assert pool.default_jobs() == len(os.sched_getaffinity(0))


def test_a_run_leaves_nothing_frozen_for_the_garbage_collector() -> None:
    # The pool freezes the parent's objects for its forked workers; a long-lived caller (an
    # editor integration, a test session) must get them back, or their garbage is never freed.
    import gc

    assert pool.run([("echo", 1)], work, budget, jobs=1)[0][0] == 1
    assert gc.get_freeze_count() == 0
    with pytest.raises(pool.WorkerError):  # a bug in a task ends the run: thawed all the same
        pool.run([("raise", "x")], work, budget, jobs=1)
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("task", [("echo", 1), ("segfault", None), ("exit", 3)])
def test_no_worker_files_are_left_behind(
    task: tuple[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    pool.run([task, ("echo", 2)], work, budget, jobs=1)
    assert list(tmp_path.iterdir()) == []


def test_the_default_memory_limit_is_one_gib_per_worker() -> None:
    # README: --eval-memory defaults to 1GiB; pool.run's callers rely on the same default.
    results = pool.run([("reserve", 900 << 20), ("allocate", 1200 << 20)], work, budget, jobs=1)
    assert results[0] is True
    assert results[1] == pool.Failure("ran out of memory", False)
    assert results[1].kind == "memory"


def test_the_memory_limit_counts_from_what_the_worker_holds(tmp_path: Path) -> None:
    status = tmp_path / "status"
    status.write_bytes(b"Name:\tpython3\nVmPeak:\t  999 kB\nVmData:\t   12 kB\nVmStk:\t 132 kB\n")
    assert pool._data_bytes(str(status)) == 12 * 1024
    # Without /proc (or without the line) there is nothing to add to the limit.
    status.write_bytes(b"Name:\tpython3\n")
    assert pool._data_bytes(str(status)) == 0
    assert pool._data_bytes(str(tmp_path / "missing")) == 0


def test_fork_is_used_while_no_go_runtime_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.delitem(sys.modules, "_gojsonnet", raising=False)
    assert pool.start_method() == "fork"
    # A forked worker has the tasks from the parent's memory: they need not be picklable.
    assert pool.run([("call", lambda: "called")], work, budget) == ["called"]


def test_forked_workers_find_the_parents_objects_frozen() -> None:
    # Their garbage collections skip what the parent held (and leave its pages shared).
    import gc

    held = [[index] for index in range(100_000)]
    [frozen] = pool.run([("frozen", None)], work, budget)
    assert frozen >= len(held)
    assert gc.get_freeze_count() == 0  # and the parent has them back


def test_a_spawned_worker_is_not_charged_for_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    # Under "spawn" (once the Go runtime is loaded) a worker starts Python and imports kftest
    # first: more CPU than a small budget, which counts from the task only.
    monkeypatch.setattr(pool, "start_method", lambda: "spawn")
    assert pool.run([("echo", "a")], work, lambda task: 0.05)[0][0] == "a"


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_ctrl_c_the_parent_handles_leaves_the_workers_alone(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kftest run turns SIGINT into a request to stop and reports: the evaluations it waits for
    # must not end in a KeyboardInterrupt traceback (a "bug in kftest") meanwhile.
    monkeypatch.setattr(pool, "start_method", lambda: method)
    seen: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        results = pool.run([("interrupt-then-echo", None)], work, lambda task: 5.0)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert results == ["spun"]
    assert seen == [signal.SIGINT]


def test_a_crashing_worker_dumps_no_python_stack_on_the_terminal(tmp_path: Path) -> None:
    # faulthandler on a copy of the terminal's stderr, as pytest or python -X faulthandler set it
    # up: the parent reports the crash; the worker's Python stack dump would only be noise.
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        f"""
        import faulthandler, os, signal, sys
        signal.alarm(120)  # gone even if the test that started it is killed
        sys.path[:0] = {[str(Path(__file__).parent), *sys.path]!r}
        terminal = os.fdopen(os.dup(2), "w")
        faulthandler.enable(file=terminal)
        from compiler.evaluate import pool
        from test_pool import work
        print(pool.run([("segfault", None)], work, lambda task: 30.0)[0].kind)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "stack\n", "")


def test_a_worker_that_does_not_start_in_time_is_killed_without_leftovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its stderr file was never opened by it: the parent removes the file itself.
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(pool, "start_method", lambda: "spawn")  # starting takes a while
    monkeypatch.setattr(pool, "_STARTUP_ALLOWANCE", 0.0)
    assert pool.run([("echo", 1)], work, budget) == [pool.Failure("timeout", True)]
    assert list(tmp_path.iterdir()) == []


def test_one_job_runs_the_tasks_one_after_another_in_one_worker() -> None:
    results = pool.run([("echo", index) for index in range(4)], work, budget, jobs=1)
    assert [value for value, _ in results] == [0, 1, 2, 3]
    assert len({pid for _, pid in results}) == 1


def test_the_default_follows_the_cores_this_process_may_use() -> None:
    usable = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(usable)})
    try:
        assert pool.default_jobs() == 1
    finally:
        os.sched_setaffinity(0, usable)


def test_without_affinity_the_default_is_the_cpu_count(monkeypatch: pytest.MonkeyPatch) -> None:
    # macOS has no sched_getaffinity; cpu_count() is None where it cannot be told.
    monkeypatch.delattr(os, "sched_getaffinity")
    assert pool.default_jobs() == os.cpu_count()
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert pool.default_jobs() == 1


def test_a_progress_report_gives_the_task_its_new_budget() -> None:
    # 0.3 s of CPU after reporting with a budget of 1 s: over the task's own 0.1 s, within 1 s.
    assert pool.run([("progress-then-cpu", (1.0, 0.3))], work, lambda task: 0.1) == ["spun"]
    [lost] = pool.run([("progress-then-cpu", (0.1, 30))], work, lambda task: 30.0)
    assert lost == pool.Failure("timeout", True, "half done")


def test_system_time_counts_against_the_budget() -> None:
    started = time.monotonic()
    assert pool.run([("kernel", 30)], work, lambda task: 0.3) == [pool.Failure("timeout", True)]
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(("factor", "slack"), [(10.0, 0.0), (1.0, 4.0)])
def test_the_wall_clock_backstop_is_the_larger_of_factor_and_slack(
    factor: float, slack: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # budget * factor or budget + slack, whichever is longer: 5 s or 4.5 s for a 2 s wait.
    monkeypatch.setattr(pool, "WALL_FACTOR", factor)
    monkeypatch.setattr(pool, "WALL_SLACK", slack)
    assert pool.run([("sleep", 2.0)], work, lambda task: 0.5) == ["woke"]


def test_without_proc_the_budget_is_wall_clock_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Where /proc is missing (macOS) no CPU time can be read: the budget counts in seconds.
    monkeypatch.setattr(pool, "_cpu_seconds", lambda pid: None)
    started = time.monotonic()
    results = pool.run([("sleep", 60), ("sleep", 0.05)], work, lambda task: 2.0, jobs=1)
    assert results == [pool.Failure("timeout", True), "woke"]
    assert time.monotonic() - started < 20


def test_a_report_for_later_waits_half_of_what_is_left_less_the_margin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "LATER_AFTER", 10.0)
    monkeypatch.setattr(pool, "LATER_MARGIN", 0.6)
    # A budget of 3 s, 0.6 s of it spent: (2.4 - 0.6) / 2 = 0.9 s (the worker's CPU clock
    # counts from the task: its first task spent 0.3 s).
    path = str(tmp_path / "sent")
    tasks = [("cpu", 0.3), ("later-timed", (path, [("cpu", 0.6)]))]
    spun, waited = pool.run(tasks, work, lambda task: 3.0, jobs=1)
    assert spun == "spun"
    assert 0.8 <= waited < 1.3, waited


def test_a_report_for_later_counts_from_the_last_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "LATER_AFTER", 10.0)
    # After a report that set a budget of 1 s: (1 - 0.1) / 2 = 0.45 s, whether the report was
    # sent at once (while an earlier payload waited 10 s for its time) or for later.
    path = str(tmp_path / "sent")
    steps = [("later", 30.0), ("notify", 1.0)]
    [waited] = pool.run([("later-timed", (path, steps))], work, lambda task: 30.0)
    assert 0.4 <= waited < 0.9, waited
    # 1.45 s after a payload left for later under the task's 3 s, sent with a budget of 1 s.
    path = str(tmp_path / "sent-again")
    [waited] = pool.run([("later-timed", (path, [("sent", 1.0)]))], work, lambda task: 3.0)
    assert 0.4 <= waited < 0.9, waited


def test_a_report_for_later_is_dropped_by_a_report_sent_meanwhile(tmp_path: Path) -> None:
    # Left for 0.2 s later (the thread that sends it waits for its time), then superseded by a
    # report sent at once: the task is lost with the newer payload and its budget (0.8 s of
    # CPU), not the older one sent late.
    steps = [("later", 0.3), ("sleep", 0.1), ("notify", 0.8), ("cpu", 60)]
    [lost] = pool.run([("later-timed", (str(tmp_path / "unused"), steps))], work, budget)
    assert lost == pool.Failure("timeout", True, "now")


def test_workers_are_told_to_stop_not_waited_for(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    # A run ends as soon as its last task: its idle workers exit when told to (also one whose
    # task left a report for later, with the thread that would have sent it).
    monkeypatch.setattr(pool, "_STOP_GRACE", 30.0)
    started = time.monotonic()
    tasks = [("echo", 1), ("later-then-echo", str(tmp_path / "sent"))]
    assert pool.run(tasks, work, budget, jobs=2)[1] == "echo"
    assert time.monotonic() - started < 15
    # A worker over its budget is killed at once: not asked, nor waited for, to stop.
    started = time.monotonic()
    assert pool.run([("spin", 60)], work, budget) == [pool.Failure("timeout", True)]
    assert time.monotonic() - started < 15


@pytest.mark.parametrize(
    "tasks",
    [
        [("echo", 1), ("spin", 30), ("segfault", None), ("allocate", 3 << 30)],
        [("raise", "boom"), ("spin", 30)],
    ],
    ids=["failures", "bug"],
)
def test_a_run_leaves_no_descriptors_or_processes_behind(tasks: list[Any]) -> None:
    # A long-lived caller (an editor, a test session) runs many: each must clean up after
    # itself, also when it ends with a bug in a task (and the caller keeps that exception).
    before = sorted(os.listdir("/proc/self/fd"))
    children = _children()  # (a spawning test leaves multiprocessing's resource tracker)
    kept = []
    try:
        pool.run(tasks, work, budget, jobs=2, memory=512 << 20)
    except pool.WorkerError as error:
        kept.append(error)
    assert sorted(os.listdir("/proc/self/fd")) == before
    assert _children() == children


def _children() -> list[int]:
    """This process's children, the zombies too."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid():
                children.append(int(entry))
    return children


def test_a_daemon_thread_running_a_pool_does_not_hold_up_the_exit(tmp_path: Path) -> None:
    # kftest run evaluates in a daemon thread; after a SIGTERM it reports and exits without
    # waiting for the evaluation (its workers are daemons: ended at exit, not waited for).
    import subprocess
    import sys
    import textwrap

    pid_file = tmp_path / "worker.pid"
    script = textwrap.dedent(
        f"""
        import pathlib, signal, sys, threading, time
        signal.alarm(120)  # gone even if the test that started it is killed
        sys.path[:0] = {[str(Path(__file__).parent), *sys.path]!r}
        from compiler.evaluate import pool
        from test_pool import work
        task = ("pid-then-spin", {str(pid_file)!r})
        run = ([task], work, lambda task: 60.0)
        threading.Thread(target=pool.run, args=run, daemon=True).start()
        pid = pathlib.Path({str(pid_file)!r})
        while not (pid.exists() and pid.read_text()):
            time.sleep(0.05)
        """
    )
    subprocess.run([sys.executable, "-c", script], timeout=30, check=True)
    worker = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(worker)


def test_a_worker_whose_parent_is_gone_exits_at_once() -> None:
    # Reparented before it could ask to die with its parent: it must not serve an orphan run.
    import subprocess
    import sys

    script = "from compiler.evaluate import pool; pool.die_with(1); print('serving')"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode != 0
    assert done.stdout == ""

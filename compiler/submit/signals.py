"""SIGTERM and SIGINT as a request to stop, not an exception.

Prow sends SIGTERM and kills the pod after its grace period; kftest must use that time to
report. ``Interrupts`` records the first signal (``event``, ``deadline()``) and calls
``on_signal`` (e.g. to cut a blocked watch), so that the code that reports runs normally. A
watchdog ends the process ``grace + margin`` seconds after the signal in case reporting hangs.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

log = logging.getLogger("kftest.signals")

SIGNALS = (signal.SIGTERM, signal.SIGINT)
WATCHDOG_MARGIN = 2.0


class Interrupts:
    def __init__(
        self,
        grace: float,
        *,
        on_signal: Callable[[], None] | None = None,
        exit_code: int = 1,
    ) -> None:
        self.grace = grace
        self.on_signal = on_signal
        self.exit_code = exit_code
        self.event = threading.Event()
        self.signum: int | None = None
        self.received_at: float | None = None
        self._done = threading.Event()
        self._saved: dict[int, Any] = {}

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *args: object) -> None:
        self._done.set()
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)
        self._saved.clear()

    def deadline(self) -> float | None:
        """time.monotonic() by which reporting must be over, once a signal came."""
        return None if self.received_at is None else self.received_at + self.grace

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.event.is_set():
            log.warning("%s again: still reporting (at most %.0fs)", name, self.grace)
            return
        self.signum = signum
        self.received_at = time.monotonic()
        self.event.set()
        log.warning("%s: stopping, reporting within %.0fs", name, self.grace)
        threading.Thread(target=self._watchdog, daemon=True).start()
        if self.on_signal is not None:
            self.on_signal()

    def _watchdog(self) -> None:
        if not self._done.wait(self.grace + WATCHDOG_MARGIN):
            log.error("reporting did not finish within the grace period; exiting")
            logging.shutdown()
            os._exit(self.exit_code)

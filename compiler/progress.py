"""Progress of a long run on a terminal: ``kftest: 120/500 evaluated``, on stderr.

Shown only when stderr is a terminal (a CI log or a pipe gets nothing) and ``--quiet`` is not
given; stdout (YAML, reports) is never touched. The line is rewritten in place at most ten
times a second and erased when the run ends, so what stays on screen is the usual output.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: Runs shorter than this show nothing: a progress line that flashes by is noise.
DELAY = 1.0
INTERVAL = 0.1


class Progress:
    """Call with (done, total) as work completes; ``close()`` erases the line."""

    def __init__(self, what: str, stream: TextIO | None = None) -> None:
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < DELAY or (now - self.last < INTERVAL and done < total):
            return
        self.last = now
        self.shown = True
        self._write(f"\r\x1b[Kkftest: {done}/{total} {self.what}")

    def status(self, text: str) -> None:
        """One line that stays until ``close()`` (for a step with no count, such as loading a
        large file), shown only if the step is long: the size says so in advance."""
        self.shown = True
        self._write(f"\r\x1b[K{text}")

    def close(self) -> None:
        if self.shown:
            self._write("\r\x1b[K")
            self.shown = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken terminal: progress is optional
            pass


def wanted(quiet: bool, stream: TextIO | None = None) -> bool:
    """Whether to show progress: a terminal, and not ``--quiet``."""
    stream = stream if stream is not None else sys.stderr
    try:
        return not quiet and stream.isatty()
    except (AttributeError, ValueError):
        return False

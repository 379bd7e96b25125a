"""kftest's own log: to stderr as it happens (Prow's build log) and kept for build-log.txt.

Every line passes through a ``Redactor`` that replaces known secret values (the cluster token,
passwords) with ``[REDACTED]`` — the same redactor guards every file the report writes.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterable
from typing import TextIO

LOGGER = "kftest"
REDACTED = "[REDACTED]"
FORMAT = "%(asctime)s %(levelname)s %(message)s"


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            self._secrets |= {secret for secret in secrets if secret and len(secret) >= 4}

    def text(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return text

    def data(self, data: bytes) -> bytes:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            data = data.replace(secret.encode(), REDACTED.encode())
        return data


class _RedactingFormatter(logging.Formatter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z")
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.text(super().format(record))


class BuildLog:
    """Attach to the ``kftest`` logger for the duration of a ``with`` block."""

    def __init__(self, redactor: Redactor, stream: TextIO | None = None) -> None:
        self.redactor = redactor
        self._buffer = io.StringIO()
        self._lock = threading.Lock()
        formatter = _RedactingFormatter(redactor)
        self._handlers = [
            logging.StreamHandler(stream or sys.stderr),
            logging.StreamHandler(self._buffer),
        ]
        for handler in self._handlers:
            handler.setFormatter(formatter)
        self._saved: tuple[int, bool] | None = None

    def __enter__(self) -> BuildLog:
        logger = logging.getLogger(LOGGER)
        self._saved = (logger.level, logger.propagate)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        for handler in self._handlers:
            logger.addHandler(handler)
        return self

    def __exit__(self, *args: object) -> None:
        logger = logging.getLogger(LOGGER)
        for handler in self._handlers:
            logger.removeHandler(handler)
        if self._saved is not None:
            logger.setLevel(self._saved[0])
            logger.propagate = self._saved[1]

    def text(self) -> str:
        # A StreamHandler flushes after every record: the buffer is complete.
        return self._buffer.getvalue()

"""Lenient reads of an untrusted document: a value of the wrong type reads as empty.

The schema reports wrong types; the semantic checks (``validate``) and the rules read through
these so that no document, however broken, makes them raise. ``as_str`` reads a wrong type as
``""``; ``str_or_none`` as ``None``, for the rules that tell "absent" from "empty".
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any


def as_dict(value: object) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: object) -> str:
    return value if isinstance(value, str) else ""


def str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def is_set(mapping: dict[Any, Any], key: str) -> bool:
    """Set and not null: the API server drops nulls, so ``key: null`` means absent."""
    return mapping.get(key) is not None


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """For parsing untrusted, possibly very deeply nested input: a garbage collection that
    starts deep in the parser's recursion runs finalizers with no stack left, and their
    RecursionError is printed as "Exception ignored" (and fails pytest), although the parse's
    own RecursionError is handled."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

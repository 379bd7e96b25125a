"""compiler.lenient: reads of untrusted documents."""

from __future__ import annotations

import gc
import json
import sys
from typing import Any

import pytest

from compiler.lenient import collector_paused


class _Finalized:
    """Garbage with a finalizer that needs a little stack, kept in a cycle for the collector."""

    def __init__(self) -> None:
        self.cycle = self

    def __del__(self) -> None:
        str(sorted({"a": 1}.items()))


def _finalizers_that_found_no_stack(paused: bool) -> int:
    """Parse JSON nested deeper than Python recurses, with garbage waiting for a collection
    that starts at some depth of the parse; how many finalizers failed for want of stack."""
    ignored: list[Any] = []
    hook, thresholds = sys.unraisablehook, gc.get_threshold()
    sys.unraisablehook = ignored.append
    deep = "[" * 5_000 + "]" * 5_000
    try:
        for threshold in range(900, 1200):  # the collection starts at each depth in turn
            gc.collect()
            for _ in range(20):
                _Finalized()
            gc.set_threshold(threshold)
            try:
                if paused:
                    with collector_paused():
                        json.loads(deep)
                else:
                    json.loads(deep)
            except RecursionError:
                pass
            gc.set_threshold(*thresholds)
    finally:
        gc.set_threshold(*thresholds)
        gc.collect()
        sys.unraisablehook = hook
    return len(ignored)


def test_a_deep_parse_with_the_collector_paused_runs_no_finalizer_without_stack() -> None:
    if _finalizers_that_found_no_stack(paused=False) == 0:
        pytest.skip("this Python runs no finalizer deep in json's recursion: nothing to show")
    assert _finalizers_that_found_no_stack(paused=True) == 0


def test_the_collector_is_as_it_was_after_the_pause() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

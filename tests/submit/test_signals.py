from __future__ import annotations

import os
import signal
import time

import pytest

from compiler.submit.signals import Interrupts


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_becomes_a_request_to_stop(signum: int) -> None:
    before = signal.getsignal(signum)
    called: list[bool] = []
    with Interrupts(grace=30, on_signal=lambda: called.append(True)) as interrupts:
        assert interrupts.deadline() is None
        os.kill(os.getpid(), signum)
        time.sleep(0.05)  # the handler runs between bytecodes of this (main) thread
        assert interrupts.event.is_set() and called == [True]
        assert interrupts.signum == signum
        deadline = interrupts.deadline()
        assert deadline is not None and 29 < deadline - time.monotonic() <= 30
        os.kill(os.getpid(), signum)  # a second one is noted, nothing more
        time.sleep(0.05)
        assert called == [True]
    assert signal.getsignal(signum) == before

from __future__ import annotations

import io
import logging

from compiler.report.buildlog import REDACTED, BuildLog, Redactor


def test_redactor() -> None:
    redactor = Redactor(["s3cr3t-token", "", "ab"])
    redactor.add(["another-secret"])
    assert redactor.text("Bearer s3cr3t-token and another-secret; ab") == (
        f"Bearer {REDACTED} and {REDACTED}; ab"
    )
    assert redactor.data(b"x s3cr3t-token y") == f"x {REDACTED} y".encode()


def test_build_log_captures_and_redacts() -> None:
    stream = io.StringIO()
    redactor = Redactor()
    logger = logging.getLogger("kftest.test")
    with BuildLog(redactor, stream) as build_log:
        redactor.add(["the-token-value"])
        logger.info("using %s", "the-token-value")
        logger.warning("phase Running")
        try:
            raise RuntimeError("boom the-token-value")
        except RuntimeError:
            logger.exception("failed")
    logger.info("after the block: not captured")
    text = build_log.text()
    assert stream.getvalue() == text
    assert f"INFO using {REDACTED}" in text and "WARNING phase Running" in text
    assert "boom" in text and "the-token-value" not in text
    assert "after the block" not in text
    assert logging.getLogger("kftest").propagate is True

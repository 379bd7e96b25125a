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


def test_a_secret_inside_a_longer_one_leaves_no_part_of_it() -> None:
    # Longest first: replacing "token" first would leave "-extended" of the longer secret.
    for secrets in (["token", "token-extended"], ["token-extended", "token"]):
        redactor = Redactor(secrets)
        assert redactor.text("a token-extended b token") == f"a {REDACTED} b {REDACTED}"
        assert redactor.data(b"a token-extended b token") == f"a {REDACTED} b {REDACTED}".encode()


def test_secrets_of_four_characters_or_more_are_redacted() -> None:
    # Shorter values would blank out ordinary words (a password "abc" in every "abcdef").
    redactor = Redactor(["abcd", "xyz"])
    assert redactor.text("abcd xyz") == f"{REDACTED} xyz"


def test_lines_are_written_once_and_the_logger_is_restored() -> None:
    logger = logging.getLogger("kftest")
    root_records: list[logging.LogRecord] = []
    root_handler = logging.Handler()
    root_handler.emit = root_records.append  # type: ignore[method-assign]
    logging.getLogger().addHandler(root_handler)
    logger.setLevel(logging.ERROR)
    stream = io.StringIO()
    try:
        with BuildLog(Redactor(), stream) as build_log:
            logging.getLogger("kftest.test").info("inside")
        assert root_records == []  # not passed on to the root logger's handlers: no duplicate
        assert logger.level == logging.ERROR and logger.propagate is True
        logging.getLogger("kftest.test").error("after the block")
        assert "after the block" not in build_log.text()
        assert "after the block" not in stream.getvalue()
        assert [r.getMessage() for r in root_records] == ["after the block"]
    finally:
        logging.getLogger().removeHandler(root_handler)
        logger.setLevel(logging.NOTSET)

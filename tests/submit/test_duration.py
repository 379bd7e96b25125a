from __future__ import annotations

import pytest

from compiler.submit.duration import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("180m", 10800), ("1h30m", 5400), ("45s", 45), ("500ms", 0.5), ("2.5", 2.5), ("0", 0)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "10q", "m5", "5m junk", "-3"])
def test_not_durations(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text)):
        parse_duration(text)

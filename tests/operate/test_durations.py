from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from compiler.operate.durations import format_duration, parse_duration, parse_time, plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("168h", timedelta(hours=168)),
        ("7d", timedelta(days=7)),
        ("30m", timedelta(minutes=30)),
        ("1h30m", timedelta(minutes=90)),
        ("2w", timedelta(days=14)),
        (" 45S ", timedelta(seconds=45)),
        ("1.5h", timedelta(minutes=90)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "168", "h", "7 days", "-1h", "0h", "1h 30m", "1y"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_format_duration() -> None:
    seconds = (None, 0, 45, 365, 7380, 9 * 86400 + 7200, 7 * 86400, 7200, 7 * 86400 + 59)
    assert [format_duration(s) for s in seconds] == [
        "-", "0s", "45s", "6m05s", "2h03m", "9d02h", "7d", "2h", "7d",
    ]  # fmt: skip


def test_parse_time() -> None:
    utc = timezone.utc
    assert parse_time("2018-10-17T05:07:58Z") == datetime(2018, 10, 17, 5, 7, 58, tzinfo=utc)
    nanos = parse_time("2018-10-17T05:07:58.123456789Z")
    assert nanos == datetime(2018, 10, 17, 5, 7, 58, 123456, tzinfo=utc)
    assert parse_time(datetime(2018, 1, 1)) == datetime(2018, 1, 1, tzinfo=utc)
    assert parse_time("yesterday") is None and parse_time(None) is None


def test_plain_turns_yaml_timestamps_back_into_strings() -> None:
    loaded = {"status": {"startedAt": datetime(2018, 10, 17, 5, 4, 20), "n": [1]}}
    assert plain(loaded) == {"status": {"startedAt": "2018-10-17T05:04:20Z", "n": [1]}}

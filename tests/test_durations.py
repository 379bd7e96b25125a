from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from compiler.durations import Duration, format_duration, parse_duration, parse_time, plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("168h", timedelta(hours=168)),
        ("7d", timedelta(days=7)),
        ("1d", timedelta(days=1)),
        ("30m", timedelta(minutes=30)),
        ("180m", timedelta(minutes=180)),
        ("1h30m", timedelta(minutes=90)),
        ("2w", timedelta(days=14)),
        (" 45S ", timedelta(seconds=45)),
        ("1.5h", timedelta(minutes=90)),
        ("500ms", timedelta(milliseconds=500)),
        ("2.5", timedelta(seconds=2.5)),  # a bare number is seconds
        ("0", timedelta(0)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected.total_seconds()


@pytest.mark.parametrize(
    "text", ["", "soon", "10q", "m5", "5m junk", "-3", "h", "7 days", "-1h", "1h 30m", "1y", "nan"]
)
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        parse_duration(text)


@pytest.mark.parametrize("text", ["168", "0h", "0"])
def test_where_a_unit_and_a_positive_age_are_required(text: str) -> None:
    with pytest.raises(ValueError, match=r"unit|positive"):
        parse_duration(text, unit_required=True, positive=True)
    assert parse_duration("7d", unit_required=True, positive=True) == 7 * 86400


def test_every_duration_option_uses_the_one_type() -> None:
    from compiler.cli import cli

    options = {
        f"{name} {param.opts[-1]}": param.type
        for name, command in cli.commands.items()
        for param in command.params
        if "timeout" in param.name or param.name in ("grace_period", "older_than")
    }
    assert len(options) >= 8, options
    assert {name: type(kind) for name, kind in options.items()} == {
        name: Duration for name in options
    }
    for name in ("run", "submit", "cleanup", "debug", "lint"):
        help_text = CliRunner().invoke(cli, [name, "--help"])
        assert help_text.exit_code == 0, help_text.output
        assert "DURATION" in help_text.output
    result = CliRunner().invoke(cli, ["run", "--timeout", "1 day"])
    assert result.exit_code == 2
    assert "Invalid value for '--timeout': '1 day' is not a duration" in result.output


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

"""Durations as people type them and print them, and the timestamps Kubernetes writes.

One grammar for every option that takes a duration (``run --timeout``, ``--grace-period``,
``cleanup --older-than``, ``--retry-timeout``, ``--eval-timeout``): one or more
``<number><unit>`` parts with no spaces, units ``ms``, ``s``, ``m``, ``h``, ``d``, ``w``
(case-insensitive, fractions allowed): ``180m``, ``1h30m``, ``1.5h``, ``7d``, ``2w``, ``500ms``.
A bare number is seconds (``--retry-timeout 300`` as before), except where an option says a
unit is required: ``--older-than 168`` would otherwise delete workflows older than three
minutes. ``Duration`` is the click parameter type every such option uses; it hands the command
seconds as a float. (durationpy, which kubernetes installs, was the alternative: it accepts
negative durations, ``y`` and ``mm`` (365- and 30-day units), and no bare seconds, so it would
need as much code around it as this grammar takes.)
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

import click

_UNITS = {"w": 604800.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|[wdhms])")
_FRACTION = re.compile(r"\.(\d+)")
EXAMPLES = "e.g. 180m, 1h30m, 7d, 45s"


def parse_duration(text: str, *, unit_required: bool = False, positive: bool = False) -> float:
    """Seconds; ValueError naming ``text`` when it is not a duration (or not allowed here)."""
    compact = text.strip().lower()
    try:
        seconds = float(compact)
    except ValueError:
        parts = _PART.findall(compact)
        if not compact or "".join(number + unit for number, unit in parts) != compact:
            raise ValueError(
                f"{text!r} is not a duration: use a number and a unit (ms, s, m, h, d, w), "
                f"{EXAMPLES}"
            ) from None
        seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    else:
        if seconds != seconds or seconds in (float("inf"), float("-inf")):
            raise ValueError(f"{text!r} is not a duration ({EXAMPLES})")
        if seconds < 0:
            raise ValueError(f"{text!r} is negative: a duration is {EXAMPLES}")
        if unit_required and seconds:
            raise ValueError(f"{text!r} is not a duration here: give a unit, {EXAMPLES}")
    if positive and seconds <= 0:
        raise ValueError(f"{text!r}: the duration must be positive")
    return seconds


class Duration(click.ParamType):
    """The click type of every duration option: the grammar above, converted to seconds."""

    name = "duration"

    def __init__(self, *, unit_required: bool = False, positive: bool = False) -> None:
        self.unit_required = unit_required
        self.positive = positive

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:
        return "DURATION"  # click 8.2 passes ctx=, older versions do not

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        try:
            return parse_duration(
                str(value), unit_required=self.unit_required, positive=self.positive
            )
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def format_duration(seconds: float | None) -> str:
    """Two most significant units: ``45s``, ``6m05s``, ``2h03m``, ``9d02h``, ``7d``; ``-`` if
    unknown."""
    if seconds is None:
        return "-"
    total = max(0, round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    for big, big_unit, small, small_unit in (
        (days, "d", hours, "h"),
        (hours, "h", minutes, "m"),
        (minutes, "m", secs, "s"),
    ):
        if big:
            return f"{big}{big_unit}{small:02d}{small_unit}" if small else f"{big}{big_unit}"
    return f"{secs}s"


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (``2018-10-17T05:07:58Z``) as an aware datetime, else None.

    YAML loaders turn unquoted timestamps into datetimes already; those pass through.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str) or not value:
        return None
    # Python 3.10's fromisoformat wants exactly 3 or 6 fraction digits; RFC 3339 allows any.
    text = _FRACTION.sub(lambda m: "." + (m[1] + "000000")[:6], value.strip())
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain(value: Any) -> Any:
    """A loaded YAML document with datetimes turned back into the strings the API serves."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, datetime):
        return format_time(parse_time(value))
    if isinstance(value, date):
        return value.isoformat()
    return value

"""Durations as people type them (``168h``, ``30m``, ``7d``, ``1h30m``) and print them, and
the timestamps Kubernetes writes."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+(?:\.\d+)?)([wdhms])")
_FRACTION = re.compile(r"\.(\d+)")


def parse_duration(text: str) -> timedelta:
    """``168h``, ``7d``, ``1h30m``, ``90s``, ``2w``; ValueError on anything else."""
    compact = text.strip().lower()
    parts = _PART.findall(compact)
    if not compact or "".join(number + unit for number, unit in parts) != compact:
        raise ValueError(
            f"{text!r} is not a duration: use a number and a unit (s, m, h, d, w), e.g. 168h, "
            "7d, 1h30m"
        )
    seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise ValueError(f"{text!r}: the duration must be positive")
    return timedelta(seconds=seconds)


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

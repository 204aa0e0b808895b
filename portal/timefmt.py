"""Time zone handling: the tables store naive UTC; people read the city's local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo | timezone:
    """The city's zone, or UTC when the name is unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def to_local(value: datetime | None, tz_name: str | None) -> datetime | None:
    """Naive UTC -> aware local time in ``tz_name``."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(tz_name))


def format_local(value: datetime | None, tz_name: str | None, with_time: bool = True) -> str:
    """``2024-03-31 18:00 MDT`` (or just the date); an em dash when there is no value."""
    local = to_local(value, tz_name)
    if local is None:
        return "—"
    return local.strftime("%Y-%m-%d %H:%M %Z" if with_time else "%Y-%m-%d")


def local_date(value: datetime, tz_name: str | None) -> date:
    """The city's calendar date of a naive UTC datetime."""
    return to_local(value, tz_name).date()


def local_day_bounds(start: date | None, end: date | None, tz_name: str | None):
    """Naive UTC ``[start 00:00, end+1 00:00)`` for local calendar dates (either may be None)."""
    tz = zone(tz_name)

    def utc(day: date) -> datetime:
        aware = datetime.combine(day, time.min).replace(tzinfo=tz)
        return aware.astimezone(UTC).replace(tzinfo=None)

    lower = utc(start) if start else None
    upper = utc(end + timedelta(days=1)) if end else None
    return lower, upper


def days_between(earlier: datetime, later: datetime) -> float:
    """Elapsed days (fractional) from ``earlier`` to ``later``."""
    return (later - earlier).total_seconds() / 86400.0

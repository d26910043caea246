"""Time-zone helpers: UTC in storage, the configured zone (default Asia/Shanghai) for people."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"


def local_zone() -> ZoneInfo:
    name = current_app.config["MEDIATION_TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: times are stored aware in UTC")
    return value.astimezone(local_zone())


def local_to_utc(day: date, at: time) -> datetime:
    """The UTC instant of a wall-clock time on a date in the configured zone."""
    return datetime.combine(day, at, tzinfo=local_zone()).astimezone(UTC)


def local_today() -> date:
    return datetime.now(local_zone()).date()


# Dates people may enter anywhere (forms, query strings, imports): a date outside this window is
# a typing mistake, and near the ends of Python's range a week or a month around it overflows.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2200, 12, 31)


def day_in_window(value: date) -> bool:
    return EARLIEST_DAY <= value <= LATEST_DAY


def parse_day(value: str) -> date:
    """An ISO date (YYYY-MM-DD; '/' accepted for '-') within the sane window; ValueError
    otherwise. The one parser of dates people type."""
    if not isinstance(value, str):
        raise ValueError("not a date")
    day = date.fromisoformat(value.strip().replace("/", "-"))
    if not day_in_window(day):
        raise ValueError(f"{day} is outside {EARLIEST_DAY}–{LATEST_DAY}")
    return day


def year_or_none(value) -> int | None:
    """A year typed in a query string (`?year=`) within the sane window, else None."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if EARLIEST_DAY.year <= year <= LATEST_DAY.year else None


def parse_month(value: str) -> date:
    """A month written YYYY-MM, as its first day, within the sane window; ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("not a month")
    year, month = (int(part) for part in value.strip().split("-"))
    first = date(year, month, 1)
    if not day_in_window(first):
        raise ValueError(f"{first} is outside {EARLIEST_DAY}–{LATEST_DAY}")
    return first

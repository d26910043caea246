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

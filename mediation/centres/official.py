"""The official calendar: China's statutory holidays and substituted working days (调休), from
the `holidays` package (which lists both), plus the local additions an administrator enters
(`CalendarDay`: an extra holiday or an extra working day, which win over the national schedule).

Time limits (cases.clocks) and centre opening days (Centre.is_open_on, the scenario export) both
ask this module, so a day is a working day in one place exactly when it is in the other.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays
import sqlalchemy as sa
from flask import has_app_context

from mediation.centres.calendar_days import CalendarDay
from mediation.extensions import db

HOLIDAY, WORKDAY = "holiday", "workday"


@lru_cache(maxsize=32)
def _china(year: int, language: str = "en_US") -> holidays.HolidayBase:
    return holidays.China(years=year, language=language)


def holiday_language(locale: str | None) -> str:
    """The `holidays` language for a UI locale: Chinese names (国庆节) in Chinese, else English."""
    return "zh_CN" if (locale or "").lower().startswith("zh") else "en_US"


def national_kind(day: date) -> str | None:
    """'holiday' (a statutory holiday or a day off in lieu), 'workday' (a weekend day worked in
    exchange, 调休) or None (an ordinary weekday or weekend day)."""
    cal = _china(day.year)
    if day in cal:
        return HOLIDAY
    if day.isoweekday() >= 6 and cal.is_working_day(day):
        return WORKDAY
    return None


def local_days(start: date | None = None, end: date | None = None) -> dict[date, CalendarDay]:
    """The local additions (all, or those between start and end inclusive), by date."""
    if not has_app_context():
        return {}
    stmt = sa.select(CalendarDay)
    if start is not None:
        stmt = stmt.where(CalendarDay.date >= start)
    if end is not None:
        stmt = stmt.where(CalendarDay.date <= end)
    return {d.date: d for d in db.session.scalars(stmt)}


class OfficialCalendar:
    """The national schedule plus the local additions, loaded once (one query)."""

    def __init__(self, local: dict[date, str] | None = None,
                 notes: dict[date, str] | None = None):
        if local is None:
            rows = local_days()
            local = {d: row.kind for d, row in rows.items()}
            notes = {d: row.note or "" for d, row in rows.items()}
        self.local = local
        self.notes = notes or {}

    def kind(self, day: date) -> str | None:
        """'holiday', 'workday' or None (ordinary day); a local addition wins."""
        return self.local.get(day) or national_kind(day)

    def is_working_day(self, day: date) -> bool:
        kind = self.kind(day)
        if kind is not None:
            return kind == WORKDAY
        return day.isoweekday() <= 5

    def special_days(self, start: date, end: date, language: str = "en_US"
                     ) -> list[tuple[date, str, str, bool]]:
        """(date, kind, name, local?) of every holiday and substituted working day in a period,
        names in `language` (see `holiday_language`)."""
        out = []
        day = start
        while day <= end:
            kind = self.kind(day)
            if kind is not None:
                local = day in self.local
                name = (self.notes.get(day, "") if local
                        else _china(day.year, language).get(day, "") or "")
                out.append((day, kind, name, local))
            day = date.fromordinal(day.toordinal() + 1)
        return out


def calendar() -> OfficialCalendar:
    return OfficialCalendar()


def is_working_day(day: date) -> bool:
    return calendar().is_working_day(day)

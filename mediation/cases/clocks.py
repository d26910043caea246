"""Time limits: count calendar days from the day after the trigger; a last day that is not a
working day (weekend or Chinese statutory holiday, with substituted working days (调休) and the
local additions an administrator enters: `centres.official`) moves to the next working day.

A limit is *overdue* the day after its last day and *at risk* from `at_risk_days` days before it
(default 3, `MEDIATION_AT_RISK_DAYS`); `clock_state` is the one place that decides.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, has_app_context

from mediation.centres.official import OfficialCalendar

DEFAULT_LIMITS = {
    "accept_days": 15,
    "handle_days": 60,
    "hearing_days": 30,
    "max_extension_days": 30,
    "at_risk_days": 3,
}


def is_working_day(day: date, calendar: OfficialCalendar | None = None) -> bool:
    return (calendar or OfficialCalendar()).is_working_day(day)


def deadline(trigger: date, days: int, calendar: OfficialCalendar | None = None) -> date:
    """The last day of a `days`-day limit that starts the day after `trigger`."""
    calendar = calendar or OfficialCalendar()
    last = trigger + timedelta(days=days)
    while not calendar.is_working_day(last):
        last += timedelta(days=1)
    return last


def limits() -> dict[str, int]:
    if has_app_context():
        return {k: current_app.config.get(f"MEDIATION_{k.upper()}", v) for k, v in DEFAULT_LIMITS.items()}
    return dict(DEFAULT_LIMITS)


def at_risk_from(today: date) -> date:
    """The last due date that counts as at risk on `today` (due within N days)."""
    return today + timedelta(days=limits()["at_risk_days"])


def clock_state(due: date | None, today: date) -> str | None:
    """"overdue" (past its last day), "at_risk" (due within N days) or None."""
    if due is None:
        return None
    if due < today:
        return "overdue"
    if due <= at_risk_from(today):
        return "at_risk"
    return None

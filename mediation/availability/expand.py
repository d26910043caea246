"""From an iCalendar file to busy sessions: expand, skip what does not block, overlap.

Recurring events are expanded by `recurring_ical_events` (RRULE, RDATE, EXDATE, moved or
cancelled instances by RECURRENCE-ID). An event blocks time unless it is TRANSP:TRANSPARENT or
STATUS:CANCELLED. An all-day event (DATE values) blocks every session of each of its days; a
timed one (any TZID, UTC, or floating = the configured zone) blocks each session whose local
start–end on that date it intersects. Events of no duration block nothing. Nothing of an event
but its times is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events


class NotACalendar(ValueError):
    """The body is not an iCalendar file (or has an event that cannot be read)."""


@dataclass(frozen=True)
class SessionTimes:
    id: int
    starts_at: time
    ends_at: time


@dataclass(frozen=True)
class Busy:
    """One blocked session; the times of the first event that blocks it (None: all day)."""

    date: date
    session_id: int
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(frozen=True)
class Expansion:
    busy: list[Busy]
    events: int  # blocking event occurrences in the window


def busy_sessions(data: bytes, sessions: Iterable[SessionTimes], start: date, end: date,
                  zone: ZoneInfo) -> Expansion:
    """The sessions from `start` (inclusive) to `end` (exclusive) that the calendar blocks."""
    sessions = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    try:
        calendar = icalendar.Calendar.from_ical(data)
        if calendar.name != "VCALENDAR":
            raise NotACalendar(f"a {calendar.name} component, not VCALENDAR")
        occurrences = list(recurring_ical_events.of(calendar).between(start, end))
        blocked: dict[tuple[date, int], Busy] = {}
        events = 0
        for event in occurrences:
            if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
                continue
            if str(event.get("STATUS", "")).upper() == "CANCELLED":
                continue
            found = list(_blocked(event, sessions, start, end, zone))
            if found:
                events += 1
            for busy in found:
                known = blocked.get((busy.date, busy.session_id))
                if known is None or _earlier(busy, known):
                    blocked[(busy.date, busy.session_id)] = busy
    except NotACalendar:
        raise
    except Exception as exc:  # icalendar and the expansion raise many kinds on bad input
        # Only the kind of error: its message may quote a line of a private calendar.
        raise NotACalendar(exc.__class__.__name__) from None
    return Expansion(sorted(blocked.values(), key=lambda b: (b.date, b.session_id)), events)


def _earlier(a: Busy, b: Busy) -> bool:
    if a.starts_at is None:
        return b.starts_at is not None
    return b.starts_at is not None and a.starts_at < b.starts_at


def _times(event) -> tuple[date | datetime, date | datetime]:
    start = event["DTSTART"].dt
    if "DTEND" in event:
        end = event["DTEND"].dt
    elif "DURATION" in event:
        end = start + event["DURATION"].dt
    elif isinstance(start, datetime):
        end = start  # RFC 5545 3.6.1: a date-time start alone takes no time
    else:
        end = start + timedelta(days=1)  # a date start alone is that whole day
    return start, end


def _blocked(event, sessions: list[SessionTimes], start: date, end: date, zone: ZoneInfo):
    first, last = _times(event)
    if not isinstance(first, datetime):  # all-day: every session of each day
        if isinstance(last, datetime):
            last = last.date()
        day = max(first, start)
        stop = min(max(last, first + timedelta(days=1)), end)
        while day < stop:
            for s in sessions:
                yield Busy(day, s.id, None, None)
            day += timedelta(days=1)
        return
    if not isinstance(last, datetime):
        last = datetime.combine(last, time(0))
    first, last = _aware(first, zone), _aware(last, zone)
    if last <= first:
        return
    day = max(first.astimezone(zone).date(), start)
    stop = min(last.astimezone(zone).date(), end - timedelta(days=1))
    while day <= stop:
        for s in sessions:
            s_start = datetime.combine(day, s.starts_at, tzinfo=zone)
            s_end = datetime.combine(day, s.ends_at, tzinfo=zone)
            if first < s_end and last > s_start:
                yield Busy(day, s.id, first.astimezone(UTC), last.astimezone(UTC))
        day += timedelta(days=1)


def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    return value.replace(tzinfo=zone) if value.tzinfo is None else value

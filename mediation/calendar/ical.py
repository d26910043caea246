"""iCalendar (RFC 5545) objects, built with the `icalendar` library.

The library writes the bytes: CRLF line ends, folding at 75 octets without splitting a UTF-8
character, TEXT escaping and RFC 6868 parameter quoting. It writes properties in a canonical
order, so output depends on nothing but its input (unchanged data gives identical bytes, which
calendar clients and HTTP caches rely on); tests/calendar/test_ical.py pins those rules.

What this module adds: one PRODID, UTC-only date-times (a naive time is a bug, refused here),
and the calendar envelope shared by feeds and invites.
"""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

PRODID = "-//Mediation scheduling//Hearing calendars 1.0//EN"


def utc(value: datetime) -> datetime:
    """`value` in UTC, without microseconds (written as `19980119T070000Z`); naive values are
    refused."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: calendar times must be aware")
    return value.astimezone(UTC).replace(microsecond=0)


def new_calendar(*, method: str | None = None) -> icalendar.Calendar:
    """A VCALENDAR with our PRODID; `method` for an iTIP message (invites), None for a feed."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if method is not None:
        calendar.add("METHOD", method)
    return calendar


def to_bytes(calendar: icalendar.Calendar) -> bytes:
    return calendar.to_ical()


def address(email: str, name: str | None = None, **params: str) -> icalendar.vCalAddress:
    """A CAL-ADDRESS (ORGANIZER, ATTENDEE): `mailto:` URI with CN and other parameters."""
    value = icalendar.vCalAddress(f"mailto:{email}")
    if name:
        value.params["CN"] = icalendar.vText(name)
    for key, param in params.items():
        value.params[key.upper().replace("_", "-")] = param
    return value

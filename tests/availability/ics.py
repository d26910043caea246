"""ICS files for the tests, built around a Monday a few weeks ahead (the import window starts
today). Sessions: am 09:00-12:00 and pm 14:00-17:30, Asia/Shanghai (UTC+8)."""

from __future__ import annotations

from datetime import date, timedelta

SECRET_TITLE = "Hospital appointment (private)"


def d(day: date) -> str:
    return day.strftime("%Y%m%d")


def calendar(*events: str) -> str:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//availability//EN",
                        *events, "END:VCALENDAR"])
    return body + "\r\n"


def event(uid: str, *lines: str, summary: str = SECRET_TITLE) -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z",
                        f"SUMMARY:{summary}", "DESCRIPTION:private notes", *lines, "END:VEVENT"])


def sample(base: date) -> str:
    """Everything the issue names: a weekly event with an EXDATE and a moved instance, an
    all-day event, London, New York, UTC and floating times, a transparent and a cancelled
    event, and an event in the lunch gap (blocks nothing)."""
    return calendar(
        # Weekly on Mondays 10:00-11:00 Shanghai, four times; week 2 deleted, week 3 moved to
        # Tuesday 15:00-16:00.
        event("weekly", f"DTSTART;TZID=Asia/Shanghai:{d(base)}T100000",
              f"DTEND;TZID=Asia/Shanghai:{d(base)}T110000", "RRULE:FREQ=WEEKLY;COUNT=4",
              f"EXDATE;TZID=Asia/Shanghai:{d(base + timedelta(days=7))}T100000"),
        event("weekly", f"RECURRENCE-ID;TZID=Asia/Shanghai:{d(base + timedelta(days=14))}T100000",
              f"DTSTART;TZID=Asia/Shanghai:{d(base + timedelta(days=15))}T150000",
              f"DTEND;TZID=Asia/Shanghai:{d(base + timedelta(days=15))}T160000"),
        # Tuesday 06:00-07:00 UTC = 14:00-15:00 Shanghai.
        event("utc", f"DTSTART:{d(base + timedelta(days=1))}T060000Z",
              f"DTEND:{d(base + timedelta(days=1))}T070000Z"),
        # Wednesday, all day.
        event("allday", f"DTSTART;VALUE=DATE:{d(base + timedelta(days=2))}",
              f"DTEND;VALUE=DATE:{d(base + timedelta(days=3))}"),
        # Thursday 07:00-08:00 London = 15:00-16:00 (winter) or 14:00-15:00 (summer) Shanghai.
        event("london", f"DTSTART;TZID=Europe/London:{d(base + timedelta(days=3))}T070000",
              "DURATION:PT1H"),
        # Thursday 20:30-21:30 New York = Friday 09:30 (winter) or 08:30 (summer) Shanghai.
        event("newyork", f"DTSTART;TZID=America/New_York:{d(base + timedelta(days=3))}T203000",
              f"DTEND;TZID=America/New_York:{d(base + timedelta(days=3))}T213000"),
        # Friday 14:30-15:00 floating: the configured zone.
        event("floating", f"DTSTART:{d(base + timedelta(days=4))}T143000",
              f"DTEND:{d(base + timedelta(days=4))}T150000"),
        # Saturday: transparent (free) and cancelled events block nothing.
        event("free", f"DTSTART;TZID=Asia/Shanghai:{d(base + timedelta(days=5))}T100000",
              f"DTEND;TZID=Asia/Shanghai:{d(base + timedelta(days=5))}T110000", "TRANSP:TRANSPARENT"),
        event("cancelled", f"DTSTART;TZID=Asia/Shanghai:{d(base + timedelta(days=5))}T150000",
              f"DTEND;TZID=Asia/Shanghai:{d(base + timedelta(days=5))}T160000", "STATUS:CANCELLED"),
        # Sunday 12:15-13:45: between the sessions.
        event("lunch", f"DTSTART;TZID=Asia/Shanghai:{d(base + timedelta(days=6))}T121500",
              f"DTEND;TZID=Asia/Shanghai:{d(base + timedelta(days=6))}T134500"),
    )


def expected(base: date) -> set[tuple[date, str]]:
    return {
        (base, "am"),
        (base + timedelta(days=1), "pm"),
        (base + timedelta(days=2), "am"), (base + timedelta(days=2), "pm"),
        (base + timedelta(days=3), "pm"),
        (base + timedelta(days=4), "am"), (base + timedelta(days=4), "pm"),
        (base + timedelta(days=15), "pm"),
        (base + timedelta(days=21), "am"),
    }


def all_day(first: date, days: int, uid: str = "away") -> str:
    return calendar(event(uid, f"DTSTART;VALUE=DATE:{d(first)}",
                          f"DTEND;VALUE=DATE:{d(first + timedelta(days=days))}"))

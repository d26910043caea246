"""Centre, room, opening-date and session queries and operations.

Operations flush and write an audit entry; the request commits once.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import sqlalchemy as sa
from lunardate import LunarDate
from sqlalchemy.orm import selectinload

from mediation import signals
from mediation.audit.services import record
from mediation.centres.calendar_days import CalendarDay
from mediation.centres.models import (
    Centre,
    CentreDate,
    HearingSession,
    Room,
)
from mediation.centres.official import OfficialCalendar, local_days
from mediation.extensions import db
from mediation.regions import services as regions
from mediation.regions.models import Region
from mediation.regions.services import child_level

MAX_GENERATED_DATES = 400


class CentreError(ValueError):
    """An operation refused for a reason the coordinator can read."""


def list_centres() -> list[Centre]:
    stmt = (
        sa.select(Centre)
        .join(Region)
        .options(selectinload(Centre.rooms), selectinload(Centre.dates), selectinload(Centre.region))
        .order_by(Region.code, Centre.code)
    )
    return list(db.session.scalars(stmt))


def list_sessions() -> list[HearingSession]:
    return list(db.session.scalars(
        sa.select(HearingSession).order_by(HearingSession.position, HearingSession.code)))


def list_regions() -> list[Region]:
    return regions.all_regions()


def code_taken(model, code: str, exclude_id: int | None = None) -> bool:
    stmt = sa.select(model.id).where(model.code == (code or "").strip())
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    return db.session.scalar(stmt) is not None


def centre_snapshot(c: Centre) -> dict:
    return {"code": c.code, "name": c.name, "level": c.level, "region": c.region_id,
            "address": c.address, "open_weekdays": list(c.open_weekdays or []),
            "follows_official_calendar": c.follows_official_calendar, "active": c.active}


def save_centre(centre: Centre | None, data: dict) -> Centre:
    """Create (centre=None) or update a centre from validated form data."""
    creating = centre is None
    before = None if creating else centre_snapshot(centre)
    if creating:
        centre = Centre()
        db.session.add(centre)
    centre.code = data["code"].strip()
    centre.name = data["name"].strip()
    centre.level = data["level"]
    centre.region_id = data["region_id"]
    centre.address = (data.get("address") or "").strip() or None
    centre.open_weekdays = sorted(set(data.get("open_weekdays") or []))
    centre.follows_official_calendar = bool(data.get("follows_official_calendar", True))
    centre.active = bool(data.get("active", True))
    db.session.flush()
    record("centre.create" if creating else "centre.update", centre, before=before,
           after=centre_snapshot(centre))
    if before and (before["name"], before["address"]) != (centre.name, centre.address):
        signals.place_changed.send(centre, room_ids=[r.id for r in centre.rooms],
                                   centre_id=centre.id)
    return centre


def save_room(centre: Centre, room: Room | None, data: dict) -> Room:
    creating = room is None
    before = None if creating else {"code": room.code, "name": room.name,
                                    "capacity": room.capacity, "active": room.active}
    if data.get("capacity") is None or data["capacity"] < 1:
        raise CentreError("capacity must be at least 1")
    if creating:
        room = Room(centre=centre)
        db.session.add(room)
    room.code = data["code"].strip()
    room.name = data["name"].strip()
    room.capacity = data["capacity"]
    room.active = bool(data.get("active", True))
    db.session.flush()
    record("room.create" if creating else "room.update", room, before=before,
           after={"code": room.code, "name": room.name, "capacity": room.capacity,
                  "active": room.active})
    if before and before["name"] != room.name:
        signals.place_changed.send(centre, room_ids=[room.id], centre_id=centre.id)
    return room


def set_room_active(room: Room, active: bool) -> None:
    if room.active != active:
        room.active = active
        db.session.flush()
        record("room.activate" if active else "room.deactivate", room)


def add_centre_date(centre: Centre, day: date, kind: str, note: str | None = None) -> CentreDate:
    """A closure (kind 'closed') or an extra opening (kind 'open'); one entry per date."""
    if kind not in ("open", "closed"):
        raise ValueError(kind)
    existing = next((d for d in centre.dates if d.date == day), None)
    if existing is not None:
        before = {"kind": existing.kind, "note": existing.note}
        existing.kind, existing.note = kind, note or existing.note
        db.session.flush()
        if before != {"kind": existing.kind, "note": existing.note}:
            record("centre_date.update", existing, before=before,
                   after={"kind": kind, "note": existing.note})
        return existing
    entry = CentreDate(centre=centre, date=day, kind=kind, note=note or None)
    db.session.add(entry)
    db.session.flush()
    record(f"centre_date.{kind}", entry, summary=f"{centre.code} {day.isoformat()}")
    return entry


def remove_centre_date(entry: CentreDate) -> None:
    record("centre_date.delete", entry, before={"date": entry.date.isoformat(),
                                                "kind": entry.kind, "note": entry.note})
    db.session.delete(entry)
    db.session.flush()


def every_nth_day(start: date, end: date, step: int) -> list[date]:
    """Every `step`-th day from `start` to `end` inclusive (market days recur every few days)."""
    if step < 1:
        raise CentreError("step must be at least 1")
    if end < start:
        raise CentreError("end before start")
    days, day = [], start
    while day <= end:
        days.append(day)
        if len(days) > MAX_GENERATED_DATES:
            raise CentreError("too many dates")
        day += timedelta(days=step)
    return days


# Market days by the last digit of the day of the month (逢一四七 …): the usual local cycles.
DIGIT_CYCLES = {"147": (1, 4, 7), "258": (2, 5, 8), "369": (3, 6, 9), "50": (5, 0)}


def _period(start: date, end: date):
    if end < start:
        raise CentreError("end before start")
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _capped(days: list[date]) -> list[date]:
    if len(days) > MAX_GENERATED_DATES:
        raise CentreError("too many dates")
    return days


def days_by_last_digit(start: date, end: date, digits: tuple[int, ...]) -> list[date]:
    """Days of the month whose last digit is one of `digits` (1/4/7: the 1st, 4th, 7th, 11th …
    31st; 5/0: the 5th, 10th … 30th)."""
    wanted = {d % 10 for d in digits}
    if not wanted:
        raise CentreError("choose at least one digit")
    return _capped([d for d in _period(start, end) if d.day % 10 in wanted])


def lunar_day_of(day: date) -> int:
    """The day of the lunar (农历) month of a Gregorian date."""
    return LunarDate.from_solar_date(day.year, day.month, day.day).day


def lunar_days(start: date, end: date, days: tuple[int, ...]) -> list[date]:
    """Dates whose day of the lunar month is one of `days` (e.g. lunar 1st, 11th, 21st)."""
    wanted = set(days)
    if not wanted or not wanted <= set(range(1, 31)):
        raise CentreError("lunar days are 1 to 30")
    return _capped([d for d in _period(start, end) if lunar_day_of(d) in wanted])


def market_days(start: date, end: date, cycle: str, every: int | None = None,
                digits: str | None = None, lunar: tuple[int, ...] = ()) -> list[date]:
    """The market days of a period by cycle: 'every' Nth day from `start`, 'digits' (a key of
    DIGIT_CYCLES) or 'lunar' days of the lunar month."""
    if cycle == "every":
        return every_nth_day(start, end, every or 0)
    if cycle == "digits":
        if digits not in DIGIT_CYCLES:
            raise CentreError("unknown digit cycle")
        return days_by_last_digit(start, end, DIGIT_CYCLES[digits])
    if cycle == "lunar":
        return lunar_days(start, end, tuple(lunar))
    raise CentreError("unknown cycle")


def add_open_dates(centre: Centre, days: list[date], note: str | None = None) -> int:
    """Mark each date as an opening (market day); returns how many entries were new or changed."""
    changed = 0
    for day in days:
        existing = next((d for d in centre.dates if d.date == day), None)
        if existing is not None and existing.kind == "open":
            continue
        add_centre_date(centre, day, "open", note)
        changed += 1
    return changed


def save_session(session: HearingSession | None, data: dict) -> HearingSession:
    creating = session is None
    starts, ends = data["starts_at"], data["ends_at"]
    if not isinstance(starts, time) or not isinstance(ends, time) or starts >= ends:
        raise CentreError("a session must end after it starts")
    before = None if creating else {"code": session.code, "name": session.name,
                                    "starts_at": session.starts_at.isoformat(),
                                    "ends_at": session.ends_at.isoformat()}
    if creating:
        session = HearingSession()
        db.session.add(session)
    session.code = data["code"].strip()
    session.name = data["name"].strip()
    session.starts_at, session.ends_at = starts, ends
    session.position = data.get("position") or 0
    db.session.flush()
    record("session.create" if creating else "session.update", session, before=before,
           after={"code": session.code, "name": session.name,
                  "starts_at": starts.isoformat(), "ends_at": ends.isoformat()})
    return session


def scenario_dates(centre: Centre, start: date, end: date,
                   calendar: OfficialCalendar | None = None) -> tuple[list[date], list[date]]:
    """The exchange format's `closed_dates` and `open_dates` of a centre over a horizon, so that
    rule 8 (open_dates, or an open weekday not in closed_dates) gives `Centre.is_open_on`: the
    stored exceptions plus, within the horizon, the official calendar's holidays (closed) and
    substituted working days (open)."""
    calendar = calendar or OfficialCalendar()
    closed, opened = set(centre.closed_dates), set(centre.open_dates)
    weekdays = set(centre.open_weekdays or ())
    day = start
    while day <= end:
        if day not in closed and day not in opened:
            is_open = centre.is_open_on(day, calendar)
            if day.isoweekday() in weekdays and not is_open:
                closed.add(day)
            elif is_open and day.isoweekday() not in weekdays:
                opened.add(day)
        day += timedelta(days=1)
    return sorted(closed), sorted(opened)


def centre_calendar(centre: Centre, start: date, end: date, language: str = "en_US"
                    ) -> list[tuple[date, str, str, bool, bool]]:
    """The holidays and substituted working days in a period, each with whether the centre is
    open that day: (date, kind, name, local addition?, open?)."""
    calendar = OfficialCalendar()
    return [(day, kind, name, local, centre.is_open_on(day, calendar))
            for day, kind, name, local in calendar.special_days(start, end, language)]


# --- the official calendar: local additions (administrators) ---------------------------------


def official_year(year: int, language: str = "en_US") -> list[tuple[date, str, str, bool]]:
    """Every statutory holiday and substituted working day of a year, local additions included:
    (date, 'holiday'|'workday', name or note, is a local addition)."""
    return OfficialCalendar().special_days(date(year, 1, 1), date(year, 12, 31), language)


def save_calendar_day(day: date, kind: str, note: str | None = None) -> CalendarDay:
    """Add or change the local addition of a date (an extra holiday or working day)."""
    if kind not in ("holiday", "workday"):
        raise CentreError("kind must be holiday or workday")
    entry = local_days(day, day).get(day)
    before = None if entry is None else {"kind": entry.kind, "note": entry.note}
    if entry is None:
        entry = CalendarDay(date=day)
        db.session.add(entry)
    entry.kind, entry.note = kind, (note or "").strip() or None
    db.session.flush()
    record("calendar_day.create" if before is None else "calendar_day.update", entry,
           summary=day.isoformat(), before=before, after={"kind": kind, "note": entry.note})
    return entry


def remove_calendar_day(entry: CalendarDay) -> None:
    record("calendar_day.delete", entry, summary=entry.date.isoformat(),
           before={"kind": entry.kind, "note": entry.note})
    db.session.delete(entry)
    db.session.flush()


# --- regions -----------------------------------------------------------------------------------


def region_tree() -> list[tuple[Region, int]]:
    """Every region with its depth, parents before children, in code order."""
    return regions.tree_order()


def add_region(code: str, name: str, parent: Region | None) -> Region:
    level = child_level(parent)
    if level is None:
        raise CentreError("nothing can be placed under a village")
    region = Region(code=code.strip(), name=name.strip(), level=level, parent=parent)
    db.session.add(region)
    db.session.flush()
    record("region.create", region, after={"code": region.code, "name": region.name,
                                           "level": level,
                                           "parent": parent.code if parent else None})
    return region

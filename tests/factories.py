"""Small factories for model objects; each flushes and returns the object."""

from __future__ import annotations

from datetime import date, time
from itertools import count

from mediation.cases.models import Case, Party
from mediation.centres.models import Centre, HearingSession, Room
from mediation.extensions import db
from mediation.regions.models import Region
from mediation.roster.models import ExpertiseArea, Person

_seq = count(1)


def region(code: str | None = None, level: str = "county", parent: Region | None = None) -> Region:
    n = next(_seq)
    r = Region(code=code or f"r{n}", name=f"Region {n}", level=level, parent=parent)
    db.session.add(r)
    db.session.flush()
    return r


def session_block(code: str = "am", start: time = time(9), end: time = time(12)) -> HearingSession:
    s = HearingSession(code=code, name=code.upper(), starts_at=start, ends_at=end)
    db.session.add(s)
    db.session.flush()
    return s


def centre(reg: Region | None = None, capacity: int = 10, weekdays=(1, 2, 3, 4, 5)) -> Centre:
    n = next(_seq)
    c = Centre(code=f"c{n}", name=f"Centre {n}", level="county", region=reg or region(),
               open_weekdays=list(weekdays), address=f"{n} Renmin Road, Ning'an")
    c.rooms = [Room(code=f"c{n}-R1", name="Room 1", capacity=capacity)]
    db.session.add(c)
    db.session.flush()
    return c


def expertise(code: str) -> ExpertiseArea:
    a = ExpertiseArea(code=code, name_en=code.title())
    db.session.add(a)
    db.session.flush()
    return a


def person(expert: bool = True, counsellor: bool = False, **kw) -> Person:
    n = next(_seq)
    p = Person(code=kw.pop("code", f"P{n:04d}"), name=kw.pop("name", f"Person {n}"),
               is_expert=expert, is_counsellor=counsellor, **kw)
    db.session.add(p)
    db.session.flush()
    return p


def case(reg: Region | None = None, **kw) -> Case:
    n = next(_seq)
    c = Case(reference=kw.pop("reference", f"T-{n:05d}"), title=kw.pop("title", f"Case {n}"),
             category=kw.pop("category", "unpaid_wages"), region=reg or region(),
             registered_on=kw.pop("registered_on", date(2026, 11, 2)), **kw)
    c.parties = kw.pop("parties", None) or [Party(name=f"Petitioner {n}")]
    db.session.add(c)
    db.session.flush()
    return c

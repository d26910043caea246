"""Frozen dataclasses for a scenario (what must be planned) and a plan (what was decided).

They mirror the exchange format (mediation-scenario/1, mediation-plan/1) field by field, so the
web app can build a scenario straight from its database without going through JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

EXPERT = "expert"
COUNSELLOR = "counsellor"
HARD = "hard"
SOFT = "soft"


@dataclass(frozen=True)
class Session:
    id: str
    start: str  # "HH:MM"
    end: str


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    parent: str | None


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    capacity: int


@dataclass(frozen=True)
class Centre:
    id: str
    name: str
    region: str
    rooms: tuple[Room, ...]
    open_weekdays: tuple[int, ...] = ()
    closed_dates: tuple[date, ...] = ()
    open_dates: tuple[date, ...] = ()


@dataclass(frozen=True)
class Unavailability:
    """A whole day (session None) or one session on which a person cannot attend."""

    date: date
    session: str | None = None


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    roles: tuple[str, ...]
    expertise: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    regions: tuple[str, ...] | None = None  # None: travels anywhere
    max_hearings: int | None = None  # None: no limit
    max_per_day: int | None = None
    available_weekdays: tuple[int, ...] | None = None  # None: every day
    unavailable: tuple[Unavailability, ...] = ()


@dataclass(frozen=True)
class Party:
    name: str
    organisation: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    category: str
    region: str
    accepted_on: date
    due_by: date
    required_expertise: tuple[str, ...]
    needs_counsellor: bool
    attendees: int
    priority: int
    repeat_count: int = 0
    parties: tuple[Party, ...] = ()
    respondents: tuple[str, ...] = ()
    earliest: date | None = None


@dataclass(frozen=True)
class Conflict:
    person: str
    kind: str  # "hard" | "soft"
    reason: str
    case: str | None = None
    organisation: str | None = None


@dataclass(frozen=True)
class FixedHearing:
    case: str
    date: date
    session: str
    room: str
    panel: tuple[str, ...]
    counsellor: str | None = None
    chair: str | None = None  # optional extension: a pinned chair is kept too


@dataclass(frozen=True)
class Scenario:
    timezone: str
    horizon_start: date
    horizon_end: date
    sessions: tuple[Session, ...]
    panel_size: int
    regions: tuple[Region, ...]
    centres: tuple[Centre, ...]
    people: tuple[Person, ...]
    cases: tuple[Case, ...]
    conflicts: tuple[Conflict, ...] = ()
    fixed: tuple[FixedHearing, ...] = ()


@dataclass(frozen=True)
class Hearing:
    case: str
    date: date
    session: str
    centre: str
    room: str
    panel: tuple[str, ...]
    chair: str | None = None
    counsellor: str | None = None


@dataclass(frozen=True)
class Unscheduled:
    """A case the plan leaves out: `reasons` in English (the exchange format's field) and, in
    parallel, `details`: the same reasons as `rules.Reason` (code + params) when the planner
    wrote them (empty for plans read from elsewhere). Equality ignores `details`."""

    case: str
    reasons: tuple[str, ...]
    details: tuple[Any, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Plan:
    hearings: tuple[Hearing, ...] = ()
    unscheduled: tuple[Unscheduled, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict, compare=False)

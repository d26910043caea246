"""Read and write scenarios and plans in the exchange format, reporting every bad field by path.

Readers ignore fields they do not know. Problems are collected, not raised one at a time, so a
coordinator fixing an export sees all of them at once (one `ScenarioError` with a list).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from .model import (
    COUNSELLOR,
    EXPERT,
    HARD,
    SOFT,
    Case,
    Centre,
    Conflict,
    FixedHearing,
    Hearing,
    Party,
    Person,
    Plan,
    Region,
    Room,
    Scenario,
    Session,
    Unavailability,
    Unscheduled,
)
from .rules import Reason

SCENARIO_FORMAT = "mediation-scenario/1"
PLAN_FORMAT = "mediation-plan/1"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_MISSING = object()


class ScenarioError(ValueError):
    """Bad input: `problems` lists every problem found, each naming its place."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _Reader:
    """Typed field access that records a problem (with its path) instead of raising."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def get(self, obj: Any, key: str, path: str, required: bool = True) -> Any:
        if not isinstance(obj, dict):
            return _MISSING
        if key not in obj:
            if required:
                self.bad(f"{path}.{key}" if path else key, "missing field")
            return _MISSING
        return obj[key]

    def string(self, obj: Any, key: str, path: str, *, required: bool = True,
               nullable: bool = False, default: str | None = None) -> str | None:
        value = self.get(obj, key, path, required)
        where = f"{path}.{key}" if path else key
        if value is _MISSING:
            return default
        if value is None and nullable:
            return None
        if not isinstance(value, str) or (not value and not nullable and key == "id"):
            self.bad(where, f"expected a non-empty string, got {value!r}"
                     if key == "id" else f"expected a string, got {value!r}")
            return default
        return value

    def integer(self, obj: Any, key: str, path: str, *, required: bool = True,
                nullable: bool = False, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        value = self.get(obj, key, path, required)
        where = f"{path}.{key}" if path else key
        if value is _MISSING or (value is None and nullable):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad(where, f"expected an integer, got {value!r}")
            return None
        if minimum is not None and value < minimum:
            self.bad(where, f"must be at least {minimum}, got {value}")
            return None
        if maximum is not None and value > maximum:
            self.bad(where, f"must be at most {maximum}, got {value}")
            return None
        return value

    def boolean(self, obj: Any, key: str, path: str) -> bool:
        value = self.get(obj, key, path)
        if value is _MISSING:
            return False
        if not isinstance(value, bool):
            self.bad(f"{path}.{key}", f"expected true or false, got {value!r}")
            return False
        return value

    def parse_date(self, value: Any, where: str) -> date | None:
        if not isinstance(value, str) or not _DATE.match(value):
            self.bad(where, f"expected a date YYYY-MM-DD, got {value!r}")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.bad(where, f"not a valid date: {value!r}")
            return None

    def day(self, obj: Any, key: str, path: str, *, required: bool = True,
            nullable: bool = False) -> date | None:
        value = self.get(obj, key, path, required)
        if value is _MISSING or (value is None and nullable):
            return None
        return self.parse_date(value, f"{path}.{key}" if path else key)

    def items(self, obj: Any, key: str, path: str, *, required: bool = True) -> list[Any] | None:
        value = self.get(obj, key, path, required)
        where = f"{path}.{key}" if path else key
        if value is _MISSING or (value is None and not required):
            return None
        if not isinstance(value, list):
            self.bad(where, f"expected a list, got {type(value).__name__}")
            return None
        return value

    def strings(self, obj: Any, key: str, path: str, *, required: bool = True
                ) -> tuple[str, ...] | None:
        values = self.items(obj, key, path, required=required)
        if values is None:
            return None
        out = []
        for i, v in enumerate(values):
            if isinstance(v, str):
                out.append(v)
            else:
                self.bad(f"{path}.{key}[{i}]", f"expected a string, got {v!r}")
        return tuple(out)

    def weekdays(self, obj: Any, key: str, path: str, *, required: bool = True
                 ) -> tuple[int, ...] | None:
        values = self.items(obj, key, path, required=required)
        if values is None:
            return None
        out = []
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 7:
                self.bad(f"{path}.{key}[{i}]", f"expected an ISO weekday 1-7, got {v!r}")
            else:
                out.append(v)
        return tuple(out)

    def dates(self, obj: Any, key: str, path: str, *, required: bool = True
              ) -> tuple[date, ...]:
        values = self.items(obj, key, path, required=required)
        out = []
        for i, v in enumerate(values or []):
            d = self.parse_date(v, f"{path}.{key}[{i}]")
            if d is not None:
                out.append(d)
        return tuple(out)

    def records(self, obj: Any, key: str, path: str, build: Callable[[Any, str], Any],
                *, required: bool = True) -> list[Any]:
        values = self.items(obj, key, path, required=required)
        out = []
        for i, raw in enumerate(values or []):
            where = f"{path}.{key}[{i}]" if path else f"{key}[{i}]"
            if not isinstance(raw, dict):
                self.bad(where, f"expected an object, got {type(raw).__name__}")
                continue
            record = build(raw, where)
            if record is not None:
                out.append(record)
        return out

    def unique(self, records: Iterable[Any], path: str, what: str = "id") -> set[str]:
        seen: set[str] = set()
        for i, record in enumerate(records):
            key = getattr(record, what)
            if key in seen:
                self.bad(f"{path}[{i}].{what}", f"duplicate id {key!r}")
            seen.add(key)
        return seen

    def raise_if_any(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems)


# --- scenario reading --------------------------------------------------------------------------


def _session(r: _Reader, raw: dict, path: str) -> Session | None:
    sid = r.string(raw, "id", path)
    start = r.string(raw, "start", path)
    end = r.string(raw, "end", path)
    for key, value in (("start", start), ("end", end)):
        if value is not None and not _TIME.match(value):
            r.bad(f"{path}.{key}", f"expected a time HH:MM, got {value!r}")
            return None
    if start and end and start >= end:
        r.bad(f"{path}.end", f"must be after start {start}")
    return Session(sid, start, end) if sid is not None and start and end else None


def _region(r: _Reader, raw: dict, path: str) -> Region | None:
    rid = r.string(raw, "id", path)
    name = r.string(raw, "name", path)
    parent = r.string(raw, "parent", path, nullable=True)
    return Region(rid, name, parent) if rid is not None and name is not None else None


def _room(r: _Reader, raw: dict, path: str) -> Room | None:
    rid = r.string(raw, "id", path)
    name = r.string(raw, "name", path)
    capacity = r.integer(raw, "capacity", path, minimum=1)
    if rid is None or name is None or capacity is None:
        return None
    return Room(rid, name, capacity)


def _centre(r: _Reader, raw: dict, path: str) -> Centre | None:
    cid = r.string(raw, "id", path)
    name = r.string(raw, "name", path)
    region = r.string(raw, "region", path)
    rooms = r.records(raw, "rooms", path, lambda x, p: _room(r, x, p))
    open_weekdays = r.weekdays(raw, "open_weekdays", path, required=False) or ()
    closed = r.dates(raw, "closed_dates", path, required=False)
    opened = r.dates(raw, "open_dates", path, required=False)
    if cid is None or name is None or region is None:
        return None
    return Centre(cid, name, region, tuple(rooms), open_weekdays, closed, opened)


def _unavailability(r: _Reader, raw: dict, path: str) -> Unavailability | None:
    day = r.day(raw, "date", path)
    session = r.string(raw, "session", path, required=False, nullable=True)
    return Unavailability(day, session) if day is not None else None


def _person(r: _Reader, raw: dict, path: str) -> Person | None:
    pid = r.string(raw, "id", path)
    name = r.string(raw, "name", path)
    email = r.string(raw, "email", path)
    roles = r.strings(raw, "roles", path)
    for i, role in enumerate(roles or ()):
        if role not in (EXPERT, COUNSELLOR):
            r.bad(f"{path}.roles[{i}]", f"unknown role {role!r} (expected expert or counsellor)")
    expertise = r.strings(raw, "expertise", path)
    organisations = r.strings(raw, "organisations", path)
    regions = r.strings(raw, "regions", path, required=False)
    max_hearings = r.integer(raw, "max_hearings", path, required=False, nullable=True, minimum=0)
    max_per_day = r.integer(raw, "max_per_day", path, required=False, nullable=True, minimum=0)
    weekdays = r.weekdays(raw, "available_weekdays", path, required=False)
    unavailable = r.records(raw, "unavailable", path, lambda x, p: _unavailability(r, x, p),
                            required=False)
    if None in (pid, name, email, roles):
        return None
    return Person(pid, name, email, roles, expertise or (), organisations or (), regions,
                  max_hearings, max_per_day, weekdays, tuple(unavailable))


def _party(r: _Reader, raw: dict, path: str) -> Party | None:
    name = r.string(raw, "name", path)
    organisation = r.string(raw, "organisation", path, required=False, nullable=True)
    return Party(name, organisation) if name is not None else None


def _case(r: _Reader, raw: dict, path: str) -> Case | None:
    cid = r.string(raw, "id", path)
    title = r.string(raw, "title", path)
    category = r.string(raw, "category", path)
    region = r.string(raw, "region", path)
    accepted_on = r.day(raw, "accepted_on", path)
    due_by = r.day(raw, "due_by", path)
    earliest = r.day(raw, "earliest", path, required=False, nullable=True)
    required = r.strings(raw, "required_expertise", path)
    needs_counsellor = r.boolean(raw, "needs_counsellor", path)
    attendees = r.integer(raw, "attendees", path, minimum=0)
    priority = r.integer(raw, "priority", path, minimum=1, maximum=5)
    repeat_count = r.integer(raw, "repeat_count", path, minimum=0)
    parties = r.records(raw, "parties", path, lambda x, p: _party(r, x, p))
    respondents = r.strings(raw, "respondents", path)
    if None in (cid, title, category, region, accepted_on, due_by, required, attendees,
                priority, repeat_count, respondents):
        return None
    return Case(cid, title, category, region, accepted_on, due_by, required, needs_counsellor,
                attendees, priority, repeat_count, tuple(parties), respondents, earliest)


def _conflict(r: _Reader, raw: dict, path: str) -> Conflict | None:
    person = r.string(raw, "person", path)
    case = r.string(raw, "case", path, required=False, nullable=True)
    organisation = r.string(raw, "organisation", path, required=False, nullable=True)
    kind = r.string(raw, "kind", path)
    reason = r.string(raw, "reason", path)
    if kind is not None and kind not in (HARD, SOFT):
        r.bad(f"{path}.kind", f"expected 'hard' or 'soft', got {kind!r}")
        return None
    if case is None and organisation is None:
        r.bad(path, "a conflict needs a case or an organisation")
        return None
    if None in (person, kind, reason):
        return None
    return Conflict(person, kind, reason, case, organisation)


def _fixed(r: _Reader, raw: dict, path: str) -> FixedHearing | None:
    case = r.string(raw, "case", path)
    day = r.day(raw, "date", path)
    session = r.string(raw, "session", path)
    room = r.string(raw, "room", path)
    panel = r.strings(raw, "panel", path)
    counsellor = r.string(raw, "counsellor", path, required=False, nullable=True)
    chair = r.string(raw, "chair", path, required=False, nullable=True)
    if None in (case, day, session, room, panel):
        return None
    return FixedHearing(case, day, session, room, panel, counsellor, chair)


def _check_references(r: _Reader, s: Scenario) -> None:
    """Every id a record points at must exist; ids must be unique; regions form a tree."""
    region_ids = r.unique(s.regions, "regions")
    r.unique(s.centres, "centres")
    session_ids = r.unique(s.sessions, "sessions")
    person_ids = r.unique(s.people, "people")
    case_ids = r.unique(s.cases, "cases")
    room_ids: set[str] = set()
    for i, region in enumerate(s.regions):
        if region.parent is not None and region.parent not in region_ids:
            r.bad(f"regions[{i}].parent", f"unknown region {region.parent!r}")
    _check_region_tree(r, s)
    for i, centre in enumerate(s.centres):
        if centre.region not in region_ids:
            r.bad(f"centres[{i}].region", f"unknown region {centre.region!r}")
        for j, room in enumerate(centre.rooms):
            if room.id in room_ids:
                r.bad(f"centres[{i}].rooms[{j}].id", f"duplicate room id {room.id!r}")
            room_ids.add(room.id)
    for i, person in enumerate(s.people):
        for j, region in enumerate(person.regions or ()):
            if region not in region_ids:
                r.bad(f"people[{i}].regions[{j}]", f"unknown region {region!r}")
        for j, gap in enumerate(person.unavailable):
            if gap.session is not None and gap.session not in session_ids:
                r.bad(f"people[{i}].unavailable[{j}].session", f"unknown session {gap.session!r}")
    for i, case in enumerate(s.cases):
        if case.region not in region_ids:
            r.bad(f"cases[{i}].region", f"unknown region {case.region!r}")
    for i, conflict in enumerate(s.conflicts):
        if conflict.person not in person_ids:
            r.bad(f"conflicts[{i}].person", f"unknown person {conflict.person!r}")
        if conflict.case is not None and conflict.case not in case_ids:
            r.bad(f"conflicts[{i}].case", f"unknown case {conflict.case!r}")
    r.unique(s.fixed, "fixed", "case")
    for i, fixed in enumerate(s.fixed):
        where = f"fixed[{i}]"
        if fixed.case not in case_ids:
            r.bad(f"{where}.case", f"unknown case {fixed.case!r}")
        if fixed.session not in session_ids:
            r.bad(f"{where}.session", f"unknown session {fixed.session!r}")
        if fixed.room not in room_ids:
            r.bad(f"{where}.room", f"unknown room {fixed.room!r}")
        for j, pid in enumerate(fixed.panel):
            if pid not in person_ids:
                r.bad(f"{where}.panel[{j}]", f"unknown person {pid!r}")
        if fixed.counsellor is not None and fixed.counsellor not in person_ids:
            r.bad(f"{where}.counsellor", f"unknown person {fixed.counsellor!r}")


def _check_region_tree(r: _Reader, s: Scenario) -> None:
    parent = {region.id: region.parent for region in s.regions}
    for i, region in enumerate(s.regions):
        seen = {region.id}
        at = region.parent
        while at is not None and at in parent:
            if at in seen:
                r.bad(f"regions[{i}].parent", f"region {region.id!r} is its own ancestor")
                break
            seen.add(at)
            at = parent[at]


def scenario_from_dict(data: Any) -> Scenario:
    """Build a `Scenario` from exchange-format data; raise `ScenarioError` listing every problem."""
    r = _Reader()
    if not isinstance(data, dict):
        raise ScenarioError([f"scenario: expected a JSON object, got {type(data).__name__}"])
    fmt = r.string(data, "format", "")
    if fmt is not None and fmt != SCENARIO_FORMAT:
        r.bad("format", f"expected {SCENARIO_FORMAT!r}, got {fmt!r}")
    timezone = r.string(data, "timezone", "")
    horizon = r.get(data, "horizon", "")
    start = r.day(horizon, "start", "horizon") if horizon is not _MISSING else None
    end = r.day(horizon, "end", "horizon") if horizon is not _MISSING else None
    if start and end and start > end:
        r.bad("horizon.end", f"{end} is before horizon.start {start}")
    rules = r.get(data, "rules", "")
    panel_size = r.integer(rules, "panel_size", "rules", minimum=1) if rules is not _MISSING \
        else None
    sessions = r.records(data, "sessions", "", lambda x, p: _session(r, x, p))
    if not sessions and r.items(data, "sessions", "", required=False) == []:
        r.bad("sessions", "at least one session is needed")
    regions = r.records(data, "regions", "", lambda x, p: _region(r, x, p))
    centres = r.records(data, "centres", "", lambda x, p: _centre(r, x, p))
    people = r.records(data, "people", "", lambda x, p: _person(r, x, p))
    cases = r.records(data, "cases", "", lambda x, p: _case(r, x, p))
    conflicts = r.records(data, "conflicts", "", lambda x, p: _conflict(r, x, p), required=False)
    fixed = r.records(data, "fixed", "", lambda x, p: _fixed(r, x, p), required=False)
    if r.problems:  # references are only worth checking once every record could be read
        r.raise_if_any()
    scenario = Scenario(timezone, start, end, tuple(sessions), panel_size, tuple(regions),
                        tuple(centres), tuple(people), tuple(cases), tuple(conflicts),
                        tuple(fixed))
    _check_references(r, scenario)
    r.raise_if_any()
    return scenario


# --- scenario writing --------------------------------------------------------------------------


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _person_to_dict(p: Person) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.id, "name": p.name, "email": p.email, "roles": list(p.roles),
        "expertise": list(p.expertise), "organisations": list(p.organisations),
    }
    if p.regions is not None:
        out["regions"] = list(p.regions)
    if p.max_hearings is not None:
        out["max_hearings"] = p.max_hearings
    if p.max_per_day is not None:
        out["max_per_day"] = p.max_per_day
    if p.available_weekdays is not None:
        out["available_weekdays"] = list(p.available_weekdays)
    out["unavailable"] = [
        {"date": _iso(u.date)} if u.session is None else {"date": _iso(u.date), "session": u.session}
        for u in p.unavailable
    ]
    return out


def _case_to_dict(c: Case) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id, "title": c.title, "category": c.category, "region": c.region,
        "accepted_on": _iso(c.accepted_on), "due_by": _iso(c.due_by),
    }
    if c.earliest is not None:
        out["earliest"] = _iso(c.earliest)
    out.update({
        "required_expertise": list(c.required_expertise), "needs_counsellor": c.needs_counsellor,
        "attendees": c.attendees, "priority": c.priority, "repeat_count": c.repeat_count,
        "parties": [{"name": p.name, "organisation": p.organisation} for p in c.parties],
        "respondents": list(c.respondents),
    })
    return out


def _conflict_to_dict(c: Conflict) -> dict[str, Any]:
    out: dict[str, Any] = {"person": c.person}
    if c.case is not None:
        out["case"] = c.case
    if c.organisation is not None:
        out["organisation"] = c.organisation
    out.update({"kind": c.kind, "reason": c.reason})
    return out


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """The exchange-format dict of a scenario (inverse of `scenario_from_dict`)."""
    return {
        "format": SCENARIO_FORMAT,
        "timezone": s.timezone,
        "horizon": {"start": _iso(s.horizon_start), "end": _iso(s.horizon_end)},
        "sessions": [{"id": x.id, "start": x.start, "end": x.end} for x in s.sessions],
        "rules": {"panel_size": s.panel_size},
        "regions": [{"id": x.id, "name": x.name, "parent": x.parent} for x in s.regions],
        "centres": [
            {"id": c.id, "name": c.name, "region": c.region,
             "open_weekdays": list(c.open_weekdays),
             "closed_dates": [_iso(d) for d in c.closed_dates],
             "open_dates": [_iso(d) for d in c.open_dates],
             "rooms": [{"id": r.id, "name": r.name, "capacity": r.capacity} for r in c.rooms]}
            for c in s.centres
        ],
        "people": [_person_to_dict(p) for p in s.people],
        "cases": [_case_to_dict(c) for c in s.cases],
        "conflicts": [_conflict_to_dict(c) for c in s.conflicts],
        "fixed": [
            {"case": f.case, "date": _iso(f.date), "session": f.session, "room": f.room,
             "panel": list(f.panel), "counsellor": f.counsellor,
             **({"chair": f.chair} if f.chair is not None else {})}
            for f in s.fixed
        ],
    }


# --- plans -------------------------------------------------------------------------------------


def _hearing(r: _Reader, raw: dict, path: str) -> Hearing | None:
    case = r.string(raw, "case", path)
    day = r.day(raw, "date", path)
    session = r.string(raw, "session", path)
    centre = r.string(raw, "centre", path)
    room = r.string(raw, "room", path)
    panel = r.strings(raw, "panel", path)
    chair = r.string(raw, "chair", path, required=False, nullable=True)
    counsellor = r.string(raw, "counsellor", path, required=False, nullable=True)
    if None in (case, day, session, centre, room, panel):
        return None
    return Hearing(case, day, session, centre, room, panel, chair, counsellor)


def _unscheduled(r: _Reader, raw: dict, path: str) -> Unscheduled | None:
    case = r.string(raw, "case", path)
    reasons = r.strings(raw, "reasons", path)
    if case is None or reasons is None:
        return None
    return Unscheduled(case, reasons, _details(raw.get("details")))


def _details(raw: Any) -> tuple[Reason, ...]:
    """The planner's own `details` extension beside `reasons` ({code, params} per reason); read
    when well formed, otherwise ignored like any field this reader does not know."""
    if not isinstance(raw, list) or not all(
            isinstance(d, dict) and isinstance(d.get("code"), str)
            and isinstance(d.get("params", {}), dict) for d in raw):
        return ()
    return tuple(Reason(d["code"], dict(d.get("params", {}))) for d in raw)


def _unscheduled_to_dict(u: Unscheduled) -> dict[str, Any]:
    out: dict[str, Any] = {"case": u.case, "reasons": list(u.reasons)}
    if u.details:  # an extension: readers of the format ignore fields they do not know
        out["details"] = [{"code": d.code, "params": d.params} for d in u.details]
    return out


def plan_from_dict(data: Any) -> Plan:
    """Build a `Plan`; raise `ScenarioError` listing every structural problem.

    References to cases, people and rooms are judged by `rules.check_plan`, not here, so a plan
    for another scenario still loads and its problems are reported as rule violations.
    """
    r = _Reader()
    if not isinstance(data, dict):
        raise ScenarioError([f"plan: expected a JSON object, got {type(data).__name__}"])
    fmt = r.string(data, "format", "")
    if fmt is not None and fmt != PLAN_FORMAT:
        r.bad("format", f"expected {PLAN_FORMAT!r}, got {fmt!r}")
    hearings = r.records(data, "hearings", "", lambda x, p: _hearing(r, x, p))
    unscheduled = r.records(data, "unscheduled", "", lambda x, p: _unscheduled(r, x, p),
                            required=False)
    stats = r.get(data, "stats", "", required=False)
    if stats is _MISSING or stats is None:
        stats = {}
    elif not isinstance(stats, dict):
        r.bad("stats", f"expected an object, got {type(stats).__name__}")
        stats = {}
    r.raise_if_any()
    return Plan(tuple(hearings), tuple(unscheduled), dict(stats))


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The exchange-format dict of a plan (inverse of `plan_from_dict`)."""
    return {
        "format": PLAN_FORMAT,
        "hearings": [
            {"case": h.case, "date": _iso(h.date), "session": h.session, "centre": h.centre,
             "room": h.room, "panel": list(h.panel), "chair": h.chair, "counsellor": h.counsellor}
            for h in plan.hearings
        ],
        "unscheduled": [_unscheduled_to_dict(u) for u in plan.unscheduled],
        "stats": dict(plan.stats),
    }


def _load_json(path: str | Path, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read {what}: {exc.strerror or exc}"]) from None
    except json.JSONDecodeError as exc:
        raise ScenarioError([f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): "
                             f"{exc.msg}"]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"{path}: not UTF-8 text: {exc.reason}"]) from None


def load_scenario(path: str | Path) -> Scenario:
    return scenario_from_dict(_load_json(path, "scenario"))


def load_plan(path: str | Path) -> Plan:
    return plan_from_dict(_load_json(path, "plan"))


def dump_plan(plan: Plan, path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(plan_to_dict(plan), handle, ensure_ascii=False, indent=1)
        handle.write("\n")


def dump_scenario(scenario: Scenario, path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(scenario_to_dict(scenario), handle, ensure_ascii=False, indent=1)
        handle.write("\n")

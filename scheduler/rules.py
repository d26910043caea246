"""Hard rules 1-12 of the exchange format, each defined once, returning structured violations.

Each rule's logic lives in one place here, as a *cause* function: it returns what is broken as
`(code, values)` pairs (empty: nothing). The causes are grouped by what they look at, in the
registries below (`PANEL`, `PERSON_SLOT`, `PERSON_CENTRE`, `CASE_PERSON`, `REGION_CENTRE`,
`CASE_ROOM`, `CENTRE_DAY`, `CASE_DAY`); the plan checker (`check_plan`, `hearing_violations`,
`person_violations`, `room_violations`), the eligibility pruning (`options.py`, `greedy.Problem`)
and the explanations (`explain.py`) all go through these registries and the predicates built on
them (`panel_ok`, `available`, `may_travel`, `excluded`, `centre_serves`, `room_fits`,
`centre_open`, `day_allowed`), so a new rule of one of these kinds is one cause function added
to one registry. Panel size and chair (1), bookings (6, 7), pins (11) and accounting (12) are
functions of a whole hearing or plan below; the load limits (`load_limits`) are read from here
by the greedy and the CP-SAT model. Every `Violation` has a `Rule`, a stable `code` and
JSON-serialisable `params`; `messages.render` words them in English (`Violation.message`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from typing import Any

from .index import ScenarioIndex
from .messages import render
from .model import (
    COUNSELLOR,
    EXPERT,
    HARD,
    Case,
    Centre,
    Conflict,
    Hearing,
    Person,
    Plan,
    Room,
    Scenario,
)


class Rule(IntEnum):
    """The hard rules of the exchange format, by number (compares equal to the plain int)."""

    PANEL = 1
    EXPERTISE = 2
    COUNSELLOR = 3
    CONFLICT = 4
    AVAILABILITY = 5
    DOUBLE_BOOKING = 6
    LOAD = 7
    ROOM = 8
    TRAVEL = 9
    TIME = 10
    PINNED = 11
    ACCOUNTED = 12

    @property
    def title(self) -> str:
        return RULE_NAMES[self]


RULE_NAMES = {
    Rule.PANEL: "panel", Rule.EXPERTISE: "expertise", Rule.COUNSELLOR: "counsellor",
    Rule.CONFLICT: "conflict of interest", Rule.AVAILABILITY: "availability",
    Rule.DOUBLE_BOOKING: "no double booking", Rule.LOAD: "load", Rule.ROOM: "room",
    Rule.TRAVEL: "place", Rule.TIME: "time", Rule.PINNED: "pinned", Rule.ACCOUNTED: "accounted",
}


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: its `rule`, a stable `code`, the English `message`, the things it
    involves, and `params` (JSON-serialisable: every value the message uses)."""

    rule: Rule
    code: str
    message: str
    case: str | None = None
    person: str | None = None
    room: str | None = None
    date: date | None = None
    session: str | None = None
    others: tuple[str, ...] = field(default=())  # other cases involved (double booking)
    params: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.rule, Rule) and self.rule in Rule._value2member_map_:
            object.__setattr__(self, "rule", Rule(self.rule))

    def __str__(self) -> str:
        return f"rule {int(self.rule)} ({RULE_NAMES.get(self.rule, '?')}): {self.message}"


@dataclass(frozen=True)
class Reason:
    """Why a case is not scheduled: a stable `code` and JSON-serialisable `params`."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return render(self.code, self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}

    def __str__(self) -> str:
        return self.text


Source = Scenario | ScenarioIndex
Cause = tuple[str, dict[str, Any]]  # (code, values): what is broken, before it is worded


def _iso(d: Any) -> Any:
    return d.isoformat() if isinstance(d, date) else d


def violation(rule: int, code: str, case: str | None = None, person: str | None = None,
              room: str | None = None, day: date | None = None, session: str | None = None,
              others: Iterable[str] = (), **values: Any) -> Violation:
    """A `Violation` with its params (the ids given plus `values`) and its English message."""
    others = tuple(others)
    params: dict[str, Any] = {}
    for key, value in (("case", case), ("person", person), ("room", room),
                       ("date", _iso(day)), ("session", session)):
        if value is not None:
            params[key] = value
    if others:
        params["others"] = list(others)
    params.update({k: _iso(v) for k, v in values.items()})
    return Violation(Rule(rule), code, render(code, params), case, person, room, day, session,
                     others, params)


def named(ix: ScenarioIndex, values: dict[str, Any]) -> dict[str, Any]:
    """`values` plus the display names its texts use: causes return ids only (they run in the
    pruning's hot loops), the names are added when a cause becomes a violation."""
    out = dict(values)
    for key, value in values.items():
        if key in ("region", "centre_region", "case_region"):
            out[f"{key}_name"] = region_name(ix, value)
        elif key == "person_regions":
            out["person_region_names"] = [region_name(ix, r) for r in value]
        elif key == "centre" and value in ix.centre:
            out["centre_name"] = ix.centre[value].name
        elif key == "room" and value in ix.room:
            out["room_name"] = ix.room[value].name
    return out


def person_name(ix: ScenarioIndex, person_id: str) -> str | None:
    person = ix.person.get(person_id)
    return person.name if person else None


def person_label(ix: ScenarioIndex, person_id: str) -> str:
    name = person_name(ix, person_id)
    return f"{person_id} ({name})" if name else person_id


def region_name(ix: ScenarioIndex, region_id: str) -> str:
    region = ix.region.get(region_id)
    return region.name if region else region_id


# --- usage of people and rooms by a plan (rules 6 and 7) ---------------------------------------


class PlanUsage:
    """Who and which room is booked when in a plan, for checking one more hearing against it."""

    def __init__(self, hearings: Iterable[Hearing], exclude_case: str | None = None):
        self.person_slot: dict[tuple[str, date, str], list[str]] = defaultdict(list)
        self.person_day: Counter[tuple[str, date]] = Counter()
        self.person_total: Counter[str] = Counter()
        self.room_slot: dict[tuple[str, date, str], list[str]] = defaultdict(list)
        for h in hearings:
            if h.case != exclude_case:
                self.add(h)

    def add(self, h: Hearing) -> None:
        """Book one more hearing."""
        for pid in _attendees(h):
            self.person_slot[(pid, h.date, h.session)].append(h.case)
            self.person_day[(pid, h.date)] += 1
            self.person_total[pid] += 1
        self.room_slot[(h.room, h.date, h.session)].append(h.case)


def _attendees(h: Hearing) -> list[str]:
    people = list(dict.fromkeys(h.panel))
    if h.counsellor is not None and h.counsellor not in people:
        people.append(h.counsellor)
    return people


def _usage(plan: Plan | PlanUsage | None, case_id: str) -> PlanUsage | None:
    if plan is None or isinstance(plan, PlanUsage):
        return plan
    return PlanUsage(plan.hearings, exclude_case=case_id)


# --- rules 1 and 3: roles ----------------------------------------------------------------------


def has_role(person: Person, role: str) -> bool:
    """Rules 1 and 3: a panel member has the role `expert`, a counsellor `counsellor`."""
    return role in person.roles


def role_causes(person: Person, role: str) -> list[tuple[Rule, str, dict[str, Any]]]:
    if has_role(person, role):
        return []
    if role == COUNSELLOR:
        return [(Rule.COUNSELLOR, "counsellor.not_counsellor", {"role": role})]
    return [(Rule.PANEL, "panel.not_expert", {"role": role})]


# --- rules 2 and 3: the panel's make-up -------------------------------------------------------


def missing_expertise(ix: ScenarioIndex, case: Case, people: Iterable[str]) -> list[str]:
    """Rule 2: the case's required areas that none of `people` has (empty: covered)."""
    covered = {e for pid in people if pid in ix.person for e in ix.person[pid].expertise}
    return [e for e in case.required_expertise if e not in covered]


def expertise_causes(ix: ScenarioIndex, case: Case, panel: tuple[str, ...],
                     counsellor: str | None) -> list[Cause]:
    """Rule 2: the union of the panel's expertise covers the case's required expertise."""
    missing = missing_expertise(ix, case, panel)
    if not missing:
        return []
    return [("expertise.not_covered", {"missing": missing,
                                       "required": list(case.required_expertise)})]


def counsellor_causes(ix: ScenarioIndex, case: Case, panel: tuple[str, ...],
                      counsellor: str | None) -> list[Cause]:
    """Rule 3: exactly one counsellor, not on the panel, when the case needs one; else none.
    (The counsellor's role is `role_causes`.)"""
    out: list[Cause] = []
    if case.needs_counsellor and counsellor is None:
        out.append(("counsellor.missing", {}))
    if not case.needs_counsellor and counsellor is not None:
        out.append(("counsellor.not_needed", {"person": counsellor}))
    if counsellor is not None and counsellor in panel:
        out.append(("counsellor.on_panel", {"person": counsellor}))
    return out


# --- rule 4: conflict of interest --------------------------------------------------------------


def bars(row: Conflict | None) -> bool:
    """Rule 4: a conflict row bars its person when it is hard; row None is own membership of an
    organisation in the case, which always bars."""
    return row is None or row.kind == HARD


def barred(ix: ScenarioIndex, case: Case) -> set[str]:
    """Rule 4 as a set (for pruning; one pass over the case's conflict rows, not over people):
    everyone `conflict_causes` would report for the case."""
    out = {p for p, rows in ix.case_conflicts.get(case.id, {}).items()
           if any(bars(c) for c in rows)}
    for org in ix.case_orgs.get(case.id, ()):
        out.update(p for p, rows in ix.org_conflicts.get(org, {}).items()
                   if any(bars(c) for c in rows))
        out.update(ix.members_of.get(org, ()))  # own membership: row None, always barring
    return out


def conflict_causes(ix: ScenarioIndex, case: Case, person: Person) -> list[Cause]:
    """Rule 4 for one person: no hard conflict with the case or its organisations; not a member
    of them. Duplicate conflict rows are legal: each cause is reported once."""
    out: dict[tuple, Cause] = {}
    for row, org in ix.conflicts_of(case.id, person.id):
        if not bars(row):
            continue
        if row is None:
            cause: Cause = ("conflict.member", {"organisation": ix.org_name(org)})
        elif org:
            cause = ("conflict.hard_organisation",
                     {"organisation": ix.org_name(org), "reason": row.reason})
        else:
            cause = ("conflict.hard_case", {"reason": row.reason})
        out.setdefault((cause[0], tuple(cause[1].values())), cause)
    return list(out.values())


def soft_conflicts(src: Source, case: Case, person: Person) -> list[str]:
    """Reasons of soft conflicts (allowed, shown to the coordinator, penalised by the planner)."""
    ix = ScenarioIndex.of(src)
    return list(dict.fromkeys(
        row.reason for row, _org in ix.conflicts_of(case.id, person.id)
        if row is not None and not bars(row)))


# --- rule 5: availability ----------------------------------------------------------------------


def availability_causes(ix: ScenarioIndex, person: Person, day: date, session: str
                        ) -> list[Cause]:
    """Rule 5: works on that weekday and is not unavailable that date or session."""
    if person.available_weekdays is not None and \
            day.isoweekday() not in person.available_weekdays:
        return [("availability.not_working_day",
                 {"weekday": day.isoweekday(),
                  "available_weekdays": list(person.available_weekdays)})]
    gaps = ix.unavailable.get(person.id, frozenset())
    if (day, None) in gaps:
        return [("availability.unavailable", {"whole_day": True})]
    if (day, session) in gaps:
        return [("availability.unavailable", {"whole_day": False})]
    return []


# --- rule 8: room ------------------------------------------------------------------------------


def seats(ix: ScenarioIndex, case: Case) -> int:
    """Rule 8: people in the room (attendees, the panel, the counsellor if any)."""
    return case.attendees + ix.panel_size + (1 if case.needs_counsellor else 0)


def room_size_causes(ix: ScenarioIndex, case: Case, room: Room, centre: Centre) -> list[Cause]:
    """Rule 8: the room seats everyone."""
    need = seats(ix, case)
    if room.capacity >= need:
        return []
    return [("room.too_small", {"centre": centre.id, "capacity": room.capacity, "seats": need,
                                "attendees": case.attendees})]


def centre_closed_causes(ix: ScenarioIndex, centre: Centre, day: date) -> list[Cause]:
    """Rule 8: the centre is open: listed in `open_dates` or an open weekday, and not in
    `closed_dates` (a closed date wins over an open one: never send people to a shut door)."""
    key = (centre.id, day)
    hit = ix._open_cache.get(key)
    if hit is None:
        hit = day not in centre.closed_dates and (
            day in centre.open_dates or day.isoweekday() in centre.open_weekdays)
        ix._open_cache[key] = hit
    return [] if hit else [("room.centre_closed", {"centre": centre.id})]


# --- rule 9: place -----------------------------------------------------------------------------


def centre_region_causes(ix: ScenarioIndex, region: str, centre: Centre) -> list[Cause]:
    """Rule 9 for the place: the centre's region contains the case's `region`."""
    if ix.contains(centre.region, region):
        return []
    return [("travel.centre_region", {"centre": centre.id, "centre_region": centre.region,
                                      "case_region": region})]


def travel_causes(ix: ScenarioIndex, person: Person, centre: Centre) -> list[Cause]:
    """Rule 9 for a person: their `regions` (when given) contain the centre's region."""
    if person.regions is None:
        return []
    chain = ix.ancestry.get(centre.region, ())
    for r in person.regions:
        if r in chain:
            return []
    return [("travel.person_region", {"centre": centre.id, "region": centre.region,
                                      "person_regions": list(person.regions)})]


# --- rule 10: time -----------------------------------------------------------------------------


def window(ix: ScenarioIndex, case: Case) -> tuple[date, date]:
    """Rule 10: the first and last date the case may be heard (first > last when empty)."""
    found = ix._window_cache.get(case.id)
    if found is None or found[0] is not case:
        lo = max(d for d in (ix.scenario.horizon_start, case.accepted_on, case.earliest) if d)
        hi = min(ix.scenario.horizon_end, case.due_by)
        found = (case, lo, hi)
        ix._window_cache[case.id] = found
    return found[1], found[2]


def window_causes(ix: ScenarioIndex, case: Case, day: date) -> list[Cause]:
    """Rule 10: max(horizon start, accepted_on, earliest) <= date <= min(horizon end, due_by)."""
    lo, hi = window(ix, case)
    if day < lo:
        return [("time.too_early", {"first": lo.isoformat(), "last": hi.isoformat()})]
    if day > hi:
        return [("time.too_late", {"first": lo.isoformat(), "last": hi.isoformat()})]
    return []


def past_violations(case_id: str, day: date, today: date) -> list[Violation]:
    """Rule 10 for manual edits (not a rule of the exchange format, which has no "today"): a
    hearing cannot be moved to a date before `today`."""
    if day >= today:
        return []
    return [violation(Rule.TIME, "time.in_past", case_id, day=day, today=today)]


# --- registries: every rule of a kind, for the checker, the pruning and the explanations -------

# (rule, cause) per kind; the cause's arguments are in the comment
# a whole panel and counsellor of a case (ix, case, panel, counsellor); the greedy accepts a panel
# only if every one of these passes, the checker reports them
PANEL: list[tuple[Rule, Callable[..., list[Cause]]]] = [
    (Rule.EXPERTISE, expertise_causes),
    (Rule.COUNSELLOR, counsellor_causes),
]
PERSON_SLOT: list[tuple[Rule, Callable[..., list[Cause]]]] = [
    (Rule.AVAILABILITY, availability_causes),  # (ix, person, day, session)
]
PERSON_CENTRE: list[tuple[Rule, Callable[..., list[Cause]]]] = [
    (Rule.TRAVEL, travel_causes),  # (ix, person, centre)
]
# (rule, cause (ix, case, person), barred set (ix, case)): the set is exactly the people with a
# cause, computed without looking at every person (pruning is per case, over thousands of people)
CASE_PERSON: list[tuple[Rule, Callable[..., list[Cause]], Callable[..., set[str]]]] = [
    (Rule.CONFLICT, conflict_causes, barred),
]
# rules of a case's place: they look at its region only, so pruning asks once per region
REGION_CENTRE: list[tuple[Rule, Callable[..., list[Cause]]]] = [
    (Rule.TRAVEL, centre_region_causes),  # (ix, region, centre)
]
CASE_ROOM: list[tuple[Rule, Callable[..., list[Cause]]]] = [
    (Rule.ROOM, room_size_causes),  # (ix, case, room, centre)
]
CENTRE_DAY: list[tuple[Rule, Callable[..., list[Cause]]]] = [
    (Rule.ROOM, centre_closed_causes),  # (ix, centre, day)
]
CASE_DAY: list[tuple[Rule, Callable[..., list[Cause]]]] = [
    (Rule.TIME, window_causes),  # (ix, case, day)
]


def panel_ok(ix: ScenarioIndex, case: Case, panel: tuple[str, ...], counsellor: str | None
             ) -> bool:
    """Every panel rule (2, 3) allows this panel and counsellor for `case`."""
    for _rule, cause in PANEL:  # noqa: SIM110 - a plain loop is faster in the hot paths
        if cause(ix, case, panel, counsellor):
            return False
    return True


def available(ix: ScenarioIndex, person: Person, day: date, session: str) -> bool:
    """Every person-and-time rule (5) allows `person` at this date and session."""
    for _rule, cause in PERSON_SLOT:  # noqa: SIM110 - a plain loop is faster in the hot paths
        if cause(ix, person, day, session):
            return False
    return True


def may_travel(ix: ScenarioIndex, person: Person, centre: Centre) -> bool:
    """Every person-and-place rule (9) allows `person` at `centre`."""
    for _rule, cause in PERSON_CENTRE:  # noqa: SIM110 - a plain loop is faster in the hot paths
        if cause(ix, person, centre):
            return False
    return True


def excluded(ix: ScenarioIndex, case: Case) -> set[str]:
    """People every case-and-person rule (4) bars from `case`."""
    out: set[str] = set()
    for _rule, _cause, people in CASE_PERSON:
        out |= people(ix, case)
    return out


def centre_serves(ix: ScenarioIndex, region: str, centre: Centre) -> bool:
    """Every region-and-place rule (9) allows hearing a case of `region` at `centre`."""
    for _rule, cause in REGION_CENTRE:  # noqa: SIM110 - a plain loop is faster in hot paths
        if cause(ix, region, centre):
            return False
    return True


def room_fits(ix: ScenarioIndex, case: Case, room: Room, centre: Centre) -> bool:
    """Every case-and-room rule (8) allows `room` for `case`."""
    for _rule, cause in CASE_ROOM:  # noqa: SIM110 - a plain loop is faster in the hot paths
        if cause(ix, case, room, centre):
            return False
    return True


def centre_open(ix: ScenarioIndex, centre: Centre, day: date) -> bool:
    """Every place-and-date rule (8) allows a hearing at `centre` on `day`."""
    for _rule, cause in CENTRE_DAY:  # noqa: SIM110 - a plain loop is faster in the hot paths
        if cause(ix, centre, day):
            return False
    return True


def day_allowed(ix: ScenarioIndex, case: Case, day: date) -> bool:
    """Every case-and-date rule (10) allows hearing `case` on `day`."""
    for _rule, cause in CASE_DAY:  # noqa: SIM110 - a plain loop is faster in the hot paths
        if cause(ix, case, day):
            return False
    return True


def load_limits(person: Person) -> tuple[int | None, int | None]:
    """Rule 7: (max_per_day, max_hearings) of a person, None for no limit. Rule 6 is one hearing
    per person and per room at a time. Read by the greedy's bookings and CP-SAT's `add_loads`."""
    return person.max_per_day, person.max_hearings


def case_person_violations(ix: ScenarioIndex, case: Case, person: Person) -> list[Violation]:
    """Every case-and-person rule (4) `person` breaks on `case`."""
    return [violation(rule, code, case.id, person.id, person_name=person.name,
                      **named(ix, values))
            for rule, cause, _set in CASE_PERSON for code, values in cause(ix, case, person)]


def conflict_violations(src: Source, case: Case, person: Person) -> list[Violation]:
    """Rule 4 (and any other case-and-person rule) for one person."""
    return case_person_violations(ScenarioIndex.of(src), case, person)


def availability_violations(src: Source, case: Case, person: Person, day: date,
                            session: str) -> list[Violation]:
    """Rule 5 (and any other person-and-time rule) for one person."""
    ix = ScenarioIndex.of(src)
    return [violation(rule, code, case.id, person.id, None, day, session,
                      person_name=person.name, **named(ix, values))
            for rule, cause in PERSON_SLOT for code, values in cause(ix, person, day, session)]


def travel_violations(src: Source, case: Case, person: Person, centre: Centre
                      ) -> list[Violation]:
    """Rule 9 (and any other person-and-place rule) for one person."""
    ix = ScenarioIndex.of(src)
    return [violation(rule, code, case.id, person.id, person_name=person.name,
                      **named(ix, values))
            for rule, cause in PERSON_CENTRE for code, values in cause(ix, person, centre)]


def time_violations(src: Source, case: Case, day: date, session: str | None = None
                    ) -> list[Violation]:
    """Rule 10 (and any other case-and-date rule), plus a known session."""
    ix = ScenarioIndex.of(src)
    out = [violation(rule, code, case.id, day=day, session=session, **named(ix, values))
           for rule, cause in CASE_DAY for code, values in cause(ix, case, day)]
    if session is not None and session not in ix.session_pos:
        out.append(violation(Rule.TIME, "time.unknown_session", case.id, day=day,
                             session=session))
    return out


# --- checks for one candidate person / room ----------------------------------------------------


def person_violations(src: Source, case: Case | str, person: Person | str, day: date,
                      session: str, role: str = EXPERT, plan: Plan | PlanUsage | None = None,
                      centre: str | None = None) -> list[Violation]:
    """Would putting `person` on `case` as `role` ("expert" or "counsellor") at this date and
    session break a rule? Checks rules 1/3 (role), 4, 5, 9 (if `centre` is given) and, against
    `plan` (the case's own hearing in it is ignored, so this also answers "can I move it"), 6, 7.
    """
    ix = ScenarioIndex.of(src)
    case = ix.case[case] if isinstance(case, str) else case
    if isinstance(person, str):
        if person not in ix.person:
            return [violation(Rule.PANEL, "panel.unknown_person", case.id, person)]
        person = ix.person[person]
    name = person.name
    out = [violation(rule, code, case.id, person.id, person_name=name, **values)
           for rule, code, values in role_causes(person, role)]
    out += case_person_violations(ix, case, person)
    out += availability_violations(ix, case, person, day, session)
    if centre is not None and centre in ix.centre:
        out += travel_violations(ix, case, person, ix.centre[centre])
    usage = _usage(plan, case.id)
    if usage is not None:
        out += _person_booking(ix, case.id, person, day, session, usage, extra=1)
    return out


def _person_booking(ix: ScenarioIndex, case_id: str, person: Person, day: date, session: str,
                    usage: PlanUsage, extra: int) -> list[Violation]:
    """Rules 6 and 7 for one person given the other hearings (plus `extra` for this one)."""
    out = []
    others = usage.person_slot.get((person.id, day, session), [])
    if others:
        out.append(violation(Rule.DOUBLE_BOOKING, "double_booking.person", case_id, person.id,
                             None, day, session, others, person_name=person.name))
    per_day, total_limit = load_limits(person)
    on_day = usage.person_day.get((person.id, day), 0) + extra
    if per_day is not None and on_day > per_day:
        out.append(violation(Rule.LOAD, "load.max_per_day", case_id, person.id, None, day,
                             person_name=person.name, count=on_day, limit=per_day))
    total = usage.person_total.get(person.id, 0) + extra
    if total_limit is not None and total > total_limit:
        out.append(violation(Rule.LOAD, "load.max_hearings", case_id, person.id,
                             person_name=person.name, count=total, limit=total_limit))
    return out


def _room_booking(case_id: str, room: str, day: date, session: str, usage: PlanUsage
                  ) -> list[Violation]:
    """Rule 6 for a room given the other hearings."""
    others = usage.room_slot.get((room, day, session), [])
    if not others:
        return []
    return [violation(Rule.DOUBLE_BOOKING, "double_booking.room", case_id, None, room, day,
                      session, others)]


def room_violations(src: Source, case: Case | str, room: Room | str, day: date, session: str,
                    plan: Plan | PlanUsage | None = None) -> list[Violation]:
    """Would holding `case` in `room` at this date and session break a rule?

    Checks rules 8 (capacity, centre open), 9 (the centre serves the case's region), 10 (date
    within the case's window) and, against `plan` (ignoring the case's own hearing), 6.
    """
    ix = ScenarioIndex.of(src)
    case = ix.case[case] if isinstance(case, str) else case
    room_id = room if isinstance(room, str) else room.id
    if room_id not in ix.room:
        return [violation(Rule.ROOM, "room.unknown", case.id, room=room_id)]
    room, centre = ix.room[room_id], ix.centre_of_room[room_id]
    where = named(ix, {"room": room.id})
    out = [violation(rule, code, case.id, day=day, session=session, **where,
                     **named(ix, values))
           for rule, cause in CASE_ROOM for code, values in cause(ix, case, room, centre)]
    out += [violation(rule, code, case.id, day=day, session=session, **where,
                      **named(ix, values))
            for rule, cause in CENTRE_DAY for code, values in cause(ix, centre, day)]
    out += [violation(rule, code, case.id, **where, **named(ix, values))
            for rule, cause in REGION_CENTRE
            for code, values in cause(ix, case.region, centre)]
    out += time_violations(ix, case, day, session)
    usage = _usage(plan, case.id)
    if usage is not None:
        out += _room_booking(case.id, room.id, day, session, usage)
    return out


# --- one hearing -------------------------------------------------------------------------------


def _panel_violations(ix: ScenarioIndex, case: Case, h: Hearing) -> list[Violation]:
    """Rules 1-3: panel size and roles, chair, expertise cover, counsellor."""
    out = []
    if len(h.panel) != ix.panel_size or len(set(h.panel)) != len(h.panel):
        out.append(violation(Rule.PANEL, "panel.size", case.id, distinct=len(set(h.panel)),
                             panel_size=ix.panel_size, panel=list(h.panel)))
    if h.chair is not None and h.chair not in h.panel:
        out.append(violation(Rule.PANEL, "panel.chair_not_member", case.id, h.chair,
                             person_name=person_name(ix, h.chair)))
    for rule, cause in PANEL:
        for code, values in cause(ix, case, tuple(h.panel), h.counsellor):
            who = values.pop("person", None)
            out.append(violation(rule, code, case.id, who,
                                 person_name=person_name(ix, who) if who else None,
                                 **named(ix, values)))
    return out


def _local_violations(ix: ScenarioIndex, h: Hearing) -> list[Violation]:
    """Rules 1-5 and 8-10 for one hearing on its own (no other hearings needed)."""
    case = ix.case.get(h.case)
    if case is None:
        return [violation(Rule.ACCOUNTED, "accounted.unknown_case", h.case)]
    out = _panel_violations(ix, case, h)
    if h.session not in ix.session_pos:
        out.append(violation(Rule.TIME, "time.unknown_session", case.id, session=h.session))
    out += room_violations(ix, case, h.room, h.date, h.session)
    centre = ix.centre_of_room.get(h.room)
    if centre is not None and h.centre != centre.id:
        out.append(violation(Rule.ROOM, "room.centre_mismatch", case.id, room=h.room,
                             centre=h.centre, room_centre=centre.id))
    roles = [(pid, EXPERT) for pid in dict.fromkeys(h.panel)]
    if h.counsellor is not None:
        roles.append((h.counsellor, COUNSELLOR))
    for pid, role in roles:
        out += person_violations(ix, case, pid, h.date, h.session, role,
                                 centre=centre.id if centre else None)
    return out


def hearing_violations(src: Source, hearing: Hearing, plan: Plan | PlanUsage | None = None
                       ) -> list[Violation]:
    """Every rule one hearing breaks, on its own and (rules 6, 7) against the rest of `plan`."""
    ix = ScenarioIndex.of(src)
    out = _local_violations(ix, hearing)
    usage = _usage(plan, hearing.case)
    if usage is not None and hearing.case in ix.case:
        for pid in _attendees(hearing):
            if pid in ix.person:
                out += _person_booking(ix, hearing.case, ix.person[pid], hearing.date,
                                       hearing.session, usage, extra=1)
        out += _room_booking(hearing.case, hearing.room, hearing.date, hearing.session, usage)
    return out


# --- the whole plan ----------------------------------------------------------------------------


def _booking_violations(ix: ScenarioIndex, hearings: Iterable[Hearing]) -> list[Violation]:
    """Rules 6 and 7 over a whole plan, each clash reported once."""
    usage = PlanUsage(hearings)
    out = []
    for (pid, day, session), cases in usage.person_slot.items():
        if len(cases) > 1:
            out.append(violation(Rule.DOUBLE_BOOKING, "double_booking.person_clash", cases[0],
                                 pid, None, day, session, cases[1:],
                                 person_name=person_name(ix, pid), cases=cases))
    for (room, day, session), cases in usage.room_slot.items():
        if len(cases) > 1:
            out.append(violation(Rule.DOUBLE_BOOKING, "double_booking.room_clash", cases[0],
                                 None, room, day, session, cases[1:], cases=cases))
    for (pid, day), count in usage.person_day.items():
        person = ix.person.get(pid)
        per_day = load_limits(person)[0] if person else None
        if per_day is not None and count > per_day:
            out.append(violation(Rule.LOAD, "load.max_per_day_exceeded", None, pid, None, day,
                                 person_name=person.name, count=count, limit=per_day))
    for pid, count in usage.person_total.items():
        person = ix.person.get(pid)
        limit = load_limits(person)[1] if person else None
        if limit is not None and count > limit:
            out.append(violation(Rule.LOAD, "load.max_hearings_exceeded", None, pid,
                                 person_name=person.name, count=count, limit=limit))
    return out


def _pinned_violations(ix: ScenarioIndex, plan: Plan) -> list[Violation]:
    """Rule 11: every fixed hearing appears unchanged."""
    by_case = {h.case: h for h in plan.hearings}
    out = []
    for f in ix.scenario.fixed:
        h = by_case.get(f.case)
        if h is None:
            out.append(violation(Rule.PINNED, "pinned.missing", f.case, day=f.date,
                                 session=f.session))
        elif (h.date, h.session, h.room, sorted(h.panel), h.counsellor) != \
                (f.date, f.session, f.room, sorted(f.panel), f.counsellor) or \
                (f.chair is not None and h.chair != f.chair):
            out.append(violation(Rule.PINNED, "pinned.changed", f.case, fixed_date=f.date,
                                 fixed_session=f.session, fixed_room=f.room,
                                 fixed_panel=list(f.panel), fixed_counsellor=f.counsellor,
                                 fixed_chair=f.chair))
    return out


def _accounted_violations(ix: ScenarioIndex, plan: Plan) -> list[Violation]:
    """Rule 12: each case heard at most once; every other case listed with a reason."""
    out = []
    heard = Counter(h.case for h in plan.hearings)
    for case_id, n in heard.items():
        if n > 1:
            out.append(violation(Rule.ACCOUNTED, "accounted.duplicate", case_id, count=n))
    listed: dict[str, int] = Counter()
    for u in plan.unscheduled:
        listed[u.case] += 1
        if u.case not in ix.case:
            out.append(violation(Rule.ACCOUNTED, "accounted.unknown_unscheduled", u.case))
        if not any(r.strip() for r in u.reasons):
            out.append(violation(Rule.ACCOUNTED, "accounted.no_reason", u.case))
        if u.case in heard:
            out.append(violation(Rule.ACCOUNTED, "accounted.both", u.case))
    for case in ix.scenario.cases:
        if case.id not in heard and case.id not in listed:
            out.append(violation(Rule.ACCOUNTED, "accounted.unaccounted", case.id))
    return out


def check_plan(src: Source, plan: Plan) -> list[Violation]:
    """Every hard rule the plan breaks (empty list: the plan is valid)."""
    ix = ScenarioIndex.of(src)
    out: list[Violation] = []
    for h in plan.hearings:
        out += _local_violations(ix, h)
    out += _booking_violations(ix, plan.hearings)
    out += _pinned_violations(ix, plan)
    out += _accounted_violations(ix, plan)
    return out


check = check_plan

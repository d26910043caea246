"""Hard rules 1-12 of the exchange format, implemented once, returning structured violations.

The plan checker, the explanations, the tests and the web app's manual edits all ask these
functions "which rules would this break, and why". Each function takes a `Scenario` or a
`ScenarioIndex` (build the index once with `ScenarioIndex.of` when calling many times).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from .index import ScenarioIndex
from .model import COUNSELLOR, EXPERT, HARD, Case, Hearing, Person, Plan, Room, Scenario

RULE_NAMES = {
    1: "panel", 2: "expertise", 3: "counsellor", 4: "conflict of interest", 5: "availability",
    6: "no double booking", 7: "load", 8: "room", 9: "place", 10: "time", 11: "pinned",
    12: "accounted",
}


@dataclass(frozen=True)
class Violation:
    """One broken hard rule, with a message a coordinator can act on and the things it involves."""

    rule: int
    code: str
    message: str
    case: str | None = None
    person: str | None = None
    room: str | None = None
    date: date | None = None
    session: str | None = None
    others: tuple[str, ...] = field(default=())  # other cases involved (double booking)

    def __str__(self) -> str:
        return f"rule {self.rule} ({RULE_NAMES.get(self.rule, '?')}): {self.message}"


Source = Scenario | ScenarioIndex


def person_label(ix: ScenarioIndex, person_id: str) -> str:
    person = ix.person.get(person_id)
    return f"{person_id} ({person.name})" if person else person_id


def _region_label(ix: ScenarioIndex, region_id: str) -> str:
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


# --- rule 4: conflict of interest --------------------------------------------------------------


def conflict_violations(src: Source, case: Case, person: Person) -> list[Violation]:
    """Rule 4: no hard conflict with the case or its organisations; not a member of them."""
    ix = ScenarioIndex.of(src)
    out = []
    who = person_label(ix, person.id)
    for row, org in ix.conflicts_of(case.id, person.id):
        if row is None:
            out.append(Violation(4, "membership", f"{case.id}: {who} belongs to "
                                 f"{ix.org_name(org)}, "
                                 "an organisation in the case", case.id, person.id))
        elif row.kind == HARD:
            what = f"organisation {ix.org_name(org)}" if org else "the case"
            out.append(Violation(4, "conflict", f"{case.id}: {who} has a hard conflict with "
                                 f"{what} ({row.reason})", case.id, person.id))
    return list(dict.fromkeys(out))  # duplicate conflict rows are legal: report each cause once


def soft_conflicts(src: Source, case: Case, person: Person) -> list[str]:
    """Reasons of soft conflicts (allowed, shown to the coordinator, penalised by the planner)."""
    ix = ScenarioIndex.of(src)
    return list(dict.fromkeys(
        row.reason for row, _org in ix.conflicts_of(case.id, person.id)
        if row is not None and row.kind != HARD))


# --- rule 5: availability ----------------------------------------------------------------------


def availability_violations(src: Source, case: Case, person: Person, day: date,
                            session: str) -> list[Violation]:
    """Rule 5: works on that weekday and is not unavailable that date or session."""
    ix = ScenarioIndex.of(src)
    who = person_label(ix, person.id)
    if person.available_weekdays is not None and \
            day.isoweekday() not in person.available_weekdays:
        return [Violation(5, "weekday", f"{case.id}: {who} does not work on "
                          f"{day:%A}s ({day})", case.id, person.id, None, day, session)]
    gaps = ix.unavailable.get(person.id, frozenset())
    if (day, None) in gaps or (day, session) in gaps:
        return [Violation(5, "unavailable", f"{case.id}: {who} is unavailable on {day} "
                          f"{session}", case.id, person.id, None, day, session)]
    return []


# --- rule 9: place -----------------------------------------------------------------------------


def travel_violations(src: Source, case: Case, person: Person, centre_region: str
                      ) -> list[Violation]:
    """Rule 9 for a person: their regions (when given) contain the centre's region."""
    ix = ScenarioIndex.of(src)
    if ix.travels_to(person, centre_region):
        return []
    return [Violation(9, "travel", f"{case.id}: {person_label(ix, person.id)} does not serve "
                      f"{_region_label(ix, centre_region)} (serves "
                      f"{', '.join(_region_label(ix, r) for r in person.regions or ()) or 'nowhere'})",
                      case.id, person.id)]


# --- rule 10: time -----------------------------------------------------------------------------


def time_violations(src: Source, case: Case, day: date, session: str | None = None
                    ) -> list[Violation]:
    """Rule 10: max(horizon start, accepted_on, earliest) <= date <= min(horizon end, due_by)."""
    ix = ScenarioIndex.of(src)
    lo, hi = ix.window(case)
    out = []
    if day < lo:
        out.append(Violation(10, "too-early", f"{case.id}: {day} is before {lo}, the first "
                             "allowed date", case.id, date=day, session=session))
    if day > hi:
        out.append(Violation(10, "too-late", f"{case.id}: {day} is after {hi}, the last "
                             "allowed date", case.id, date=day, session=session))
    if session is not None and session not in ix.session_pos:
        out.append(Violation(10, "unknown-session", f"{case.id}: unknown session {session!r}",
                             case.id, date=day, session=session))
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
            return [Violation(1, "unknown-person", f"{case.id}: unknown person {person!r}",
                              case.id, person)]
        person = ix.person[person]
    out = []
    if role not in person.roles:
        rule = 3 if role == COUNSELLOR else 1
        out.append(Violation(rule, f"not-{role}", f"{case.id}: {person_label(ix, person.id)} "
                             f"does not have the role {role}", case.id, person.id))
    out += conflict_violations(ix, case, person)
    out += availability_violations(ix, case, person, day, session)
    if centre is not None and centre in ix.centre:
        out += travel_violations(ix, case, person, ix.centre[centre].region)
    usage = _usage(plan, case.id)
    if usage is not None:
        out += _person_booking(ix, case.id, person, day, session, usage, extra=1)
    return out


def _person_booking(ix: ScenarioIndex, case_id: str, person: Person, day: date, session: str,
                    usage: PlanUsage, extra: int) -> list[Violation]:
    """Rules 6 and 7 for one person given the other hearings (plus `extra` for this one)."""
    who = person_label(ix, person.id)
    out = []
    others = usage.person_slot.get((person.id, day, session), [])
    if others:
        out.append(Violation(6, "double-booking", f"{case_id}: {who} already attends "
                             f"{', '.join(others)} on {day} {session}", case_id, person.id,
                             None, day, session, tuple(others)))
    on_day = usage.person_day.get((person.id, day), 0) + extra
    if person.max_per_day is not None and on_day > person.max_per_day:
        out.append(Violation(7, "max-per-day", f"{case_id}: {who} would attend {on_day} hearings "
                             f"on {day} (max_per_day {person.max_per_day})", case_id, person.id,
                             None, day))
    total = usage.person_total.get(person.id, 0) + extra
    if person.max_hearings is not None and total > person.max_hearings:
        out.append(Violation(7, "max-hearings", f"{case_id}: {who} would attend {total} hearings "
                             f"(max_hearings {person.max_hearings})", case_id, person.id))
    return out


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
        return [Violation(8, "unknown-room", f"{case.id}: unknown room {room_id!r}", case.id,
                          room=room_id)]
    room, centre = ix.room[room_id], ix.centre_of_room[room_id]
    out = []
    seats = ix.seats(case)
    if room.capacity < seats:
        out.append(Violation(8, "room-capacity", f"{case.id}: room {room.id} ({room.name}, "
                             f"{centre.name}) seats {room.capacity}, the hearing needs {seats}",
                             case.id, room=room.id, date=day, session=session))
    if not ix.is_open(centre, day):
        out.append(Violation(8, "centre-closed", f"{case.id}: {centre.name} is closed on {day}",
                             case.id, room=room.id, date=day, session=session))
    if not ix.contains(centre.region, case.region):
        out.append(Violation(9, "centre-region", f"{case.id}: {centre.name} "
                             f"({_region_label(ix, centre.region)}) does not serve "
                             f"{_region_label(ix, case.region)}", case.id, room=room.id))
    out += time_violations(ix, case, day, session)
    usage = _usage(plan, case.id)
    if usage is not None:
        others = usage.room_slot.get((room.id, day, session), [])
        if others:
            out.append(Violation(6, "room-double-booking", f"{case.id}: room {room.id} already "
                                 f"holds {', '.join(others)} on {day} {session}", case.id,
                                 room=room.id, date=day, session=session, others=tuple(others)))
    return out


# --- one hearing -------------------------------------------------------------------------------


def _panel_violations(ix: ScenarioIndex, case: Case, h: Hearing) -> list[Violation]:
    """Rules 1-3: panel size and roles, chair, expertise cover, counsellor."""
    out = []
    if len(h.panel) != ix.panel_size or len(set(h.panel)) != len(h.panel):
        out.append(Violation(1, "panel-size", f"{case.id}: the panel has {len(set(h.panel))} "
                             f"distinct people, it needs exactly {ix.panel_size}", case.id))
    if h.chair is not None and h.chair not in h.panel:
        out.append(Violation(1, "chair", f"{case.id}: chair {h.chair} is not on the panel",
                             case.id, h.chair))
    covered = {e for pid in h.panel if pid in ix.person for e in ix.person[pid].expertise}
    missing = [e for e in case.required_expertise if e not in covered]
    if missing:
        out.append(Violation(2, "expertise", f"{case.id}: the panel does not cover "
                             f"{', '.join(missing)}", case.id))
    if case.needs_counsellor and h.counsellor is None:
        out.append(Violation(3, "counsellor-missing", f"{case.id}: needs a counsellor and has "
                             "none", case.id))
    if not case.needs_counsellor and h.counsellor is not None:
        out.append(Violation(3, "counsellor-extra", f"{case.id}: does not need a counsellor but "
                             f"has {h.counsellor}", case.id, h.counsellor))
    if h.counsellor is not None and h.counsellor in h.panel:
        out.append(Violation(3, "counsellor-on-panel", f"{case.id}: counsellor "
                             f"{person_label(ix, h.counsellor)} is also on the panel", case.id,
                             h.counsellor))
    return out


def _local_violations(ix: ScenarioIndex, h: Hearing) -> list[Violation]:
    """Rules 1-5 and 8-10 for one hearing on its own (no other hearings needed)."""
    case = ix.case.get(h.case)
    if case is None:
        return [Violation(12, "unknown-case", f"unknown case {h.case!r}", h.case)]
    out = _panel_violations(ix, case, h)
    if h.session not in ix.session_pos:
        out.append(Violation(10, "unknown-session", f"{case.id}: unknown session {h.session!r}",
                             case.id, session=h.session))
    out += room_violations(ix, case, h.room, h.date, h.session)
    centre = ix.centre_of_room.get(h.room)
    if centre is not None and h.centre != centre.id:
        out.append(Violation(8, "centre-mismatch", f"{case.id}: room {h.room} is in centre "
                             f"{centre.id}, not {h.centre}", case.id, room=h.room))
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
        others = usage.room_slot.get((hearing.room, hearing.date, hearing.session), [])
        if others:
            out.append(Violation(6, "room-double-booking", f"{hearing.case}: room "
                                 f"{hearing.room} already holds {', '.join(others)} on "
                                 f"{hearing.date} {hearing.session}", hearing.case,
                                 room=hearing.room, date=hearing.date, session=hearing.session,
                                 others=tuple(others)))
    return out


# --- the whole plan ----------------------------------------------------------------------------


def _booking_violations(ix: ScenarioIndex, hearings: Iterable[Hearing]) -> list[Violation]:
    """Rules 6 and 7 over a whole plan, each clash reported once."""
    usage = PlanUsage(hearings)
    out = []
    for (pid, day, session), cases in usage.person_slot.items():
        if len(cases) > 1:
            out.append(Violation(6, "double-booking", f"{person_label(ix, pid)} attends "
                                 f"{', '.join(cases)} at once on {day} {session}", cases[0],
                                 pid, None, day, session, tuple(cases[1:])))
    for (room, day, session), cases in usage.room_slot.items():
        if len(cases) > 1:
            out.append(Violation(6, "room-double-booking", f"room {room} holds "
                                 f"{', '.join(cases)} at once on {day} {session}", cases[0],
                                 None, room, day, session, tuple(cases[1:])))
    for (pid, day), count in usage.person_day.items():
        person = ix.person.get(pid)
        if person and person.max_per_day is not None and count > person.max_per_day:
            out.append(Violation(7, "max-per-day", f"{person_label(ix, pid)} attends {count} "
                                 f"hearings on {day} (max_per_day {person.max_per_day})",
                                 None, pid, None, day))
    for pid, count in usage.person_total.items():
        person = ix.person.get(pid)
        if person and person.max_hearings is not None and count > person.max_hearings:
            out.append(Violation(7, "max-hearings", f"{person_label(ix, pid)} attends {count} "
                                 f"hearings (max_hearings {person.max_hearings})", None, pid))
    return out


def _pinned_violations(ix: ScenarioIndex, plan: Plan) -> list[Violation]:
    """Rule 11: every fixed hearing appears unchanged."""
    by_case = {h.case: h for h in plan.hearings}
    out = []
    for f in ix.scenario.fixed:
        h = by_case.get(f.case)
        if h is None:
            out.append(Violation(11, "pinned-missing", f"{f.case}: the fixed hearing on {f.date} "
                                 f"{f.session} is missing from the plan", f.case))
        elif (h.date, h.session, h.room, sorted(h.panel), h.counsellor) != \
                (f.date, f.session, f.room, sorted(f.panel), f.counsellor) or \
                (f.chair is not None and h.chair != f.chair):
            out.append(Violation(11, "pinned-changed", f"{f.case}: the fixed hearing was changed "
                                 f"(fixed: {f.date} {f.session} room {f.room} panel "
                                 f"{', '.join(f.panel)} counsellor {f.counsellor})", f.case))
    return out


def _accounted_violations(ix: ScenarioIndex, plan: Plan) -> list[Violation]:
    """Rule 12: each case heard at most once; every other case listed with a reason."""
    out = []
    heard = Counter(h.case for h in plan.hearings)
    for case_id, n in heard.items():
        if n > 1:
            out.append(Violation(12, "duplicate-hearing", f"{case_id} is scheduled {n} times",
                                 case_id))
    listed: dict[str, int] = Counter()
    for u in plan.unscheduled:
        listed[u.case] += 1
        if u.case not in ix.case:
            out.append(Violation(12, "unknown-case", f"unscheduled lists unknown case "
                                 f"{u.case!r}", u.case))
        if not any(r.strip() for r in u.reasons):
            out.append(Violation(12, "no-reason", f"{u.case} is unscheduled with no reason",
                                 u.case))
        if u.case in heard:
            out.append(Violation(12, "both", f"{u.case} is both scheduled and unscheduled",
                                 u.case))
    for case in ix.scenario.cases:
        if case.id not in heard and case.id not in listed:
            out.append(Violation(12, "unaccounted", f"{case.id} is neither scheduled nor listed "
                                 "as unscheduled", case.id))
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

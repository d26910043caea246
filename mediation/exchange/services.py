"""The database as exchange-format scenarios and plans (`../shared/exchange-format.md`).

Export resolves organisations to their record names (aliases never reach the planner), turns
declared conflicts into what the planner must obey (waivable without a waiver → hard, waived →
soft, dismissed → nothing, a conflict with a party → a conflict with that party's case) and
makes published or pinned hearings `fixed`. Import validates with the planner's own reader, then
upserts by code, so importing the same scenario twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

import scheduler
from mediation import emails
from mediation.availability.services import busy_by_person
from mediation.cases.models import Case, CaseEvent, Party
from mediation.cases.services import IMPORTED_NOTE, planning_due
from mediation.centres.models import Centre, CentreDate, HearingSession, Room
from mediation.centres.services import scenario_dates
from mediation.conflicts.models import Conflict
from mediation.conflicts.services import undecided_automatic_conflicts
from mediation.extensions import db
from mediation.hearings import lifecycle
from mediation.hearings.models import Hearing
from mediation.hearings.queries import current_published, proposals_of
from mediation.regions.models import REGION_LEVELS, Region
from mediation.roster.models import ExpertiseArea, Organisation, Person, Unavailability
from mediation.roster.services import find_organisation, get_or_create_organisation

if TYPE_CHECKING:
    from mediation.planning.models import PlanRun

PLANNABLE_STATUSES = ("accepted", "in_handling")


# --- export ------------------------------------------------------------------------------------


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def _case_export_loads() -> tuple:
    """Everything `_case_out` reads, loaded in a few queries instead of several per case.

    Built on call: options touch the mappers, which must not be configured at import time.
    """
    return (
        selectinload(Case.region),
        selectinload(Case.required_expertise),
        selectinload(Case.respondents),
        selectinload(Case.parties).selectinload(Party.organisation),
    )


def plannable_cases() -> list[Case]:
    """Cases the planner may schedule: accepted or in handling, with the dates it needs."""
    stmt = sa.select(Case).where(
        Case.status.in_(PLANNABLE_STATUSES), Case.accepted_on.is_not(None), Case.due_by.is_not(None)
    ).options(*_case_export_loads())
    return list(db.session.scalars(stmt.order_by(Case.reference)))


def export_scenario(
    horizon_start: date,
    horizon_end: date,
    cases: Iterable[Case] | None = None,
    panel_size: int = 3,
    timezone: str | None = None,
    fixed_hearings: Iterable[Hearing] | None = None,
) -> scheduler.Scenario:
    """The scenario for these cases (default: every plannable case) over the horizon.

    `fixed_hearings` are the hearings that must stay as they are (default: every published
    hearing in the horizon); their cases join the scenario.
    """
    sessions = list(db.session.scalars(sa.select(HearingSession).order_by(HearingSession.position, HearingSession.code)))
    regions = list(db.session.scalars(sa.select(Region).order_by(Region.code)))
    centres = list(db.session.scalars(
        sa.select(Centre).where(Centre.active).options(selectinload(Centre.rooms), selectinload(Centre.dates))
        .order_by(Centre.code)))
    people = list(db.session.scalars(
        sa.select(Person).where(Person.active).options(
            selectinload(Person.expertise), selectinload(Person.organisations),
            selectinload(Person.regions), selectinload(Person.unavailability))
        .order_by(Person.code)))
    if fixed_hearings is None:
        fixed_hearings = db.session.scalars(
            current_published(start=horizon_start, end=horizon_end)
            .options(selectinload(Hearing.members)).order_by(Hearing.date, Hearing.id))
    fixed_hearings = list(fixed_hearings)
    case_list = {c.id: c for c in (plannable_cases() if cases is None else cases)}
    for h in fixed_hearings:
        case_list.setdefault(h.case_id, h.case)
    case_list = dict(sorted(case_list.items(), key=lambda kv: kv[1].reference))

    people_codes = {p.id: p.code for p in people}
    # Busy sessions imported from people's own calendars count as unavailability too.
    imported = busy_by_person(horizon_start, horizon_end)
    return scheduler.Scenario(
        timezone=timezone or current_app.config["MEDIATION_TIMEZONE"],
        horizon_start=horizon_start,
        horizon_end=horizon_end,
        sessions=tuple(scheduler.Session(s.code, _hhmm(s.starts_at), _hhmm(s.ends_at)) for s in sessions),
        panel_size=panel_size,
        regions=tuple(scheduler.Region(r.code, r.name, r.parent.code if r.parent else None) for r in regions),
        centres=tuple(_centre_out(c, horizon_start, horizon_end) for c in centres),
        people=tuple(_person_out(p, imported.get(p.id, ())) for p in people),
        cases=tuple(_case_out(c) for c in case_list.values()),
        conflicts=tuple(_conflicts_out(set(people_codes.values()), case_list)),
        fixed=tuple(_fixed_out(h) for h in fixed_hearings),
    )


def _centre_out(c: Centre, start: date, end: date) -> scheduler.Centre:
    # Stored exceptions plus the official calendar over the horizon (centres service).
    closed_dates, open_dates = scenario_dates(c, start, end)
    return scheduler.Centre(
        id=c.code, name=c.name, region=c.region.code,
        rooms=tuple(scheduler.Room(r.code, r.name, r.capacity) for r in c.rooms if r.active),
        open_weekdays=tuple(sorted(c.open_weekdays or ())),
        closed_dates=tuple(closed_dates), open_dates=tuple(open_dates),
    )


def _person_out(p: Person, imported: Iterable[tuple[date, str]] = ()) -> scheduler.Person:
    """A person; `imported`: the (date, session code) pairs their own calendar blocks, added to
    the hand-entered unavailability (a session of a day already out entirely is not repeated)."""
    entries = {(u.date, u.session.code if u.session else None) for u in p.unavailability}
    whole_days = {d for d, s in entries if s is None}
    entries |= {(d, s) for d, s in imported if d not in whole_days}
    return scheduler.Person(
        id=p.code, name=p.name, email=p.email or "", roles=tuple(p.roles),
        expertise=tuple(a.code for a in p.expertise),
        organisations=tuple(o.name for o in p.organisations),
        regions=tuple(r.code for r in p.regions) or None,
        max_hearings=p.max_hearings, max_per_day=p.max_per_day,
        available_weekdays=tuple(sorted(p.available_weekdays)) if p.available_weekdays is not None else None,
        unavailable=tuple(
            scheduler.Unavailability(d, s) for d, s in sorted(entries, key=lambda e: (e[0], e[1] or ""))
        ),
    )


def _case_out(c: Case) -> scheduler.Case:
    # Past its local hearing limit, a case is planned up to its statutory limit, more urgently.
    due_by, priority = planning_due(c)
    return scheduler.Case(
        id=c.reference, title=c.title, category=c.category, region=c.region.code,
        accepted_on=c.accepted_on, due_by=due_by,
        required_expertise=tuple(a.code for a in c.required_expertise),
        needs_counsellor=c.needs_counsellor, attendees=c.attendees, priority=priority,
        repeat_count=c.repeat_count,
        parties=tuple(scheduler.Party(p.name, p.organisation.name if p.organisation else None) for p in c.parties),
        respondents=tuple(o.name for o in c.respondents),
        earliest=c.earliest,
    )


def _conflicts_out(people: set[str], cases: dict[int, Case]) -> list[scheduler.Conflict]:
    out = []
    stmt = (
        sa.select(Conflict).where(Conflict.dismissed_at.is_(None)).order_by(Conflict.id)
        .options(selectinload(Conflict.person), selectinload(Conflict.party),
                 selectinload(Conflict.organisation))
    )
    for c in db.session.scalars(stmt):
        kind = c.effective_kind
        if kind is None or c.person.code not in people:
            continue
        if c.organisation is not None:
            out.append(scheduler.Conflict(c.person.code, kind, c.reason, organisation=c.organisation.name))
            continue
        case_id = c.case_id if c.case_id is not None else c.party.case_id
        if case_id not in cases:
            continue
        reason = c.reason if c.party is None else f"conflict with a party of this case: {c.reason}"
        out.append(scheduler.Conflict(c.person.code, kind, reason, case=cases[case_id].reference))
    # Conflicts found from organisation records (same supervising department as a respondent,
    # parent or child organisation) bind the planner as hard until a coordinator waives or
    # dismisses them. Membership itself is the planner's own rule 4, so it is not repeated.
    for f in undecided_automatic_conflicts(list(cases.values())):
        if f.rule != "member" and f.person.code in people:
            out.append(scheduler.Conflict(f.person.code, "hard", f.reason, case=f.case.reference))
    return out


def _fixed_out(h: Hearing) -> scheduler.FixedHearing:
    panel = tuple(m.person.code for m in h.members if m.role in ("chair", "member"))
    return scheduler.FixedHearing(
        case=h.case.reference, date=h.date, session=h.session.code, room=h.room.code, panel=panel,
        counsellor=h.counsellor.code if h.counsellor else None,
        chair=h.chair.code if h.chair else None,
    )


def hearing_out(h: Hearing) -> scheduler.Hearing:
    """A stored hearing in the exchange format."""
    return scheduler.Hearing(
        case=h.case.reference, date=h.date, session=h.session.code,
        centre=h.room.centre.code, room=h.room.code,
        panel=tuple(m.person.code for m in h.members if m.role in ("chair", "member")),
        chair=h.chair.code if h.chair else None,
        counsellor=h.counsellor.code if h.counsellor else None,
    )


def export_plan(run: PlanRun, hearings: Iterable[Hearing] | None = None) -> scheduler.Plan:
    """A run's plan: its proposal (default) or the given hearings, and its unscheduled cases."""
    if hearings is None:
        hearings = db.session.scalars(proposals_of(run.id))
    live = [h for h in hearings if h.status != "cancelled"]
    return scheduler.Plan(
        hearings=tuple(hearing_out(h) for h in sorted(
            live, key=lambda h: (h.date, h.session.position, h.room.code, h.case.reference))),
        unscheduled=tuple(
            scheduler.Unscheduled(u.case.reference, tuple(u.reasons),
                                  tuple(scheduler.Reason(d["code"], d.get("params") or {})
                                        for d in u.details or []))
            for u in sorted(run.unscheduled, key=lambda u: u.case.reference)
        ),
        stats=dict(run.stats or {}),
    )


# --- import ------------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    def __str__(self) -> str:
        made = ", ".join(f"{n} {k}" for k, n in sorted(self.created.items())) or "nothing"
        changed = ", ".join(f"{n} {k}" for k, n in sorted(self.updated.items())) or "nothing"
        return f"created {made}; updated {changed}"


class _Upsert:
    """Find-or-create by code, counting only real changes, so a repeated import is a no-op."""

    def __init__(self, summary: ImportSummary):
        self.summary = summary

    def get(self, model, kind: str, **key):
        obj = db.session.scalar(sa.select(model).filter_by(**key))
        created = obj is None
        if created:
            obj = model(**key)
            db.session.add(obj)
            self.summary.count(kind, True)
        return obj, created

    def set(self, obj, kind: str, created: bool, **values) -> None:
        changed = False
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if changed and not created:
            self.summary.count(kind, False)


def import_scenario(data: dict) -> ImportSummary:
    """Validate `data` (raises scheduler.ScenarioError naming every bad field) and upsert it.

    Flushes only; the caller commits, so a failure anywhere leaves nothing written.
    """
    scenario = scheduler.scenario_from_dict(data)
    _check_emails(scenario)
    # New records are filled in over several look-ups; flushing half-filled rows would fail.
    with db.session.no_autoflush:
        summary = _import(scenario)
    db.session.flush()
    return summary


def _check_emails(scenario: scheduler.Scenario) -> None:
    """Each person's email is one valid address (mediation.emails), else ScenarioError naming
    every bad one by its place in the file."""
    problems = []
    for i, p in enumerate(scenario.people):
        if p.email:
            try:
                emails.normalise(p.email)
            except emails.EmailError as exc:
                problems.append(f"people[{i}].email ({p.id}): {exc}")
    if problems:
        raise scheduler.ScenarioError(problems)


def _import(scenario: scheduler.Scenario) -> ImportSummary:
    summary = ImportSummary()
    up = _Upsert(summary)

    sessions = {}
    for position, s in enumerate(scenario.sessions, start=1):
        obj, created = up.get(HearingSession, "sessions", code=s.id)
        up.set(obj, "sessions", created, name=obj.name or s.id, starts_at=time.fromisoformat(s.start),
               ends_at=time.fromisoformat(s.end), position=position)
        sessions[s.id] = obj

    regions = _import_regions(up, scenario.regions)
    areas = _import_expertise(up, scenario)
    # Organisations first (creating one flushes), matched by name or alias.
    names = {o for p in scenario.people for o in p.organisations}
    names |= {o for c in scenario.cases for o in c.respondents}
    names |= {p.organisation for c in scenario.cases for p in c.parties if p.organisation}
    names |= {c.organisation for c in scenario.conflicts if c.organisation}
    orgs: dict[str, Organisation] = {}
    for name in sorted(names):
        existing = find_organisation(name)
        orgs[name] = existing or get_or_create_organisation(name)
        if existing is None:
            summary.count("organisations", True)
    org = orgs.__getitem__

    rooms = {}
    for c in scenario.centres:
        centre, created = up.get(Centre, "centres", code=c.id)
        region = regions[c.region]
        level = "venue" if not c.open_weekdays and c.open_dates else region.level
        up.set(centre, "centres", created, name=c.name, region=region, level=level,
               open_weekdays=list(c.open_weekdays))
        wanted = {d: "closed" for d in c.closed_dates} | {d: "open" for d in c.open_dates}
        current = {d.date: d.kind for d in centre.dates}
        if current != wanted:
            centre.dates = [CentreDate(date=d, kind=k) for d, k in sorted(wanted.items())]
            db.session.flush()
            if not created:
                summary.count("centres", False)
        for r in c.rooms:
            room, r_created = up.get(Room, "rooms", code=r.id)
            up.set(room, "rooms", r_created, name=r.name, capacity=r.capacity, centre=centre)
            rooms[r.id] = room

    people = {}
    imported = busy_by_person(date.min, date.max)
    for p in scenario.people:
        person, created = up.get(Person, "people", code=p.id)
        up.set(person, "people", created, name=p.name,
               email=emails.normalise(p.email) if p.email else None,
               is_expert="expert" in p.roles, is_counsellor="counsellor" in p.roles,
               max_hearings=p.max_hearings, max_per_day=p.max_per_day,
               available_weekdays=list(p.available_weekdays) if p.available_weekdays is not None else None,
               expertise=_sorted(areas[a] for a in p.expertise),
               organisations=_sorted(org(o) for o in p.organisations),
               regions=_sorted(regions[r] for r in (p.regions or ())))
        wanted = {(u.date, u.session) for u in p.unavailable}
        current = {(u.date, u.session.code if u.session else None) for u in person.unavailability}
        # What the person's own calendar blocks was exported with it: it stays imported.
        wanted -= imported.get(person.id, set()) - current
        if wanted != current:
            person.unavailability = [Unavailability(date=d, session=sessions[s] if s else None)
                                     for d, s in sorted(wanted, key=lambda x: (x[0], x[1] or ""))]
            if not created:
                summary.count("people", False)
        people[p.id] = person

    cases = {}
    for c in scenario.cases:
        case, created = up.get(Case, "cases", reference=c.id)
        if created:
            case.status = "accepted"
            case.registered_on = c.accepted_on
            case.events = [CaseEvent(action="import", to_status="accepted", note=IMPORTED_NOTE)]
        up.set(case, "cases", created, title=c.title, category=c.category, region=regions[c.region],
               accepted_on=c.accepted_on, due_by=c.due_by, earliest=c.earliest,
               required_expertise=_sorted(areas[a] for a in c.required_expertise),
               needs_counsellor=c.needs_counsellor, attendees=c.attendees, priority=c.priority,
               repeat_count=c.repeat_count, respondents=_sorted(org(o) for o in c.respondents))
        # Parties are matched by name: private details already on record are never dropped.
        known = {p.name for p in case.parties}
        for party in c.parties:
            if party.name not in known:
                case.parties.append(Party(name=party.name,
                                          organisation=org(party.organisation) if party.organisation else None))
                known.add(party.name)
                if not created:
                    summary.count("cases", False)
        cases[c.id] = case
    db.session.flush()

    for c in scenario.conflicts:
        target = {"case_id": cases[c.case].id} if c.case else {"organisation_id": org(c.organisation).id}
        exists = db.session.scalar(sa.select(Conflict).filter_by(
            person_id=people[c.person].id, kind=c.kind, reason=c.reason, **target))
        if exists is None:
            db.session.add(Conflict(person=people[c.person], kind=c.kind, reason=c.reason, **target))
            db.session.flush()
            summary.count("conflicts", True)

    for f in scenario.fixed:
        _import_fixed(f, cases, rooms, sessions, people, summary)
    return summary


def _sorted(items: Iterable) -> list:
    """Distinct records in the order their relationship loads them (code, else name), so that
    comparing with what is stored detects real changes only."""
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return sorted(out, key=lambda o: getattr(o, "code", None) or o.name)


def _import_regions(up: _Upsert, regions: Iterable[scheduler.Region]) -> dict[str, Region]:
    by_code = {r.id: r for r in regions}

    def depth(code: str) -> int:
        d, seen = 0, set()
        while by_code[code].parent is not None and code not in seen:
            seen.add(code)
            code, d = by_code[code].parent, d + 1
        return d

    out: dict[str, Region] = {}
    for r in sorted(by_code.values(), key=lambda r: (depth(r.id), r.id)):
        obj, created = up.get(Region, "regions", code=r.id)
        level = REGION_LEVELS[min(depth(r.id), len(REGION_LEVELS) - 1)]
        up.set(obj, "regions", created, name=r.name, level=obj.level or level,
               parent=out[r.parent] if r.parent else None)
        out[r.id] = obj
    return out


def _import_expertise(up: _Upsert, scenario: scheduler.Scenario) -> dict[str, ExpertiseArea]:
    codes = {a for p in scenario.people for a in p.expertise}
    codes |= {a for c in scenario.cases for a in c.required_expertise}
    out = {}
    for code in sorted(codes):
        area, created = up.get(ExpertiseArea, "expertise areas", code=code)
        if created:
            area.name_en = code.replace("_", " ").capitalize()
        out[code] = area
    return out


def _import_fixed(f: scheduler.FixedHearing, cases, rooms, sessions, people, summary) -> None:
    case, room, session = cases[f.case], rooms[f.room], sessions[f.session]
    existing = db.session.scalar(current_published(case_ids=[case.id]).filter_by(
        date=f.date, session_id=session.id, room_id=room.id))
    if existing is not None:
        return
    chair = f.chair or (f.panel[0] if f.panel else None)
    members = [(people[p], "chair" if p == chair else "member") for p in f.panel]
    if f.counsellor:
        members.append((people[f.counsellor], "counsellor"))
    lifecycle.record_fixed(case=case, room=room, day=f.date, session=session, members=members)
    summary.count("fixed hearings", True)

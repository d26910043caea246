"""A coordinator's changes to single hearings, checked live against the planner's hard rules.

Every change names the version of the hearing it was made on: if someone else changed the hearing
meanwhile the change is refused as a conflict (HTTP 409), never silently merged. A change that
would break a hard rule is refused with the rule's message. The checks are `scheduler.rules`
themselves, run on a scenario built from the database as it is now.

Edits work on a run's proposal (before publishing) and on the published schedule, through
mediation.hearings.lifecycle: a published hearing that moves or changes people keeps its UID and
gets SEQUENCE + 1, and its attendees get invites or cancellations (by signal). Everything here
flushes; the view or command commits.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

import scheduler
from mediation import signals
from mediation.audit.services import record
from mediation.auth.scope import unscoped
from mediation.cases.models import case_ids_in_regions
from mediation.centres.models import HearingSession, Room
from mediation.conflicts.services import declare_conflict
from mediation.db import now_utc
from mediation.exchange.services import export_scenario, hearing_out
from mediation.extensions import db
from mediation.hearings import lifecycle
from mediation.hearings.models import PUBLISHED_LAYER, Hearing, HearingMember, is_published
from mediation.hearings.queries import current_published
from mediation.planner_words import wording
from mediation.planning.labels import REMOVED_BY_COORDINATOR, english_reason
from mediation.planning.models import PlanRun, UnscheduledCase
from mediation.planning.publish import supersede_runs_touching
from mediation.planning.runs import PlanningError, RunRequest, start_run
from mediation.planning.scope import RunScope
from mediation.roster.models import Person
from mediation.timeutil import local_to_utc, local_today, to_local
from scheduler.model import COUNSELLOR, EXPERT
from scheduler.repair import with_person
from scheduler.rules import centre_open, centre_serves, day_allowed, room_fits, window


class EditConflict(PlanningError):
    """The hearing changed since the coordinator looked at it (HTTP 409)."""

    status = 409


class RuleBroken(PlanningError):
    """The change would break hard rules (HTTP 422); `violations` says which."""

    status = 422

    def __init__(self, violations: list[scheduler.Violation]):
        self.violations = violations
        super().__init__("; ".join(str(v) for v in violations))


@dataclass
class Context:
    """The rules' view of one hearing: the scenario, the other hearings of its layer, and the
    hearing itself in the exchange format."""

    ix: scheduler.ScenarioIndex
    usage: scheduler.PlanUsage
    current: scheduler.Hearing


def load_hearing(hearing_id: int) -> Hearing:
    hearing = db.session.get(Hearing, hearing_id, options=[
        selectinload(Hearing.members).selectinload(HearingMember.person)])
    if hearing is None:
        raise PlanningError(_l("No such hearing."))
    return hearing


def _check_version(hearing: Hearing, expected: int | None) -> None:
    """Every edit names the version of the hearing it was made on; one without (a tampered or
    scripted request) is refused: it could silently overwrite a change made meanwhile."""
    if expected is None:
        raise EditConflict(_l("This change did not say which version of the hearing it was made "
                              "on, so it could overwrite someone else's change. Reload the page "
                              "and make it again."))
    if hearing.status == "cancelled":
        raise EditConflict(_l("This hearing has been cancelled meanwhile."))
    if hearing.version != expected:
        raise EditConflict(_l("Someone else changed this hearing while you were looking at it. "
                              "The page now shows the change: check it, then try again."))


def _horizon(hearing: Hearing, *extra: date) -> tuple[date, date]:
    if hearing.layer != PUBLISHED_LAYER:
        run = db.session.get(PlanRun, hearing.layer)
        return run.horizon_start, run.horizon_end
    days = [hearing.date, *extra]
    return min(days) - timedelta(days=31), max(days) + timedelta(days=31)


def context(hearing: Hearing, *extra_days: date) -> Context:
    """The scenario the rules need for `hearing`, with the other live hearings of its layer:
    every region's (read unscoped), since the same people and rooms serve them."""
    with unscoped():
        return _context(hearing, *extra_days)


def _context(hearing: Hearing, *extra_days: date) -> Context:
    start, end = _horizon(hearing, *extra_days)
    if hearing.case.accepted_on is None or hearing.case.due_by is None:
        raise PlanningError(_l("Case %(ref)s has no acceptance date or deadline, so it cannot be "
                               "planned.", ref=hearing.case.reference))
    scenario = export_scenario(start, end, [hearing.case], fixed_hearings=[])
    others = db.session.scalars(
        sa.select(Hearing).where(Hearing.layer == hearing.layer, Hearing.status != "cancelled",
                                 Hearing.id != hearing.id, Hearing.date.between(start, end))
        .options(selectinload(Hearing.members).selectinload(HearingMember.person),
                 selectinload(Hearing.case), selectinload(Hearing.session),
                 selectinload(Hearing.room).selectinload(Room.centre)))
    usage = scheduler.PlanUsage([hearing_out(h) for h in others])
    return Context(scheduler.ScenarioIndex.of(scenario), usage, hearing_out(hearing))


def violations_of(ctx: Context, trial: scheduler.Hearing) -> list[scheduler.Violation]:
    return scheduler.hearing_violations(ctx.ix, trial, ctx.usage)


# --- candidates ------------------------------------------------------------------------------------


def candidates(hearing: Hearing, person: Person | None, role: str) -> list[tuple[Person, scheduler.Candidate]]:
    """People who could take `person`'s seat (or an empty counsellor seat), best fit first, each
    with the rules it would break."""
    ctx = context(hearing)
    kind = COUNSELLOR if role == "counsellor" else EXPERT
    ranked = scheduler.candidates(ctx.ix, ctx.current, kind, person.code if person else None,
                                  ctx.usage)
    people = {p.code: p for p in db.session.scalars(
        sa.select(Person).where(Person.code.in_([c.person for c in ranked])))}
    return [(people[c.person], c) for c in ranked if c.person in people]


# --- free slots ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A room, date and session where the hearing, with its whole panel and counsellor, breaks
    no hard rule."""

    room: Room
    date: date
    session: HearingSession
    same_room: bool
    same_centre: bool


SLOT_SEARCH_DAYS = 62  # how far from today the suggestions look, at most


def free_slots(hearing: Hearing, limit: int = 10, today: date | None = None) -> list[Slot]:
    """The best `limit` places to move `hearing` to, keeping its people: every room, date and
    session that passes the planner's hard rules (`scheduler.hearing_violations`, the checker
    the solver's results are held to; the cheap rules of place and date prune first, from the
    same registries). Ranked: the same room, then the same centre, then the nearest date to the
    current one, earlier first."""
    if hearing.date < local_today():
        return []  # it has taken place: its outcome is recorded, it is not moved
    today = today or first_open_day()
    if hearing.case.accepted_on is None or hearing.case.due_by is None:
        return []
    last = min(hearing.case.due_by, today + timedelta(days=SLOT_SEARCH_DAYS))
    if last < today:
        return []
    ctx = context(hearing, today, last)
    ix, current = ctx.ix, ctx.current
    case = ix.case.get(current.case)
    if case is None:
        return []
    lo, hi = window(ix, case)
    days = [d for d in ix.dates if max(lo, today) <= d <= min(hi, last) and day_allowed(ix, case, d)]
    places = [(centre, room) for centre in ix.scenario.centres if centre_serves(ix, case.region, centre)
              for room in centre.rooms if room_fits(ix, case, room, centre)]
    found = []
    for day in days:
        for centre, room in places:
            if not centre_open(ix, centre, day):
                continue
            for session in ix.session_ids:
                if (room.id, day, session) == (current.room, current.date, current.session):
                    continue
                trial = replace(current, room=room.id, centre=centre.id, date=day, session=session)
                if not violations_of(ctx, trial):
                    found.append((room.id != current.room, centre.id != current.centre,
                                  abs((day - current.date).days), day, ix.session_pos[session],
                                  room.id, session))
    found.sort()
    found = found[:limit]
    rooms = {r.code: r for r in db.session.scalars(
        sa.select(Room).where(Room.code.in_({f[5] for f in found}))
        .options(selectinload(Room.centre)))}
    sessions = {s.code: s for s in db.session.scalars(sa.select(HearingSession))}
    return [Slot(rooms[f[5]], f[3], sessions[f[6]], not f[0], not f[1]) for f in found
            if f[5] in rooms and f[6] in sessions]


# --- changes -------------------------------------------------------------------------------------


STALE_MESSAGE = _l("Someone else changed this hearing at the same moment. The page now shows the "
                   "change: check it, then try again.")


@contextmanager
def _stale_is_conflict():
    """A concurrent change caught at a flush inside the block becomes a 409, never a 500; a
    slot taken meanwhile (the unique indexes) too."""
    try:
        yield
    except StaleDataError:
        db.session.rollback()
        raise EditConflict(STALE_MESSAGE) from None
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise EditConflict(_l("That room or person was booked for this slot by someone else a "
                              "moment ago. Choose another slot.")) from None


def _after_change(hearing: Hearing, action: str, before: dict, user) -> Hearing:
    """Audit a change (the lifecycle already told attendees); proposals over a changed
    published hearing's case are stale. Flushes; the caller commits."""
    if hearing.layer == PUBLISHED_LAYER:
        supersede_runs_touching({hearing.case_id})
    record(action, hearing, user=user, before=before, after=snapshot(hearing),
           summary=f"{hearing.case.reference} {hearing.date}")
    db.session.flush()
    return hearing


def snapshot(h: Hearing) -> dict:
    return {"room": h.room_id, "date": h.date.isoformat(), "session": h.session_id,
            "session_code": h.session.code,
            "status": h.status, "pinned": h.pinned, "sequence": h.sequence,
            "members": sorted([m.person_id, m.role] for m in h.members)}


def set_pinned(hearing: Hearing, pinned: bool, expected_version: int | None, user=None) -> Hearing:
    _check_version(hearing, expected_version)
    before = snapshot(hearing)
    with _stale_is_conflict():
        lifecycle.set_pinned(hearing, pinned)
        record("hearing.pin" if pinned else "hearing.unpin", hearing, user=user, before=before,
               after=snapshot(hearing), summary=hearing.case.reference)
        db.session.flush()
    return hearing


def move(hearing: Hearing, room: Room, day: date, session: HearingSession,
         expected_version: int | None, user=None) -> Hearing:
    """Move a hearing to another room, date or session, if every rule still holds."""
    _check_version(hearing, expected_version)
    ctx = context(hearing, day)
    trial = replace(ctx.current, room=room.code, centre=room.centre.code, date=day,
                    session=session.code)
    broken = violations_of(ctx, trial)
    if day != hearing.date:
        # The rules only know the case's own window; nobody can attend a hearing held yesterday.
        broken[:0] = scheduler.past_violations(hearing.case.reference, day, local_today())
    if broken:
        raise RuleBroken(broken)
    before = snapshot(hearing)
    with _stale_is_conflict():
        lifecycle.move(hearing, room, day, session)
        return _after_change(hearing, "hearing.move", before, user)


def replace_person(hearing: Hearing, old: Person | None, new: Person, role: str,
                   expected_version: int | None, user=None) -> Hearing:
    """Put `new` in `old`'s seat (or in an empty counsellor seat), if every rule still holds."""
    _check_version(hearing, expected_version)
    seat = next((m for m in hearing.members if old is not None and m.person_id == old.id), None)
    if old is not None and seat is None:
        raise EditConflict(_l("%(name)s is no longer on this hearing: the page now shows who is.",
                              name=old.name))
    if role not in ("expert", "counsellor"):
        raise PlanningError(_l("Unknown role."))
    ctx = context(hearing)
    kind = COUNSELLOR if role == "counsellor" else EXPERT
    trial = with_person(ctx.current, old.code if old else None, new.code, kind)
    broken = violations_of(ctx, trial)
    if broken:
        raise RuleBroken(broken)
    before = snapshot(hearing)
    with _stale_is_conflict():
        lifecycle.restaff(hearing, seat, new)
        return _after_change(hearing, "hearing.replace", before, user)


def remove(hearing: Hearing, expected_version: int | None, user=None, reason: str = "") -> Hearing | None:
    """Take a hearing out: a proposal is dropped (its case becomes unscheduled in the run); a
    published hearing is cancelled and kept, so calendars remove it."""
    _check_version(hearing, expected_version)
    before = snapshot(hearing)
    if hearing.layer == PUBLISHED_LAYER:
        with _stale_is_conflict():
            lifecycle.cancel(hearing)
            return _after_change(hearing, "hearing.cancel", before, user)
    run = db.session.get(PlanRun, hearing.layer)
    detail = {"code": REMOVED_BY_COORDINATOR, "params": {"reason": reason.strip()}}
    with _stale_is_conflict():
        db.session.add(UnscheduledCase(plan_run=run, case_id=hearing.case_id,
                                       reasons=[english_reason(detail)], details=[detail]))
        record("hearing.remove", hearing, user=user, before=before, after={"run": run.id},
               summary=hearing.case.reference)
        lifecycle.drop_proposal(hearing)
        if run.scheduled_count:
            run.scheduled_count -= 1
            run.unscheduled_count = (run.unscheduled_count or 0) + 1
        db.session.flush()
    return None


# --- declines and re-planning ------------------------------------------------------------------


def decline(hearing: Hearing, person: Person, reason: str, user=None,
            channel: str = "coordinator") -> None:
    """Record that `person` declined this hearing: a declared hard conflict with the case, so
    no plan puts them on it again, and `signals.hearing_declined` (the attendance feature keeps
    the answer, the calendar tells the coordinators). The hearing changes only by re-planning."""
    if person.id not in {m.person_id for m in hearing.members}:
        raise PlanningError(_l("%(name)s does not attend this hearing.", name=person.name))
    text = str(_l("declined the hearing of %(when)s", when=wording().when(hearing.date,
                                                                        hearing.session.code)))
    if reason.strip():
        text = f"{text}: {reason.strip()}"
    declare_conflict(person, "hard", text, case=hearing.case, user=user)
    db.session.flush()
    signals.hearing_declined.send(hearing, person=person, reason=reason.strip(), channel=channel,
                                  user=user)


def has_begun(hearing: Hearing, now: datetime | None = None) -> bool:
    return hearing.starts_at <= (now or now_utc())


def first_open_day(now: datetime | None = None) -> date:
    """The first local day on which no session has begun yet: a repair run's horizon starts
    there, so the planner never offers a session that is already under way or over."""
    now = now or now_utc()
    today = to_local(now).date()
    first = db.session.scalar(sa.select(sa.func.min(HearingSession.starts_at)))
    if first is None or local_to_utc(today, first) > now:
        return today
    return today + timedelta(days=1)


def _seat_changes(hearing: Hearing) -> dict[str, str] | None:
    """Fill only the seats whose person now breaks a rule (declined, unavailable…), each with
    the best candidate that fits (the candidates list's ranking, live rule checks). Returns
    {leaving person code: new person code}, or None when the slot itself is broken or some seat
    finds nobody."""
    ctx = context(hearing)
    broken = violations_of(ctx, ctx.current)
    codes = {m.person.code: m for m in hearing.members}
    if not broken or any(v.person not in codes for v in broken):
        return None  # nothing to fill, or the room or time no longer works
    trial, changes = ctx.current, {}
    for code in sorted({v.person for v in broken}):
        kind = COUNSELLOR if codes[code].role == "counsellor" else EXPERT
        ranked = scheduler.candidates(ctx.ix, trial, kind, code, ctx.usage)
        pick = next((c for c in ranked if c.fits and c.person not in changes.values()), None)
        if pick is None:
            return None
        trial = with_person(trial, code, pick.person, kind)
        changes[code] = pick.person
    return changes if not violations_of(ctx, trial) else None


def fill_seats(hearing: Hearing, user=None, now: datetime | None = None) -> PlanRun | None:
    """A proposal (a succeeded repair run, ready for review and publishing) that keeps the
    hearing's time, room and other members and replaces only the people who no longer fit;
    None when no replacement fits (then a repair run must move the hearing)."""
    if has_begun(hearing, now):
        return None
    changes = _seat_changes(hearing)
    if not changes:
        return None
    people = {p.code: p for p in db.session.scalars(
        sa.select(Person).where(Person.code.in_(list(changes.values()))))}
    members = [(people[changes[m.person.code]] if m.person.code in changes else m.person, m.role)
               for m in hearing.members]
    today = to_local(now or now_utc()).date()
    scope = RunScope("repair", horizon_start=min(today, hearing.date), horizon_end=hearing.date,
                     case_ids=(hearing.case_id,), release_ids=(hearing.id,))
    at = now_utc()
    run = PlanRun(created_by_id=getattr(user, "id", None), status="succeeded",
                  horizon_start=scope.horizon_start, horizon_end=scope.horizon_end,
                  time_limit_seconds=1.0, scope=scope.to_json(), scope_key=scope.key,
                  started_at=at, finished_at=at, heartbeat_at=at, worker="seat-fill",
                  solver_status="SEAT_FILL", scheduled_count=1, unscheduled_count=0,
                  result_cases=[hearing.case_id],
                  stats={"repair": {hearing.case.reference: "same slot, replaced "
                                    + ", ".join(f"{old} by {new}" for old, new in
                                                sorted(changes.items()))}},
                  progress={"elapsed": 0, "objective": None, "bound": None, "scheduled": 1})
    db.session.add(run)
    db.session.flush()
    lifecycle.new_proposal(case=hearing.case, room=hearing.room, day=hearing.date,
                           session=hearing.session, run=run, members=members,
                           pinned=hearing.pinned)
    record("plan.seat_fill", run, user=user, after={"hearing": hearing.id, "changes": changes},
           summary=f"{hearing.case.reference}: " + ", ".join(
               f"{old} → {new}" for old, new in sorted(changes.items())))
    db.session.flush()
    return run


def replan_around(hearings: list[Hearing], user=None, time_limit: float = 30.0,
                  background: bool = True, now: datetime | None = None) -> PlanRun:
    """Re-plan these published hearings (after a decline or new unavailability), keeping every
    other published hearing fixed and changing as little as possible.

    One hearing whose only trouble is some of its people: a proposal that fills just those
    seats (same time, room and other members), made at once. Otherwise, or when nobody fits, a
    repair run whose horizon starts on the first day with no session begun yet."""
    if not hearings:
        raise PlanningError(_l("Nothing to re-plan."))
    if any(not is_published(h) for h in hearings):
        raise PlanningError(_l("Only published hearings can be re-planned."))
    if all(has_begun(h, now) for h in hearings):
        raise PlanningError(_l("This hearing has already begun: there is nothing to re-plan."))
    hearings = [h for h in hearings if not has_begun(h, now)]
    if len(hearings) == 1:
        run = fill_seats(hearings[0], user, now)
        if run is not None:
            return run
    cases = [h.case for h in hearings]
    start = first_open_day(now)
    end = max([h.date for h in hearings] + [c.due_by for c in cases if c.due_by])
    ids = sorted(h.id for h in hearings)
    return start_run(RunRequest(start, max(start, end), scope="repair", time_limit=time_limit,
                                case_ids=sorted(c.id for c in cases), release_ids=ids),
                     user, background=background)


def broken_published(today: date | None = None, region_ids: frozenset[int] | None = None
                     ) -> list[tuple[Hearing, list[scheduler.Violation]]]:
    """Published hearings from today on that now break a rule on their own (someone declined,
    became unavailable, lost a role…): the ones to re-plan; with `region_ids` (a
    region-limited reader's scope), only those of cases in these regions."""
    today = today or local_today()
    stmt = current_published(start=today)
    if region_ids is not None:
        stmt = stmt.where(Hearing.case_id.in_(case_ids_in_regions(region_ids)))
    hearings = list(db.session.scalars(
        stmt
        .options(selectinload(Hearing.members).selectinload(HearingMember.person),
                 selectinload(Hearing.case), selectinload(Hearing.session),
                 selectinload(Hearing.room).selectinload(Room.centre))
        .order_by(Hearing.date)))
    cases = [h.case for h in hearings if h.case.accepted_on and h.case.due_by]
    if not cases:
        return []
    end = max(h.date for h in hearings)
    scenario = export_scenario(min(h.date for h in hearings), end, cases, fixed_hearings=[])
    ix = scheduler.ScenarioIndex.of(scenario)
    out = []
    known = {c.reference for c in cases}
    for h in hearings:
        if h.case.reference not in known:
            continue
        broken = scheduler.hearing_violations(ix, hearing_out(h))
        if broken:
            out.append((h, broken))
    return out


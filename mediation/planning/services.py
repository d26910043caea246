"""Planning queries shared by pages and commands."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from mediation.audit.services import record
from mediation.cases.models import Case, case_region_ids
from mediation.centres.models import Centre, HearingSession, Room
from mediation.centres.official import OfficialCalendar
from mediation.extensions import db
from mediation.hearings import lifecycle
from mediation.hearings.models import PUBLISHED_LAYER, Hearing, HearingMember
from mediation.hearings.queries import current_published
from mediation.planning.labels import LEFT_PLANNING, english_reason
from mediation.planning.models import PlanRun, UnscheduledCase
from mediation.planning.scope import ScopeError
from mediation.roster.models import Person
from mediation.timeutil import local_today


def run_region_ids(run: PlanRun) -> list[int | None]:
    """The regions a run belongs to (auth.access), judged by what it was asked to plan: a
    region's run belongs to that region, a run over chosen cases (or a repair) to theirs, a run
    over every region to none a region-limited user holds. Other regions' published hearings
    in its scenario are fixed context (`runs.own_case_ids`) and do not count."""
    try:
        scope = run.inputs
    except ScopeError:  # a run stored before its scope was typed: every case it holds
        held = set(run.result_cases or []) | set(db.session.scalars(
            sa.select(Hearing.case_id).where(Hearing.layer == run.id)))
        return case_region_ids(held)
    if scope.kind == "all":
        return [None]
    if scope.kind == "region":
        return [scope.region_id]
    return case_region_ids(scope.case_ids)


def recent_runs(limit: int = 20) -> list[PlanRun]:
    return list(db.session.scalars(sa.select(PlanRun).order_by(PlanRun.id.desc()).limit(limit)))


def withdraw_case_hearings(case: Case, action: str, note: str = "", user=None) -> int:
    """A case leaves planning by a workflow `action` (transfer, refer, not_accept…, with the
    coordinator's `note`): its proposals drop out of their runs (unscheduled, the reason kept as
    a code, worded when shown: labels.LEFT_PLANNING) and its published hearings from today on are
    cancelled, kept, with SEQUENCE + 1 and cancellations queued for the attendees. Flushes only.
    """
    reason = {"code": LEFT_PLANNING, "params": {"action": action, "note": note}}
    count = 0
    for h in db.session.scalars(sa.select(Hearing).where(Hearing.case_id == case.id,
                                                         Hearing.status != "cancelled")):
        if h.layer != PUBLISHED_LAYER:
            run = db.session.get(PlanRun, h.layer)
            if not db.session.scalar(sa.select(UnscheduledCase.id).filter_by(
                    plan_run_id=run.id, case_id=case.id)):
                db.session.add(UnscheduledCase(plan_run=run, case_id=case.id,
                                               reasons=[english_reason(reason)],
                                               details=[reason]))
            lifecycle.drop_proposal(h)
        elif h.date >= local_today():
            lifecycle.cancel(h)
            record("hearing.cancel", h, user=user, summary=case.reference,
                   after={"left_planning": action, "note": note})
        else:
            continue
        count += 1
    db.session.flush()
    return count


def on_case_left_planning(case: Case, *, action: str, note: str = "", user=None,
                          **_: object) -> None:
    """Subscriber of `signals.case_left_planning`."""
    withdraw_case_hearings(case, action, note, user)


def grid_rows(hearings) -> list[tuple[Centre, Room]]:
    """The rows of a hearing grid: every room (by centre, then code) that holds one of them."""
    used = {h.room_id for h in hearings}
    centres = db.session.scalars(sa.select(Centre).options(selectinload(Centre.rooms))
                                 .order_by(Centre.code))
    return [(c, r) for c in centres for r in sorted(c.rooms, key=lambda r: r.code)
            if r.id in used]


def grid_sessions() -> list[HearingSession]:
    return list(db.session.scalars(sa.select(HearingSession).order_by(HearingSession.position,
                                                                      HearingSession.code)))


def open_days(days: list[date], centres: list[Centre], busy: set[date] = frozenset()) -> list[date]:
    """The days of `days` on which at least one of `centres` is open (their opening weekdays,
    dated closures and openings, and the official calendar: `Centre.is_open_on`), plus any
    day in `busy` (a day that holds a hearing is always shown)."""
    calendar = OfficialCalendar()
    return [d for d in days if d in busy or any(c.is_open_on(d, calendar) for c in centres)]


def find_people(query: str, limit: int = 50) -> list[Person]:
    """People whose code is `query` or whose name contains it (case-insensitive)."""
    query = query.strip()
    if not query:
        return []
    like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(db.session.scalars(
        sa.select(Person).where(sa.or_(sa.func.lower(Person.code) == query.lower(),
                                       Person.name.ilike(like, escape="\\")))
        .order_by(Person.name).limit(limit)))


def published_schedule(week: date | None = None, region_ids: frozenset[int] | None = None,
                       centre_id: int | None = None, person: str = "") -> dict:
    """The published schedule for one week (Monday first): rooms down, days and sessions across,
    only the days some centre (or the chosen one) is open; with `region_ids`, only hearings of
    cases in those regions; with `centre_id`, of that centre; with `person` (a code or part of
    a name), those the matching people attend."""
    start = week or local_today()
    start -= timedelta(days=start.weekday())
    week_days = [start + timedelta(days=i) for i in range(7)]
    cases = Case.__table__
    scoped = (None if region_ids is None else sa.select(cases.c.id).where(
        cases.c.region_id.in_(sorted(region_ids) or [-1])))
    stmt = current_published(start=week_days[0], end=week_days[-1], case_ids=scoped,
                             centre_id=centre_id)
    people = find_people(person) if person else []
    if person:
        stmt = stmt.where(Hearing.id.in_(sa.select(HearingMember.hearing_id).where(
            HearingMember.person_id.in_([p.id for p in people] or [-1]))))
    hearings = list(db.session.scalars(
        stmt.options(selectinload(Hearing.members).selectinload(HearingMember.person),
                     selectinload(Hearing.case), selectinload(Hearing.session),
                     selectinload(Hearing.room).selectinload(Room.centre))))
    centres = list(db.session.scalars(
        sa.select(Centre).where(Centre.active).options(selectinload(Centre.dates))
        .order_by(Centre.code)))
    shown = [c for c in centres if centre_id is None or c.id == centre_id]
    days = open_days(week_days, shown, {h.date for h in hearings})
    return {
        "days": days, "week_days": week_days, "sessions": grid_sessions(),
        "rows": grid_rows(hearings),
        "cells": {(h.room_id, h.date, h.session_id): h for h in hearings},
        "hearings": sorted(hearings, key=lambda h: (h.date, h.session.position, h.room.centre.code,
                                                    h.room.code)),
        "week_start": start, "previous_week": start - timedelta(days=7),
        "next_week": start + timedelta(days=7), "count": len(hearings),
        "centres": centres, "people": people,
    }


__all__ = ["published_schedule", "recent_runs"]

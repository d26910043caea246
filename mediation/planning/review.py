"""What a coordinator sees of a run: the calendar grid, unscheduled cases, loads, and the
result in plain words."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

import scheduler
from mediation.cases.models import case_ids_in_regions
from mediation.centres.models import Centre, HearingSession, Room
from mediation.exchange.services import export_plan
from mediation.extensions import db
from mediation.hearings.models import Hearing, HearingMember
from mediation.hearings.queries import current_published, proposals_of
from mediation.planner_words import fairness_summary, run_summary
from mediation.planning.models import PlanRun, UnscheduledCase
from mediation.planning.services import grid_rows, grid_sessions, open_days
from mediation.roster.models import Person


def run_hearings(run: PlanRun, region_ids: frozenset[int] | None = None) -> list[Hearing]:
    """The hearings a run stands for: its proposal, or once published, the published hearings
    that came from it. With `region_ids` (a region-limited reader's scope), only those of
    cases in these regions: other regions' hearings in the proposal are fixed context the
    reader does not see."""
    if run.status == "published":
        stmt = current_published().where(Hearing.plan_run_id == run.id)
    else:
        stmt = proposals_of(run.id)
    if region_ids is not None:
        stmt = stmt.where(Hearing.case_id.in_(case_ids_in_regions(region_ids)))
    return list(db.session.scalars(stmt.options(
        selectinload(Hearing.members).selectinload(HearingMember.person),
        selectinload(Hearing.case), selectinload(Hearing.session),
        selectinload(Hearing.room).selectinload(Room.centre))))


def run_plan(run: PlanRun, region_ids: frozenset[int] | None = None) -> scheduler.Plan:
    return export_plan(run, run_hearings(run, region_ids))


@dataclass
class Grid:
    """Rooms (grouped by centre) down, days and sessions across, one week at a time."""

    days: list[date]
    sessions: list[HearingSession]
    rows: list[tuple[Centre, Room]]
    cells: dict[tuple[int, date, int], Hearing] = field(default_factory=dict)
    week_start: date | None = None
    previous_week: date | None = None
    next_week: date | None = None


def grid(run: PlanRun, hearings: list[Hearing], week: date | None = None) -> Grid:
    start = week or run.horizon_start
    start = max(run.horizon_start, min(start, run.horizon_end))
    end = min(run.horizon_end, start + timedelta(days=6))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    shown = [h for h in hearings if start <= h.date <= end]
    centres = list(db.session.scalars(sa.select(Centre).where(Centre.active)
                                      .options(selectinload(Centre.dates))))
    days = open_days(days, centres, {h.date for h in shown})
    cells = {(h.room_id, h.date, h.session_id): h for h in shown}
    previous = start - timedelta(days=7) if start > run.horizon_start else None
    nxt = start + timedelta(days=7) if end < run.horizon_end else None
    return Grid(days, grid_sessions(), grid_rows(hearings), cells, start, previous, nxt)


def loads(hearings: list[Hearing]) -> list[tuple[Person, int, int]]:
    """(person, hearings as an expert, as a counsellor), heaviest first."""
    expert: Counter[int] = Counter()
    counsellor: Counter[int] = Counter()
    people: dict[int, Person] = {}
    for h in hearings:
        for m in h.members:
            people[m.person_id] = m.person
            (counsellor if m.role == "counsellor" else expert)[m.person_id] += 1
    rows = [(people[p], expert[p], counsellor[p]) for p in people]
    rows.sort(key=lambda r: (-(r[1] + r[2]), r[0].name))
    return rows


def load_histogram(rows: list[tuple[Person, int, int]], active_experts: int) -> list[tuple[int, int]]:
    """How many experts have 0, 1, 2, … hearings (the distribution a coordinator checks)."""
    counts = Counter(e for _p, e, _c in rows if e)
    counts[0] = max(0, active_experts - sum(counts.values()))
    return sorted(counts.items())


def unscheduled(run: PlanRun) -> list[UnscheduledCase]:
    return list(db.session.scalars(
        sa.select(UnscheduledCase).where(UnscheduledCase.plan_run_id == run.id)
        .options(selectinload(UnscheduledCase.case)).order_by(UnscheduledCase.id)))


def in_words(run: PlanRun) -> list[str]:
    """The objective, bound and gap as a coordinator would say them (mediation.planner_words)."""
    return run_summary(run)


def fairness_words(run: PlanRun) -> list[str]:
    """Loads, urgent cases and soft conflicts in words, from the run's stored stats; nothing for
    runs stored before the planner reported them."""
    return fairness_summary(run.stats)

"""Plan runs: from a coordinator's request to a stored proposal, outside the web request.

A run's life: `start_run` records it (queued) and hands it to the background worker;
`execute_run` claims it, turns the database into a scenario, solves while reporting progress and
a heartbeat, and writes the result (proposal hearings in the run's layer, unscheduled cases,
statistics) in ONE transaction. A run whose worker stops reporting is marked failed by
`reap_stale_runs`; nothing of it was written, so nothing half-done is ever shown.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

import scheduler
from mediation import signals, worker
from mediation.audit.services import record
from mediation.cases.models import Case
from mediation.cases.services import region_and_below
from mediation.centres.models import HearingSession, Room
from mediation.db import now_utc
from mediation.exchange.services import (
    PLANNABLE_STATUSES,
    export_scenario,
    hearing_out,
    plannable_cases,
)
from mediation.extensions import db
from mediation.hearings import lifecycle
from mediation.hearings.models import Hearing
from mediation.hearings.queries import in_force, proposals_of
from mediation.planning.models import ACTIVE_RUN_STATUSES, PlanRun, UnscheduledCase
from mediation.planning.scope import RunScope, ScopeError
from mediation.regions.models import Region
from mediation.roster.models import Person
from mediation.timeutil import local_today

log = logging.getLogger(__name__)

MAX_HORIZON_DAYS = 366
PROGRESS_SECONDS = 1.0


class PlanningError(Exception):
    """A request the planner refuses, with a message for the coordinator (HTTP 400)."""

    status = 400


class RunConflict(PlanningError):
    """Another run for the same scope is queued or running (HTTP 409)."""

    status = 409


@dataclass
class RunRequest:
    horizon_start: date
    horizon_end: date
    scope: str = "all"  # all | region | cases | repair
    region_id: int | None = None
    case_ids: list[int] = field(default_factory=list)
    time_limit: float = 60.0
    release_published: bool = False  # let the planner move or drop published hearings in scope
    base_run_id: int | None = None  # keep this run's pinned proposals (a re-run)
    seed: int = 0
    release_ids: list[int] = field(default_factory=list)  # repair: published hearings to re-plan


# --- starting and stopping -----------------------------------------------------------------------


def _scope(req: RunRequest) -> RunScope:
    common = dict(horizon_start=req.horizon_start, horizon_end=req.horizon_end,
                  release_published=bool(req.release_published), seed=req.seed,
                  base_run_id=req.base_run_id)
    if req.base_run_id is not None and db.session.get(PlanRun, req.base_run_id) is None:
        raise PlanningError(_l("Unknown base run %(id)s.", id=req.base_run_id))
    if req.scope == "all":
        return RunScope("all", **common)
    if req.scope == "region":
        region = db.session.get(Region, req.region_id) if req.region_id else None
        if region is None:
            raise PlanningError(_l("Choose the region to plan."))
        return RunScope("region", region_code=region.code, region_id=region.id, **common)
    if req.scope in ("cases", "repair"):
        ids = sorted(set(req.case_ids))
        if not ids:
            raise PlanningError(_l("Choose at least one case to plan."))
        found = set(db.session.scalars(sa.select(Case.id).where(Case.id.in_(ids))))
        missing = [i for i in ids if i not in found]
        if missing:
            raise PlanningError(_l("Unknown case ids: %(ids)s", ids=", ".join(map(str, missing))))
        if req.scope == "repair":
            return RunScope("repair", case_ids=tuple(ids),
                            release_ids=tuple(sorted(set(req.release_ids))), **common)
        return RunScope("cases", case_ids=tuple(ids), **common)
    raise PlanningError(_l("Unknown scope %(scope)s.", scope=req.scope))


def _check_request(req: RunRequest) -> None:
    if req.horizon_start > req.horizon_end:
        raise PlanningError(_l("The horizon must start on or before its last day."))
    if req.horizon_end < local_today():
        raise PlanningError(_l("The horizon is over: its last day is in the past."))
    if (req.horizon_end - req.horizon_start).days + 1 > MAX_HORIZON_DAYS:
        raise PlanningError(_l("The horizon may be at most %(n)d days.", n=MAX_HORIZON_DAYS))
    limit = current_app.config["MEDIATION_MAX_TIME_LIMIT"]
    if not 1 <= req.time_limit <= limit:
        raise PlanningError(_l("The time limit must be between 1 and %(n)d seconds.", n=limit))


def start_run(req: RunRequest, user=None, *, background: bool = True) -> PlanRun:
    """Record a run and hand it to the background worker (or leave it queued for the caller).

    One of the named exceptions to "services flush": a run handed to a worker is committed
    first, since the worker reads it on another connection (docs/architecture.md)."""
    _check_request(req)
    scope = _scope(req)
    run = PlanRun(
        created_by_id=getattr(user, "id", None), status="queued",
        horizon_start=req.horizon_start, horizon_end=req.horizon_end,
        time_limit_seconds=float(req.time_limit), scope=scope.to_json(), scope_key=scope.key,
        heartbeat_at=now_utc(), progress={"elapsed": 0, "objective": None, "bound": None,
                                          "scheduled": 0},
    )
    try:
        with db.session.begin_nested():  # a taken scope undoes this run only
            db.session.add(run)
    except sa.exc.IntegrityError:
        raise RunConflict(_l("A plan for this scope is already queued or running; wait for it "
                             "or cancel it first.")) from None
    record("plan.start", run, summary=f"{req.horizon_start}..{req.horizon_end}",
           after={"scope": scope.to_json(), "start": req.horizon_start.isoformat(),
                  "end": req.horizon_end.isoformat(), "time_limit": req.time_limit}, user=user)
    if background:
        _hand_to_worker(run, req.time_limit)
    return run


def _hand_to_worker(run: PlanRun, time_limit: float) -> None:
    run.worker = worker.destination()
    db.session.commit()
    try:
        worker.submit("plan.run", where=run.worker, run_id=run.id, timeout=int(time_limit) + 600)
    except Exception as exc:  # the queue is down: say so, and free the scope at once
        log.exception("could not queue plan run %s", run.id)
        _finish(run, "failed", error=f"could not hand the run to a worker: {exc}")
        raise PlanningError(_l("The background queue is not reachable, so the plan could "
                               "not start. Try again shortly or tell the administrator.")
                            ) from None


def cancel_run(run: PlanRun, user=None) -> PlanRun:
    """Ask a run to stop. A queued run stops at once, keeping nothing; a running one within
    about a second, keeping the best plan found so far as its result (`execute_run`)."""
    if not run.active:
        raise PlanningError(_l("Run #%(id)d is not queued or running.", id=run.id))
    db.session.execute(sa.update(PlanRun).where(PlanRun.id == run.id)
                       .values(cancel_requested=True))
    db.session.execute(
        sa.update(PlanRun).where(PlanRun.id == run.id, PlanRun.status == "queued")
        .values(status="cancelled", finished_at=now_utc(), error="cancelled before it started")
    )
    record("plan.cancel", run, user=user)
    db.session.flush()
    db.session.refresh(run)
    return run


def reap_stale_runs() -> int:
    """Mark failed every running run whose worker stopped reporting (killed, crashed, lost)."""
    stale = current_app.config["MEDIATION_RUN_STALE_SECONDS"]
    limit = now_utc() - timedelta(seconds=stale)
    result = db.session.execute(
        sa.update(PlanRun)
        .where(PlanRun.status == "running", PlanRun.heartbeat_at < limit)
        .values(status="failed", finished_at=now_utc(),
                error=f"the worker stopped reporting for over {stale} s (killed or crashed); "
                      "nothing of this run was kept")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# --- the scenario of a run ---------------------------------------------------------------------


@dataclass
class RunInput:
    scenario: scheduler.Scenario
    previous: scheduler.Plan | None
    released: list[str]  # case references whose published hearing may change
    case_ids: list[int]  # every case of the scenario


def _published():
    """The published hearings that hold their case (an adjourned one no longer does)."""
    return (in_force().options(selectinload(Hearing.members))
            .order_by(Hearing.date, Hearing.id))


def scope_cases(scope: RunScope) -> list[Case]:
    """The cases a scope names. Chosen cases that cannot be planned (not accepted yet, closed, no
    deadline) are left out, as "all" would; a repair run's cases are in hand and stay."""
    if scope.kind == "all":
        return plannable_cases()
    if scope.kind == "region":
        region_ids = set(db.session.scalars(region_and_below(scope.region_id)))
        return [c for c in plannable_cases() if c.region_id in region_ids]
    stmt = sa.select(Case).where(Case.id.in_(scope.case_ids)).order_by(Case.reference)
    if scope.kind != "repair":
        stmt = stmt.where(Case.status.in_(PLANNABLE_STATUSES), Case.accepted_on.is_not(None),
                          Case.due_by.is_not(None))
    return list(db.session.scalars(stmt))


def own_case_ids(run: PlanRun, case_ids) -> set[int]:
    """Of these cases, those the run was asked to plan (its scope). The others in its scenario
    are fixed context: other regions' (or other cases') published hearings the planner books
    around, copied into the proposal unchanged, which publishing the run never changes.
    Regions are read from the table itself, so a region-limited reader's filter hides nothing."""
    ids = {int(c) for c in case_ids}
    try:
        scope = run.inputs
    except ScopeError:  # a run stored before its scope was typed: all it held is its own
        return ids
    if scope.kind == "all" or not ids:
        return ids
    if scope.kind in ("cases", "repair"):
        return ids & set(scope.case_ids)
    table = Case.__table__
    return set(db.session.scalars(sa.select(table.c.id).where(
        table.c.id.in_(sorted(ids)), table.c.region_id.in_(region_and_below(scope.region_id)))))


def released_ids(scope: RunScope, published: list[Hearing], in_scope: set[int]) -> set[int]:
    """Published hearings the planner may change: a repair's, and with "release published"
    every unpinned one of a case in scope."""
    released = set(scope.release_ids)
    if scope.release_published:
        released |= {h.id for h in published if h.case_id in in_scope and not h.pinned}
    return released


@dataclass
class _Draft:
    """The scenario of a run while it is being put together."""

    cases: list[Case]
    fixed: list[Hearing]
    previous: list[scheduler.Hearing]


def _base_run_pins(run: PlanRun, base_id: int, draft: _Draft) -> None:
    """A re-run keeps its base run's pinned proposals fixed; the others are its previous plan."""
    fixed_cases = {h.case_id for h in draft.fixed}
    for h in db.session.scalars(proposals_of(base_id).options(selectinload(Hearing.members))):
        if h.case_id in fixed_cases:
            continue
        if h.pinned and run.horizon_start <= h.date <= run.horizon_end:
            draft.fixed.append(h)
            draft.cases = [c for c in draft.cases if c.id != h.case_id]
        else:
            draft.previous.append(hearing_out(h))


def build_input(run: PlanRun) -> RunInput:
    """The scenario of a run: its cases, the published hearings fixed unless released, the base
    run's pinned proposals fixed, and the released and unpinned ones as the previous plan."""
    scope = run_scope(run)
    cases = scope_cases(scope)
    published = list(db.session.scalars(_published()))
    released = released_ids(scope, published, {c.id for c in cases})
    # A case heard (or to be heard) in a published hearing is planned again only if released.
    busy = {h.case_id for h in published if h.id not in released}
    draft = _Draft(
        cases=[c for c in cases if c.id not in busy],
        fixed=[h for h in published if h.id not in released
               and run.horizon_start <= h.date <= run.horizon_end],
        previous=[hearing_out(h) for h in published if h.id in released])
    if scope.base_run_id:
        _base_run_pins(run, scope.base_run_id, draft)
    scenario = export_scenario(run.horizon_start, run.horizon_end, draft.cases,
                               panel_size=run.panel_size, fixed_hearings=draft.fixed)
    refs = {c.reference for c in draft.cases}
    case_ids = list(db.session.scalars(sa.select(Case.id).where(
        Case.reference.in_([c.id for c in scenario.cases]))))
    previous = scheduler.Plan(tuple(draft.previous), (), {}) if draft.previous else None
    return RunInput(scenario, previous, sorted(refs & {h.case for h in draft.previous}), case_ids)


def run_scope(run: PlanRun) -> RunScope:
    return run.inputs


def store_plan(run: PlanRun, plan: scheduler.Plan) -> None:
    """Record a plan as the run's proposal (layer = run id) and unscheduled cases (flushes only)."""
    if run.id is None:
        db.session.add(run)
        db.session.flush()
    wanted = {h.case for h in plan.hearings} | {u.case for u in plan.unscheduled}
    cases = {c.reference: c for c in db.session.scalars(
        sa.select(Case).where(Case.reference.in_(wanted)))}
    rooms = {r.code: r for r in db.session.scalars(
        sa.select(Room).where(Room.code.in_({h.room for h in plan.hearings})))}
    sessions = {s.code: s for s in db.session.scalars(sa.select(HearingSession))}
    codes = {p for h in plan.hearings for p in (*h.panel, h.counsellor) if p}
    people = {p.code: p for p in db.session.scalars(
        sa.select(Person).where(Person.code.in_(codes)))}
    for h in plan.hearings:
        members = [(people[p], "chair" if p == h.chair else "member") for p in h.panel]
        if h.counsellor:
            members.append((people[h.counsellor], "counsellor"))
        lifecycle.new_proposal(case=cases[h.case], room=rooms[h.room], day=h.date,
                               session=sessions[h.session], run=run, members=members)
    run.unscheduled = [UnscheduledCase(case=cases[u.case], reasons=list(u.reasons),
                                       details=[d.to_dict() for d in u.details])
                       for u in plan.unscheduled]
    stats = dict(plan.stats)
    run.stats = stats
    run.objective, run.bound = stats.get("objective"), stats.get("bound")
    run.solver_status, run.solve_seconds = stats.get("status"), stats.get("solve_seconds")
    run.scheduled_count, run.unscheduled_count = len(plan.hearings), len(plan.unscheduled)
    db.session.flush()


# --- executing -----------------------------------------------------------------------------------


class _Reporter:
    """Writes progress and a heartbeat on its own connection; turns a cancel request into stop."""

    def __init__(self, engine: sa.Engine, run_id: int):
        self.engine = engine
        self.run_id = run_id
        self.latest: dict[str, Any] = {}
        self.stop = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"plan-run-{run_id}-reporter")
        self._t0 = time.monotonic()

    def __enter__(self) -> _Reporter:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join(timeout=10)

    def on_progress(self, info: dict[str, Any]) -> None:
        self.latest = dict(info)

    def _loop(self) -> None:
        while not self._done.wait(PROGRESS_SECONDS):
            self.beat()

    def beat(self) -> None:
        progress = dict(self.latest)
        progress["elapsed"] = round(time.monotonic() - self._t0, 1)
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.update(PlanRun.__table__).where(PlanRun.__table__.c.id == self.run_id)
                             .values(progress=progress, heartbeat_at=now_utc()))
                cancel = conn.execute(sa.select(PlanRun.__table__.c.cancel_requested)
                                      .where(PlanRun.__table__.c.id == self.run_id)).scalar()
        except sa.exc.OperationalError:  # a locked SQLite file or a blip: report next time
            log.warning("run %s: could not record progress", self.run_id, exc_info=True)
            return
        if cancel:
            self.stop.set()


def execute_run(run_id: int, *, worker_label: str | None = None,
                gap_tolerance: float | None = None) -> PlanRun | None:
    """Claim a queued run, solve it, store the result in one transaction. Returns the run.

    The claim is one conditional UPDATE, so of several workers handed the same run only one
    solves it; the claimer records its CP-SAT threads (MEDIATION_PLANNER_THREADS) in `workers`.
    The search ends early once the plan is within `gap_tolerance` (default: the setting
    MEDIATION_PLAN_GAP_TOLERANCE) of the bound. A coordinator's cancel while it solves stops the
    search and keeps the best plan found so far, checked and stored like any other result
    (status "succeeded", `stats["stopped_by"] = "coordinator"`)."""
    if gap_tolerance is None:
        gap_tolerance = float(current_app.config.get("MEDIATION_PLAN_GAP_TOLERANCE", 0.005))
    claimed = db.session.execute(
        sa.update(PlanRun).where(PlanRun.id == run_id, PlanRun.status == "queued")
        .values(status="running", started_at=now_utc(), heartbeat_at=now_utc(),
                workers=current_app.config["MEDIATION_PLANNER_THREADS"],
                **({"worker": worker_label} if worker_label else {}))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    run = db.session.get(PlanRun, run_id)
    if not claimed:
        return run  # cancelled before it started, or another worker has it
    try:
        data = build_input(run)
        db.session.commit()  # end the read transaction: SQLite lets the reporter write meanwhile
        with _Reporter(db.engine, run.id) as reporter:
            reporter.beat()
            kwargs = dict(time_limit=run.time_limit_seconds, on_progress=reporter.on_progress,
                          stop=reporter.stop, workers=run.workers,
                          gap_tolerance=gap_tolerance)
            scope = run_scope(run)
            if scope.kind == "repair":
                plan = scheduler.repair(data.scenario, data.previous or scheduler.Plan((), (), {}),
                                        data.released, **kwargs)
            else:
                plan = scheduler.solve(data.scenario, previous_plan=data.previous,
                                       seed=scope.seed, **kwargs)
        db.session.refresh(run)
        stopped = bool(run.cancel_requested)
        if stopped and not plan.hearings:  # stopped before the planner had anything to keep
            _finish(run, "cancelled", error="cancelled by a coordinator; nothing was kept")
            return run
        violations = scheduler.check_plan(data.scenario, plan)
        if violations:  # never store a plan that breaks a hard rule
            raise RuntimeError("the planner returned an invalid plan: "
                               + "; ".join(map(str, violations[:5])))
        stats = {**plan.stats, "gap_tolerance": gap_tolerance}
        if stopped and stats.get("stopped_early") == "stop":
            # a coordinator's cancel cut the search short: the best plan until then is the result
            # (a cancel that came after the search had ended changes nothing)
            stats["stopped_by"] = "coordinator"
        store_plan(run, scheduler.Plan(plan.hearings, plan.unscheduled, stats))
        run.result_cases = data.case_ids
        run.status, run.finished_at = "succeeded", now_utc()
        run.progress = {**(run.progress or {}), "objective": run.objective, "bound": run.bound,
                        "scheduled": run.scheduled_count}
        db.session.commit()
        signals.run_finished.send(run, status=run.status)
        return run
    except Exception as exc:
        db.session.rollback()
        log.exception("plan run %s failed", run_id)
        run = db.session.get(PlanRun, run_id)
        _finish(run, "failed", error=_error_text(exc), log_text=traceback.format_exc())
        return run


def _error_text(exc: Exception) -> str:
    if isinstance(exc, scheduler.ScenarioError):
        return f"the data cannot be planned: {exc}"
    if isinstance(exc, sa.exc.IntegrityError):
        return "the result conflicts with hearings booked meanwhile; run the plan again"
    return str(exc) or type(exc).__name__


def _finish(run: PlanRun, status: str, *, error: str | None = None,
            log_text: str | None = None) -> None:
    db.session.execute(
        sa.update(PlanRun).where(PlanRun.id == run.id, PlanRun.status.in_(ACTIVE_RUN_STATUSES))
        .values(status=status, finished_at=now_utc(), error=error, log=log_text)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(run)
    signals.run_finished.send(run, status=run.status)


def run_now(req: RunRequest, user=None, *, gap_tolerance: float | None = None) -> PlanRun:
    """Start and execute a run in this process (the `mediation plan run` command)."""
    run = start_run(req, user, background=False)
    run.worker = "cli"
    db.session.commit()
    return execute_run(run.id, gap_tolerance=gap_tolerance)

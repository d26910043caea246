"""Plan runs: from a coordinator's request to a stored proposal, outside the web request.

A run's life: `start_run` records it (queued) and hands it to the background worker;
`execute_run` claims it, turns the database into a scenario, solves while reporting progress and
a heartbeat, and writes the result (proposal hearings in the run's layer, unscheduled cases,
statistics) in ONE transaction. A run whose worker stops reporting is marked failed by
`reap_stale_runs`; nothing of it was written, so nothing half-done is ever shown.
"""

from __future__ import annotations

import hashlib
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
from mediation.audit.services import record
from mediation.cases.models import Case
from mediation.cases.services import region_and_below
from mediation.db import now_utc
from mediation.exchange.services import (
    PLANNABLE_STATUSES,
    export_scenario,
    hearing_out,
    plannable_cases,
    store_plan,
)
from mediation.extensions import db
from mediation.planning.models import (
    ACTIVE_RUN_STATUSES,
    PUBLISHED_LAYER,
    Hearing,
    PlanRun,
)
from mediation.regions.models import Region
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
    scope: str = "all"  # all | region | cases
    region_id: int | None = None
    case_ids: list[int] = field(default_factory=list)
    time_limit: float = 60.0
    release_published: bool = False  # let the planner move or drop published hearings in scope
    base_run_id: int | None = None  # keep this run's pinned proposals (a re-run)
    seed: int = 0


# --- starting and stopping -----------------------------------------------------------------------


def _scope(req: RunRequest) -> tuple[dict[str, Any], str]:
    if req.scope == "all":
        return {"kind": "all"}, "all"
    if req.scope == "region":
        region = db.session.get(Region, req.region_id) if req.region_id else None
        if region is None:
            raise PlanningError(_l("Choose the region to plan."))
        return {"kind": "region", "region": region.code, "region_id": region.id}, f"region:{region.code}"
    if req.scope == "cases":
        ids = sorted(set(req.case_ids))
        if not ids:
            raise PlanningError(_l("Choose at least one case to plan."))
        found = set(db.session.scalars(sa.select(Case.id).where(Case.id.in_(ids))))
        missing = [i for i in ids if i not in found]
        if missing:
            raise PlanningError(_l("Unknown case ids: %(ids)s", ids=", ".join(map(str, missing))))
        digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
        return {"kind": "cases", "case_ids": ids}, f"cases:{digest}"
    raise PlanningError(_l("Unknown scope %(scope)s.", scope=req.scope))


def start_run(req: RunRequest, user=None, *, background: bool = True,
              extra_scope: dict[str, Any] | None = None, scope_key: str | None = None) -> PlanRun:
    """Record a run and hand it to the background worker (or leave it queued for the caller)."""
    if req.horizon_start > req.horizon_end:
        raise PlanningError(_l("The horizon must start on or before its last day."))
    if req.horizon_end < local_today():
        raise PlanningError(_l("The horizon is over: its last day is in the past."))
    if (req.horizon_end - req.horizon_start).days + 1 > MAX_HORIZON_DAYS:
        raise PlanningError(_l("The horizon may be at most %(n)d days.", n=MAX_HORIZON_DAYS))
    limit = current_app.config["MEDIATION_MAX_TIME_LIMIT"]
    if not 1 <= req.time_limit <= limit:
        raise PlanningError(_l("The time limit must be between 1 and %(n)d seconds.", n=limit))
    if extra_scope is not None:
        scope, key = extra_scope, scope_key or extra_scope["kind"]
    else:
        scope, key = _scope(req)
    scope["release_published"] = bool(req.release_published)
    if req.base_run_id is not None:
        base = db.session.get(PlanRun, req.base_run_id)
        if base is None:
            raise PlanningError(_l("Unknown base run %(id)s.", id=req.base_run_id))
        scope["base_run_id"] = base.id
    scope["seed"] = req.seed
    run = PlanRun(
        created_by_id=getattr(user, "id", None), status="queued",
        horizon_start=req.horizon_start, horizon_end=req.horizon_end,
        time_limit_seconds=float(req.time_limit), scope=scope, scope_key=key[:200],
        heartbeat_at=now_utc(), progress={"elapsed": 0, "objective": None, "bound": None,
                                          "scheduled": 0},
    )
    db.session.add(run)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise RunConflict(_l("A plan for this scope is already queued or running; wait for it "
                             "or cancel it first.")) from None
    record("plan.start", run, summary=f"{key} {req.horizon_start}..{req.horizon_end}",
           after={"scope": scope, "time_limit": req.time_limit}, user=user)
    db.session.commit()
    if background:
        from mediation import worker

        run.worker = worker.destination()
        db.session.commit()
        try:
            worker.submit("plan.run", where=run.worker, run_id=run.id,
                          timeout=int(req.time_limit) + 600)
        except Exception as exc:  # the queue is down: say so, and free the scope at once
            log.exception("could not queue plan run %s", run.id)
            _finish(run, "failed", error=f"could not hand the run to a worker: {exc}")
            raise PlanningError(_l("The background queue is not reachable, so the plan could "
                                   "not start. Try again shortly or tell the administrator.")
                                ) from None
    return run


def cancel_run(run: PlanRun, user=None) -> PlanRun:
    """Ask a run to stop. A queued run stops at once; a running one within about a second."""
    if not run.active:
        raise PlanningError(_l("Run #%(id)d is not queued or running.", id=run.id))
    db.session.execute(sa.update(PlanRun).where(PlanRun.id == run.id)
                       .values(cancel_requested=True))
    db.session.execute(
        sa.update(PlanRun).where(PlanRun.id == run.id, PlanRun.status == "queued")
        .values(status="cancelled", finished_at=now_utc(), error="cancelled before it started")
    )
    record("plan.cancel", run, user=user)
    db.session.commit()
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
    db.session.commit()
    return result.rowcount or 0


# --- the scenario of a run ---------------------------------------------------------------------


@dataclass
class RunInput:
    scenario: scheduler.Scenario
    previous: scheduler.Plan | None
    released: list[str]  # case references whose published hearing may change
    case_ids: list[int]  # every case of the scenario


def _published(start: date | None = None, end: date | None = None):
    stmt = sa.select(Hearing).where(Hearing.layer == PUBLISHED_LAYER,
                                    Hearing.status == "published")
    if start is not None:
        stmt = stmt.where(Hearing.date.between(start, end))
    return stmt.options(selectinload(Hearing.members)).order_by(Hearing.date, Hearing.id)


def build_input(run: PlanRun) -> RunInput:
    """The scenario of a run: its cases, the published hearings fixed unless released, the base
    run's pinned proposals fixed, and the released and unpinned ones as the previous plan."""
    scope = run.scope or {}
    kind = scope.get("kind", "all")
    released_ids = set(scope.get("release", []))  # hearing ids (repair runs)
    if kind == "all":
        cases = plannable_cases()
    elif kind == "region":
        region_ids = set(db.session.scalars(region_and_below(scope["region_id"])))
        cases = [c for c in plannable_cases() if c.region_id in region_ids]
    else:
        # Chosen cases that cannot be planned (not accepted yet, closed, no deadline) are left
        # out, as "all" would; a repair run's cases are in hand and stay.
        ids = set(scope.get("case_ids", []))
        stmt = sa.select(Case).where(Case.id.in_(ids)).order_by(Case.reference)
        if kind != "repair":
            stmt = stmt.where(Case.status.in_(PLANNABLE_STATUSES), Case.accepted_on.is_not(None),
                              Case.due_by.is_not(None))
        cases = list(db.session.scalars(stmt))
    in_scope = {c.id for c in cases}
    published = list(db.session.scalars(_published()))
    if scope.get("release_published"):
        released_ids |= {h.id for h in published if h.case_id in in_scope and not h.pinned}
    released = [h for h in published if h.id in released_ids]
    # A case heard (or to be heard) in a published hearing is planned again only if released.
    busy = {h.case_id for h in published if h.id not in released_ids}
    cases = [c for c in cases if c.id not in busy]
    fixed = [h for h in published if h.id not in released_ids
             and run.horizon_start <= h.date <= run.horizon_end]
    previous = [hearing_out(h) for h in released]
    base_id = scope.get("base_run_id")
    if base_id:
        fixed_cases = {h.case_id for h in fixed}
        for h in db.session.scalars(sa.select(Hearing).where(Hearing.layer == base_id)
                                    .options(selectinload(Hearing.members))):
            if h.case_id in fixed_cases:
                continue
            if h.pinned and run.horizon_start <= h.date <= run.horizon_end:
                fixed.append(h)
                cases = [c for c in cases if c.id != h.case_id]
            else:
                previous.append(hearing_out(h))
    scenario = export_scenario(run.horizon_start, run.horizon_end, cases, panel_size=run.panel_size,
                               fixed_hearings=fixed)
    refs = {c.reference for c in cases}
    case_ids = list(db.session.scalars(sa.select(Case.id).where(
        Case.reference.in_([c.id for c in scenario.cases]))))
    return RunInput(scenario, scheduler.Plan(tuple(previous), (), {}) if previous else None,
                    sorted(refs & {h.case for h in previous}), case_ids)


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


def execute_run(run_id: int, *, worker_label: str | None = None) -> PlanRun | None:
    """Claim a queued run, solve it, store the result in one transaction. Returns the run."""
    claimed = db.session.execute(
        sa.update(PlanRun).where(PlanRun.id == run_id, PlanRun.status == "queued")
        .values(status="running", started_at=now_utc(), heartbeat_at=now_utc(),
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
                          stop=reporter.stop)
            if (run.scope or {}).get("kind") == "repair":
                plan = scheduler.repair(data.scenario, data.previous or scheduler.Plan((), (), {}),
                                        data.released, **kwargs)
            else:
                plan = scheduler.solve(data.scenario, previous_plan=data.previous,
                                       seed=int((run.scope or {}).get("seed", 0)), **kwargs)
        db.session.refresh(run)
        if run.cancel_requested:
            _finish(run, "cancelled", error="cancelled by a coordinator; nothing was kept")
            return run
        violations = scheduler.check_plan(data.scenario, plan)
        if violations:  # never store a plan that breaks a hard rule
            raise RuntimeError("the planner returned an invalid plan: "
                               + "; ".join(map(str, violations[:5])))
        store_plan(run, plan)
        run.scope = {**(run.scope or {}), "planned_case_ids": data.case_ids}
        run.status, run.finished_at = "succeeded", now_utc()
        run.progress = {**(run.progress or {}), "objective": run.objective, "bound": run.bound,
                        "scheduled": run.scheduled_count}
        db.session.commit()
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


def run_now(req: RunRequest, user=None) -> PlanRun:
    """Start and execute a run in this process (the `mediation plan run` command)."""
    run = start_run(req, user, background=False)
    run.worker = "cli"
    db.session.commit()
    return execute_run(run.id)

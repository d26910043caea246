"""Plan runs: validation, one active run per scope, a result written whole, cancel, stale runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

import scheduler
from mediation.db import now_utc
from mediation.planning.models import Hearing, PlanRun
from mediation.planning.review import run_plan
from mediation.planning.runs import (
    PlanningError,
    RunConflict,
    RunRequest,
    build_input,
    cancel_run,
    execute_run,
    reap_stale_runs,
    run_now,
    start_run,
)
from tests.planning.conftest import HORIZON, SATURDAY, TUESDAY


def test_a_run_stores_a_valid_proposal_in_its_own_layer(db, world, planned):
    assert planned.status == "succeeded"
    assert planned.scheduled_count == 4 and planned.unscheduled_count == 0
    assert planned.objective == planned.bound == 5 + 4 + 3 + 2
    hearings = db.session.scalars(sa.select(Hearing)).all()
    assert {h.layer for h in hearings} == {planned.id}
    assert {h.status for h in hearings} == {"proposed"}
    # The stored proposal, exported again, passes the planner's own checker.
    data = build_input(planned)
    assert scheduler.check_plan(data.scenario, run_plan(planned)) == []
    assert set(planned.result_cases) == {c.id for c in world.cases}
    assert planned.progress["scheduled"] == 4


@pytest.mark.parametrize("kwargs, message", [
    ({"horizon_start": SATURDAY, "horizon_end": TUESDAY}, "horizon"),
    ({"horizon_end": TUESDAY + timedelta(days=400)}, "at most"),
    ({"horizon_start": TUESDAY - timedelta(days=60), "horizon_end": TUESDAY - timedelta(days=30)},
     "in the past"),
    ({"time_limit": 0}, "time limit"),
    ({"scope": "region"}, "region"),
    ({"scope": "cases"}, "at least one case"),
    ({"scope": "cases", "case_ids": [999999]}, "Unknown case"),
    ({"scope": "galaxy"}, "Unknown scope"),
])
def test_bad_requests_are_refused_with_a_reason(db, world, kwargs, message):
    fields = {"horizon_start": HORIZON[0], "horizon_end": HORIZON[1], **kwargs}
    with pytest.raises(PlanningError, match=message):
        start_run(RunRequest(**fields), world.user, background=False)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanRun)) == 0


def test_one_active_run_per_scope(db, world):
    first = start_run(RunRequest(*HORIZON), world.user, background=False)
    with pytest.raises(RunConflict):
        start_run(RunRequest(*HORIZON), world.user, background=False)
    # Another scope may run meanwhile.
    other = start_run(RunRequest(*HORIZON, scope="region", region_id=world.region.id),
                      world.user, background=False)
    assert other.scope_key == "region:A"
    cancel_run(first, world.user)
    assert first.status == "cancelled"
    start_run(RunRequest(*HORIZON), world.user, background=False)  # the scope is free again


def test_cancelling_a_queued_run_means_it_never_starts(db, world):
    run = start_run(RunRequest(*HORIZON), world.user, background=False)
    cancel_run(run, world.user)
    executed = execute_run(run.id)
    assert executed.status == "cancelled" and executed.started_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)) == 0
    with pytest.raises(PlanningError):
        cancel_run(run, world.user)


def test_a_cancel_request_stops_a_running_solve_and_keeps_nothing(db, world, monkeypatch):
    import mediation.planning.runs as runs

    run = start_run(RunRequest(*HORIZON, time_limit=60), world.user, background=False)
    real_solve = scheduler.solve

    def slow_solve(scenario, **kwargs):
        # The coordinator presses Cancel while the planner works.
        with db.engine.begin() as conn:
            conn.execute(sa.update(PlanRun.__table__).values(cancel_requested=True))
        assert kwargs["stop"].wait(10), "the reporter did not pass the cancel on"
        return real_solve(scenario, **kwargs)

    monkeypatch.setattr(runs.scheduler, "solve", slow_solve)
    done = execute_run(run.id)
    assert done.status == "cancelled"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)) == 0


def test_a_failure_is_recorded_and_leaves_nothing(db, world, monkeypatch):
    import mediation.planning.runs as runs

    def crash(scenario, **kwargs):
        raise RuntimeError("the solver ran out of memory")

    monkeypatch.setattr(runs.scheduler, "solve", crash)
    run = run_now(RunRequest(*HORIZON), world.user)
    assert run.status == "failed" and "out of memory" in run.error
    assert run.log and "Traceback" in run.log
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)) == 0
    start_run(RunRequest(*HORIZON), world.user, background=False)  # the scope is free again


def test_chosen_cases_that_cannot_be_planned_are_left_out(db, world):
    world.cases[0].due_by = None
    db.session.commit()
    run = run_now(RunRequest(*HORIZON, scope="cases", case_ids=[c.id for c in world.cases[:2]]),
                  world.user)
    assert run.status == "succeeded"
    assert set(run.result_cases) == {world.cases[1].id}


def test_an_unreachable_queue_fails_the_run_at_once(db, world, app):
    saved = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        with pytest.raises(PlanningError, match="not reachable"):
            start_run(RunRequest(*HORIZON), world.user)
    finally:
        app.config["REDIS_URL"] = saved
    run = db.session.scalar(sa.select(PlanRun))
    assert run.status == "failed" and "could not hand the run" in run.error
    start_run(RunRequest(*HORIZON), world.user, background=False)  # the scope is free again


def test_stale_running_runs_are_marked_failed(db, world, app):
    run = start_run(RunRequest(*HORIZON), world.user, background=False)
    stale = app.config["MEDIATION_RUN_STALE_SECONDS"]
    db.session.execute(sa.update(PlanRun).values(
        status="running", heartbeat_at=now_utc() - timedelta(seconds=stale + 1)))
    fresh = start_run(RunRequest(*HORIZON, scope="region", region_id=world.region.id),
                      world.user, background=False)
    db.session.execute(sa.update(PlanRun).where(PlanRun.id == fresh.id)
                       .values(status="running", heartbeat_at=now_utc()))
    db.session.commit()
    assert reap_stale_runs() == 1
    db.session.refresh(run)
    db.session.refresh(fresh)
    assert run.status == "failed" and "stopped reporting" in run.error
    assert fresh.status == "running"


def test_published_hearings_are_fixed_unless_released(db, world, planned):
    from mediation.planning.publish import publish_run

    publish_run(planned, world.user)
    again = start_run(RunRequest(*HORIZON), world.user, background=False)
    data = build_input(again)
    assert len(data.scenario.fixed) == 4 and data.previous is None
    released = start_run(RunRequest(*HORIZON, scope="region", region_id=world.region.id,
                                    release_published=True), world.user, background=False)
    data = build_input(released)
    assert data.scenario.fixed == () and len(data.previous.hearings) == 4

"""Plan runs: validation, one active run per scope, a result written whole, cancel, stale runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

import scheduler
from mediation.db import now_utc
from mediation.planner_words import run_summary
from mediation.planning.models import PUBLISHED_LAYER, Hearing, PlanRun
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
from tests import factories as F
from tests.conftest import sign_in
from tests.planning.conftest import ACCEPTED, DUE, HORIZON, SATURDAY, TUESDAY


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


def _cancel_at_first_solution(monkeypatch) -> dict:
    """The coordinator presses Cancel as soon as the planner reports its first plan: the flag is
    set from the solver's own progress callback and the reporter's beat passes it on at once, so
    the stop lands mid-search at any machine speed (no sleeps)."""
    import mediation.planning.runs as runs

    seen: dict = {"cancelled_at": None}
    report = runs._Reporter.on_progress

    def on_progress(self, info):
        report(self, info)
        if seen["cancelled_at"] is None and info.get("scheduled"):
            seen["cancelled_at"] = dict(info)
            with self.engine.begin() as conn:
                conn.execute(sa.update(PlanRun.__table__)
                             .where(PlanRun.__table__.c.id == self.run_id)
                             .values(cancel_requested=True))
            self.beat()  # what the reporter's thread does within a second
            assert self.stop.is_set(), "the reporter did not pass the cancel on"

    monkeypatch.setattr(runs._Reporter, "on_progress", on_progress)
    return seen


def test_cancelling_a_running_solve_keeps_the_best_plan_found(db, world, monkeypatch, app):
    from mediation.planning.publish import publish_run

    seen = _cancel_at_first_solution(monkeypatch)
    run = start_run(RunRequest(*HORIZON, time_limit=60), world.user, background=False)
    done = execute_run(run.id)
    assert seen["cancelled_at"] is not None
    assert done.status == "succeeded", done.error
    assert done.error is None and done.cancel_requested
    assert done.stats["stopped_early"] == "stop" and done.stats["stopped_by"] == "coordinator"
    # What was kept is a valid plan, at least as good as the one reported when Cancel came.
    assert done.scheduled_count >= seen["cancelled_at"]["scheduled"] > 0
    assert done.objective >= seen["cancelled_at"]["objective"]
    stored = run_plan(done)
    assert len(stored.hearings) == done.scheduled_count
    assert scheduler.check_plan(build_input(done).scenario, stored) == []
    assert set(done.result_cases) == {c.id for c in world.cases}
    with force_locale("zh_Hans_CN"):
        assert "由协调员提前停止" in " ".join(run_summary(done))
    with force_locale("en"):
        assert any("Stopped early by a coordinator" in line for line in run_summary(done))
    # It is reviewed and published like any finished run.
    publish_run(done, world.user)
    db.session.commit()
    assert done.status == "published"
    published = db.session.scalars(sa.select(Hearing).where(Hearing.layer == PUBLISHED_LAYER)).all()
    assert len(published) == done.scheduled_count
    assert {h.status for h in published} == {"published"}


def test_a_cancel_before_any_plan_keeps_nothing(db, world, monkeypatch):
    import mediation.planning.runs as runs

    run = start_run(RunRequest(*HORIZON, time_limit=60), world.user, background=False)

    def no_plan_yet(scenario, **kwargs):
        # Cancel arrives while the planner has nothing (an empty result is not a plan to keep).
        with db.engine.begin() as conn:
            conn.execute(sa.update(PlanRun.__table__).values(cancel_requested=True))
        return scheduler.Plan((), (), {"stopped_early": "stop"})

    monkeypatch.setattr(runs.scheduler, "solve", no_plan_yet)
    done = execute_run(run.id)
    assert done.status == "cancelled" and "nothing was kept" in done.error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)) == 0


def test_a_cancel_after_the_search_ended_changes_nothing(db, world, monkeypatch):
    import mediation.planning.runs as runs

    run = start_run(RunRequest(*HORIZON, time_limit=60), world.user, background=False)
    real_solve = scheduler.solve

    def solve_then_cancel(scenario, **kwargs):
        plan = real_solve(scenario, **kwargs)
        with db.engine.begin() as conn:  # Cancel pressed just as the planner finished
            conn.execute(sa.update(PlanRun.__table__).values(cancel_requested=True))
        return plan

    monkeypatch.setattr(runs.scheduler, "solve", solve_then_cancel)
    done = execute_run(run.id)
    assert done.status == "succeeded" and done.scheduled_count == 4
    assert "stopped_by" not in done.stats and done.stats["stopped_early"] != "stop"
    with force_locale("en"):
        assert not any("coordinator" in line for line in run_summary(done))


@pytest.fixture
def one_too_many(db, world):
    """One day (Tuesday): two centres with one room each and two sessions hold four hearings;
    a fifth case of priority 1 fits alone but not with the four others. So the bound of the
    cases that fit alone is 15 while any plan scores at most 14: the first plan, 14 points (or
    at worst 13), is within 20 % of that bound before any further search, at any speed."""
    extra = F.case(world.region, reference="W-9", status="accepted", accepted_on=ACCEPTED,
                   due_by=DUE, priority=1)
    extra.required_expertise = list(world.cases[0].required_expertise)
    db.session.commit()
    return (TUESDAY, TUESDAY)


def test_a_large_gap_tolerance_ends_the_search_early_and_says_so(db, world, app, client,
                                                                  one_too_many):
    app.config["MEDIATION_PLAN_GAP_TOLERANCE"] = 0.2
    run = run_now(RunRequest(*one_too_many, time_limit=60), world.user)
    assert run.status == "succeeded", run.error
    st = run.stats
    assert st["stopped_early"] == "gap" and st["gap_tolerance"] == 0.2
    assert run.objective < run.bound and (run.bound - run.objective) / run.bound <= 0.2
    assert st["lns_steps"] == 0
    assert scheduler.check_plan(build_input(run).scenario, run_plan(run)) == []
    assert sign_in(client, world.user.email, "correct horse battery").status_code == 302
    html = client.get(f"/planning/runs/{run.id}", headers={"Accept-Language": "en"}
                      ).get_data(as_text=True)
    assert "within 20% of the most points any plan can reach, so the search ended early" in html
    html = client.get(f"/planning/runs/{run.id}", headers={"Accept-Language": "zh-CN"}
                      ).get_data(as_text=True)
    assert "与任何方案的最高可能得分相差不到 20%，提前结束搜索" in html


def test_a_zero_gap_tolerance_never_claims_an_early_end(db, world, app, one_too_many):
    app.config["MEDIATION_PLAN_GAP_TOLERANCE"] = 0.5  # the explicit value below wins
    run = run_now(RunRequest(*one_too_many, time_limit=60), world.user, gap_tolerance=0.0)
    assert run.status == "succeeded", run.error
    assert run.stats["stopped_early"] != "gap" and run.stats["gap_tolerance"] == 0.0
    assert "ended early" not in " ".join(run_summary(run))


@pytest.mark.parametrize("value, ok", [("0", True), ("0.2", True), ("0.01", True),
                                       ("0.25", False), ("-0.1", False), ("half", False)])
def test_the_gap_tolerance_setting_is_checked(tmp_path, monkeypatch, value, ok):
    from mediation.config import ConfigError, load_config

    monkeypatch.setenv("MEDIATION_PLAN_GAP_TOLERANCE", value)
    if ok:
        assert load_config(tmp_path)["MEDIATION_PLAN_GAP_TOLERANCE"] == float(value)
    else:
        with pytest.raises(ConfigError, match="MEDIATION_PLAN_GAP_TOLERANCE"):
            load_config(tmp_path)


def test_the_default_gap_tolerance_is_half_a_percent(tmp_path, monkeypatch):
    from mediation.config import load_config

    monkeypatch.delenv("MEDIATION_PLAN_GAP_TOLERANCE", raising=False)
    assert load_config(tmp_path)["MEDIATION_PLAN_GAP_TOLERANCE"] == 0.005


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


@pytest.mark.parametrize("gap, early", [("0.2", True), ("0", False)])
def test_plan_run_command_takes_a_gap(db, world, runner, one_too_many, gap, early):
    first, last = (d.isoformat() for d in one_too_many)
    result = runner.invoke(args=["plan", "run", "--from", first, "--to", last,
                                 "--time-limit", "60", "--gap", gap])
    assert result.exit_code == 0, result.output
    run = db.session.scalar(sa.select(PlanRun))
    assert run.status == "succeeded" and run.stats["gap_tolerance"] == float(gap)
    assert (run.stats["stopped_early"] == "gap") is early
    assert ("ended early within 20.00% of the bound" in result.output) is early


def test_plan_run_command_refuses_a_gap_out_of_range(db, world, runner):
    result = runner.invoke(args=["plan", "run", "--from", HORIZON[0].isoformat(),
                                 "--to", HORIZON[1].isoformat(), "--gap", "0.5"])
    assert result.exit_code != 0 and "--gap" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanRun)) == 0

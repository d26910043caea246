"""The optimiser: valid plans on random scenarios, brute-force optimality on tiny ones, fixed
hearings, re-plans, progress and cancellation."""

from __future__ import annotations

import copy
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import generate
from scheduler import check_plan, plan_to_dict, scenario_from_dict, solve
from scheduler import solver as solver_module
from tests.oracle.spec_checker import check as oracle_check
from tests.scheduler.helpers import brute_force_optimum, random_scenario

FAST = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.integers(min_value=0, max_value=10**9))
def test_every_plan_passes_check(seed: int) -> None:
    data = random_scenario(seed, max_cases=8)
    scenario = scenario_from_dict(data)
    plan = solve(scenario, time_limit=2)
    assert check_plan(scenario, plan) == []
    assert oracle_check(data, plan_to_dict(plan)) == []
    stats = plan.stats
    assert stats["objective"] == sum(c.priority for c in scenario.cases
                                     if c.id in {h.case for h in plan.hearings})
    assert stats["bound"] >= stats["objective"]
    assert all(u.reasons and all(r.strip() for r in u.reasons) for u in plan.unscheduled)


def _tiny(seed: int) -> dict:
    data = random_scenario(seed, max_cases=4)
    data["horizon"]["end"] = data["horizon"]["start"]  # one day keeps the brute force small
    for c in data["cases"]:
        c["due_by"] = max(c["due_by"], data["horizon"]["start"])
        c.pop("earliest", None)
    data["people"] = data["people"][:6]
    for c in data["centres"]:
        c["open_weekdays"] = [1]
    ids = {p["id"] for p in data["people"]}
    data["conflicts"] = [row for row in data["conflicts"] if row["person"] in ids]
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10**9))
def test_objective_equals_brute_force_optimum(seed: int) -> None:
    data = _tiny(seed)
    scenario = scenario_from_dict(data)
    plan = solve(scenario, time_limit=5)
    best = brute_force_optimum(data)
    assert plan.stats["objective"] == best
    assert plan.stats["bound"] >= best  # the bound is proved: never below the true optimum
    assert plan.stats["status"] == "OPTIMAL"


def test_generated_small_scenario_is_proved_optimal() -> None:
    data = generate("S", 3)
    scenario = scenario_from_dict(data)
    plan = solve(scenario, time_limit=10)
    assert check_plan(scenario, plan) == []
    assert oracle_check(data, plan_to_dict(plan)) == []
    assert plan.stats["status"] == "OPTIMAL"
    assert plan.stats["objective"] == plan.stats["bound"]


def test_large_neighbourhood_search_keeps_plans_valid(monkeypatch) -> None:
    # the day-indexed LP stage off: at 12 s it could take the time LNS needs (tested apart)
    monkeypatch.setattr(solver_module, "DAY_LP_COLUMNS", 0)
    kinds = []
    neighbourhood = solver_module._neighbourhood
    monkeypatch.setattr(solver_module, "_neighbourhood",
                        lambda *a: kinds.append(a[4]) or neighbourhood(*a))
    data = generate("M", 4, fixed=5)
    scenario = scenario_from_dict(data)
    plan = solve(scenario, time_limit=12)
    assert plan.stats["lns_steps"] > 0  # M is too big for the whole model: LNS ran
    # a county, the rivals of a waiting case twice, again the three, then a few days
    # (solver.LNS_KINDS)
    C, D, R = solver_module.COUNTY, solver_module.DAYS, solver_module.RIVALS
    assert kinds and kinds == [(C, R, R, C, R, R, D)[i % 7] for i in range(len(kinds))]
    assert check_plan(scenario, plan) == []
    assert oracle_check(data, plan_to_dict(plan)) == []
    assert plan.stats["bound"] >= plan.stats["objective"]


def test_fixed_hearings_are_kept_and_counted() -> None:
    data = generate("S", 5, fixed=6)
    scenario = scenario_from_dict(data)
    plan = solve(scenario, time_limit=4)
    assert check_plan(scenario, plan) == []
    assert oracle_check(data, plan_to_dict(plan)) == []
    by_case = {h.case: h for h in plan.hearings}
    for f in scenario.fixed:
        h = by_case[f.case]
        assert (h.date, h.session, h.room, h.panel, h.counsellor) == (
            f.date, f.session, f.room, f.panel, f.counsellor)


@pytest.fixture(scope="module")
def replan_case() -> tuple:
    """A solved S scenario, and the same scenario without the expert who sits on most hearings."""
    data = generate("S", 7)
    scenario = scenario_from_dict(data)
    first = solve(scenario, time_limit=10)
    busiest = max((p for h in first.hearings for p in h.panel),
                  key=lambda p: sum(p in h.panel for h in first.hearings))
    touched = {h.case for h in first.hearings if busiest in h.panel}
    changed = copy.deepcopy(data)
    changed["people"] = [p for p in changed["people"] if p["id"] != busiest]
    changed["conflicts"] = [c for c in changed["conflicts"] if c["person"] != busiest]
    return scenario, first, touched, scenario_from_dict(changed)


def _moved(first, again) -> set[str]:
    def key(h):  # what a coordinator sees as "the same hearing" (panel order carries nothing)
        return (h.date, h.session, h.room, frozenset(h.panel), h.counsellor)

    before = {h.case: key(h) for h in first.hearings}
    after = {h.case: key(h) for h in again.hearings}
    return {c for c in before if after.get(c) != before[c]}


def test_replan_minimal_change_plan_touches_only_the_removed_experts_hearings(replan_case) -> None:
    """Deterministic at any CPU speed: with the search stopped at once, the re-plan is the
    minimal-change plan (every still-valid hearing kept, the broken ones repaired in place or
    planned afresh)."""
    scenario, first, touched, rescenario = replan_case
    stop = threading.Event()
    stop.set()
    again = solve(rescenario, time_limit=10, previous_plan=first, stop=stop)
    assert check_plan(rescenario, again) == []
    assert _moved(first, again) <= touched
    replan = again.stats["replan"]
    assert replan["kept"] == len(first.hearings) - len(touched)
    assert replan["kept"] + replan["repaired"] + replan["replanned"] == len(first.hearings)
    assert replan["minimal_objective"] == again.stats["objective"]
    assert again.stats["objective"] >= first.stats["objective"] - sum(
        c.priority for c in scenario.cases if c.id in touched)


def test_replan_after_removing_an_expert_changes_only_what_it_must(replan_case) -> None:
    scenario, first, touched, rescenario = replan_case
    again = solve(rescenario, time_limit=10, previous_plan=first)
    assert check_plan(rescenario, again) == []
    moved = _moved(first, again)
    # only the expert's own hearings must change; anything more must have paid in priority:
    # the search replaces the minimal-change plan only by a strictly better objective, or an
    # equal one with no more changes
    extra = moved - touched
    minimal = again.stats["replan"]["minimal_objective"]
    assert again.stats["objective"] >= minimal >= first.stats["objective"] - sum(
        c.priority for c in scenario.cases if c.id in touched)
    if extra:
        assert again.stats["objective"] > minimal, (touched, extra)
    assert again.stats["secondary"]["changed_from_previous"] == len(moved)


def test_progress_is_reported_and_stop_returns_a_valid_plan() -> None:
    data = generate("M", 2)
    scenario = scenario_from_dict(data)
    seen: list[dict] = []
    stop = threading.Event()

    def on_progress(info: dict) -> None:
        seen.append(info)
        if info["scheduled"] > 0:
            stop.set()

    plan = solve(scenario, time_limit=60, on_progress=on_progress, stop=stop)
    assert seen and {"elapsed", "objective", "bound", "scheduled"} <= set(seen[0])
    assert plan.stats["solve_seconds"] < 30
    assert plan.stats["status"].endswith("(stopped)")
    assert check_plan(scenario, plan) == []
    assert plan.stats["bound"] >= plan.stats["objective"] > 0


def test_a_floor_on_priority_makes_the_model_infeasible_until_released() -> None:
    from scheduler.cpsat import SubModel
    from scheduler.greedy import Bookings, Problem
    from tests.scheduler.helpers import base

    problem = Problem(scenario_from_dict(base()))  # one case, priority 3
    sub = SubModel(problem, Bookings(problem, ()), ["A"])
    sub.primary_only()
    floor = sub.require_primary(4)
    assert sub.solve(5.0, 1).status == "INFEASIBLE"
    sub.release(floor)
    result = sub.solve(5.0, 1)
    assert result.status == "OPTIMAL" and result.objective == 3


def test_the_whole_model_asks_only_for_better_plans_and_none_proves_the_warm_start(
        monkeypatch) -> None:
    """Three cases that each need all three experts, two sessions: first-fit hears the two of
    highest priority, which is optimal, and no relaxation runs (the bound is the 10 of the cases
    feasible alone). The whole model, asked for more than 8, answers INFEASIBLE, which proves
    the plan (and the secondary aims still get their phase)."""
    from tests.scheduler.helpers import base, case

    statuses: list[str] = []

    class Recording(solver_module.SubModel):
        def solve(self, *args, **kwargs):
            result = super().solve(*args, **kwargs)
            statuses.append(result.status)
            return result

    for name in ("lp_bound", "lagrangian_bound"):
        monkeypatch.setattr(solver_module, name, lambda *a, **k: None)
    monkeypatch.setattr(solver_module, "_day_lp", lambda *a, **k: False)
    monkeypatch.setattr(solver_module, "SubModel", Recording)
    data = base(cases=[case("A", ["law", "land"]), case("B", ["labour"], priority=5),
                       case("C", ["labour"], priority=2)], days=1)
    scenario = scenario_from_dict(data)
    plan = solve(scenario, time_limit=10)
    assert statuses[0] == "INFEASIBLE" and len(statuses) == 2
    assert plan.stats["status"] == "OPTIMAL"
    assert plan.stats["objective"] == plan.stats["bound"] == 8
    assert check_plan(scenario, plan) == []

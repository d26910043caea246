"""Early stop at a gap tolerance, and cancelling: the best plan so far is always returned.

None of these depend on CPU speed: stops are triggered by counting stages, not by the clock.
"""

from __future__ import annotations

import threading

import pytest

from bench.generate import generate
from bench.hard import generate_hard
from scheduler import check_plan, plan_to_dict, scenario_from_dict, solve
from scheduler import solver as solver_module
from scheduler.cpsat import SubModel
from tests.oracle.spec_checker import check as oracle_check


def _valid(data: dict, plan) -> None:
    assert check_plan(scenario_from_dict(data), plan) == []
    assert oracle_check(data, plan_to_dict(plan)) == []


def test_gap_tolerance_ends_the_search_at_once_when_met(monkeypatch) -> None:
    # at once: no stage after the stop, not even the secondary aims' (it took 29.5 s of 600)
    secondary = []
    monkeypatch.setattr(SubModel, "secondary_with_primary",
                        lambda self, *a, **k: secondary.append(1))
    data = generate_hard("S", 1)
    # the first greedy plan is within 50 % of the cases-feasible-alone bound on this scenario
    plan = solve(scenario_from_dict(data), time_limit=600, gap_tolerance=0.5)
    st = plan.stats
    assert st["stopped_early"] == "gap"
    assert st["objective"] < st["bound"]
    assert (st["bound"] - st["objective"]) / st["bound"] <= 0.5
    assert st["lns_steps"] == 0 and st["status"] == "FEASIBLE"
    assert secondary == []
    _valid(data, plan)


def test_zero_tolerance_never_stops_for_the_gap() -> None:
    data = generate("S", 3)  # proved optimal quickly (docs/planner.md)
    plan = solve(scenario_from_dict(data), time_limit=60, gap_tolerance=0.0)
    assert plan.stats["stopped_early"] is None
    if plan.stats["status"] != "OPTIMAL":  # only on a very slow machine
        assert plan.stats["solve_seconds"] >= 50
    _valid(data, plan)


def test_stop_mid_lns_returns_a_plan_at_least_as_good_as_the_warm_start(monkeypatch) -> None:
    data = generate_hard("M", 1)
    stop = threading.Event()
    seen: dict[str, int] = {}
    lns = solver_module._lns

    def recording_lns(problem, run, *args, **kwargs):
        seen["warm_start"] = run.objective()
        return lns(problem, run, *args, **kwargs)

    class CountingSubModel(solver_module.SubModel):
        calls = 0

        def solve(self, *args, **kwargs):
            result = super().solve(*args, **kwargs)
            CountingSubModel.calls += 1
            if CountingSubModel.calls >= 3:
                stop.set()  # a cancel arriving between two neighbourhoods
            return result

    # straight to LNS: no bound stage, no extra greedy runs (they are not what is tested)
    monkeypatch.setattr(solver_module, "_day_lp", lambda *a, **k: False)
    monkeypatch.setattr(solver_module, "lp_bound", lambda *a, **k: None)
    monkeypatch.setattr(solver_module, "_warm_start", lambda *a, **k: None)
    monkeypatch.setattr(solver_module, "_lns", recording_lns)
    monkeypatch.setattr(solver_module, "SubModel", CountingSubModel)
    plan = solve(scenario_from_dict(data), time_limit=600, stop=stop, gap_tolerance=0.0)
    st = plan.stats
    assert CountingSubModel.calls == 3 and st["lns_steps"] == 3
    assert st["status"].endswith("(stopped)") and st["stopped_early"] == "stop"
    assert st["objective"] >= seen["warm_start"] > 0
    _valid(data, plan)


@pytest.mark.parametrize("gap", ["0.5", "0"])
def test_cli_gap_option(tmp_path, gap: str) -> None:
    from bench.generate import dumps
    from scheduler.cli import main

    scenario = tmp_path / "s.json"
    scenario.write_text(dumps(generate_hard("S", 1)), encoding="utf-8")
    out = tmp_path / "p.json"
    assert main(["solve", str(scenario), "--out", str(out), "--time-limit", "3", "--quiet",
                 "--gap", gap]) == 0
    from scheduler import load_plan

    st = load_plan(out).stats
    if gap == "0.5":
        assert st["stopped_early"] == "gap"
    else:
        assert st["stopped_early"] != "gap"

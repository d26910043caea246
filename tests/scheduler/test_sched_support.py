"""The whole model restricted to the day LP's support (`solver._solve_lp_support`,
`SubModel(allow=...)`): before the search at M, CP-SAT on every case at once, each allowed
only the days the LP hears it on and the people it seats with it there. Hard M, 30 s: 571.6 ->
580.8 on average (docs/planner.md, "The LP's support"). These tests check what it may and may
not change, not how much it gains."""

from __future__ import annotations

import time

from scheduler import scenario_from_dict
from scheduler.cpsat import SubModel
from scheduler.daylp import DayLP
from scheduler.greedy import Assignment, Bookings, Problem
from scheduler.solver import _Run, _solve_lp_support
from tests.scheduler.helpers import base, case, person


def _problem() -> Problem:
    people = [person(f"E{i}", ["law", "land"]) for i in range(1, 7)]
    cases = [case("A", ["law", "land"], priority=5), case("B", ["law", "land"], priority=3),
             case("C", ["law", "land"], priority=2)]
    return Problem(scenario_from_dict(base(cases=cases, people=people, days=3)))


def test_a_restricted_model_uses_only_the_days_and_people_it_allows() -> None:
    problem = _problem()
    allow = {"A": ({2}, {"E4", "E5", "E6"}), "B": ({1}, {"E1", "E2", "E3", "E4"})}
    result = SubModel(problem, Bookings(problem), ["A", "B"], allow=allow).solve(10.0, 2)
    assert result.status == "OPTIMAL" and set(result.assignments) == {"A", "B"}
    ns = problem.ix.n_sessions
    for cid, a in result.assignments.items():
        days, people = allow[cid]
        assert a.slot // ns in days and set(a.panel) <= people
    # nobody allowed covers the case: no hearing for it
    none = SubModel(problem, Bookings(problem), ["A"], allow={"A": ({0}, {"E1", "E2"})})
    assert none.solve(10.0, 2).assignments == {}


def test_the_lp_support_hears_what_the_lp_hears_and_keeps_the_day_and_people_of_the_rest() -> None:
    problem = _problem()
    ns = problem.ix.n_sessions
    run = _Run(problem, 30.0, None, None, time.monotonic(), 0.0)
    plan = Bookings(problem)
    # the plan so far hears C alone, on the first morning, with E1-E3
    plan.add(Assignment("C", 0, "C1", "R1", ("E1", "E2", "E3")))
    run.offer(plan)
    lp = DayLP(bound=10.0, days={"A": {2: 1.0}, "B": {1: 0.6, 2: 0.4}},
               people={("A", 2): {"E4": 1.0, "E5": 1.0, "E6": 1.0},
                       ("B", 1): {"E1": 0.6, "E2": 0.6, "E3": 0.6},
                       ("B", 2): {"E1": 0.4, "E2": 0.4, "E3": 0.4}})
    _solve_lp_support(problem, run, ["A", "B", "C"], lp, workers=2, seed=0)
    heard = run.best.by_case
    assert set(heard) == {"A", "B", "C"}
    assert heard["A"].slot // ns == 2 and set(heard["A"].panel) == {"E4", "E5", "E6"}
    assert heard["B"].slot // ns in (1, 2) and set(heard["B"].panel) == {"E1", "E2", "E3"}
    # no LP day for C: it may move only within its own day and people (the plan's hearing)
    assert heard["C"].slot // ns == 0 and set(heard["C"].panel) == {"E1", "E2", "E3"}


def test_the_lp_support_reports_its_progress_while_it_runs(monkeypatch) -> None:
    """At M it runs for about 11 s of 30: the coordinator's progress shows the plan growing
    (each CP-SAT solution better than the plan so far), not only when it ends."""
    problem = _problem()
    seen: list[dict] = []
    run = _Run(problem, 30.0, seen.append, None, time.monotonic(), 0.0)
    run.offer(Bookings(problem))
    seen.clear()
    monkeypatch.setattr(run, "accept", lambda bookings, ties=True: True)  # only the solve reports
    lp = DayLP(bound=10.0, days={"A": {2: 1.0}, "B": {1: 1.0}, "C": {0: 1.0}},
               people={(c, d): {"E1": 1.0, "E2": 1.0, "E3": 1.0}
                       for c, d in (("A", 2), ("B", 1), ("C", 0))})
    _solve_lp_support(problem, run, ["A", "B", "C"], lp, workers=2, seed=0)
    assert seen and seen[-1]["objective"] == 10 and seen[-1]["scheduled"] == 3
    assert all(p["objective"] > 0 for p in seen)


def test_the_lp_support_stops_at_the_gap_tolerance_like_every_stage(monkeypatch) -> None:
    """Its CP-SAT solve is told the least objective that ends the search (the bound less the
    gap tolerance; no fixed hearing outside it here) and stops there at once."""
    problem = _problem()
    run = _Run(problem, 60.0, None, None, time.monotonic(), 0.2)
    plan = Bookings(problem)
    plan.add(Assignment("C", 0, "C1", "R1", ("E1", "E2", "E3")))
    run.offer(plan)
    run.tighten(12, "test")  # the target: ceil(12 * 0.8) = 10
    asked = []
    real = SubModel.solve

    def solve(self, *args, **kwargs):
        asked.append((kwargs.get("target"), kwargs.get("grace")))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SubModel, "solve", solve)
    lp = DayLP(bound=12.0, days={"A": {2: 1.0}, "B": {1: 1.0}},
               people={("A", 2): {"E4": 1.0, "E5": 1.0, "E6": 1.0},
                       ("B", 1): {"E1": 1.0, "E2": 1.0, "E3": 1.0}})
    _solve_lp_support(problem, run, ["A", "B", "C"], lp, workers=2, seed=0)
    assert asked == [(10, 0.0)]
    assert run.objective() == 10 and run.done()  # within 20 % of 12

"""The fairness figure (stats["fairness"]): exact on a hand-made plan, consistent on a solved one."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from statistics import pstdev

from bench.generate import generate
from scheduler import scenario_from_dict, solve
from scheduler.fairness import URGENT_DAYS, fairness, is_urgent
from scheduler.index import ScenarioIndex
from scheduler.model import (
    Case,
    Centre,
    Conflict,
    Hearing,
    Person,
    Region,
    Room,
    Scenario,
    Session,
)

D = date(2027, 1, 4)


def _day(n: int) -> date:
    return D + timedelta(days=n)


def _case(cid: str, priority: int, due: int, accepted: int = 0, earliest: int | None = None,
          respondents: tuple[str, ...] = (), repeats: int = 0) -> Case:
    return Case(cid, cid, "land", "r", _day(accepted), _day(due), ("land",), False, 3, priority,
                repeat_count=repeats, respondents=respondents,
                earliest=_day(earliest) if earliest is not None else None)


def _expert(pid: str, max_hearings: int | None = None) -> Person:
    return Person(pid, pid, f"{pid}@x", ("expert",), ("land",), max_hearings=max_hearings)


def _counsellor(pid: str, max_hearings: int | None = None) -> Person:
    return Person(pid, pid, f"{pid}@x", ("counsellor",), max_hearings=max_hearings)


def _hand_made() -> tuple[Scenario, list[Hearing]]:
    people = (_expert("E1", max_hearings=2), _expert("E2"), _expert("E4"), _expert("E5"),
              _counsellor("K1", max_hearings=1), _counsellor("K2"))
    cases = (
        _case("A", 3, due=20, accepted=1, repeats=3),  # urgent by repeats; first day D+1
        _case("B", 3, due=4, earliest=2),              # urgent by deadline; first day D+2
        _case("C", 5, due=20, respondents=("Acme",)),  # not urgent: priority alone is not
        _case("D", 1, due=6),                          # urgent, left unscheduled
    )
    scenario = Scenario(
        "Asia/Shanghai", D, _day(20), (Session("am", "09:00", "12:00"),), 2,
        (Region("r", "R", None),), (Centre("C", "Centre", "r", (Room("R1", "Room", 10),)),),
        people, cases,
        conflicts=(Conflict("E2", "soft", "neighbour", case="C"),
                   Conflict("E4", "soft", "former employee", organisation="Acme"),
                   Conflict("E5", "hard", "relative", case="A")))
    hearings = [
        Hearing("A", _day(3), "am", "C", "R1", ("E1", "E2"), "E1", "K1"),
        Hearing("B", _day(2), "am", "C", "R1", ("E1", "E2"), "E1"),
        Hearing("C", _day(5), "am", "C", "R1", ("E2", "E4"), "E2"),
    ]
    return scenario, hearings


def test_fairness_of_a_hand_made_plan_is_exact() -> None:
    scenario, hearings = _hand_made()
    got = fairness(scenario, hearings)
    # experts: E1 2, E2 3, E4 1, E5 0
    assert got["experts"] == {
        "eligible": 4, "used": 3, "seats": 6, "max": 3, "min": 1,
        "mean_used": 2.0, "mean_all": 1.5, "spread": 2,
        "cv": round(pstdev([2, 3, 1]) / 2, 3),          # 0.408
        "cv_all": round(pstdev([2, 3, 1, 0]) / 1.5, 3),  # 0.745
        "at_max": 1,                                    # E1 (max 2)
    }
    assert got["experts"]["cv"] == 0.408 and got["experts"]["cv_all"] == 0.745
    # counsellors: K1 1 (max 1), K2 0
    assert got["counsellors"] == {
        "eligible": 2, "used": 1, "seats": 1, "max": 1, "min": 1,
        "mean_used": 1.0, "mean_all": 0.5, "spread": 0, "cv": 0.0, "cv_all": 1.0, "at_max": 1,
    }
    # urgent: A (3 repeats) 2 days after its first day, B on its first day; D unscheduled
    assert got["urgent"] == {"days": URGENT_DAYS, "repeats": 3, "cases": 3, "scheduled": 2,
                             "mean_delay_days": 1.0, "max_delay_days": 2, "at_first_day": 1}
    # E2 (case conflict) and E4 (organisation conflict) on C; E5's hard conflict is not counted
    assert got["soft_conflicts"] == 2
    json.dumps(got)  # JSON-serialisable as it is


def test_fairness_of_an_empty_plan_has_no_means() -> None:
    scenario, _hearings = _hand_made()
    got = fairness(scenario, [])
    assert got["experts"]["used"] == 0 and got["experts"]["max"] == 0
    assert got["experts"]["cv"] == 0.0 and got["experts"]["cv_all"] == 0.0
    assert got["urgent"]["scheduled"] == 0 and got["urgent"]["mean_delay_days"] is None
    assert got["soft_conflicts"] == 0


def test_solved_plan_reports_fairness_consistent_with_its_hearings() -> None:
    data = generate("S", 3)
    scenario = scenario_from_dict(data)
    plan = solve(scenario, time_limit=10, seed=0)
    stats = plan.stats
    got = stats["fairness"]
    assert json.loads(json.dumps(stats))["fairness"] == got
    ix = ScenarioIndex.of(scenario)
    seats = Counter(p for h in plan.hearings for p in h.panel)
    assert seats and got["experts"]["seats"] == sum(seats.values())
    assert got["experts"]["max"] == max(seats.values()) == stats["secondary"]["max_expert_load"]
    assert got["experts"]["min"] == min(seats.values())
    assert got["experts"]["used"] == len(seats) == stats["secondary"]["experts_used"]
    assert got["experts"]["eligible"] == len(ix.experts) >= len(seats)
    assert got["experts"]["mean_used"] == round(sum(seats.values()) / len(seats), 3)
    assert got["experts"]["spread"] == max(seats.values()) - min(seats.values())
    assert got["soft_conflicts"] == stats["secondary"]["soft_conflicts"]
    counsel = Counter(h.counsellor for h in plan.hearings if h.counsellor)
    assert got["counsellors"]["seats"] == sum(counsel.values())
    person = {p.id: p for p in scenario.people}
    # nobody exceeds their limit in a valid plan, so "at max" means exactly at it
    total = Counter(p for h in plan.hearings
                    for p in list(h.panel) + ([h.counsellor] if h.counsellor else []))
    assert got["experts"]["at_max"] == sum(
        1 for p in ix.experts if person[p].max_hearings is not None
        and total[p] == person[p].max_hearings)
    urgent = [h for h in plan.hearings if is_urgent(ix, h.case)]
    assert got["urgent"]["scheduled"] == len(urgent)
    delays = [(h.date - ix.window(ix.case[h.case])[0]).days for h in urgent]
    assert all(d >= 0 for d in delays)
    if delays:
        assert got["urgent"]["max_delay_days"] == max(delays)


def _urgent_sub(urgent_early: bool) -> tuple[int, int]:
    """Phase 2 of the whole model on one urgent case hinted on its last day: (day, priority)."""
    from scheduler.cpsat import SubModel
    from scheduler.greedy import Assignment, Bookings, Problem
    from tests.scheduler.helpers import base, case

    scenario = scenario_from_dict(base(cases=[case("A", ["law", "land"], repeat_count=3)], days=4))
    problem = Problem(scenario)
    sub = SubModel(problem, Bookings(problem, ()), ["A"])
    late = 3 * problem.ix.n_sessions  # the fourth morning
    sub.hint({"A": Assignment("A", late, "C1", "R1", ("E1", "E2", "E3"), None)})
    sub.secondary_with_primary(3, urgent_early=urgent_early)
    result = sub.solve(10.0, 1, seed=0)
    assert result.status == "OPTIMAL"
    return result.assignments["A"].slot // problem.ix.n_sessions, result.objective


def test_second_phase_hears_urgent_cases_first_without_losing_priority() -> None:
    assert _urgent_sub(urgent_early=True) == (0, 3)


def test_urgent_cases_move_to_their_earliest_free_day_and_priority_stays() -> None:
    """The pass after the search: the urgent case (3 repeats) heard on day 4 moves to day 1; the
    other (priority 5, due late: not urgent) stays; the same cases are heard; the plan is valid."""
    import time

    from scheduler import check_plan
    from scheduler.greedy import Assignment, Bookings, Problem
    from scheduler.solver import _plan, _Run, _urgent_earlier
    from tests.scheduler.helpers import base, case, person

    people = [person(f"E{i}", ["law", "land"]) for i in range(1, 7)]
    scenario = scenario_from_dict(base(cases=[case("A", ["law", "land"], repeat_count=3),
                                              case("B", ["law", "land"], priority=5)],
                                       people=people, days=4))
    problem = Problem(scenario)
    ns = problem.ix.n_sessions
    late = [Assignment("A", 3 * ns, "C1", "R1", ("E1", "E2", "E3")),
            Assignment("B", 3 * ns + 1, "C1", "R1", ("E4", "E5", "E6"))]
    run = _Run(problem, 10.0, None, None, time.monotonic())
    run.accept(Bookings(problem, late))
    assert _urgent_earlier(problem, run) == 1
    assert run.best.by_case["A"].slot // ns == 0
    assert run.best.by_case["B"].slot == 3 * ns + 1
    plan = _plan(problem, run, None, {})
    assert plan.stats["objective"] == 8 and check_plan(scenario, plan) == []
    assert plan.stats["fairness"]["urgent"]["max_delay_days"] == 0

"""Re-seating hearings with less scarce experts (`greedy.spare`), after each CP-SAT step.

CP-SAT's steps maximise priority and say nothing about who sits where, so a step often seats a
specialist where anyone free could sit. On a 30 s plan of hard M (578), re-seating its hearings
and refilling heard one more case (581): the specialists it freed were the ones a waiting case
needed (docs/planner.md, "Specialists spared")."""

from __future__ import annotations

import random

from scheduler import Plan, Unscheduled, check_plan, scenario_from_dict
from scheduler import greedy as greedy_module
from scheduler.explain import static_reasons
from scheduler.greedy import Assignment, Bookings, Problem, case_order, greedy, spare
from scheduler.solver import _fill, hearing_of
from tests.scheduler.helpers import base, case, person, random_scenario


def _violations(problem: Problem, bookings: Bookings) -> list:
    """What the checker finds wrong with the hearings (every case unheard is listed so)."""
    ix = problem.ix
    hearings = tuple(hearing_of(ix, a) for a in bookings.by_case.values())
    unheard = tuple(Unscheduled(c.id, ("not heard",)) for c in ix.scenario.cases
                    if c.id not in bookings.by_case)
    return check_plan(ix, Plan(hearings, unheard, {}))


def _specialist_on_a_law_case(away: tuple[str, ...] = ()) -> tuple[Problem, Bookings]:
    """M1 is the only medical expert and may sit one hearing; the plan seats M1 on the law case
    A, so the medical case B cannot be heard. `away`: law experts away that morning."""
    people = [person("M1", ["medical", "law"], max_hearings=1),
              *(person(f"L{i}", ["law"]) for i in range(1, 5))]
    for p in people:
        if p["id"] in away:
            p["unavailable"] = [{"date": "2026-12-07", "session": "am"}]
    problem = Problem(scenario_from_dict(base(
        cases=[case("A", ["law"], priority=2), case("B", ["medical"], priority=3)],
        people=people, days=1)))
    slot = problem.ix.slot(problem.ix.dates[0], "am")
    plan = Bookings(problem, [Assignment("A", slot, "C1", "R1", ("M1", "L1", "L2"))])
    return problem, plan


def test_a_specialist_in_a_seat_anyone_could_fill_is_replaced_and_the_case_needing_them_heard():
    problem, plan = _specialist_on_a_law_case()
    assert problem.scarcity("M1") > problem.scarcity("L3")
    _fill(problem, plan, ["A", "B"])
    assert set(plan.by_case) == {"A"}  # M1 has sat their one hearing: B cannot be heard

    spared = spare(plan, ["A"])

    assert spared == [Assignment("A", spared[0].slot, "C1", "R1", ("M1", "L1", "L2"))]
    a = plan.by_case["A"]
    assert "M1" not in a.panel and len(set(a.panel)) == 3
    assert (a.slot, a.room, a.counsellor) == (spared[0].slot, "R1", None)  # only people move
    _fill(problem, plan, ["A", "B"])
    assert set(plan.by_case) == {"A", "B"} and "M1" in plan.by_case["B"].panel
    assert _violations(problem, plan) == []


def test_nothing_moves_when_no_less_scarce_expert_is_free():
    problem, plan = _specialist_on_a_law_case(away=("L3", "L4"))  # A: M1, L1, L2 or nobody
    before = dict(plan.by_case)
    assert spare(plan, ["A"]) == []
    assert plan.by_case == before


def test_re_seated_plans_stay_valid_and_never_get_scarcer(monkeypatch) -> None:
    """Random small scenarios, each planned by a greedy blind to scarcity (as CP-SAT is)."""
    monkeypatch.setattr(greedy_module, "SCARCITY_WEIGHT", 0.0)
    moved = 0
    for seed in range(150):
        problem = Problem(scenario_from_dict(random_scenario(seed, max_cases=8)))
        candidates = [c for c in problem.free_cases if not static_reasons(problem, c)]
        order = [c for c in case_order(problem, random.Random(seed)) if c in set(candidates)]
        plan = greedy(problem, seed=seed, order=order)
        cases = dict(plan.by_case)
        scarcity = sum(problem.scarcity(q) for a in plan.by_case.values() for q in a.panel)

        spared = spare(plan, list(plan.by_case))

        moved += len(spared)
        assert set(plan.by_case) == set(cases)  # the same cases, each at its slot and room
        for cid, a in plan.by_case.items():
            was = cases[cid]
            assert (a.slot, a.centre, a.room, a.counsellor) == (was.slot, was.centre, was.room,
                                                                was.counsellor)
        changed = [cases[c] for c in sorted(cases) if plan.by_case[c] != cases[c]]
        assert sorted(spared, key=lambda a: a.case) == changed  # as they were before
        after = sum(problem.scarcity(q) for a in plan.by_case.values() for q in a.panel)
        assert after <= scarcity + 1e-9 and (after < scarcity - 1e-9) == bool(spared)
        assert _violations(problem, plan) == [], seed
        rebuilt = Bookings(problem, plan.by_case.values())  # the bookings were kept exactly
        assert rebuilt.person_total == +plan.person_total
        assert rebuilt.person_slot == plan.person_slot and rebuilt.room_slot == plan.room_slot
        assert rebuilt.day_full == plan.day_full and rebuilt.exhausted == plan.exhausted
    assert moved >= 8, moved  # the scenarios do give it something to move

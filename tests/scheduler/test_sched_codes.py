"""Rule functions one by one, and the structured results: every Violation and Reason has a Rule /
a known code, JSON-serialisable params, and its English text is exactly `messages.render`."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest

from bench.generate import generate
from scheduler import (
    PlanUsage,
    Reason,
    Rule,
    Violation,
    check_plan,
    hearing_violations,
    past_violations,
    plan_from_dict,
    plan_to_dict,
    render,
    room_violations,
    scenario_from_dict,
    solve,
)
from scheduler.explain import PEOPLE_LISTED, capacity_reasons
from scheduler.greedy import Problem, greedy
from scheduler.index import ScenarioIndex
from scheduler.messages import REASONS, VIOLATIONS
from scheduler.rules import (
    CASE_PERSON,
    availability_causes,
    available,
    barred,
    centre_closed_causes,
    centre_open,
    centre_region_causes,
    centre_serves,
    conflict_causes,
    day_allowed,
    excluded,
    load_limits,
    may_travel,
    role_causes,
    room_fits,
    room_size_causes,
    travel_causes,
    window,
    window_causes,
)
from tests.oracle.spec_checker import check as oracle_check
from tests.scheduler.helpers import base, case, person, random_scenario, sample_dict
from tests.scheduler.test_sched_rules import CRAFTED

MONDAY = dt.date(2026, 12, 7)


def _ix(sc: dict[str, Any]) -> ScenarioIndex:
    return ScenarioIndex.of(scenario_from_dict(sc))


# --- one test per rule function ----------------------------------------------------------------


def test_rules_1_and_3_roles() -> None:
    ix = _ix(base())
    assert role_causes(ix.person["E1"], "expert") == []
    assert [(r, c) for r, c, _ in role_causes(ix.person["K1"], "expert")] == [
        (Rule.PANEL, "panel.not_expert")]
    assert [(r, c) for r, c, _ in role_causes(ix.person["E1"], "counsellor")] == [
        (Rule.COUNSELLOR, "counsellor.not_counsellor")]


def test_rule_4_conflict_causes_and_the_barred_set_agree() -> None:
    sc = base(people=[person("E1", ["law"]), person("E2", ["land"], organisations=["company a "]),
                      person("E3", ["law"]), person("E4", ["law"]), person("E5", ["law"])])
    sc["cases"][0]["parties"] = [{"name": "P", "organisation": "Town Government"}]
    sc["conflicts"] = [
        {"person": "E1", "case": "A", "kind": "hard", "reason": "near relative"},
        {"person": "E1", "case": "A", "kind": "hard", "reason": "near relative"},  # duplicate
        {"person": "E3", "organisation": "Town Government", "kind": "hard", "reason": "employee"},
        {"person": "E4", "case": "A", "kind": "soft", "reason": "met once"}]
    ix = _ix(sc)
    a = ix.case["A"]
    causes = {p: conflict_causes(ix, a, ix.person[p]) for p in ix.person}
    assert causes["E1"] == [("conflict.hard_case", {"reason": "near relative"})]
    assert causes["E2"] == [("conflict.member", {"organisation": "Company A"})]
    assert causes["E3"] == [("conflict.hard_organisation",
                             {"organisation": "Town Government", "reason": "employee"})]
    assert causes["E4"] == causes["E5"] == []  # soft conflicts do not bar
    assert barred(ix, a) == excluded(ix, a) == {p for p, c in causes.items() if c}


def test_rule_5_availability() -> None:
    sc = base(people=[person("E1", ["law"], available_weekdays=[2, 3],
                             unavailable=[{"date": "2026-12-08", "session": "pm"},
                                          {"date": "2026-12-09"}])], days=3)
    ix = _ix(sc)
    e1 = ix.person["E1"]
    assert availability_causes(ix, e1, MONDAY, "am")[0][0] == "availability.not_working_day"
    assert availability_causes(ix, e1, MONDAY + dt.timedelta(1), "am") == []
    assert availability_causes(ix, e1, MONDAY + dt.timedelta(1), "pm") == [
        ("availability.unavailable", {"whole_day": False})]
    assert availability_causes(ix, e1, MONDAY + dt.timedelta(2), "am") == [
        ("availability.unavailable", {"whole_day": True})]
    assert [available(ix, e1, MONDAY + dt.timedelta(d), "am") for d in range(3)] == [
        False, True, False]


def test_rule_7_load_limits() -> None:
    ix = _ix(base(people=[person("E1", ["law"], max_hearings=4, max_per_day=1),
                          person("E2", ["law"])]))
    assert load_limits(ix.person["E1"]) == (1, 4)
    assert load_limits(ix.person["E2"]) == (None, None)


def test_rule_8_room_size_and_opening() -> None:
    sc = base(cases=[case("A", ["law"], attendees=5), case("B", ["law"], attendees=5,
                                                           needs_counsellor=True)])
    sc["centres"][0]["open_weekdays"] = [1, 2]
    sc["centres"][0]["closed_dates"] = ["2026-12-08"]
    sc["centres"][0]["open_dates"] = ["2026-12-08", "2026-12-09"]
    ix = _ix(sc)
    centre, room = ix.centre["C1"], ix.room["R1"]  # 8 seats
    assert room_size_causes(ix, ix.case["A"], room, centre) == []  # 5 + 3
    (code, values), = room_size_causes(ix, ix.case["B"], room, centre)  # 5 + 3 + 1
    assert code == "room.too_small" and values["seats"] == 9 and values["capacity"] == 8
    assert not room_fits(ix, ix.case["B"], room, centre)
    assert centre_closed_causes(ix, centre, MONDAY) == []
    assert centre_closed_causes(ix, centre, MONDAY + dt.timedelta(1))[0][0] == \
        "room.centre_closed"  # closed wins over open_dates
    assert centre_open(ix, centre, MONDAY + dt.timedelta(2))  # an open date on a closed weekday
    assert not centre_open(ix, centre, MONDAY + dt.timedelta(3))


def test_rule_9_place() -> None:
    sc = base(cases=[case("A", ["law"]), case("B", ["law"], region="c2")],
              people=[person("E1", ["law"], regions=["c2"]), person("E2", ["law"])])
    ix = _ix(sc)
    centre = ix.centre["C1"]  # county 1
    assert centre_region_causes(ix, ix.case["A"].region, centre) == []
    assert centre_region_causes(ix, "c2", centre)[0][0] == "travel.centre_region"
    assert not centre_serves(ix, ix.case["B"].region, centre)
    assert travel_causes(ix, ix.person["E1"], centre)[0][0] == "travel.person_region"
    assert may_travel(ix, ix.person["E2"], centre)


def test_rule_10_time_and_the_past() -> None:
    ix = _ix(base(cases=[case("A", ["law"], earliest="2026-12-08", due_by="2026-12-08")],
                  days=3))
    a = ix.case["A"]
    assert window(ix, a) == (dt.date(2026, 12, 8), dt.date(2026, 12, 8))
    assert window_causes(ix, a, MONDAY)[0][0] == "time.too_early"
    assert window_causes(ix, a, MONDAY + dt.timedelta(2))[0][0] == "time.too_late"
    assert day_allowed(ix, a, MONDAY + dt.timedelta(1))
    (v,) = past_violations("A", MONDAY, today=MONDAY + dt.timedelta(1))
    assert (v.rule, v.code, v.params) == (Rule.TIME, "time.in_past", {
        "case": "A", "date": "2026-12-07", "today": "2026-12-08"})
    assert v.message == "A: 2026-12-07 is in the past (today is 2026-12-08)"
    assert past_violations("A", MONDAY, today=MONDAY) == []


def test_violation_stays_compatible_with_plain_rule_numbers() -> None:
    v = Violation(10, "past", "A: yesterday", "A", date=MONDAY)  # how the app builds one
    assert v.rule is Rule.TIME and v.rule == 10 and v.params == {}
    assert str(v) == "rule 10 (time): A: yesterday"
    assert Rule(4).title == "conflict of interest"


# --- every code renders, params are JSON -------------------------------------------------------


def _random_plan(data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A plan breaking rules at random (bad dates, sessions, rooms, panels, people)."""
    people = [p["id"] for p in data["people"]]
    rooms = [(c["id"], r["id"]) for c in data["centres"] for r in c["rooms"]]
    start = dt.date.fromisoformat(data["horizon"]["start"])
    hearings = []
    for c in data["cases"]:
        centre, room = rng.choice(rooms)
        day = start + dt.timedelta(days=rng.randint(-1, 3))
        hearings.append({
            "case": c["id"], "date": day.isoformat(),
            "session": rng.choice(["am", "pm", "pm", "xx"]),
            "centre": centre if rng.random() < 0.9 else "nowhere", "room": room,
            "panel": rng.sample(people + ["ZZ"], min(len(people) + 1, rng.choice([2, 3, 3]))),
            "chair": rng.choice(people), "counsellor": rng.choice([None, *people])})
    ghost = {**hearings[0], "case": "ghost"}
    return {"format": "mediation-plan/1", "hearings": hearings[:-1] + hearings[:1] + [ghost],
            "unscheduled": [{"case": "nope", "reasons": [" "]},
                            {"case": hearings[0]["case"], "reasons": ["left out"]}],
            "stats": {}}


def _assert_structured(violations: list[Violation]) -> set[str]:
    for v in violations:
        assert isinstance(v.rule, Rule)
        assert v.code in VIOLATIONS, v.code
        assert render(v.code, v.params) == v.message
        assert json.loads(json.dumps(v.params)) == v.params
        assert str(v).startswith(f"rule {int(v.rule)} ")
    return {v.code for v in violations}


def _assert_reasons(plan) -> set[str]:
    for u in plan.unscheduled:
        assert u.details and len(u.details) == len(u.reasons)
        for reason, text in zip(u.details, u.reasons, strict=True):
            assert isinstance(reason, Reason) and reason.code in REASONS, reason.code
            assert render(reason.code, reason.params) == reason.text == text
            assert json.loads(json.dumps(reason.params)) == reason.params
    return {d.code for u in plan.unscheduled for d in u.details}


def test_every_code_on_crafted_random_and_sample_plans_renders() -> None:
    seen_v: set[str] = set()
    seen_r: set[str] = set()
    for make in CRAFTED.values():
        crafted = make()
        scenario = scenario_from_dict(crafted.scenario)
        seen_v |= _assert_structured(check_plan(scenario, plan_from_dict(crafted.bad_plan)))
        seen_r |= _assert_reasons(solve(scenario, time_limit=2))
    for seed in range(150):
        data = random_scenario(seed, max_cases=6)
        scenario = scenario_from_dict(data)
        plan = plan_from_dict(_random_plan(data, random.Random(seed)))
        seen_v |= _assert_structured(check_plan(scenario, plan))
        for h in plan.hearings:  # against the rest of the plan: bookings and loads
            seen_v |= _assert_structured(hearing_violations(scenario, h, PlanUsage(
                g for g in plan.hearings if g is not h)))
        seen_v |= _assert_structured(room_violations(scenario, data["cases"][0]["id"], "nope",
                                                     MONDAY, "am"))
        if seed < 40:
            seen_r |= _assert_reasons(solve(scenario, time_limit=1))
    sample = sample_dict()
    scenario = scenario_from_dict(sample)
    seen_v |= _assert_structured(check_plan(
        scenario, plan_from_dict(_random_plan(sample, random.Random(1)))))
    seen_r |= _assert_reasons(solve(scenario, time_limit=2))
    fixed = generate("S", 2, fixed=3)
    moved = plan_to_dict(solve(scenario_from_dict(fixed), time_limit=1))
    moved["hearings"][0]["session"] = "pm" if moved["hearings"][0]["session"] == "am" else "am"
    seen_v |= _assert_structured(check_plan(scenario_from_dict(fixed), plan_from_dict(moved)))
    seen_v |= _assert_structured(past_violations("A", MONDAY, MONDAY + dt.timedelta(1)))
    assert seen_v == set(VIOLATIONS), sorted(set(VIOLATIONS) - seen_v)
    assert len(seen_r) >= 8, sorted(seen_r)


def test_generated_plan_reasons_are_structured_and_written_as_details() -> None:
    data = generate("S", 2, fixed=3)
    scenario = scenario_from_dict(data)
    plan = solve(scenario, time_limit=3)
    assert plan.unscheduled
    _assert_reasons(plan)
    written = plan_to_dict(plan)
    for entry, u in zip(written["unscheduled"], plan.unscheduled, strict=True):
        assert entry["reasons"] == list(u.reasons)
        assert entry["details"] == [{"code": d.code, "params": d.params} for d in u.details]
    assert oracle_check(data, json.loads(json.dumps(written))) == []
    again = plan_from_dict(json.loads(json.dumps(written)))
    assert again == plan and [u.details for u in again.unscheduled] == [
        u.details for u in plan.unscheduled]
    # a plan from elsewhere has no details, and none are written
    bare = plan_from_dict({**written, "unscheduled": [
        {"case": u["case"], "reasons": u["reasons"], "details": "junk"}
        for u in written["unscheduled"]]})
    assert all(u.details == () for u in bare.unscheduled)
    assert all("details" not in u for u in plan_to_dict(bare)["unscheduled"])


@pytest.mark.parametrize("code", sorted(VIOLATIONS))
def test_each_violation_code_belongs_to_a_rule_family(code: str) -> None:
    family = code.split(".")[0]
    assert family in {"panel", "expertise", "counsellor", "conflict", "availability",
                      "double_booking", "load", "room", "travel", "time", "pinned",
                      "accounted"}


def test_case_person_registry_has_a_set_form_for_each_rule() -> None:
    ix = _ix(sample_dict())
    for c in ix.scenario.cases:
        for _rule, cause, people in CASE_PERSON:
            assert people(ix, c) == {p.id for p in ix.scenario.people if cause(ix, c, p)}


def _reason_codes(sc: dict[str, Any]) -> dict[str, set[str]]:
    plan = solve(scenario_from_dict(sc), time_limit=2)
    _assert_reasons(plan)
    return {u.case: {d.code for d in u.details} for u in plan.unscheduled}


def test_reasons_for_cover_counsellor_time_and_rooms() -> None:
    areas = ["law", "land", "labour", "finance"]
    sc = base(cases=[case("A", areas)],
              people=[person(f"E{i}", [a]) for i, a in enumerate(areas)])
    assert _reason_codes(sc) == {"A": {"expertise.no_cover"}}
    sc = base(cases=[case("A", ["law"], needs_counsellor=True)],
              people=[person("E1", ["law"]), person("E2", ["law"]), person("E3", ["law"]),
                      person("K1", [], ["counsellor"], available_weekdays=[7])])
    assert _reason_codes(sc) == {"A": {"availability.no_counsellor_available"}}
    sc = base(cases=[case("A", ["law"], priority=5), case("B", ["land"], priority=1)],
              people=[person(f"E{i}", ["law"]) for i in range(3)]
              + [person(f"L{i}", ["land"]) for i in range(3)], days=1)
    sc["sessions"] = sc["sessions"][:1]
    assert _reason_codes(sc) == {"B": {"double_booking.rooms_taken"}}


def test_a_fully_booked_reason_lists_six_people_and_counts_the_rest() -> None:
    """Every eligible person with every case they held made an XL plan of 118 MB (127 KB for one
    case) and 7.4 s to write; a reason names six people at most, so it keeps those six (by code,
    with all their cases) and the number of the others."""
    problem = Problem(scenario_from_dict(generate("M", seed=1)))
    bookings = greedy(problem)
    found = [r for c in problem.free_cases if c not in bookings.by_case
             for r in capacity_reasons(problem, bookings, c)
             if r.code == "load.people_booked" and r.params["people_total"] > PEOPLE_LISTED]
    assert found
    for reason in found:
        people = reason.params["people"]
        assert len(people) == PEOPLE_LISTED == 6
        assert [q["person"] for q in people] == sorted(q["person"] for q in people)
        for q in people:
            assert q["cases"] == sorted(bookings.person_cases.get(q["person"], ()))
        more = reason.params["people_total"] - 6
        assert render(reason.code, reason.params).endswith(f" and {more} more")
        json.dumps(reason.params)

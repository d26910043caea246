"""Each hard rule: a scenario where only breaking it would schedule the case. The planner does
not break it, explains the case with that rule's resource, and check() (and the independent
oracle) flags a hand-made plan that does break it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from scheduler import (
    check_plan,
    hearing_violations,
    person_violations,
    plan_from_dict,
    plan_to_dict,
    room_violations,
    scenario_from_dict,
    solve,
)
from scheduler.index import ScenarioIndex
from tests.oracle.spec_checker import check as oracle_check
from tests.scheduler.helpers import base, case, person


def hearing(case_id: str = "A", date: str = "2026-12-07", session: str = "am",
            panel: tuple[str, ...] = ("E1", "E2", "E3"), counsellor: str | None = None,
            room: str = "R1", centre: str = "C1") -> dict[str, Any]:
    return {"case": case_id, "date": date, "session": session, "centre": centre, "room": room,
            "panel": list(panel), "chair": panel[0], "counsellor": counsellor}


def plan(*hearings: dict, unscheduled: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"format": "mediation-plan/1", "hearings": list(hearings),
            "unscheduled": [{"case": c, "reasons": ["left out"]} for c in unscheduled],
            "stats": {"objective": 0, "bound": 0, "status": "FEASIBLE", "solve_seconds": 0}}


@dataclass
class Crafted:
    rule: int
    scenario: dict[str, Any]
    case: str  # the case only a broken rule could schedule
    reason: str  # expected in its explanation
    bad_plan: dict[str, Any]  # a hand-made plan breaking the rule


def panel_rule() -> Crafted:
    sc = base(people=[person("E1", ["law", "land"]), person("E3", ["law"]),
                      person("K1", ["law"], ["counsellor"])])
    return Crafted(1, sc, "A", "only 2 conflict-free experts",
                   plan(hearing(panel=("E1", "E3", "K1"))))


def expertise_rule() -> Crafted:
    sc = base(cases=[case("A", ["law", "medical"])])
    return Crafted(2, sc, "A", "no expert in the roster has expertise in `medical`",
                   plan(hearing()))


def counsellor_rule() -> Crafted:
    # K1 is the only counsellor and also needed as the third expert: never both at once
    sc = base(cases=[case("A", ["law", "land"], needs_counsellor=True)],
              people=[person("E1", ["law", "land"]), person("E3", ["law"]),
                      person("K1", ["labour"], ["expert", "counsellor"])])
    return Crafted(3, sc, "A", "counsellor",
                   plan(hearing(panel=("E1", "E3", "K1"), counsellor="K1")))


def conflict_rule() -> Crafted:
    sc = base()
    sc["conflicts"] = [{"person": "E1", "case": "A", "kind": "hard", "reason": "near relative"},
                       {"person": "E1", "case": "A", "kind": "hard", "reason": "near relative"}]
    return Crafted(4, sc, "A", "no conflict-free expert in `land`", plan(hearing()))


def membership_rule() -> Crafted:
    sc = base()
    sc["people"][0]["organisations"] = ["company a "]  # same organisation, other spelling
    return Crafted(4, sc, "A", "belong to Company A", plan(hearing()))


def availability_rule() -> Crafted:
    sc = base()
    sc["people"][0]["unavailable"] = [{"date": "2026-12-07"}, {"date": "2026-12-08",
                                                               "session": "am"}]
    sc["people"][0]["available_weekdays"] = [1]  # Mondays only: the 8th is a Tuesday
    return Crafted(5, sc, "A", "no expert in `land`", plan(hearing()))


def double_booking_rule() -> Crafted:
    sc = base(cases=[case("A", ["law", "land"], priority=5), case("B", ["land"], priority=1)],
              days=1)
    sc["sessions"] = sc["sessions"][:1]
    sc["centres"][0]["rooms"].append({"id": "R2", "name": "Room 2", "capacity": 8})
    return Crafted(6, sc, "B", "E1", plan(hearing(), hearing("B", room="R2")))


def load_rule() -> Crafted:
    sc = base(cases=[case("A", ["law", "land"], priority=5), case("B", ["land"], priority=1)])
    sc["people"][0]["max_hearings"] = 1
    return Crafted(7, sc, "B", "E1 (max_hearings 1 reached: A)",
                   plan(hearing(), hearing("B", date="2026-12-08")))


def per_day_rule() -> Crafted:
    sc = base(cases=[case("A", ["law", "land"], priority=5), case("B", ["land"], priority=1)],
              days=1)
    sc["people"][0]["max_per_day"] = 1
    return Crafted(7, sc, "B", "E1", plan(hearing(), hearing("B", session="pm")))


def room_rule() -> Crafted:
    sc = base(cases=[case("A", ["law", "land"], attendees=10)])
    return Crafted(8, sc, "A", "smaller than 13 seats", plan(hearing()))


def closed_rule() -> Crafted:
    sc = base()
    sc["centres"][0]["open_weekdays"] = [1, 2]
    sc["centres"][0]["closed_dates"] = ["2026-12-07", "2026-12-08"]
    sc["centres"][0]["open_dates"] = ["2026-12-08"]  # a closed date wins
    return Crafted(8, sc, "A", "is open between", plan(hearing()))


def place_rule() -> Crafted:
    sc = base(cases=[case("A", ["law", "land"], region="c2")])
    return Crafted(9, sc, "A", "no mediation centre serves County 2", plan(hearing()))


def travel_rule() -> Crafted:
    sc = base()
    sc["people"][0]["regions"] = ["c2"]
    return Crafted(9, sc, "A", "do not travel", plan(hearing()))


def time_rule() -> Crafted:
    sc = base(cases=[case("A", ["law", "land"], earliest="2026-12-09")])
    return Crafted(10, sc, "A", "window is empty", plan(hearing()))


def pinned_rule() -> Crafted:
    sc = base(cases=[case("A", ["law", "land"], priority=1), case("B", ["land"], priority=5)],
              days=1)
    sc["sessions"] = sc["sessions"][:1]
    sc["fixed"] = [{"case": "A", "date": "2026-12-07", "session": "am", "room": "R1",
                    "panel": ["E1", "E2", "E3"], "counsellor": None}]
    sc["centres"][0]["rooms"].append({"id": "R2", "name": "Room 2", "capacity": 8})
    return Crafted(11, sc, "B", "E1", plan(hearing("B", panel=("E1", "E2", "E3")),
                                           unscheduled=("A",)))


CRAFTED: dict[str, Callable[[], Crafted]] = {
    f.__name__: f for f in (panel_rule, expertise_rule, counsellor_rule, conflict_rule,
                            membership_rule, availability_rule, double_booking_rule, load_rule,
                            per_day_rule, room_rule, closed_rule, place_rule, travel_rule,
                            time_rule, pinned_rule)
}


@pytest.mark.parametrize("name", CRAFTED)
def test_planner_never_breaks_the_rule(name: str) -> None:
    crafted = CRAFTED[name]()
    scenario = scenario_from_dict(crafted.scenario)
    result = solve(scenario, time_limit=5)
    assert check_plan(scenario, result) == []
    assert oracle_check(crafted.scenario, plan_to_dict(result)) == []
    left_out = {u.case: u.reasons for u in result.unscheduled}
    assert crafted.case in left_out
    assert any(crafted.reason in r for r in left_out[crafted.case]), left_out[crafted.case]
    assert result.stats["status"] == "OPTIMAL"


@pytest.mark.parametrize("name", CRAFTED)
def test_check_flags_a_plan_breaking_the_rule(name: str) -> None:
    crafted = CRAFTED[name]()
    scenario = scenario_from_dict(crafted.scenario)
    violations = check_plan(scenario, plan_from_dict(crafted.bad_plan))
    assert crafted.rule in {v.rule for v in violations}, [str(v) for v in violations]
    assert any(m.startswith(f"rule {crafted.rule}:")
               for m in oracle_check(crafted.scenario, crafted.bad_plan))


def test_accounting_rule_12() -> None:
    sc = base(cases=[case("A", ["law", "land"]), case("B", ["law"])])
    scenario = scenario_from_dict(sc)
    codes = {v.code for v in check_plan(scenario, plan_from_dict(plan(hearing())))}
    assert "accounted.unaccounted" in codes
    twice = plan(hearing(), hearing(date="2026-12-08"), unscheduled=("B",))
    codes = {v.code for v in check_plan(scenario, plan_from_dict(twice))}
    assert "accounted.duplicate" in codes
    silent = plan(hearing())
    silent["unscheduled"] = [{"case": "B", "reasons": [" "]}]
    assert {v.rule for v in check_plan(scenario, plan_from_dict(silent))} == {12}


def test_valid_hand_plan_has_no_violation() -> None:
    sc = base()
    assert check_plan(scenario_from_dict(sc), plan_from_dict(plan(hearing()))) == []


def test_app_questions_about_one_person_or_room() -> None:
    sc = base(cases=[case("A", ["law", "land"]), case("B", ["law"], attendees=10)])
    sc["conflicts"] = [{"person": "E2", "organisation": "Company A", "kind": "hard",
                        "reason": "former employee"}]
    scenario = scenario_from_dict(sc)
    ix = ScenarioIndex.of(scenario)
    current = plan_from_dict(plan(hearing("A", panel=("E1", "E3", "E2")), unscheduled=("B",)))
    # would putting E2 on this hearing break a rule? yes: conflict with a respondent
    day = dt.date(2026, 12, 7)
    found = person_violations(ix, "A", "E2", day, "am", plan=current)
    assert [v.code for v in found] == ["conflict.hard_organisation"] and "Company A" in found[0].message
    # K1 is no expert; E3 already sits on A at that time (moving A itself is not a clash)
    assert person_violations(ix, "A", "K1", day, "am")[0].rule == 1
    assert person_violations(ix, "A", "E3", day, "am", plan=current) == []
    clash = person_violations(ix, "B", "E3", day, "am", plan=current)
    assert [v.rule for v in clash] == [6] and clash[0].others == ("A",)
    # can I move B to room R1 on the 8th pm? no: too many people for the room
    assert [v.code for v in room_violations(ix, "B", "R1", dt.date(2026, 12, 8), "pm",
                                             plan=current)] == ["room.too_small"]
    assert room_violations(ix, "A", "R1", day, "am", plan=current) == []
    assert [v.code for v in room_violations(ix, "B", "R1", day, "am", plan=current)] == [
        "room.too_small", "double_booking.room"]
    whole = hearing_violations(ix, current.hearings[0], current)
    assert {v.rule for v in whole} == {4}


def test_capacity_loss_names_the_scarce_expert_and_who_holds_it() -> None:
    cases = [case(c, ["labour"], priority=p) for c, p in (("A", 5), ("B", 4), ("C", 1))]
    people = [person("E1", ["law"]), person("E2", ["labour"], max_hearings=2),
              person("E3", ["law"]), person("E4", ["land"])]
    sc = base(cases=cases, people=people)
    scenario = scenario_from_dict(sc)
    result = solve(scenario, time_limit=5)
    assert {h.case for h in result.hearings} == {"A", "B"}
    (left,) = result.unscheduled
    text = " ".join(left.reasons)
    assert left.case == "C"
    assert "E2 (max_hearings 2 reached: A, B)" in text
    assert "`labour` is oversubscribed: 3 cases need it" in text

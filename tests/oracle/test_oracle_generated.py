"""The oracle on realistic data: generated scenarios with pinned (valid) hearings, each broken
in one known way.  The broken rule must be among the violations reported."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.generate import generate
from tests.oracle.spec_checker import check


def valid_pair(seed: int, size: str = "S", k: int = 10) -> tuple[dict, dict]:
    sc = generate(size, seed, fixed=k)
    room_centre = {r["id"]: c["id"] for c in sc["centres"] for r in c["rooms"]}
    pinned = {f["case"] for f in sc["fixed"]}
    plan = {
        "format": "mediation-plan/1",
        "hearings": [
            {**f, "centre": room_centre[f["room"]], "chair": f["panel"][-1]} for f in sc["fixed"]
        ],
        "unscheduled": [
            {"case": c["id"], "reasons": ["not enough expert seats in its county"]}
            for c in sc["cases"]
            if c["id"] not in pinned
        ],
        "stats": {"objective": 0, "bound": 0, "status": "FEASIBLE", "solve_seconds": 0.0},
    }
    sc["fixed"] = []  # the plan is checked as a free plan; rule 11 is tested by hand elsewhere
    return sc, plan


def _people(sc: dict) -> dict[str, dict]:
    return {p["id"]: p for p in sc["people"]}


def _cases(sc: dict) -> dict[str, dict]:
    return {c["id"]: c for c in sc["cases"]}


def non_expert_on_panel(sc: dict, plan: dict) -> None:
    counsellor = next(p for p in sc["people"] if p["roles"] == ["counsellor"])
    plan["hearings"][0]["panel"][0] = counsellor["id"]


def drop_expertise(sc: dict, plan: dict) -> None:
    h = plan["hearings"][0]
    _cases(sc)[h["case"]]["required_expertise"].append("astronomy")


def counsellor_flipped(sc: dict, plan: dict) -> None:
    h = plan["hearings"][0]
    if h["counsellor"] is None:
        h["counsellor"] = next(p["id"] for p in sc["people"] if p["roles"] == ["counsellor"])
    else:
        h["counsellor"] = None


def hard_conflict(sc: dict, plan: dict) -> None:
    h = plan["hearings"][0]
    sc["conflicts"].append(
        {"person": h["panel"][1], "case": h["case"], "kind": "hard", "reason": "test"}
    )


def works_for_respondent(sc: dict, plan: dict) -> None:
    h = plan["hearings"][0]
    case = _cases(sc)[h["case"]]
    case["parties"].append({"name": "X", "organisation": "Test Org"})
    _people(sc)[h["panel"][2]]["organisations"].append("Test Org")


def day_off(sc: dict, plan: dict) -> None:
    h = plan["hearings"][0]
    _people(sc)[h["panel"][0]]["unavailable"].append({"date": h["date"]})


def double_booked(sc: dict, plan: dict) -> None:
    a, b = plan["hearings"][0], plan["hearings"][1]
    b.update(date=a["date"], session=a["session"], room=a["room"], centre=a["centre"])


def overloaded(sc: dict, plan: dict) -> None:
    h = plan["hearings"][0]
    _people(sc)[h["panel"][0]]["max_hearings"] = 0


def room_too_small(sc: dict, plan: dict) -> None:
    h = plan["hearings"][0]
    room = next(r for c in sc["centres"] for r in c["rooms"] if r["id"] == h["room"])
    _cases(sc)[h["case"]]["attendees"] = room["capacity"]


def centre_closed(sc: dict, plan: dict) -> None:
    h = plan["hearings"][0]
    centre = next(c for c in sc["centres"] if c["id"] == h["centre"])
    centre["closed_dates"].append(h["date"])


def wrong_place(sc: dict, plan: dict) -> None:
    h = plan["hearings"][0]
    _cases(sc)[h["case"]]["region"] = "elsewhere"
    sc["regions"].append({"id": "elsewhere", "name": "Elsewhere", "parent": None})


def too_late(sc: dict, plan: dict) -> None:
    h = plan["hearings"][0]
    due = dt.date.fromisoformat(h["date"]) - dt.timedelta(days=1)
    _cases(sc)[h["case"]]["due_by"] = due.isoformat()


def forgotten(sc: dict, plan: dict) -> None:
    plan["unscheduled"].pop()


MUTATIONS: dict[str, tuple[str, Callable[[dict, dict], None]]] = {
    "non-expert on panel": ("rule 1", non_expert_on_panel),
    "expertise not covered": ("rule 2", drop_expertise),
    "counsellor flipped": ("rule 3", counsellor_flipped),
    "hard conflict": ("rule 4", hard_conflict),
    "works for a party's organisation": ("rule 4", works_for_respondent),
    "day off": ("rule 5", day_off),
    "double booked": ("rule 6", double_booked),
    "overloaded": ("rule 7", overloaded),
    "room too small": ("rule 8", room_too_small),
    "centre closed": ("rule 8", centre_closed),
    "wrong place": ("rule 9", wrong_place),
    "too late": ("rule 10", too_late),
    "forgotten": ("rule 12", forgotten),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_valid_plan_passes(seed: int) -> None:
    sc, plan = valid_pair(seed)
    assert len(plan["hearings"]) >= 2
    assert check(sc, plan) == []


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), name=st.sampled_from(sorted(MUTATIONS)))
def test_each_mutation_is_caught(seed: int, name: str) -> None:
    rule, mutate = MUTATIONS[name]
    sc, plan = valid_pair(seed)
    sc, plan = copy.deepcopy(sc), copy.deepcopy(plan)
    mutate(sc, plan)
    errors = check(sc, plan)
    assert rule in {e.split(":")[0] for e in errors}, (name, errors)

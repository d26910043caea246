"""Tests of the scenario generator (bench/generate.py)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import SIZES, dumps, generate, main, summary
from tests.oracle.spec_checker import check

ROOT = Path(__file__).resolve().parents[2]


@cache
def scenario(size: str, seed: int = 0, fixed: int = 0) -> dict:
    return generate(size, seed, fixed)


def ancestors(sc: dict, region: str) -> set[str]:
    parent = {r["id"]: r["parent"] for r in sc["regions"]}
    out: set[str] = set()
    cur: str | None = region
    while cur is not None:
        assert cur not in out, f"cycle through {cur}"
        out.add(cur)
        cur = parent[cur]
    return out


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def fixed_only_plan(sc: dict) -> dict:
    """The plan that holds exactly the scenario's pinned hearings and nothing else."""
    room_centre = {r["id"]: c["id"] for c in sc["centres"] for r in c["rooms"]}
    hearings = [
        {**f, "centre": room_centre[f["room"]], "chair": f["panel"][0]} for f in sc["fixed"]
    ]
    pinned = {f["case"] for f in sc["fixed"]}
    return {
        "format": "mediation-plan/1",
        "hearings": hearings,
        "unscheduled": [
            {"case": c["id"], "reasons": ["left for the planner"]}
            for c in sc["cases"]
            if c["id"] not in pinned
        ],
        "stats": {"objective": 0, "bound": 0, "status": "FEASIBLE", "solve_seconds": 0.0},
    }


def assert_references_resolve(sc: dict) -> None:
    assert sc["format"] == "mediation-scenario/1"
    region_ids = [r["id"] for r in sc["regions"]]
    assert len(region_ids) == len(set(region_ids))
    assert [r["id"] for r in sc["regions"] if r["parent"] is None] == ["city"]
    for r in sc["regions"]:
        assert r["parent"] is None or r["parent"] in region_ids
        assert "city" in ancestors(sc, r["id"])
    sessions = {s["id"] for s in sc["sessions"]}
    h0, h1 = day(sc["horizon"]["start"]), day(sc["horizon"]["end"])

    centre_ids = [c["id"] for c in sc["centres"]]
    room_ids = [r["id"] for c in sc["centres"] for r in c["rooms"]]
    assert len(centre_ids) == len(set(centre_ids))
    assert len(room_ids) == len(set(room_ids))
    for c in sc["centres"]:
        assert c["region"] in region_ids
        assert c["rooms"]
        assert all(r["capacity"] > 0 for r in c["rooms"])
        assert set(c["open_weekdays"]) <= set(range(1, 8))
        for d in c["open_dates"] + c["closed_dates"]:
            assert h0 <= day(d) <= h1
        assert c["open_weekdays"] or c["open_dates"], f"{c['id']} never opens"

    people = {p["id"]: p for p in sc["people"]}
    assert len(people) == len(sc["people"])
    assert len({p["email"] for p in sc["people"]}) == len(people)
    for p in sc["people"]:
        assert p["roles"] and set(p["roles"]) <= {"expert", "counsellor"}
        assert p["expertise"]
        assert set(p.get("regions", [])) <= set(region_ids)
        assert p["max_hearings"] >= 1 and p["max_per_day"] in (1, 2)
        assert p["available_weekdays"] and set(p["available_weekdays"]) <= set(range(1, 8))
        for u in p["unavailable"]:
            assert h0 <= day(u["date"]) <= h1
            assert u.get("session", "am") in sessions

    cases = {c["id"]: c for c in sc["cases"]}
    assert len(cases) == len(sc["cases"])
    for c in sc["cases"]:
        assert c["region"] in region_ids
        assert day(c["accepted_on"]) <= day(c["due_by"])
        if "earliest" in c:
            assert day(c["accepted_on"]) <= day(c["earliest"]) <= day(c["due_by"])
        assert 1 <= len(c["required_expertise"]) <= 3
        assert 1 <= c["priority"] <= 5
        assert c["attendees"] >= 1 and c["repeat_count"] >= 0
        assert c["parties"] and all(p["name"] for p in c["parties"])

    organisations = {o for c in sc["cases"] for o in c["respondents"]}
    organisations |= {p["organisation"] for c in sc["cases"] for p in c["parties"]}
    for k in sc["conflicts"]:
        assert k["person"] in people
        assert k["kind"] in ("hard", "soft") and k["reason"]
        assert ("case" in k) != ("organisation" in k)
        if "case" in k:
            assert k["case"] in cases
        else:
            assert k["organisation"] in organisations
    for f in sc["fixed"]:
        assert f["case"] in cases and f["room"] in room_ids and f["session"] in sessions
        assert all(pid in people for pid in f["panel"])
        assert f["counsellor"] is None or f["counsellor"] in people


# ------------------------------------------------------------------ determinism


@pytest.mark.parametrize("size", ["S", "M"])
def test_same_size_and_seed_give_identical_json(size: str) -> None:
    assert dumps(generate(size, 7)) == dumps(generate(size, 7))
    assert dumps(generate(size, 7)) != dumps(generate(size, 8))


def test_cli_writes_byte_identical_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    cmd = [sys.executable, "-m", "bench.generate", "S", "--seed", "3", "--out"]
    subprocess.run([*cmd, str(a)], cwd=ROOT, check=True, capture_output=True)
    main(["S", "--seed", "3", "--out", str(b)])
    assert a.read_bytes() == b.read_bytes()
    assert json.loads(a.read_text(encoding="utf-8")) == generate("S", 3)


def test_unknown_size_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown size"):
        generate("XXL")


# ------------------------------------------------------------------ references and sizes


@pytest.mark.parametrize("size", ["S", "M", "L", "XL"])
def test_every_reference_resolves(size: str) -> None:
    assert_references_resolve(scenario(size))


@pytest.mark.parametrize(
    ("size", "cases", "experts", "towns", "days"),
    [("S", 40, 24, 6, 14), ("M", 400, 150, 20, 20), ("L", 2_500, 900, 80, 30)],
)
def test_sizes(size: str, cases: int, experts: int, towns: int, days: int) -> None:
    info = summary(scenario(size))
    assert info["cases"] == cases
    assert info["experts"] == experts
    assert info["towns"] == towns
    assert info["days"] == days
    assert info["villages"] > 0


def test_xl_size() -> None:
    info = summary(scenario("XL"))
    assert info["cases"] == 10_000 and info["experts"] == 3_000
    assert info["seat_ratio"] < 0.85


@pytest.mark.parametrize("size", ["S", "M", "L"])
def test_experts_are_scarce(size: str) -> None:
    sc = scenario(size)
    seats = sum(p["max_hearings"] for p in sc["people"] if "expert" in p["roles"]) / 3
    assert seats < len(sc["cases"])
    assert 0.70 <= seats / len(sc["cases"]) <= 0.85


@pytest.mark.parametrize("size", ["S", "M"])
def test_fixed_frame(size: str) -> None:
    sc = scenario(size)
    assert sc["timezone"] == "Asia/Shanghai"
    assert day(sc["horizon"]["start"]).isoweekday() == 1
    assert day(sc["horizon"]["start"]).year == 2027
    assert sc["sessions"] == [
        {"id": "am", "start": "09:00", "end": "12:00"},
        {"id": "pm", "start": "14:00", "end": "17:30"},
    ]
    assert sc["rules"] == {"panel_size": 3}
    assert sc["fixed"] == []


# ------------------------------------------------------------------ realism


@pytest.mark.parametrize("size", ["S", "M"])
def test_venues(size: str) -> None:
    sc = scenario(size)
    depth = {r["id"]: r["id"].count(".") for r in sc["regions"]}
    market = [c for c in sc["centres"] if not c["open_weekdays"]]
    assert market, "no market-day venue"
    for c in market:
        dates = [day(d) for d in c["open_dates"]]
        gaps = {(b - a).days for a, b in itertools.pairwise(dates)}
        assert gaps in ({3}, {5}, set())  # every 3rd or 5th day
    for c in sc["centres"]:
        halls = [r for r in c["rooms"] if r["id"].endswith("HALL")]
        if depth[c["region"]] == 1:  # county centre: several rooms and a hall
            assert len(c["rooms"]) >= 4 and len(halls) == 1
            assert 40 <= halls[0]["capacity"] <= 60
        if depth[c["region"]] >= 2:
            assert len(c["rooms"]) <= 2 and not halls
            assert all(r["capacity"] <= 16 for r in c["rooms"])


@pytest.mark.parametrize("size", ["S", "M", "L"])
def test_group_cases_fit_a_hall_that_serves_them(size: str) -> None:
    sc = scenario(size)
    groups = [c for c in sc["cases"] if c["attendees"] >= 20]
    assert groups
    for case in groups:
        above = ancestors(sc, case["region"])
        best = max(
            (r["capacity"] for c in sc["centres"] if c["region"] in above for r in c["rooms"]),
            default=0,
        )
        assert best >= case["attendees"] + 3 + 1, case["id"]
        assert 20 <= case["attendees"] <= 50


@pytest.mark.parametrize("size", ["M", "L"])
def test_people_and_cases_look_real(size: str) -> None:
    sc = scenario(size)
    people, cases = sc["people"], sc["cases"]
    counsellors = [p for p in people if "counsellor" in p["roles"]]
    assert 0.10 <= len(counsellors) / len(people) <= 0.15
    assert any(set(p["roles"]) == {"expert", "counsellor"} for p in people)
    experts = [p for p in people if "expert" in p["roles"]]
    assert any("regions" not in p for p in experts)  # some travel anywhere
    assert sum("regions" in p for p in experts) > len(experts) / 2
    assert Counter(len(p["expertise"]) for p in experts).keys() == {1, 2, 3}
    assert 0.3 <= sum(c["needs_counsellor"] for c in cases) / len(cases) <= 0.5
    priorities = Counter(c["priority"] for c in cases)
    assert set(priorities) == {1, 2, 3, 4, 5} and priorities[1] > priorities[5]
    assert any("earliest" in c for c in cases)
    h0 = day(sc["horizon"]["start"])
    tight = sum(5 <= (day(c["due_by"]) - h0).days <= 15 for c in cases)
    soon = sum(0 <= (day(c["due_by"]) - h0).days < 5 for c in cases)
    assert tight / len(cases) > 0.3 and soon > 0
    regions_depth = Counter(c["region"].count(".") for c in cases)
    assert (regions_depth[2] + regions_depth[3]) / len(cases) > 0.8  # mostly towns/villages
    # implicit conflicts: experts who work for a respondent organisation
    respondents = {o for c in cases for o in c["respondents"]}
    assert any(set(p["organisations"]) & respondents for p in experts)
    kinds = Counter((k["kind"], "case" in k) for k in sc["conflicts"])
    assert set(kinds) == {("hard", True), ("hard", False), ("soft", True), ("soft", False)}
    closed = [c for c in sc["centres"] if c["closed_dates"]]
    assert closed


# ------------------------------------------------------------------ pinned hearings


@pytest.mark.parametrize(("size", "k"), [("S", 8), ("M", 60)])
def test_fixed_hearings_obey_every_hard_rule(size: str, k: int) -> None:
    sc = scenario(size, 1, k)
    assert len(sc["fixed"]) == k
    assert_references_resolve(sc)
    assert check(sc, fixed_only_plan(sc)) == []
    # and they really are pinned: dropping one breaks rule 11 (proves the plan was checked)
    plan = fixed_only_plan(sc)
    dropped = plan["hearings"].pop()
    plan["unscheduled"].append({"case": dropped["case"], "reasons": ["dropped"]})
    assert any(e.startswith("rule 11") for e in check(sc, plan))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**31 - 1), k=st.integers(0, 12))
def test_any_seed_gives_a_consistent_scenario(seed: int, k: int) -> None:
    sc = generate("S", seed, k)
    assert_references_resolve(sc)
    assert sum(p["max_hearings"] for p in sc["people"] if "expert" in p["roles"]) / 3 < 40
    assert check(sc, fixed_only_plan(sc)) == []


def test_sizes_table_is_ordered() -> None:
    cases = [spec.cases for spec in SIZES.values()]
    assert cases == sorted(cases) and list(SIZES) == ["S", "M", "L", "XL"]

"""Tests of the hard family (bench/hard.py): deterministic, has its traits, reads and plans."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest

from bench.baseline import baseline
from bench.generate import dumps, main
from bench.hard import HARD_SIZES, generate_hard, hard_summary, market_day
from scheduler import check_plan, plan_to_dict, scenario_from_dict
from tests.oracle.spec_checker import check


@cache
def hard(size: str, seed: int = 1) -> dict:
    return generate_hard(size, seed)


@pytest.mark.parametrize("size", ["S", "M"])
def test_same_size_and_seed_give_identical_json(size: str) -> None:
    assert dumps(generate_hard(size, 3)) == dumps(generate_hard(size, 3))
    assert dumps(generate_hard(size, 3)) != dumps(generate_hard(size, 4))


def test_cli_family_hard(tmp_path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["S", "--family", "hard", "--seed", "2", "--out", str(a)]) == 0
    assert main(["S", "--family", "hard", "--seed", "2", "--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes() == dumps(generate_hard("S", 2)).encode()
    with pytest.raises(SystemExit):
        main(["XL", "--family", "hard", "--out", str(a)])


def test_unknown_size_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown size"):
        generate_hard("XL")


@pytest.mark.parametrize("size", ["S", "M", "L"])
def test_scenarios_pass_the_reader(size: str) -> None:
    sc = scenario_from_dict(hard(size))
    assert len(sc.cases) == HARD_SIZES[size].cases


def test_market_days() -> None:
    days = [dt.date(2027, 3, d) for d in range(1, 32)]
    assert [d.day for d in days if market_day(d, False)] == [1, 4, 7, 11, 14, 17, 21, 24, 27]
    assert [d.day for d in days if market_day(d, True)] == [1, 6, 11, 16, 21, 26, 31]


@pytest.mark.parametrize("size", ["S", "M", "L"])
def test_traits(size: str) -> None:
    sc = hard(size)
    s = hard_summary(sc)
    n = s["cases"]
    spec = HARD_SIZES[size]
    # scarce specialists: a handful per area, each needed by many cases
    assert s["specialists"] == {a: spec.specialists for a in s["specialists"]}
    for area, k in s["specialists"].items():
        assert s["specialist_cases"][area] >= 1.5 * k, area
    # most experts know one area; town-only legal workers in every town
    assert s["one_area_experts"] >= 0.5 * s["experts"]
    assert s["town_only_experts"] >= 2 * spec.towns
    # market-day venues in most towns, only the county and city centres have halls
    assert s["market_venues"] >= 0.5 * spec.towns
    assert s["halls"] == spec.counties + 1
    # tight deadlines, late starts, group petitions, few counsellors, organisation conflicts
    assert s["due_within_10_days"] >= 0.4 * n
    assert s["with_earliest"] >= 0.05 * n
    assert 0.03 * n <= s["group_cases"] <= 0.2 * n
    assert s["counsellor_seats"] < 0.8 * s["needs_counsellor"]
    assert s["organisation_conflicts"] >= 0.05 * s["experts"]
    assert s["panel_seat_ratio"] < 1.0
    # group petitions fit a hall of a centre serving them; town legal workers are barred from
    # their own town's land cases
    halls = {c["region"]: max(r["capacity"] for r in c["rooms"]) for c in sc["centres"]}
    for case in sc["cases"]:
        if case["attendees"] >= 15:
            county = ".".join(case["region"].split(".")[:2])
            assert case["attendees"] + 4 <= max(halls[county], halls["city"])
    legal = {p["regions"][0]: p["organisations"][0] for p in sc["people"]
             if p.get("regions") and p["regions"][0].count(".") == 2}
    land = [c for c in sc["cases"] if c["category"] == "land_expropriation"
            and c["region"] in legal]
    assert land and all(legal[c["region"]] in c["respondents"] for c in land)


def test_first_fit_plan_is_valid_for_checker_and_oracle() -> None:
    data = hard("S")
    sc = scenario_from_dict(data)
    plan = baseline(sc)
    assert check_plan(sc, plan) == []
    assert check(data, plan_to_dict(plan)) == []


def test_bench_run_reports_the_hard_family_side_by_side(tmp_path) -> None:
    from bench.run import _table, run_size

    row = run_size("S", 1, 2.0, 1, tmp_path, "hard")
    assert row["family"] == "hard" and row["cases"] == HARD_SIZES["S"].cases
    assert row["valid"] and row["baseline_valid"] and row["oracle_problems"] == 0
    assert row["bound"] >= row["objective"] >= row["baseline"] > 0
    assert (tmp_path / "scenario-hard-S-1.json").read_text() == dumps(generate_hard("S", 1))
    table = _table([row])
    assert "| hard | S | 40 |" in table and "first-fit" in table
    # the share of the best known plan, the measure (hard S seed 1: best known 68)
    assert row["best_known"] >= 68 and f"| {row['objective'] / row['best_known']:.1%} |" in table


def _row(family: str, size: str, objective: int, bound: int, best: int | None) -> dict:
    return {"family": family, "size": size, "objective": objective, "bound": bound,
            "best_known": best, "seconds": 1.0}


def test_the_summary_says_in_how_many_runs_the_target_was_met() -> None:
    """One run says little about the next (CP-SAT with two workers is not deterministic): the
    summary of repeated runs gives the spread and counts the runs that met issue #16's target
    (hard M 99 % of the best known, hard L 98 %, generator M and L 99.5 %, S a proof)."""
    from bench.run import _summary

    rows = [_row("hard", "M", o, 609, 570) for o in (558, 565, 568)]  # 99 % of 570 is 564.3
    rows += [_row("hard", "S", 68, 68, 68), _row("hard", "S", 67, 68, 68)]
    rows += [_row("generator", "XL", 21203, 21648, None)]
    lines = _summary(rows).splitlines()
    assert lines[2] == ("| hard | M | 3 | 558 | 563.7 | 568 | 570 | 98.9% | 99.0% | 2 of 3 | "
                        "609 | 1.0 |")
    assert lines[3].startswith("| hard | S | 2 | 67 | 67.5 | 68 | 68 |")
    assert "| proved | 1 of 2 |" in lines[3]  # 67 of a bound of 68 is not a proof
    assert "| generator | XL | 1 | 21203 |" in lines[4] and "| - | - |" in lines[4]


def test_repeat_solves_each_row_with_each_cp_sat_seed(tmp_path, capsys) -> None:
    import json

    from bench.run import main

    out = tmp_path / "rows.json"
    assert main(["--sizes", "S", "--family", "hard", "--time-limit", "1.5", "--workers", "1",
                 "--repeat", "2", "--keep", str(tmp_path), "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [r["solver_seed"] for r in rows] == [0, 1]
    assert all(r["valid"] and r["oracle_problems"] == 0 for r in rows)
    assert (tmp_path / "plan-hard-S-1.json").exists()
    assert (tmp_path / "plan-hard-S-1-run1.json").exists()  # each run's plan is kept
    printed = capsys.readouterr().out
    assert "| runs | objective lowest |" in printed and "| hard | S | 2 |" in printed

"""Scenario builders for the planner tests: a hand-made base and a random small generator."""

from __future__ import annotations

import copy
import itertools
import json
import random
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "scenario-small.json"
AREAS = ("law", "land", "labour")


def sample_dict() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def person(pid: str, expertise: list[str], roles: list[str] | None = None, **extra: Any) -> dict:
    out = {"id": pid, "name": f"Person {pid}", "email": f"{pid.lower()}@example.org",
           "roles": roles or ["expert"], "expertise": expertise, "organisations": [],
           "unavailable": []}
    out.update(extra)
    return out


def case(cid: str, required: list[str], **extra: Any) -> dict:
    out = {"id": cid, "title": f"Case {cid}", "category": "land", "region": "c1.t1",
           "accepted_on": "2026-11-01", "due_by": "2026-12-31", "required_expertise": required,
           "needs_counsellor": False, "attendees": 2, "priority": 3, "repeat_count": 0,
           "parties": [{"name": "Petitioner", "organisation": None}], "respondents": ["Company A"]}
    out.update(extra)
    return out


def base(cases: list[dict] | None = None, people: list[dict] | None = None,
         days: int = 2) -> dict[str, Any]:
    """One county c1 with town c1.t1; a county centre (room 8 seats) open every day.

    By default three experts (law+land, labour, law) and one counsellor, all travelling anywhere,
    and one case needing law and land: the case fits on the first morning.
    """
    start = "2026-12-07"  # a Monday
    end = f"2026-12-{7 + days - 1:02d}"
    return {
        "format": "mediation-scenario/1", "timezone": "Asia/Shanghai",
        "horizon": {"start": start, "end": end},
        "sessions": [{"id": "am", "start": "09:00", "end": "12:00"},
                     {"id": "pm", "start": "14:00", "end": "17:30"}],
        "rules": {"panel_size": 3},
        "regions": [{"id": "city", "name": "City", "parent": None},
                    {"id": "c1", "name": "County 1", "parent": "city"},
                    {"id": "c1.t1", "name": "Town 1-1", "parent": "c1"},
                    {"id": "c2", "name": "County 2", "parent": "city"}],
        "centres": [{"id": "C1", "name": "County 1 centre", "region": "c1",
                     "open_weekdays": [1, 2, 3, 4, 5, 6, 7], "closed_dates": [], "open_dates": [],
                     "rooms": [{"id": "R1", "name": "Room 1", "capacity": 8}]}],
        "people": people if people is not None else [
            person("E1", ["law", "land"]), person("E2", ["labour"]), person("E3", ["law"]),
            person("K1", ["psychology"], ["counsellor"])],
        "cases": cases if cases is not None else [case("A", ["law", "land"])],
        "conflicts": [], "fixed": [],
    }


def random_scenario(seed: int, max_cases: int = 6) -> dict[str, Any]:
    """A small random scenario with every kind of rule in play (tight, often unschedulable)."""
    rng = random.Random(seed)
    days = rng.randint(1, 3)
    sc = base(cases=[], people=[], days=days)
    sc["regions"].append({"id": "c2.t1", "name": "Town 2-1", "parent": "c2"})
    regions = ["c1", "c1.t1", "c2", "c2.t1"]
    sc["centres"] = []
    for i in range(rng.randint(1, 3)):
        sc["centres"].append({
            "id": f"C{i}", "name": f"Centre {i}", "region": rng.choice(["city"] + regions),
            "open_weekdays": sorted(rng.sample(range(1, 8), rng.randint(3, 7))),
            "closed_dates": [], "open_dates": [],
            "rooms": [{"id": f"C{i}R{j}", "name": f"Room {j}", "capacity": rng.randint(4, 9)}
                      for j in range(rng.randint(1, 2))]})
    horizon = [f"2026-12-{7 + d:02d}" for d in range(days)]
    orgs = ["Company A", "Company B", "Town Government"]
    for i in range(rng.randint(3, 7)):
        roles = ["expert"] if rng.random() < 0.85 else ["expert", "counsellor"]
        extra: dict[str, Any] = {
            "max_hearings": rng.randint(1, 3), "max_per_day": rng.randint(1, 2),
            "unavailable": [{"date": rng.choice(horizon)} if rng.random() < 0.5 else
                            {"date": rng.choice(horizon), "session": rng.choice(["am", "pm"])}
                            for _ in range(rng.randint(0, 1))],
            "organisations": [rng.choice(orgs)] if rng.random() < 0.2 else []}
        if rng.random() < 0.4:
            extra["regions"] = rng.sample(regions + ["city"], rng.randint(1, 2))
        if rng.random() < 0.2:
            extra["available_weekdays"] = sorted(rng.sample(range(1, 8), 5))
        sc["people"].append(person(f"E{i}", rng.sample(AREAS, rng.randint(1, 2)), roles, **extra))
    for i in range(rng.randint(0, 2)):
        sc["people"].append(person(f"K{i}", ["psychology"], ["counsellor"],
                                   max_hearings=rng.randint(1, 3)))
    for i in range(rng.randint(1, max_cases)):
        first = rng.randint(0, days - 1)
        extra = {"region": rng.choice(regions), "attendees": rng.randint(0, 4),
                 "priority": rng.randint(1, 5), "needs_counsellor": rng.random() < 0.3,
                 "accepted_on": "2026-11-20",
                 "due_by": f"2026-12-{7 + rng.randint(first, days):02d}",
                 "respondents": [rng.choice(orgs)], "repeat_count": rng.randint(0, 3)}
        if rng.random() < 0.3:
            extra["earliest"] = f"2026-12-{7 + first:02d}"
        sc["cases"].append(case(f"K{i:02d}", rng.sample(AREAS, rng.randint(1, 2)), **extra))
    for _ in range(rng.randint(0, 3)):
        who = rng.choice(sc["people"])["id"]
        row = {"person": who, "kind": rng.choice(["hard", "soft"]), "reason": "declared"}
        if rng.random() < 0.6:
            row["case"] = rng.choice(sc["cases"])["id"]
        else:
            row["organisation"] = rng.choice(orgs)
        sc["conflicts"].append(row)
    return sc


def brute_force_optimum(sc: dict[str, Any]) -> int:
    """The best total priority by trying every combination of valid hearings (tiny scenarios).

    Candidate hearings are every (slot, room, panel, counsellor) that the independent oracle
    accepts on its own; combinations are then checked for double booking and loads here.
    """
    from tests.oracle.spec_checker import check as oracle_check

    people = {p["id"]: p for p in sc["people"]}
    experts = [p for p in people if "expert" in people[p]["roles"]]
    counsellors = [p for p in people if "counsellor" in people[p]["roles"]]
    rooms = [(c["id"], r["id"]) for c in sc["centres"] for r in c["rooms"]]
    start = sc["horizon"]["start"]
    days = [f"{start[:8]}{int(start[8:]) + d:02d}" for d in
            range(int(sc["horizon"]["end"][8:]) - int(start[8:]) + 1)]
    bare = copy.deepcopy(sc)
    bare["cases"] = []
    options: dict[str, list[dict]] = {}
    for c in sc["cases"]:
        found = []
        one = copy.deepcopy(bare)
        one["cases"] = [c]
        for day, session, (centre, room), panel in itertools.product(
                days, ["am", "pm"], rooms, itertools.combinations(experts, 3)):
            ks = [k for k in counsellors if k not in panel] if c["needs_counsellor"] else [None]
            for k in ks:
                h = {"case": c["id"], "date": day, "session": session, "centre": centre,
                     "room": room, "panel": list(panel), "chair": None, "counsellor": k}
                plan = {"format": "mediation-plan/1", "hearings": [h], "unscheduled": [],
                        "stats": {"objective": 0, "bound": 0, "status": "x",
                                  "solve_seconds": 0}}
                if not oracle_check(one, plan):
                    found.append(h)
        options[c["id"]] = found
    order = sorted(sc["cases"], key=lambda c: -c["priority"])
    best = 0

    def fits(h: dict, chosen: list[dict]) -> bool:
        who = set(h["panel"]) | ({h["counsellor"]} if h["counsellor"] else set())
        for pid in who:
            p = people[pid]
            mine = [g for g in chosen if pid in g["panel"] or pid == g["counsellor"]]
            if any(g["date"] == h["date"] and g["session"] == h["session"] for g in mine):
                return False
            if p.get("max_hearings") is not None and len(mine) + 1 > p["max_hearings"]:
                return False
            same_day = sum(1 for g in mine if g["date"] == h["date"])
            if p.get("max_per_day") is not None and same_day + 1 > p["max_per_day"]:
                return False
        return not any(g["room"] == h["room"] and g["date"] == h["date"]
                       and g["session"] == h["session"] for g in chosen)

    def search(i: int, chosen: list[dict], value: int) -> None:
        nonlocal best
        best = max(best, value)
        if i == len(order):
            return
        if value + sum(c["priority"] for c in order[i:]) <= best:
            return
        c = order[i]
        for h in options[c["id"]]:
            if fits(h, chosen):
                search(i + 1, chosen + [h], value + c["priority"])
        search(i + 1, chosen, value)

    search(0, [], 0)
    return best

"""Deterministic generator of realistic, hard scenarios in the exchange format.

    python -m bench.generate {S,M,L,XL} [--seed N] [--fixed K] --out FILE
    python -m bench.generate {S,M,L} --family hard [--seed N] --out FILE   (see bench/hard.py)

``generate(size, seed=0, fixed=0)`` returns the scenario as a dict
(``"format": "mediation-scenario/1"``); ``dumps(scenario)`` gives the canonical JSON text.  The
same size, seed and ``fixed`` always give byte-identical JSON: everything is drawn, in a fixed
order, from one ``random.Random`` seeded with the text ``"mediation-bench/{size}/{seed}"`` (stable
across runs and machines, independent of PYTHONHASHSEED), lists are sorted by id, no set order
reaches the output and no wall clock is read.

What makes the scenarios hard (see ``../shared/domain.md``):

* experts are the scarce resource: the panel seats (sum of the experts' ``max_hearings`` divided
  by the panel size) cover only 72-82 % of the cases, and counsellors cover about 90-105 % of the
  cases that need one (people who are both compete for one load);
* most experts only serve their own county; expertise is skewed (law is common, medical and
  environment are rare); many work for organisations that are also respondents (implicit
  conflicts), and there are declared hard and soft conflicts with cases and organisations;
* due dates are tight (many fall 5-15 days into the horizon, some in the first days, a few are
  already overdue), some cases have an ``earliest`` date, a few are group cases that only a
  county hall can hold;
* town venues are small, market-day venues open only every 3rd or 5th day, centres close on
  public holidays (Spring Festival) and on some local dates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "mediation-scenario/1"
HORIZON_START = dt.date(2027, 1, 18)  # a Monday
PANEL_SIZE = 3

# Hypothetical Spring Festival 2027 closure (Lunar New Year is 2027-02-06) and the Saturday
# worked in exchange; centres close on the former and weekday centres open on the latter.
PUBLIC_HOLIDAYS = [HORIZON_START + dt.timedelta(days=d) for d in range(19, 26)]  # Feb 6-12
SUBSTITUTED_WORKDAYS = [dt.date(2027, 2, 20)]


@dataclass(frozen=True)
class SizeSpec:
    cases: int
    counties: int
    towns: int
    horizon_days: int
    experts: int
    counsellor_only: int
    both_roles: int


SIZES: dict[str, SizeSpec] = {
    "S": SizeSpec(40, 2, 6, 14, 24, 3, 1),
    "M": SizeSpec(400, 4, 20, 20, 150, 16, 6),
    "L": SizeSpec(2_500, 8, 80, 30, 900, 100, 30),
    "XL": SizeSpec(10_000, 20, 240, 42, 3_000, 330, 100),
}

EXPERTISE_WEIGHTS = {
    "law": 24,
    "labour": 13,
    "land": 12,
    "housing": 10,
    "finance": 9,
    "social_security": 7,
    "administration": 7,
    "construction": 6,
    "medical": 5,
    "environment": 5,
    "family": 4,
}

# category: (weight, label, required areas, optional extra areas)
CATEGORIES: dict[str, tuple[int, str, list[str], list[str]]] = {
    "land_expropriation": (18, "Land expropriation compensation", ["land", "law"], ["finance"]),
    "unpaid_wages": (17, "Unpaid wages", ["labour"], ["law", "construction"]),
    "problem_real_estate": (9, "Problem real-estate project", ["housing", "finance"], ["law"]),
    "housing_demolition": (8, "Housing demolition and resettlement", ["housing", "law"], ["land"]),
    "social_security": (8, "Social security benefits", ["social_security"], ["labour", "law"]),
    "medical_dispute": (7, "Medical dispute", ["medical", "law"], []),
    "administrative_decision": (6, "Administrative decision", ["administration", "law"], []),
    "environmental_pollution": (5, "Environmental pollution", ["environment"], ["law"]),
    "construction_quality": (5, "Construction quality", ["construction"], ["housing", "finance"]),
    "rural_land_contract": (5, "Rural land contract", ["land"], ["law", "administration"]),
    "family_inheritance": (4, "Family and inheritance", ["family", "law"], []),
    "illegal_fundraising": (3, "Illegal fundraising", ["finance", "law"], []),
}
GROUP_PRONE = {"problem_real_estate", "unpaid_wages", "land_expropriation", "illegal_fundraising"}

# fmt: off
SURNAMES = [
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun",
    "Ma", "Zhu", "Hu", "Guo", "He", "Gao", "Lin", "Luo", "Zheng", "Liang", "Xie", "Song",
    "Tang", "Han", "Feng", "Deng", "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong", "Yuan", "Pan",
    "Jiang", "Cai", "Yu", "Du"
]
GIVEN = [
    "wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan",
    "jie", "tao", "ming", "chao", "xia", "hua", "ping", "gang", "hong", "guo", "jian", "hui",
    "xin", "yu", "lan", "bo", "feng", "ying", "dan", "hao", "kai", "ning", "rui", "qing",
    "shan", "ting", "wen", "xue"
]
PLACE_A = [
    "Ning", "Qing", "Hong", "Long", "Feng", "Ping", "Shi", "Yun", "He", "Jin", "Bai", "Song",
    "Xin", "Tai", "Da", "Xia", "Dong", "Nan", "Bei", "Gu", "Hua", "Lian", "Mei", "Fu", "An",
    "Chang", "Lu", "Yang", "Shui", "Tian"
]
PLACE_B = [
    "an", "shan", "he", "qiao", "tang", "ling", "kou", "ping", "ba", "xi", "zhuang", "gang",
    "wan", "tou", "yuan", "lin", "pu", "dian", "ji", "cheng", "feng", "quan", "sha", "tan", "ya"
]
# fmt: on
COMPANY_KINDS = (
    ("Construction Co., Ltd.", "construction"),
    ("Real Estate Development Co., Ltd.", "real_estate"),
    ("Garment Factory", "manufacturing"),
    ("Chemical Co., Ltd.", "chemical"),
    ("Investment Management Co., Ltd.", "finance"),
    ("Labour Services Co., Ltd.", "labour"),
    ("Engineering Group", "construction"),
    ("Mining Co., Ltd.", "chemical"),
)
COUNTY_BUREAUS = {
    "land": "Natural Resources Bureau",
    "housing": "Housing and Urban-Rural Development Bureau",
    "labour": "Human Resources and Social Security Bureau",
    "environment": "Ecology and Environment Bureau",
    "finance": "Finance Bureau",
    "administration": "Justice Bureau",
}
HARD_CASE_REASONS = [
    "near relative of a party",
    "handled this case at an earlier stage",
    "is a party to the dispute",
]
SOFT_CASE_REASONS = [
    "advised a party in the last 3 years",
    "lives in the same village as the petitioner",
]
HARD_ORG_REASONS = [
    "former employee (within 3 years)",
    "debt or business ties",
    "same supervising department",
]
SOFT_ORG_REASONS = ["often engaged by this organisation"]


def _iso(day: dt.date) -> str:
    return day.isoformat()


def assemble(name: str, start: dt.date, end: dt.date, regions: list[dict], centres: list[dict],
             people: list[dict], cases: list[dict], conflicts: dict) -> dict[str, Any]:
    """The scenario document, every list sorted by id (conflicts by their key), so that a seed
    always gives the same bytes. Shared by both families (bench/hard.py)."""
    return {
        "format": FORMAT,
        "name": name,
        "timezone": "Asia/Shanghai",
        "horizon": {"start": _iso(start), "end": _iso(end)},
        "sessions": [
            {"id": "am", "start": "09:00", "end": "12:00"},
            {"id": "pm", "start": "14:00", "end": "17:30"},
        ],
        "rules": {"panel_size": PANEL_SIZE},
        "regions": sorted(regions, key=lambda r: r["id"]),
        "centres": sorted(centres, key=lambda c: c["id"]),
        "people": sorted(people, key=lambda p: p["id"]),
        "cases": sorted(cases, key=lambda c: c["id"]),
        "conflicts": [conflicts[k] for k in sorted(conflicts)],
        "fixed": [],
    }


def _weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


def _sample_weighted(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    pool = dict(weights)
    out: list[str] = []
    while pool and len(out) < k:
        pick = _weighted(rng, pool)
        out.append(pick)
        del pool[pick]
    return out


def _adjust_total(rng: random.Random, values: list[int], target: int, lo: int, hi: int) -> None:
    """Nudge ``values`` one unit at a time (within [lo, hi]) until they sum to ``target``."""
    total = sum(values)
    guard = 0
    while total != target and guard < 1_000_000:
        guard += 1
        i = rng.randrange(len(values))
        if total < target and values[i] < hi:
            values[i] += 1
            total += 1
        elif total > target and values[i] > lo:
            values[i] -= 1
            total -= 1


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.places: set[str] = set()

    def person(self) -> str:
        given = self.rng.choice(GIVEN)
        if self.rng.random() < 0.6:
            given += self.rng.choice(GIVEN)
        return f"{self.rng.choice(SURNAMES)} {given.capitalize()}"

    def place(self) -> str:
        for _ in range(1000):
            name = self.rng.choice(PLACE_A) + self.rng.choice(PLACE_B)
            if name not in self.places:
                self.places.add(name)
                return name
        name = f"{self.rng.choice(PLACE_A)}{len(self.places)}"
        self.places.add(name)
        return name


def _split(rng: random.Random, total: int, parts: int, minimum: int) -> list[int]:
    counts = [total // parts] * parts
    for i in range(total % parts):
        counts[i] += 1
    for _ in range(parts * 2):
        a, b = rng.randrange(parts), rng.randrange(parts)
        if a != b and counts[a] > minimum + 1:
            counts[a] -= 1
            counts[b] += 1
    return counts


def generate(size: str, seed: int = 0, fixed: int = 0) -> dict:
    """Build a scenario of the given size (S, M, L or XL); deterministic in (size, seed, fixed)."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    spec = SIZES[size]
    rng = random.Random(f"mediation-bench/{size}/{seed}")
    names = _Names(rng)
    start = HORIZON_START
    days = [start + dt.timedelta(days=d) for d in range(spec.horizon_days)]
    end = days[-1]

    # ---------------------------------------------------------------- regions
    city_name = names.place()
    regions: list[dict] = [{"id": "city", "name": f"{city_name} City", "parent": None}]
    counties: list[dict] = []  # id, name, weight, towns[]
    towns: list[dict] = []  # id, name, county, villages[]
    for ci, n_towns in enumerate(_split(rng, spec.towns, spec.counties, 3)):
        cid = f"city.c{ci}"
        cname = names.place()
        regions.append({"id": cid, "name": f"{cname} County", "parent": "city"})
        county = {"id": cid, "name": cname, "weight": rng.uniform(0.6, 1.8), "towns": []}
        counties.append(county)
        for ti in range(n_towns):
            tid = f"{cid}.t{ti}"
            tname = names.place()
            regions.append({"id": tid, "name": f"{tname} Town", "parent": cid})
            town = {"id": tid, "name": tname, "county": county, "villages": []}
            n_villages = rng.choice([0, 0, 0, 1, 2, 3])
            for vi in range(n_villages):
                vid = f"{tid}.v{vi}"
                vname = names.place()
                regions.append({"id": vid, "name": f"{vname} Village", "parent": tid})
                town["villages"].append({"id": vid, "name": vname})
            county["towns"].append(town)
            towns.append(town)

    # ---------------------------------------------------------------- centres
    holidays = {_iso(d) for d in PUBLIC_HOLIDAYS if start <= d <= end}
    workdays = sorted(_iso(d) for d in SUBSTITUTED_WORKDAYS if start <= d <= end)

    def local_closures(p: float) -> list[str]:
        closed = set(holidays)
        if rng.random() < p:
            weekdays = [d for d in days if d.isoweekday() <= 5]
            closed.update(_iso(d) for d in rng.sample(weekdays, k=rng.choice([1, 1, 2])))
        return sorted(closed)

    def rooms_for(prefix: str, capacities: list[int], hall: int | None) -> list[dict]:
        rooms = [
            {"id": f"{prefix}-R{i}", "name": f"Room {i + 1}", "capacity": cap}
            for i, cap in enumerate(capacities)
        ]
        if hall is not None:
            rooms.append({"id": f"{prefix}-HALL", "name": "Hall", "capacity": hall})
        return rooms

    centres: list[dict] = []
    city_hall = rng.randrange(56, 61)
    centres.append(
        {
            "id": "city-centre",
            "name": f"{city_name} City Conflict and Dispute Mediation Centre",
            "region": "city",
            "open_weekdays": [1, 2, 3, 4, 5],
            "closed_dates": sorted(holidays),
            "open_dates": workdays,
            "rooms": rooms_for("city", [rng.randrange(10, 17) for _ in range(2)], city_hall),
        }
    )
    hall_of: dict[str, int] = {}
    for county in counties:
        hall = rng.randrange(40, 61)
        hall_of[county["id"]] = hall
        n_rooms = rng.randrange(3, 7)
        centres.append(
            {
                "id": f"{county['id']}-centre",
                "name": f"{county['name']} County Mediation Centre",
                "region": county["id"],
                "open_weekdays": [1, 2, 3, 4, 5, 6] if rng.random() < 0.2 else [1, 2, 3, 4, 5],
                "closed_dates": local_closures(0.25),
                "open_dates": workdays,
                "rooms": rooms_for(
                    county["id"], [rng.randrange(8, 17) for _ in range(n_rooms)], hall
                ),
            }
        )
    for town in towns:
        r = rng.random()
        market = r < 0.3
        weekday_centre = r >= 0.15
        if weekday_centre:
            centres.append(
                {
                    "id": f"{town['id']}-centre",
                    "name": f"{town['name']} Town Mediation Centre",
                    "region": town["id"],
                    "open_weekdays": [1, 2, 3, 4, 5] if rng.random() < 0.8 else [1, 3, 5],
                    "closed_dates": local_closures(0.15),
                    "open_dates": workdays,
                    "rooms": rooms_for(
                        town["id"],
                        [rng.randrange(6, 13) for _ in range(rng.choice([1, 1, 2]))],
                        None,
                    ),
                }
            )
        if market:
            step = rng.choice([3, 5])
            offset = rng.randrange(step)
            open_dates = [_iso(d) for d in days[offset::step] if _iso(d) not in holidays]
            centres.append(
                {
                    "id": f"{town['id']}-market",
                    "name": f"{town['name']} market-day reception point",
                    "region": town["id"],
                    "open_weekdays": [],
                    "closed_dates": [],
                    "open_dates": open_dates,
                    "rooms": rooms_for(f"{town['id']}-market", [rng.randrange(8, 16)], None),
                }
            )
        for village in town["villages"]:
            if rng.random() < 0.1:
                step = rng.choice([3, 5])
                offset = rng.randrange(step)
                centres.append(
                    {
                        "id": f"{village['id']}-station",
                        "name": f"{village['name']} Village service station",
                        "region": village["id"],
                        "open_weekdays": [],
                        "closed_dates": [],
                        "open_dates": [
                            _iso(d) for d in days[offset::step] if _iso(d) not in holidays
                        ],
                        "rooms": rooms_for(f"{village['id']}-station", [rng.randrange(6, 9)], None),
                    }
                )

    # ---------------------------------------------------------------- organisations
    companies: list[tuple[str, str, str]] = []  # (name, kind, county id)
    n_companies = max(8, spec.cases // 18)
    seen_companies: set[str] = set()
    while len(companies) < n_companies:
        kind_name, kind = rng.choice(COMPANY_KINDS)
        name = f"{rng.choice(PLACE_A)}{rng.choice(PLACE_B)} {kind_name}"
        if name in seen_companies:
            name = f"{rng.choice(PLACE_A)}{rng.choice(PLACE_B)}{len(companies)} {kind_name}"
        if name in seen_companies:
            continue
        seen_companies.add(name)
        companies.append((name, kind, rng.choice(counties)["id"]))
    # Zipf-like popularity: a few companies attract many complaints.
    company_weight = {c[0]: 1.0 / (i + 1) ** 0.8 for i, c in enumerate(companies)}
    hospitals = [f"{city_name} No.1 People's Hospital", f"{city_name} Central Hospital"]
    county_hospitals = {
        c["id"]: [f"{c['name']} County People's Hospital", f"{c['name']} County TCM Hospital"]
        for c in counties
    }
    law_firms = [
        f"{rng.choice(PLACE_A)}{rng.choice(PLACE_B)} Law Firm"
        for _ in range(max(3, spec.experts // 25))
    ]
    universities = [f"{city_name} University", f"{city_name} Vocational College"]

    def bureau(county: dict, area: str) -> str:
        return f"{county['name']} County {COUNTY_BUREAUS[area]}"

    def companies_of(kinds: set[str], county_id: str | None) -> str:
        pool = {
            n: w * (3.0 if cid == county_id else 1.0)
            for n, k, cid in companies
            if k in kinds
            for w in [company_weight[n]]
        }
        return _weighted(rng, pool or {n: company_weight[n] for n, _, _ in companies})

    # ---------------------------------------------------------------- people
    county_weight = {c["id"]: c["weight"] for c in counties}
    county_by_id = {c["id"]: c for c in counties}

    def home_regions() -> tuple[str | None, list[str] | None]:
        r = rng.random()
        home = _weighted(rng, county_weight)
        if r < 0.2:
            return home, None  # travels anywhere
        if r < 0.35 and len(counties) > 1:
            other = rng.choice([c["id"] for c in counties if c["id"] != home])
            return home, sorted([home, other])
        return home, [home]

    def weekdays() -> list[int]:
        r = rng.random()
        if r < 0.7:
            return [1, 2, 3, 4, 5]
        if r < 0.82:
            return [1, 2, 3, 4, 5, 6]
        if r < 0.92:
            full = [1, 2, 3, 4, 5]
            full.remove(rng.choice(full))
            return full
        return sorted(rng.sample([1, 2, 3, 4, 5], k=rng.choice([2, 3])))

    def unavailable() -> list[dict]:
        n = rng.choice([0, 0, 1, 1, 2, 3, 4, 6])
        n = round(n * spec.horizon_days / 20)
        whole: set[str] = set()
        parts: set[tuple[str, str]] = set()
        for _ in range(n):
            day = _iso(rng.choice(days))
            if rng.random() < 0.6:
                whole.add(day)
            else:
                parts.add((day, rng.choice(["am", "pm"])))
        entries = [{"date": d} for d in whole]
        entries += [{"date": d, "session": s} for d, s in parts if d not in whole]
        return sorted(entries, key=lambda e: (e["date"], e.get("session", "")))

    def expert_orgs(areas: list[str], home: str) -> list[str]:
        county = county_by_id[home]
        main = areas[0]
        r = rng.random()
        if main == "medical":
            org = rng.choice(county_hospitals[home] + hospitals) if r < 0.8 else universities[0]
        elif main in ("land", "housing", "environment", "administration", "finance") and r < 0.3:
            org = bureau(county, main)
        elif main in ("labour", "social_security") and r < 0.3:
            org = bureau(county, "labour")
        elif main in ("construction", "finance", "housing") and r < 0.55:
            kinds = {
                "construction": {"construction"},
                "finance": {"finance"},
                "housing": {"real_estate"},
            }[main]
            org = companies_of(kinds, home)
        elif main in ("law", "family") and r < 0.7:
            org = rng.choice(law_firms)
        else:
            org = rng.choice(universities + law_firms[:2])
        orgs = [org]
        if rng.random() < 0.1:
            extra = rng.choice(universities + law_firms)
            if extra != org:
                orgs.append(extra)
        return sorted(orgs)

    people: list[dict] = []
    expert_caps: list[int] = []
    target_seats = round(rng.uniform(0.72, 0.82) * spec.cases * PANEL_SIZE)
    mean_cap = target_seats / spec.experts
    for i in range(spec.experts):
        n_areas = rng.choices([1, 2, 3], weights=[35, 45, 20])[0]
        areas = _sample_weighted(rng, EXPERTISE_WEIGHTS, n_areas)
        home, regs = home_regions()
        person: dict[str, Any] = {
            "id": f"E{i:04d}",
            "name": names.person(),
            "email": f"e{i:04d}@experts.example.org",
            "roles": ["expert"],
            "expertise": sorted(areas),
            "organisations": expert_orgs(areas, home),
            "max_hearings": 0,
            "max_per_day": 1 if rng.random() < 0.55 else 2,
            "available_weekdays": weekdays(),
            "unavailable": unavailable(),
        }
        if regs is not None:
            person["regions"] = regs
        people.append(person)
        expert_caps.append(max(1, round(rng.gauss(mean_cap, mean_cap * 0.35))))
    _adjust_total(rng, expert_caps, target_seats, 1, max(2, round(mean_cap * 2.2)))
    for person, cap in zip(people, expert_caps, strict=True):
        person["max_hearings"] = cap
    # Some experts are also trained counsellors (their one load serves both roles).
    both = rng.sample(range(spec.experts), k=spec.both_roles)
    for i in sorted(both):
        people[i]["roles"] = ["counsellor", "expert"]

    counsellors: list[dict] = []
    for i in range(spec.counsellor_only):
        home, regs = home_regions()
        person = {
            "id": f"K{i:03d}",
            "name": names.person(),
            "email": f"k{i:03d}@counsellors.example.org",
            "roles": ["counsellor"],
            "expertise": ["psychology"],
            "organisations": sorted(
                [rng.choice([f"{city_name} Mental Health Centre", *universities])]
            ),
            "max_hearings": 0,
            "max_per_day": 2 if rng.random() < 0.6 else 1,
            "available_weekdays": weekdays(),
            "unavailable": unavailable(),
        }
        if regs is not None:
            person["regions"] = regs
        counsellors.append(person)
    people.extend(counsellors)

    # ---------------------------------------------------------------- cases
    cat_weights = {k: v[0] for k, v in CATEGORIES.items()}
    cases: list[dict] = []
    for n in range(spec.cases):
        category = _weighted(rng, cat_weights)
        _, label, base, extras = CATEGORIES[category]
        county = county_by_id[_weighted(rng, county_weight)]
        town = rng.choice(county["towns"])
        r = rng.random()
        if r < 0.02:
            region, place, village = "city", f"{city_name} City", None
        elif r < 0.07:
            region, place, village = county["id"], f"{county['name']} County", None
        elif r < 0.45 and town["villages"]:
            village = rng.choice(town["villages"])
            region, place = village["id"], f"{village['name']} Village"
        else:
            region, place, village = town["id"], f"{town['name']} Town", None

        required = list(base)
        if extras and rng.random() < 0.35:
            required.append(rng.choice(extras))
        if len(required) > 1 and rng.random() < 0.15:
            required.pop()
        required = sorted(set(required))[:3]

        repeat = rng.choices([0, 1, 2, 3, 4, 5, 7, 9, 12], weights=[45, 20, 15, 6, 4, 3, 3, 2, 2])[
            0
        ]
        group = rng.random() < (0.09 if category in GROUP_PRONE else 0.015)
        hall = city_hall if region == "city" else hall_of[county["id"]]
        if group:
            attendees = rng.randrange(20, min(50, hall - PANEL_SIZE - 1) + 1)
        else:
            attendees = rng.choices(range(1, 11), weights=[30, 25, 18, 12, 8, 5, 1, 1, 0.5, 0.5])[0]
        priority = rng.choices([1, 2, 3, 4, 5], weights=[40, 28, 18, 9, 5])[0]
        priority = min(5, priority + (repeat >= 3) + group)
        needs_counsellor = rng.random() < 0.32 + 0.06 * min(repeat, 4) + 0.15 * group

        r = rng.random()
        if r < 0.006:
            due = start - dt.timedelta(days=rng.randrange(1, 8))  # already overdue
        elif r < 0.15:
            due = start + dt.timedelta(days=rng.randrange(0, 5))
        elif r < 0.60:
            due = start + dt.timedelta(days=rng.randrange(5, 16))
        else:
            due = start + dt.timedelta(days=rng.randrange(16, spec.horizon_days + 21))
        limit = rng.choices([30, 60, 90], weights=[70, 25, 5])[0]
        accepted = due - dt.timedelta(days=limit)

        case: dict[str, Any] = {
            "id": f"CASE-{n:05d}",
            "title": f"{label}, {place}",
            "category": category,
            "region": region,
            "accepted_on": _iso(accepted),
            "due_by": _iso(due),
        }
        if rng.random() < 0.12:
            earliest = max(accepted + dt.timedelta(days=1), start) + dt.timedelta(
                days=rng.randrange(1, max(2, min(10, spec.horizon_days // 2)))
            )
            if earliest <= due:
                case["earliest"] = _iso(earliest)

        town_gov = f"{town['name']} Town Government"
        respondents: list[str]
        if category == "land_expropriation":
            respondents = [town_gov, bureau(county, "land")]
        elif category in ("unpaid_wages",):
            respondents = [companies_of({"construction", "manufacturing", "labour"}, county["id"])]
        elif category == "problem_real_estate":
            respondents = [companies_of({"real_estate"}, county["id"])]
            if rng.random() < 0.5:
                respondents.append(bureau(county, "housing"))
        elif category == "housing_demolition":
            respondents = [town_gov, bureau(county, "housing")]
        elif category == "medical_dispute":
            respondents = [rng.choice(county_hospitals[county["id"]] + hospitals)]
        elif category == "environmental_pollution":
            respondents = [companies_of({"chemical", "manufacturing"}, county["id"])]
            if rng.random() < 0.3:
                respondents.append(bureau(county, "environment"))
        elif category == "social_security":
            respondents = [bureau(county, "labour")]
        elif category == "construction_quality":
            respondents = [companies_of({"construction"}, county["id"])]
        elif category == "administrative_decision":
            respondents = [
                town_gov
                if rng.random() < 0.5
                else bureau(county, rng.choice(sorted(COUNTY_BUREAUS)))
            ]
        elif category == "rural_land_contract":
            respondents = [
                f"{village['name']} Village Committee" if village is not None else town_gov
            ]
        elif category == "illegal_fundraising":
            respondents = [companies_of({"finance"}, county["id"])]
        else:
            respondents = []

        n_parties = rng.randrange(2, 6) if group else rng.choices([1, 2], weights=[80, 20])[0]
        parties = []
        for _ in range(n_parties):
            org = None
            if rng.random() < 0.08:
                org = companies_of(
                    {"construction", "manufacturing", "labour", "finance"}, county["id"]
                )
                if org in respondents:
                    org = None
            parties.append({"name": names.person(), "organisation": org})
        case.update(
            {
                "required_expertise": required,
                "needs_counsellor": needs_counsellor,
                "attendees": attendees,
                "priority": priority,
                "repeat_count": repeat,
                "parties": parties,
                "respondents": sorted(set(respondents)),
            }
        )
        cases.append(case)

    # ---------------------------------------------------------------- conflicts
    experts_by_county: dict[str | None, list[dict]] = defaultdict(list)
    for person in people:
        for reg in person.get("regions") or [None]:
            experts_by_county[reg].append(person)
    conflicts: dict[tuple, dict] = {}
    for case in cases:
        if rng.random() >= 0.05:
            continue
        county_id = ".".join(case["region"].split(".")[:2])
        pool = experts_by_county.get(county_id) or experts_by_county[None]
        relevant = [p for p in pool if set(p["expertise"]) & set(case["required_expertise"])]
        for person in rng.sample(
            relevant or pool, k=min(len(relevant or pool), rng.choice([1, 2]))
        ):
            hard = rng.random() < 0.6
            reason = rng.choice(HARD_CASE_REASONS if hard else SOFT_CASE_REASONS)
            kind = "hard" if hard else "soft"
            conflicts[(person["id"], case["id"], "", kind)] = {
                "person": person["id"],
                "case": case["id"],
                "kind": kind,
                "reason": reason,
            }
    respondent_freq = Counter(r for case in cases for r in case["respondents"])
    respondent_pool = {r: float(n) for r, n in sorted(respondent_freq.items())}
    for person in people:
        if respondent_pool and rng.random() < 0.03:
            org = _weighted(rng, respondent_pool)
            hard = rng.random() < 0.5
            kind = "hard" if hard else "soft"
            conflicts[(person["id"], "", org, kind)] = {
                "person": person["id"],
                "organisation": org,
                "kind": kind,
                "reason": rng.choice(HARD_ORG_REASONS if hard else SOFT_ORG_REASONS),
            }

    # ---------------------------------------------------------------- counsellor loads
    demand = sum(1 for c in cases if c["needs_counsellor"])
    target = round(rng.uniform(0.9, 1.05) * demand)
    both_capacity = sum(people[i]["max_hearings"] for i in both) // 2
    caps = [rng.randrange(5, 15) for _ in counsellors]
    mean = max(1.0, (target - both_capacity) / max(1, len(counsellors)))
    _adjust_total(rng, caps, max(len(caps), target - both_capacity), 1, round(mean * 2) + 2)
    for person, cap in zip(counsellors, caps, strict=True):
        person["max_hearings"] = cap

    scenario = assemble(f"bench-{size}-seed{seed}", start, end, regions, centres, people, cases,
                        conflicts)
    if fixed:
        scenario["fixed"] = _pin(scenario, fixed, rng)
    return scenario


# -------------------------------------------------------------------- pinned hearings


def _pin(scenario: dict, k: int, rng: random.Random) -> list[dict]:
    """Choose up to ``k`` hearings that obey every hard rule together (rules 1-10)."""
    panel_size = scenario["rules"]["panel_size"]
    parent = {r["id"]: r["parent"] for r in scenario["regions"]}

    def above(region: str) -> set[str]:
        out: set[str] = set()
        cur: str | None = region
        while cur is not None:
            out.add(cur)
            cur = parent.get(cur)
        return out

    hard_case = {
        (c["person"], c["case"])
        for c in scenario["conflicts"]
        if c["kind"] == "hard" and "case" in c
    }
    hard_org: dict[str, set[str]] = defaultdict(set)
    for c in scenario["conflicts"]:
        if c["kind"] == "hard" and "organisation" in c:
            hard_org[c["person"]].add(c["organisation"])
    people = scenario["people"]
    load: Counter[str] = Counter()
    day_load: Counter[tuple[str, str]] = Counter()
    busy: set[tuple[str, str, str]] = set()
    room_busy: set[tuple[str, str, str]] = set()
    h_start = dt.date.fromisoformat(scenario["horizon"]["start"])
    h_end = dt.date.fromisoformat(scenario["horizon"]["end"])

    def is_open(centre: dict, day: dt.date) -> bool:
        iso = _iso(day)
        if iso in centre["closed_dates"]:
            return False
        return iso in centre["open_dates"] or day.isoweekday() in centre["open_weekdays"]

    def eligible(
        p: dict, case: dict, orgs: set[str], day: dt.date, session: str, region: str, role: str
    ) -> bool:
        iso = _iso(day)
        return (
            role in p["roles"]
            and day.isoweekday() in p.get("available_weekdays", range(1, 8))
            and not any(
                u["date"] == iso and u.get("session") in (None, session)
                for u in p.get("unavailable", [])
            )
            and ("regions" not in p or bool(set(p["regions"]) & above(region)))
            and (p["id"], case["id"]) not in hard_case
            and not hard_org[p["id"]] & orgs
            and not set(p["organisations"]) & orgs
            and load[p["id"]] < p.get("max_hearings", 10**9)
            and day_load[(p["id"], iso)] < p.get("max_per_day", 10**9)
            and (p["id"], iso, session) not in busy
        )

    fixed: list[dict] = []
    order = list(scenario["cases"])
    rng.shuffle(order)
    for case in order:
        if len(fixed) >= k:
            break
        orgs = set(case["respondents"]) | {
            p["organisation"] for p in case["parties"] if p["organisation"] is not None
        }
        low = max(
            [h_start, dt.date.fromisoformat(case["accepted_on"])]
            + ([dt.date.fromisoformat(case["earliest"])] if "earliest" in case else [])
        )
        high = min(h_end, dt.date.fromisoformat(case["due_by"]))
        serving = [c for c in scenario["centres"] if c["region"] in above(case["region"])]
        need = case["attendees"] + panel_size + (1 if case["needs_counsellor"] else 0)
        day = low
        found = None
        while day <= high and found is None:
            for session in ("am", "pm"):
                for centre in serving:
                    if found is not None or not is_open(centre, day):
                        continue
                    room = next(
                        (
                            r
                            for r in centre["rooms"]
                            if r["capacity"] >= need
                            and (r["id"], _iso(day), session) not in room_busy
                        ),
                        None,
                    )
                    if room is None:
                        continue
                    args = (case, orgs, day, session, centre["region"])
                    experts = [p for p in people if eligible(p, *args, "expert")]
                    panel: list[dict] = []
                    missing = set(case["required_expertise"])
                    while missing and len(panel) < panel_size:
                        best = max(
                            experts, key=lambda p: len(missing & set(p["expertise"])), default=None
                        )
                        if best is None or not missing & set(best["expertise"]):
                            break
                        panel.append(best)
                        experts.remove(best)
                        missing -= set(best["expertise"])
                    if missing:
                        continue
                    panel += experts[: panel_size - len(panel)]
                    if len(panel) < panel_size:
                        continue
                    counsellor = None
                    if case["needs_counsellor"]:
                        counsellor = next(
                            (
                                p
                                for p in people
                                if p not in panel and eligible(p, *args, "counsellor")
                            ),
                            None,
                        )
                        if counsellor is None:
                            continue
                    found = (session, room, panel, counsellor)
            if found is None:
                day += dt.timedelta(days=1)
        if found is None:
            continue
        session, room, panel, counsellor = found
        iso = _iso(day)
        for p in [*panel, *([counsellor] if counsellor else [])]:
            load[p["id"]] += 1
            day_load[(p["id"], iso)] += 1
            busy.add((p["id"], iso, session))
        room_busy.add((room["id"], iso, session))
        fixed.append(
            {
                "case": case["id"],
                "date": iso,
                "session": session,
                "room": room["id"],
                "panel": sorted(p["id"] for p in panel),
                "counsellor": counsellor["id"] if counsellor else None,
            }
        )
    return sorted(fixed, key=lambda f: f["case"])


# -------------------------------------------------------------------- output and CLI


def dumps(scenario: dict) -> str:
    """Canonical JSON text of a scenario (stable across runs)."""
    return json.dumps(scenario, indent=1, ensure_ascii=False) + "\n"


def summary(scenario: dict) -> dict[str, Any]:
    """Counts that describe a generated scenario (used by the CLI and the tests)."""
    experts = [p for p in scenario["people"] if "expert" in p["roles"]]
    counsellors = [p for p in scenario["people"] if "counsellor" in p["roles"]]
    region_depth = Counter(r["id"].count(".") for r in scenario["regions"])
    h0 = dt.date.fromisoformat(scenario["horizon"]["start"])
    h1 = dt.date.fromisoformat(scenario["horizon"]["end"])
    seats = sum(p.get("max_hearings", 0) for p in experts) / scenario["rules"]["panel_size"]
    return {
        "cases": len(scenario["cases"]),
        "people": len(scenario["people"]),
        "experts": len(experts),
        "counsellors": len(counsellors),
        "both_roles": sum(1 for p in experts if "counsellor" in p["roles"]),
        "counties": region_depth[1],
        "towns": region_depth[2],
        "villages": region_depth[3],
        "centres": len(scenario["centres"]),
        "market_venues": sum(1 for c in scenario["centres"] if not c["open_weekdays"]),
        "rooms": sum(len(c["rooms"]) for c in scenario["centres"]),
        "days": (h1 - h0).days + 1,
        "panel_seats": round(seats, 1),
        "seat_ratio": round(seats / max(1, len(scenario["cases"])), 3),
        "needs_counsellor": sum(1 for c in scenario["cases"] if c["needs_counsellor"]),
        "counsellor_capacity": sum(p.get("max_hearings", 0) for p in counsellors),
        "group_cases": sum(1 for c in scenario["cases"] if c["attendees"] >= 20),
        "conflicts": len(scenario["conflicts"]),
        "fixed": len(scenario["fixed"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("--family", choices=("generator", "hard"), default="generator",
                        help="generator (default) or the scarce rural 'hard' family")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--fixed", type=int, default=0, metavar="K", help="pin K hearings that obey every hard rule"
    )
    parser.add_argument("--out", required=True, help="output file ('-' for stdout)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    if args.family == "hard":
        from bench.hard import generate_hard, hard_summary

        if args.fixed:
            parser.error("--fixed is not supported with --family hard")
        if args.size == "XL":
            parser.error("the hard family has sizes S, M and L")
        scenario = generate_hard(args.size, args.seed)
    else:
        scenario = generate(args.size, args.seed, args.fixed)
    text = dumps(scenario)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
    info = summary(scenario)
    if args.family == "hard":
        info["hard"] = hard_summary(scenario)
    info["seconds"] = round(time.perf_counter() - t0, 2)
    print(json.dumps(info), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Self-tests of the spec oracle: for each hard rule, a plan that breaks exactly that rule.

They prove the oracle can fail: a correct plan gives no violation, and every mutation below is
reported under the rule it breaks (and only under that rule).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from tests.oracle.spec_checker import check

MONDAY = "2027-01-18"
TUESDAY = "2027-01-19"  # the county centre is closed (local holiday)
WEDNESDAY = "2027-01-20"  # market day at the town venue
SATURDAY = "2027-01-23"


def _person(pid: str, roles: list[str], expertise: list[str], **extra) -> dict:
    person = {
        "id": pid,
        "name": f"Person {pid}",
        "email": f"{pid.lower()}@example.org",
        "roles": roles,
        "expertise": expertise,
        "organisations": [f"Org of {pid}"],
        "max_hearings": 5,
        "max_per_day": 2,
        "available_weekdays": [1, 2, 3, 4, 5],
        "unavailable": [],
    }
    person.update(extra)
    return person


def scenario() -> dict:
    return {
        "format": "mediation-scenario/1",
        "timezone": "Asia/Shanghai",
        "horizon": {"start": MONDAY, "end": "2027-01-29"},
        "sessions": [
            {"id": "am", "start": "09:00", "end": "12:00"},
            {"id": "pm", "start": "14:00", "end": "17:30"},
        ],
        "rules": {"panel_size": 3},
        "regions": [
            {"id": "city", "name": "City", "parent": None},
            {"id": "city.c0", "name": "County 0", "parent": "city"},
            {"id": "city.c0.t0", "name": "Town 0", "parent": "city.c0"},
            {"id": "city.c0.t0.v0", "name": "Village 0", "parent": "city.c0.t0"},
            {"id": "city.c1", "name": "County 1", "parent": "city"},
        ],
        "centres": [
            {
                "id": "C0",
                "name": "County 0 centre",
                "region": "city.c0",
                "open_weekdays": [1, 2, 3, 4, 5],
                "closed_dates": [TUESDAY],
                "open_dates": [],
                "rooms": [
                    {"id": "C0-R0", "name": "Room", "capacity": 10},
                    {"id": "C0-R1", "name": "Room 2", "capacity": 10},
                    {"id": "C0-HALL", "name": "Hall", "capacity": 40},
                ],
            },
            {
                "id": "MKT",
                "name": "Town 0 market-day venue",
                "region": "city.c0.t0",
                "open_weekdays": [],
                "closed_dates": [],
                "open_dates": [WEDNESDAY],
                "rooms": [{"id": "MKT-R", "name": "Tent", "capacity": 8}],
            },
            {
                "id": "C1",
                "name": "County 1 centre",
                "region": "city.c1",
                "open_weekdays": [1, 2, 3, 4, 5],
                "closed_dates": [],
                "open_dates": [],
                "rooms": [{"id": "C1-R0", "name": "Room", "capacity": 10}],
            },
        ],
        "people": [
            _person("E1", ["expert"], ["law"], regions=["city.c0"]),
            _person("E2", ["expert"], ["land"], regions=["city"]),
            _person("E3", ["expert"], ["finance"]),  # no regions: travels anywhere
            _person("E4", ["expert"], ["law", "land"], regions=["city.c1"]),
            _person("E5", ["expert"], ["law", "finance"]),
            _person("E6", ["expert"], ["finance"]),
            _person("E7", ["expert"], ["land"], organisations=["Town 0 Government"]),
            _person("E8", ["expert"], ["land", "law"]),
            _person("K1", ["counsellor"], ["psychology"], regions=["city.c0"]),
            _person("K2", ["counsellor", "expert"], ["psychology", "law"]),
        ],
        "cases": [
            {
                "id": "A",
                "title": "Land expropriation compensation",
                "category": "land_expropriation",
                "region": "city.c0.t0",
                "accepted_on": "2026-12-20",
                "due_by": "2027-01-22",
                "required_expertise": ["land", "law"],
                "needs_counsellor": True,
                "attendees": 3,
                "priority": 3,
                "repeat_count": 2,
                "parties": [{"name": "Petitioner A", "organisation": "Acme Co."}],
                "respondents": ["Town 0 Government"],
            },
            {
                "id": "B",
                "title": "Illegal fundraising",
                "category": "illegal_fundraising",
                "region": "city.c0.t0.v0",
                "accepted_on": "2027-01-10",
                "due_by": "2027-02-10",
                "earliest": MONDAY,
                "required_expertise": ["finance"],
                "needs_counsellor": False,
                "attendees": 2,
                "priority": 1,
                "repeat_count": 0,
                "parties": [{"name": "Petitioner B", "organisation": None}],
                "respondents": [],
            },
            {
                "id": "Z",
                "title": "Environmental pollution",
                "category": "environmental_pollution",
                "region": "city.c1",
                "accepted_on": "2027-01-01",
                "due_by": "2027-01-31",
                "required_expertise": ["environment"],
                "needs_counsellor": False,
                "attendees": 1,
                "priority": 2,
                "repeat_count": 0,
                "parties": [{"name": "Petitioner Z", "organisation": None}],
                "respondents": ["Chem Co."],
            },
        ],
        "conflicts": [
            {"person": "E5", "case": "A", "kind": "soft", "reason": "same village"},
            {"person": "E3", "organisation": "Acme Co.", "kind": "soft", "reason": "advised"},
        ],
        "fixed": [],
    }


def plan() -> dict:
    return {
        "format": "mediation-plan/1",
        "hearings": [
            {
                "case": "A",
                "date": MONDAY,
                "session": "am",
                "centre": "C0",
                "room": "C0-R0",
                "panel": ["E1", "E2", "E3"],
                "chair": "E1",
                "counsellor": "K1",
            },
            {
                "case": "B",
                "date": MONDAY,
                "session": "pm",
                "centre": "C0",
                "room": "C0-R0",
                "panel": ["E1", "E2", "E3"],
                "chair": None,
                "counsellor": None,
            },
        ],
        "unscheduled": [{"case": "Z", "reasons": ["no expert with environment expertise"]}],
        "stats": {"objective": 4, "bound": 6, "status": "FEASIBLE", "solve_seconds": 0.1},
    }


def hearing(p: dict, case: str) -> dict:
    return next(h for h in p["hearings"] if h["case"] == case)


def person(s: dict, pid: str) -> dict:
    return next(p for p in s["people"] if p["id"] == pid)


def case_of(s: dict, cid: str) -> dict:
    return next(c for c in s["cases"] if c["id"] == cid)


def rules_of(errors: list[str]) -> set[str]:
    return {e.split(":")[0] for e in errors}


Mutation = Callable[[dict, dict], None]


def _set(target: str, case: str, **fields) -> Mutation:
    def mutate(s: dict, p: dict) -> None:
        if target == "hearing":
            hearing(p, case).update(fields)
        else:
            case_of(s, case).update(fields)

    return mutate


def _person_set(pid: str, **fields) -> Mutation:
    def mutate(s: dict, p: dict) -> None:
        person(s, pid).update(fields)

    return mutate


def _add_conflict(**conflict) -> Mutation:
    def mutate(s: dict, p: dict) -> None:
        s["conflicts"].append({"reason": "test", **conflict})

    return mutate


def _unscheduled(entries: list[dict]) -> Mutation:
    def mutate(s: dict, p: dict) -> None:
        p["unscheduled"] = entries

    return mutate


def _move_b_to_am(room: str, panel: list[str]) -> Mutation:
    def mutate(s: dict, p: dict) -> None:
        hearing(p, "B").update(session="am", room=room, centre="C0", panel=panel)

    return mutate


def _dup_a(s: dict, p: dict) -> None:
    extra = copy.deepcopy(hearing(p, "A"))
    extra.update(date="2027-01-21", session="pm")
    p["hearings"].append(extra)


def _pin_a(change: dict) -> Mutation:
    def mutate(s: dict, p: dict) -> None:
        pinned = {k: v for k, v in hearing(p, "A").items() if k not in ("centre", "chair")}
        s["fixed"] = [pinned]
        hearing(p, "A").update(change)

    return mutate


def _b_to_market(date: str) -> Mutation:
    def mutate(s: dict, p: dict) -> None:
        hearing(p, "B").update(centre="MKT", room="MKT-R", date=date, session="am")

    return mutate


def _b_on_saturday(s: dict, p: dict) -> None:
    for pid in ("E3", "E5", "E6"):
        person(s, pid)["available_weekdays"] = [1, 2, 3, 4, 5, 6]
    hearing(p, "B").update(date=SATURDAY, panel=["E3", "E5", "E6"])


def _reopen_closed_tuesday(s: dict, p: dict) -> None:
    centre = next(c for c in s["centres"] if c["id"] == "C0")
    centre["open_dates"] = [TUESDAY]  # closed_dates still wins (protective reading)
    hearing(p, "B").update(date=TUESDAY)


BREAKS: dict[str, tuple[str, Mutation]] = {
    # rule 1: panel
    "panel of two": ("rule 1", _set("hearing", "B", panel=["E1", "E3"])),
    "panel of four": ("rule 1", _set("hearing", "B", panel=["E1", "E2", "E3", "E6"])),
    "repeated member": ("rule 1", _set("hearing", "B", panel=["E3", "E3", "E6"])),
    "counsellor on panel": ("rule 1", _set("hearing", "B", panel=["E3", "E6", "K1"])),
    "chair off panel": ("rule 1", _set("hearing", "A", chair="E6")),
    # rule 2: expertise
    "expertise missing": ("rule 2", _set("hearing", "A", panel=["E1", "E3", "E6"])),
    "expertise raised": ("rule 2", _set("case", "B", required_expertise=["finance", "medical"])),
    # rule 3: counsellor
    "counsellor missing": ("rule 3", _set("hearing", "A", counsellor=None)),
    "counsellor unneeded": ("rule 3", _set("hearing", "B", counsellor="K1")),
    "counsellor without role": ("rule 3", _set("hearing", "A", counsellor="E6")),
    "counsellor also on panel": (
        "rule 3",
        _set("hearing", "A", panel=["E1", "E2", "K2"], counsellor="K2"),
    ),
    # rule 4: conflicts of interest
    "hard conflict with case": ("rule 4", _add_conflict(person="E2", case="A", kind="hard")),
    "counsellor hard conflict": ("rule 4", _add_conflict(person="K1", case="A", kind="hard")),
    "hard conflict with party org": (
        "rule 4",
        _add_conflict(person="E1", organisation="Acme Co.", kind="hard"),
    ),
    "hard conflict with respondent": (
        "rule 4",
        _add_conflict(person="E3", organisation=" town 0 GOVERNMENT", kind="hard"),
    ),
    "member of respondent": ("rule 4", _set("hearing", "A", panel=["E1", "E3", "E7"])),
    "member of party org": ("rule 4", _person_set("E3", organisations=["Acme Co."])),
    # rule 5: availability
    "weekday off": ("rule 5", _person_set("E1", available_weekdays=[2, 3, 4, 5])),
    "no weekday at all": ("rule 5", _person_set("E2", available_weekdays=[])),
    "session off": ("rule 5", _person_set("E3", unavailable=[{"date": MONDAY, "session": "am"}])),
    "counsellor day off": ("rule 5", _person_set("K1", unavailable=[{"date": MONDAY}])),
    "day off, null session": (
        "rule 5",
        _person_set("E2", unavailable=[{"date": MONDAY, "session": None}]),
    ),
    # rule 6: double booking
    "person double booked": ("rule 6", _move_b_to_am("C0-R1", ["E3", "E5", "E6"])),
    "room double booked": ("rule 6", _move_b_to_am("C0-R0", ["E5", "E6", "E8"])),
    # rule 7: load
    "max_hearings": ("rule 7", _person_set("E1", max_hearings=1)),
    "max_per_day": ("rule 7", _person_set("E2", max_per_day=1)),
    # rule 8: room and opening
    "room too small": ("rule 8", _set("case", "A", attendees=7)),
    "centre closed date": ("rule 8", _set("hearing", "B", date=TUESDAY)),
    "centre closed weekday": ("rule 8", _b_on_saturday),
    "market venue not on market day": ("rule 8", _b_to_market("2027-01-21")),
    "closed beats open_dates": ("rule 8", _reopen_closed_tuesday),
    # rule 9: place
    "centre outside case region": (
        "rule 9",
        _set("hearing", "B", centre="C1", room="C1-R0", panel=["E3", "E5", "E6"]),
    ),
    "expert outside region": ("rule 9", _set("hearing", "A", panel=["E1", "E4", "E3"])),
    "counsellor region too low": ("rule 9", _person_set("K1", regions=["city.c0.t0.v0"])),
    "person with no region": ("rule 9", _person_set("E1", regions=[])),
    # rule 10: time window
    "before horizon": ("rule 10", _set("hearing", "B", date="2027-01-15")),
    "after horizon": ("rule 10", _set("hearing", "B", date="2027-02-01")),
    "before accepted_on": ("rule 10", _set("case", "B", accepted_on="2027-01-19")),
    "before earliest": ("rule 10", _set("case", "B", earliest="2027-01-20")),
    "after due_by": ("rule 10", _set("case", "A", due_by="2027-01-17")),
    # rule 11: pinned
    "fixed moved room": ("rule 11", _pin_a({"room": "C0-R1"})),
    "fixed panel changed": ("rule 11", _pin_a({"panel": ["E1", "E3", "E8"]})),
    "fixed counsellor changed": ("rule 11", _pin_a({"counsellor": "K2"})),
    # rule 12: accounted
    "case forgotten": ("rule 12", _unscheduled([])),
    "no reason": ("rule 12", _unscheduled([{"case": "Z", "reasons": []}])),
    "blank reason": ("rule 12", _unscheduled([{"case": "Z", "reasons": ["  "]}])),
    "listed twice": ("rule 12", _unscheduled([{"case": "Z", "reasons": ["x"]}] * 2)),
    "scheduled and unscheduled": (
        "rule 12",
        _unscheduled([{"case": "Z", "reasons": ["x"]}, {"case": "A", "reasons": ["x"]}]),
    ),
    "unknown unscheduled case": (
        "rule 12",
        _unscheduled([{"case": "Z", "reasons": ["x"]}, {"case": "NOPE", "reasons": ["x"]}]),
    ),
}


def test_correct_plan_has_no_violation() -> None:
    assert check(scenario(), plan()) == []


def test_every_rule_has_a_breaking_case() -> None:
    assert {rule for rule, _ in BREAKS.values()} == {f"rule {n}" for n in range(1, 13)}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_oracle_reports_the_broken_rule(name: str) -> None:
    rule, mutate = BREAKS[name]
    s, p = scenario(), plan()
    mutate(s, p)
    errors = check(s, p)
    assert errors, f"{name}: oracle accepted a plan that breaks {rule}"
    assert rules_of(errors) == {rule}, errors


def test_case_scheduled_twice() -> None:
    # Scheduling A twice also overloads nobody and double-books nobody (different slot),
    # so only rule 12 is broken.
    s, p = scenario(), plan()
    _dup_a(s, p)
    errors = check(s, p)
    assert rules_of(errors) == {"rule 12"}, errors


@pytest.mark.parametrize(
    "mutate",
    [
        _b_to_market(WEDNESDAY),  # market venue on its market day; serves the village below
        _pin_a({"panel": ["E3", "E1", "E2"]}),  # panel order carries no meaning
        _pin_a({}),
        _set("hearing", "B", chair="E3"),
        _add_conflict(person="E2", case="A", kind="soft"),
        _person_set("E1", available_weekdays=None, regions=None, max_hearings=None),
        _person_set("E2", unavailable=[{"date": WEDNESDAY, "session": "am"}, {"date": TUESDAY}]),
        _set("case", "A", attendees=6),  # 6 + 3 + 1 = 10 = capacity
    ],
)
def test_lawful_variations_pass(mutate: Mutation) -> None:
    s, p = scenario(), plan()
    mutate(s, p)
    assert check(s, p) == []


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda p: p.update(format="mediation-plan/2"), "format"),
        (lambda p: p.pop("unscheduled"), "unscheduled"),
        (lambda p: p["stats"].pop("bound"), "stats.bound"),
        (lambda p: p.pop("stats"), "stats"),
        (lambda p: p["hearings"][0].update(centre="MKT"), "belongs to"),
        (lambda p: p["hearings"][0].pop("counsellor"), "lacks counsellor"),
        (lambda p: p["hearings"][0].update(room="NOPE"), "unknown room"),
        (lambda p: p["hearings"][0].update(session="eve"), "unknown session"),
        (lambda p: p["hearings"][0].update(date="2027-02-30"), "invalid date"),
        (lambda p: p["hearings"][1].update(panel=["E1", "E3", "X9"]), "unknown person"),
        (lambda p: p["hearings"][1].update(case="NOPE"), "unknown case"),
        (lambda p: p["hearings"][1].update(panel="E1 E2 E3"), "wrongly typed panel"),
        (lambda p: p["hearings"][1].update(panel=[["E1"], "E2", "E3"]), "wrongly typed panel"),
        (lambda p: p["hearings"][0].update(counsellor=["K1"]), "wrongly typed counsellor"),
        (lambda p: p["hearings"][0].update(case=["A"]), "wrongly typed case"),
        (lambda p: p["hearings"].append("A"), "not a JSON object"),
        (lambda p: p.update(hearings={"A": {}}), "'hearings' missing or not a list"),
        (lambda p: p["stats"].update(status=3), "stats.status"),
        (lambda p: p["stats"].update(objective="high"), "stats.objective"),
    ],
)
def test_shape_violations(mutate: Callable[[dict], None], fragment: str) -> None:
    p = plan()
    mutate(p)
    errors = check(scenario(), p)
    assert any(e.startswith("shape") and fragment in e for e in errors), errors


def test_fixed_hearing_dropped_is_reported() -> None:
    s, p = scenario(), plan()
    s["fixed"] = [{k: v for k, v in hearing(p, "A").items() if k not in ("centre", "chair")}]
    p["hearings"] = [h for h in p["hearings"] if h["case"] != "A"]
    p["unscheduled"].append({"case": "A", "reasons": ["dropped"]})
    assert rules_of(check(s, p)) == {"rule 11"}

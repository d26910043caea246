"""Independent oracle for plans in the exchange format (``mediation-plan/1``).

Written from /work/shared/exchange-format.md alone (hard rules 1-12), without looking at the
project's planner.  ``check(scenario, plan)`` returns a list of violation messages; an empty list
means the plan obeys every hard rule.  Every message starts with ``"rule N"`` (N = 1..12) or with
``"shape"`` (the plan document itself is malformed or refers to something that does not exist),
so tests can assert on the rule that was broken.

Readings chosen where the spec is ambiguous (always the one most protective of the rules):

* Shape: the plan must have ``format == "mediation-plan/1"``, lists ``hearings`` and
  ``unscheduled``, and a ``stats`` object with ``objective``, ``bound``, ``status`` and
  ``solve_seconds``.  Each hearing must carry ``case``, ``date``, ``session``, ``centre``,
  ``room``, ``panel`` and ``counsellor`` (``null`` allowed; the contract's example shows the key
  on every hearing); ``chair`` may be absent or ``null``.  References to unknown cases, sessions,
  centres, rooms or people are violations.  A hearing's ``centre`` must be the centre that owns
  its ``room``; a fixed hearing's centre is derived from its room the same way.
* Rule 1: panel members must be people of the scenario with role ``expert``; a chair that is
  given (not ``null``) must be one of the panel.
* Rule 3: a counsellor must be a person with role ``counsellor`` and not on the panel.
* Rule 4: the people at a hearing are the panel and the counsellor.  The case's organisations are
  its ``respondents`` plus every non-null party ``organisation``.  Organisation names are compared
  after trimming and case-folding.  A conflict entry that names both a ``case`` and an
  ``organisation`` applies when either matches.  Only ``hard`` conflicts make a plan invalid
  (``soft`` ones are allowed).
* Rule 5 applies to every person at the hearing (panel and counsellor).  An absent or ``null``
  ``available_weekdays`` means every day; a present list is taken literally (``[]`` = no day).
  An ``unavailable`` entry without a ``session`` (or with ``session: null``) is the whole day.
* Rule 7: a person's load counts every hearing where they sit on the panel or counsel.  Absent or
  ``null`` ``max_hearings`` / ``max_per_day`` means no limit.
* Rule 8: a ``null`` counsellor adds no seat.  A centre is open on a date listed in
  ``open_dates``, or on a weekday in ``open_weekdays``; a date in ``closed_dates`` is closed even
  when it is also listed in ``open_dates``.
* Rule 9: region containment is reflexive and follows the parent tree (a region contains itself
  and every region below it).  A person's ``regions`` that is absent or ``null`` means anywhere;
  a present list is taken literally (``[]`` = nowhere).
* Rule 10: ``earliest`` is ignored when absent or ``null``; dates must be valid ISO dates.
* Rule 11: every ``fixed`` entry must match exactly one hearing of its case with the same date,
  session, room (hence centre), panel (as a set of people: order carries no meaning) and
  counsellor (absent = ``null``); a ``chair`` given in a fixed entry must also be kept.
* Rule 12: every case of the scenario appears either once in ``hearings`` or once in
  ``unscheduled`` (never both, never twice), and each ``unscheduled`` entry has at least one
  non-empty string reason.  Hearings or unscheduled entries for unknown cases are violations.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

PLAN_FORMAT = "mediation-plan/1"
STATS_FIELDS = ("objective", "bound", "status", "solve_seconds")
HEARING_FIELDS = ("case", "date", "session", "centre", "room", "panel", "counsellor")


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _org(name: Any) -> str:
    return str(name).strip().casefold()


class _Scenario:
    """Index of the scenario for the look-ups the rules need."""

    def __init__(self, scenario: dict) -> None:
        self.panel_size = int(scenario.get("rules", {}).get("panel_size", 3))
        horizon = scenario.get("horizon", {})
        self.h_start = _date(horizon.get("start"))
        self.h_end = _date(horizon.get("end"))
        self.sessions = {s["id"] for s in scenario.get("sessions", [])}
        self.parent = {r["id"]: r.get("parent") for r in scenario.get("regions", [])}
        self.centres = {c["id"]: c for c in scenario.get("centres", [])}
        self.room_centre: dict[str, str] = {}
        self.rooms: dict[str, dict] = {}
        for centre in scenario.get("centres", []):
            for room in centre.get("rooms", []):
                self.rooms[room["id"]] = room
                self.room_centre[room["id"]] = centre["id"]
        self.people = {p["id"]: p for p in scenario.get("people", [])}
        self.cases = {c["id"]: c for c in scenario.get("cases", [])}
        self.case_conflicts: set[tuple[str, str]] = set()
        self.org_conflicts: dict[str, set[str]] = defaultdict(set)
        for conflict in scenario.get("conflicts", []):
            if conflict.get("kind") != "hard":
                continue
            if conflict.get("case") is not None:
                self.case_conflicts.add((conflict["person"], conflict["case"]))
            if conflict.get("organisation") is not None:
                self.org_conflicts[conflict["person"]].add(_org(conflict["organisation"]))
        self.fixed = list(scenario.get("fixed", []) or [])

    def ancestors(self, region: str) -> set[str]:
        """The region itself and every region above it."""
        seen: set[str] = set()
        current: str | None = region
        while current is not None and current not in seen:
            seen.add(current)
            current = self.parent.get(current)
        return seen

    def contains(self, outer: str, inner: str) -> bool:
        return outer in self.ancestors(inner)

    def case_orgs(self, case: dict) -> set[str]:
        orgs = {_org(r) for r in case.get("respondents", []) or [] if r is not None}
        for party in case.get("parties", []) or []:
            if party.get("organisation") is not None:
                orgs.add(_org(party["organisation"]))
        return orgs

    def centre_open(self, centre: dict, day: dt.date) -> bool:
        iso = day.isoformat()
        if iso in set(centre.get("closed_dates", []) or []):
            return False
        if iso in set(centre.get("open_dates", []) or []):
            return True
        return day.isoweekday() in set(centre.get("open_weekdays", []) or [])


def _check_shape(plan: Any) -> list[str]:
    errors: list[str] = []
    if not isinstance(plan, dict):
        return ["shape: plan is not a JSON object"]
    if plan.get("format") != PLAN_FORMAT:
        errors.append(f"shape: format is {plan.get('format')!r}, expected {PLAN_FORMAT!r}")
    for key in ("hearings", "unscheduled"):
        if not isinstance(plan.get(key), list):
            errors.append(f"shape: '{key}' missing or not a list")
    stats = plan.get("stats")
    if not isinstance(stats, dict):
        errors.append("shape: 'stats' missing or not an object")
    else:
        for key in STATS_FIELDS:
            if key not in stats:
                errors.append(f"shape: stats.{key} missing")
        if "status" in stats and not isinstance(stats["status"], str):
            errors.append("shape: stats.status is not a string")
        for key in ("objective", "bound", "solve_seconds"):
            value = stats.get(key)
            if key in stats and value is not None and not isinstance(value, int | float):
                errors.append(f"shape: stats.{key} is not a number")
    return errors


def _check_hearing(sc: _Scenario, i: int, h: dict) -> tuple[list[str], bool]:
    """Check one hearing on its own (rules 1-5, 8-10). Returns (errors, usable)."""
    errors: list[str] = []
    where = f"hearing #{i} (case {h.get('case')!r})"
    missing = [k for k in HEARING_FIELDS if k not in h]
    if missing:
        errors.append(f"shape: {where} lacks {', '.join(missing)}")
        if any(k in missing for k in ("case", "date", "session", "room", "panel")):
            return errors, False
    wrong = [k for k in ("case", "date", "session", "room") if not isinstance(h[k], str)]
    wrong += [k for k in ("centre", "chair", "counsellor") if not isinstance(h.get(k), str | None)]
    panel = h["panel"]
    if not isinstance(panel, list) or not all(isinstance(p, str) for p in panel):
        wrong.append("panel")
    if wrong:
        errors.append(f"shape: {where} has wrongly typed {', '.join(wrong)}")
        return errors, False
    case = sc.cases.get(h["case"])
    if case is None:
        errors.append(f"shape: {where} refers to unknown case")
    day = _date(h["date"])
    if day is None:
        errors.append(f"shape: {where} has invalid date {h['date']!r}")
    if h["session"] not in sc.sessions:
        errors.append(f"shape: {where} has unknown session {h['session']!r}")
    room = sc.rooms.get(h["room"])
    centre = None
    if room is None:
        errors.append(f"shape: {where} has unknown room {h['room']!r}")
    else:
        centre = sc.centres[sc.room_centre[h["room"]]]
        if h.get("centre") != centre["id"]:
            errors.append(
                f"shape: {where} names centre {h.get('centre')!r} but room {h['room']!r} "
                f"belongs to {centre['id']!r}"
            )
    counsellor = h.get("counsellor")
    for pid in [*panel, *([counsellor] if counsellor is not None else [])]:
        if pid not in sc.people:
            errors.append(f"shape: {where} refers to unknown person {pid!r}")
    if case is None or day is None:
        return errors, False

    # Rule 1: panel
    if len(panel) != sc.panel_size:
        errors.append(f"rule 1: {where} panel has {len(panel)} members, not {sc.panel_size}")
    if len(set(panel)) != len(panel):
        errors.append(f"rule 1: {where} panel repeats a person")
    for pid in panel:
        if pid in sc.people and "expert" not in (sc.people[pid].get("roles") or []):
            errors.append(f"rule 1: {where} panel member {pid} does not have role expert")
    chair = h.get("chair")
    if chair is not None and chair not in panel:
        errors.append(f"rule 1: {where} chair {chair!r} is not on the panel")

    # Rule 2: expertise
    covered: set[str] = set()
    for pid in panel:
        covered.update(sc.people.get(pid, {}).get("expertise") or [])
    lacking = sorted(set(case.get("required_expertise") or []) - covered)
    if lacking:
        errors.append(f"rule 2: {where} panel lacks expertise {', '.join(lacking)}")

    # Rule 3: counsellor
    if case.get("needs_counsellor"):
        if counsellor is None:
            errors.append(f"rule 3: {where} needs a counsellor but has none")
        else:
            person = sc.people.get(counsellor)
            if person is not None and "counsellor" not in (person.get("roles") or []):
                errors.append(f"rule 3: {where} counsellor {counsellor} lacks role counsellor")
            if counsellor in panel:
                errors.append(f"rule 3: {where} counsellor {counsellor} is also on the panel")
    elif counsellor is not None:
        errors.append(f"rule 3: {where} does not need a counsellor but has {counsellor}")

    attendees = [p for p in dict.fromkeys([*panel, counsellor]) if p in sc.people]

    # Rule 4: conflicts of interest
    orgs = sc.case_orgs(case)
    for pid in attendees:
        if (pid, case["id"]) in sc.case_conflicts:
            errors.append(f"rule 4: {where} {pid} has a hard conflict with the case")
        bad = sc.org_conflicts.get(pid, set()) & orgs
        if bad:
            errors.append(f"rule 4: {where} {pid} has a hard conflict with {sorted(bad)}")
        own = {_org(o) for o in sc.people[pid].get("organisations") or []} & orgs
        if own:
            errors.append(f"rule 4: {where} {pid} belongs to case organisation {sorted(own)}")

    # Rule 5: availability
    for pid in attendees:
        person = sc.people[pid]
        weekdays = person.get("available_weekdays")
        if weekdays is not None and day.isoweekday() not in weekdays:
            errors.append(f"rule 5: {where} {pid} does not work on weekday {day.isoweekday()}")
        for off in person.get("unavailable") or []:
            if off.get("date") == day.isoformat() and off.get("session") in (None, h["session"]):
                errors.append(f"rule 5: {where} {pid} is unavailable {h['date']} {h['session']}")

    # Rule 8: room capacity and opening
    if room is not None and centre is not None:
        need = int(case.get("attendees", 0)) + sc.panel_size + (1 if counsellor is not None else 0)
        if int(room.get("capacity", 0)) < need:
            errors.append(
                f"rule 8: {where} room {room['id']} holds {room.get('capacity')} < {need} seats"
            )
        if not sc.centre_open(centre, day):
            errors.append(f"rule 8: {where} centre {centre['id']} is closed on {h['date']}")

    # Rule 9: place
    if centre is not None:
        if not sc.contains(centre["region"], case["region"]):
            errors.append(
                f"rule 9: {where} centre region {centre['region']} does not contain case "
                f"region {case['region']}"
            )
        for pid in attendees:
            regions = sc.people[pid].get("regions")
            if regions is not None and not any(sc.contains(r, centre["region"]) for r in regions):
                errors.append(
                    f"rule 9: {where} {pid} does not serve centre region {centre['region']}"
                )

    # Rule 10: time window
    lows = [sc.h_start, _date(case.get("accepted_on"))]
    if case.get("earliest") is not None:
        lows.append(_date(case["earliest"]))
    highs = [sc.h_end, _date(case.get("due_by"))]
    lows_ok = [d for d in lows if d is not None]
    highs_ok = [d for d in highs if d is not None]
    if (lows_ok and day < max(lows_ok)) or (highs_ok and day > min(highs_ok)):
        low = max(lows_ok).isoformat() if lows_ok else "-"
        high = min(highs_ok).isoformat() if highs_ok else "-"
        errors.append(f"rule 10: {where} date {h['date']} outside window {low}..{high}")
    return errors, True


def check(scenario: dict, plan: dict) -> list[str]:
    """Return every hard-rule violation of ``plan`` against ``scenario`` (empty = valid)."""
    errors = _check_shape(plan)
    if not isinstance(plan, dict):
        return errors
    sc = _Scenario(scenario)
    raw_hearings = plan.get("hearings") if isinstance(plan.get("hearings"), list) else []
    raw_unscheduled = plan.get("unscheduled") if isinstance(plan.get("unscheduled"), list) else []
    hearings = [h for h in raw_hearings if isinstance(h, dict)]
    if len(hearings) != len(raw_hearings):
        errors.append("shape: a hearing is not a JSON object")

    usable: list[dict] = []
    for i, h in enumerate(hearings):
        errs, ok = _check_hearing(sc, i, h)
        errors.extend(errs)
        if ok:
            usable.append(h)

    # Rule 6: no double booking (people and rooms)
    person_slot: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    room_slot: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for h in usable:
        people = set(h["panel"]) | ({h["counsellor"]} if h.get("counsellor") is not None else set())
        for pid in people:
            person_slot[(pid, h["date"], h["session"])].append(h["case"])
        room_slot[(h["room"], h["date"], h["session"])].append(h["case"])
    for (pid, date, session), cases in sorted(person_slot.items()):
        if len(cases) > 1:
            errors.append(f"rule 6: {pid} is booked {len(cases)} times on {date} {session}")
    for (rid, date, session), cases in sorted(room_slot.items()):
        if len(cases) > 1:
            errors.append(f"rule 6: room {rid} holds {len(cases)} hearings on {date} {session}")

    # Rule 7: loads
    total: Counter[str] = Counter()
    per_day: Counter[tuple[str, str]] = Counter()
    for h in usable:
        people = set(h["panel"]) | ({h["counsellor"]} if h.get("counsellor") is not None else set())
        for pid in people:
            total[pid] += 1
            per_day[(pid, h["date"])] += 1
    for pid, n in sorted(total.items()):
        limit = sc.people.get(pid, {}).get("max_hearings")
        if limit is not None and n > limit:
            errors.append(f"rule 7: {pid} has {n} hearings > max_hearings {limit}")
    for (pid, date), n in sorted(per_day.items()):
        limit = sc.people.get(pid, {}).get("max_per_day")
        if limit is not None and n > limit:
            errors.append(f"rule 7: {pid} has {n} hearings on {date} > max_per_day {limit}")

    # Rule 11: pinned hearings unchanged
    by_case: dict[str, list[dict]] = defaultdict(list)
    for h in hearings:
        if isinstance(h.get("case"), str):
            by_case[h["case"]].append(h)
    for f in sc.fixed:
        if not isinstance(f, dict):
            continue
        wanted_centre = sc.room_centre.get(f.get("room"))
        matches = [
            h
            for h in by_case.get(f.get("case"), [])
            if h.get("date") == f.get("date")
            and h.get("session") == f.get("session")
            and h.get("room") == f.get("room")
            and h.get("centre") == wanted_centre
            and isinstance(h.get("panel"), list)
            and sorted(h["panel"]) == sorted(f.get("panel") or [])
            and h.get("counsellor") == f.get("counsellor")
            and ("chair" not in f or f["chair"] is None or h.get("chair") == f["chair"])
        ]
        if not matches:
            errors.append(f"rule 11: fixed hearing of case {f.get('case')!r} is missing or changed")

    # Rule 12: every case accounted for exactly once
    scheduled = Counter(h["case"] for h in hearings if isinstance(h.get("case"), str))
    unscheduled: Counter[Any] = Counter()
    for entry in raw_unscheduled:
        if not isinstance(entry, dict):
            errors.append("rule 12: an unscheduled entry is not a JSON object")
            continue
        cid = entry.get("case")
        if not isinstance(cid, str):
            errors.append(f"rule 12: unscheduled entry with invalid case {cid!r}")
            continue
        unscheduled[cid] += 1
        reasons = entry.get("reasons")
        if (
            not isinstance(reasons, list)
            or not reasons
            or not all(isinstance(r, str) and r.strip() for r in reasons)
        ):
            errors.append(f"rule 12: unscheduled case {cid!r} lacks a non-empty reason")
        if cid not in sc.cases:
            errors.append(f"rule 12: unscheduled entry for unknown case {cid!r}")
    for cid, n in sorted(scheduled.items(), key=lambda kv: str(kv[0])):
        if n > 1:
            errors.append(f"rule 12: case {cid!r} is scheduled {n} times")
    for cid, n in sorted(unscheduled.items(), key=lambda kv: str(kv[0])):
        if n > 1:
            errors.append(f"rule 12: case {cid!r} is listed {n} times in unscheduled")
        if cid in scheduled:
            errors.append(f"rule 12: case {cid!r} is both scheduled and unscheduled")
    for cid in sorted(sc.cases):
        if cid not in scheduled and cid not in unscheduled:
            errors.append(f"rule 12: case {cid!r} is neither scheduled nor listed as unscheduled")
    return errors

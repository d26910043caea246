"""Plain-language reasons why a case is not scheduled, specific enough for a coordinator to act.

Cheap necessary conditions come first (window, centre, room size, conflict-free experts per area,
counsellor, availability); a case that passes them all lost to capacity, and then the reason
names the scarce people or rooms and the cases holding them.
"""

from __future__ import annotations

from collections import Counter

from .greedy import Bookings, Problem, place
from .index import ScenarioIndex
from .messages import PEOPLE_NAMED
from .model import Case
from .options import CaseOptions, find_panel
from .rules import (
    CASE_PERSON,
    Reason,
    excluded,
    load_limits,
    region_name,
    room_fits,
    seats,
    window,
)


def static_reasons(problem: Problem, case_id: str) -> list[Reason]:
    """Reasons that hold whatever else is planned (rules 3, 4, 8, 9, 10 and the panel's make-up)."""
    ix = problem.ix
    opts = problem.options[case_id]
    case = opts.case
    lo, hi = window(ix, case)
    where = {"region": case.region, "region_name": region_name(ix, case.region)}
    if lo > hi:
        return [Reason("time.empty_window", {
            "first": lo.isoformat(), "last": hi.isoformat(),
            "horizon_start": ix.scenario.horizon_start.isoformat(),
            "horizon_end": ix.scenario.horizon_end.isoformat(),
            "accepted_on": case.accepted_on.isoformat(),
            "earliest": case.earliest.isoformat() if case.earliest else None,
            "due_by": case.due_by.isoformat()})]
    serving = problem.reach.serving(case.region)
    if not serving:
        return [Reason("travel.no_centre", dict(where))]
    need = seats(ix, case)
    if not any(room_fits(ix, case, r, c) for c in serving for r in c.rooms):
        biggest = max((r.capacity for c in serving for r in c.rooms), default=0)
        return [Reason("room.too_small_everywhere", {**where, "seats": need,
                                                     "attendees": case.attendees,
                                                     "largest": biggest})]
    if not opts.centres:
        return [Reason("room.none_open", {**where, "seats": need, "first": lo.isoformat(),
                                          "last": hi.isoformat()})]
    reasons = _people_reasons(problem, opts)
    if reasons:
        return reasons
    return _availability_reasons(problem, opts)


def barred_groups(ix: ScenarioIndex, case: Case, people: list[str]) -> list[dict]:
    """Why people are barred from a case, counted by cause (every case-and-person rule, e.g.
    "2 have a conflict with Ning'an Town Government"), the three most common first."""
    by_cause: Counter[tuple] = Counter()
    values: dict[tuple, dict] = {}
    for pid in people:
        person = ix.person[pid]
        causes = {}
        for _rule, cause, _set in CASE_PERSON:
            for code, detail in cause(ix, case, person):
                causes[(code, tuple(sorted(detail.items())))] = {"code": code, **detail}
        for key, detail in causes.items():
            by_cause[key] += 1
            values[key] = detail
    return [{**values[key], "count": n} for key, n in by_cause.most_common(3)]


def _people_reasons(problem: Problem, opts: CaseOptions) -> list[Reason]:
    """Eligible experts per required area, panel size and counsellor (rules 1-4, 9)."""
    ix = problem.ix
    case = opts.case
    where = {"region": case.region, "region_name": region_name(ix, case.region)}
    barred = excluded(ix, case)
    reasons = []
    for area in dict.fromkeys(case.required_expertise):
        having = [p for p in ix.experts if area in problem.expertise[p]]
        usable = [p for p in opts.experts if area in problem.expertise[p]]
        if usable:
            continue
        if not having:
            reasons.append(Reason("expertise.not_in_roster", {"area": area}))
            continue
        conflicted = [p for p in having if p in barred]
        far = [p for p in having if p not in barred]
        reasons.append(Reason("expertise.no_eligible_expert", {
            **where, "area": area, "seats": seats(ix, case),
            "barred": barred_groups(ix, case, conflicted) if conflicted else [],
            "barred_people": conflicted, "far": far}))
    if reasons:
        return reasons
    size = ix.panel_size
    if len(opts.experts) < size:
        return [Reason("panel.too_few_experts", {**where, "count": len(opts.experts),
                                                 "experts": sorted(opts.experts),
                                                 "panel_size": size})]
    if find_panel(case.required_expertise, sorted(opts.experts), problem.expertise, size) is None:
        return [Reason("expertise.no_cover", {**where, "panel_size": size,
                                              "areas": list(case.required_expertise)})]
    if case.needs_counsellor and not opts.counsellors:
        having = list(ix.counsellors)
        conflicted = [p for p in having if p in barred]
        return [Reason("counsellor.none_eligible", {
            **where, "counsellors_in_roster": len(having),
            "barred": barred_groups(ix, case, conflicted) if conflicted else [],
            "barred_people": conflicted})]
    return []


def _availability_reasons(problem: Problem, opts: CaseOptions) -> list[Reason]:
    """Rule 5 on its own: is there a slot where the people and a room could meet at all?"""
    empty = Bookings(problem, problem.fixed.values())
    if place(empty, opts, complete=True) is not None:
        return []
    ix = problem.ix
    case = opts.case
    lo, hi = window(ix, case)
    span = {"first": lo.isoformat(), "last": hi.isoformat()}
    ns = ix.n_sessions
    open_slots = {d * ns + s for co in opts.centres for d in co.days for s in range(ns)}
    missing = []
    for area in dict.fromkeys(case.required_expertise):
        people = [p for p in sorted(opts.experts) if area in problem.expertise[p]]
        if not any(open_slots & problem.avail[p] for p in people):
            missing.append({"area": area, "people": people})
    if missing:
        return [Reason("availability.no_expert_available", {
            **span, "missing": missing, "region": case.region,
            "region_name": region_name(ix, case.region)})]
    if case.needs_counsellor and not any(open_slots & problem.avail[p] for p in opts.counsellors):
        return [Reason("availability.no_counsellor_available",
                       {**span, "counsellors": sorted(opts.counsellors)})]
    if problem.fixed and place(Bookings(problem), opts, complete=True) is not None:
        return [Reason("pinned.blocks", r.to_dict())
                for r in capacity_reasons(problem, empty, case.id)]
    return [Reason("availability.never_together", {
        **span, "panel_size": ix.panel_size, "areas": list(case.required_expertise),
        "needs_counsellor": case.needs_counsellor})]


def _oversubscribed(problem: Problem, case: Case) -> list[Reason]:
    """Seats needed versus supplied per expertise area, city-wide (a cheap necessary condition)."""
    supply, demand = problem.area_balance()
    return [Reason("load.area_oversubscribed", {"area": area, "demand": demand[area],
                                                "supply": supply[area]})
            for area in dict.fromkeys(case.required_expertise) if demand[area] > supply[area]]


# The people a "fully booked" reason lists (the first by code; their number is `people_total`):
# those its text names. Every eligible person with every case they held made an XL plan of
# 118 MB (127 KB a case), 7.4 s to write
PEOPLE_LISTED = PEOPLE_NAMED


def capacity_reasons(problem: Problem, bookings: Bookings, case_id: str) -> list[Reason]:
    """Why a case that fits on its own lost: the scarce people or rooms and who holds them."""
    ix = problem.ix
    opts = problem.options[case_id]
    case = opts.case
    lo, hi = window(ix, case)
    span = {"first": lo.isoformat(), "last": hi.isoformat()}
    ns = ix.n_sessions

    def held_by(pid: str) -> list[str]:
        return sorted(bookings.person_cases.get(pid, ()))

    def blocked(people: list[str], slots: set[int]) -> bool:
        return not any(bookings.person_free(p, s) for p in people
                       for s in slots & problem.avail[p])

    open_slots = {d * ns + s for co in opts.centres for d in co.days for s in range(ns)}
    reasons = []
    groups: list[tuple[str | None, list[str]]] = [
        (area, [p for p in sorted(opts.experts) if area in problem.expertise[p]])
        for area in dict.fromkeys(case.required_expertise)]
    if case.needs_counsellor:
        groups.append((None, sorted(opts.counsellors)))
    for area, people in groups:
        if people and blocked(people, open_slots):
            reasons.append(Reason("load.people_booked", {
                **span, "area": area, "people_total": len(people), "people": [
                    {"person": pid, "cases": held_by(pid),
                     "full": bookings.person_total[pid] >= problem.max_hearings(pid),
                     "max_hearings": load_limits(ix.person[pid])[1]}
                    for pid in people[:PEOPLE_LISTED]]}))
    rooms_free = any((r.id, d * ns + s) not in bookings.room_slot
                     for co in opts.centres for r in co.rooms for d in co.days for s in range(ns))
    if not rooms_free:
        takers = sorted({c for co in opts.centres for r in co.rooms for d in co.days
                         for s in range(ns)
                         if (c := bookings.room_slot.get((r.id, d * ns + s)))})
        reasons.append(Reason("double_booking.rooms_taken", {
            **span, "seats": seats(ix, case), "region": case.region,
            "region_name": region_name(ix, case.region), "cases": takers}))
    reasons += _oversubscribed(problem, case)
    if reasons:
        return reasons
    # every resource is free somewhere, never all at once: name the slot closest to working
    experts = sorted(p for p in opts.experts if bookings.person_total[p] < problem.max_hearings(p))
    busy = [p for p in sorted(opts.experts) if p not in experts]
    return [Reason("accounted.not_together", {
        **span, "panel_size": ix.panel_size, "areas": list(case.required_expertise),
        "needs_counsellor": case.needs_counsellor, "busy": busy,
        "held_by": sorted({c for p in busy[:5] for c in held_by(p)})})]


def explain_unscheduled(problem: Problem, bookings: Bookings, case_id: str,
                        static: list[Reason] | None = None) -> list[Reason]:
    """Reasons for one case the plan leaves out; never empty (`static`: precomputed
    `static_reasons`)."""
    reasons = static_reasons(problem, case_id) if static is None else static
    if reasons:
        return reasons
    return capacity_reasons(problem, bookings, case_id) or [
        Reason("accounted.lower_priority", {})]

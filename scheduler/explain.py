"""Plain-language reasons why a case is not scheduled, specific enough for a coordinator to act.

Cheap necessary conditions come first (window, centre, room size, conflict-free experts per area,
counsellor, availability); a case that passes them all lost to capacity, and then the reason
names the scarce people or rooms and the cases holding them.
"""

from __future__ import annotations

from collections import Counter

from .greedy import Bookings, Problem, place
from .index import ScenarioIndex
from .model import Case
from .options import CaseOptions, find_panel


def _names(ids: list[str], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _region(ix: ScenarioIndex, region_id: str) -> str:
    region = ix.region.get(region_id)
    return region.name if region else region_id


def static_reasons(problem: Problem, case_id: str) -> list[str]:
    """Reasons that hold whatever else is planned (rules 3, 4, 8, 9, 10 and the panel's make-up)."""
    ix = problem.ix
    opts = problem.options[case_id]
    case = opts.case
    lo, hi = ix.window(case)
    where = _region(ix, case.region)
    if lo > hi:
        return [f"its date window is empty: the earliest allowed date {lo} (horizon start, "
                f"accepted_on {case.accepted_on}, earliest {case.earliest or '-'}) is after the "
                f"last allowed date {hi} (horizon end, due_by {case.due_by})"]
    serving = ix.serving_centres.get(case.region, ())
    if not serving:
        return [f"no mediation centre serves {where}: add a centre in {where} or above it"]
    seats = ix.seats(case)
    if not any(r.capacity >= seats for c in serving for r in c.rooms):
        biggest = max((r.capacity for c in serving for r in c.rooms), default=0)
        return [f"every room at centres serving {where} is smaller than {seats} seats "
                f"({case.attendees} attendees + panel + counsellor; the largest has {biggest})"]
    if not opts.centres:
        return [f"no centre serving {where} with a room of {seats}+ seats is open between "
                f"{lo} and {hi}"]
    reasons = _people_reasons(problem, opts)
    if reasons:
        return reasons
    return _availability_reasons(problem, opts)


def _barred_detail(ix: ScenarioIndex, case: Case, people: list[str]) -> str:
    """'2 have a conflict with Ning'an Town Government' from the conflict rows of rule 4."""
    by_cause: Counter[str] = Counter()
    for pid in people:
        causes = set()
        for row, org in ix.conflicts_of(case.id, pid):
            if row is None:
                causes.add(f"belong to {ix.org_name(org)}")
            elif row.kind == "hard":
                causes.add(f"have a conflict with {ix.org_name(org)}" if org else
                           f"have a hard conflict with the case ({row.reason})")
        for cause in causes:
            by_cause[cause] += 1
    return "; ".join(f"{n} {cause}" for cause, n in by_cause.most_common(3))


def _people_reasons(problem: Problem, opts: CaseOptions) -> list[str]:
    """Conflict-free experts per required area, panel size and counsellor (rules 1-4, 9)."""
    ix = problem.ix
    case = opts.case
    where = _region(ix, case.region)
    barred = ix.hard_conflicted(case.id)
    reasons = []
    for area in dict.fromkeys(case.required_expertise):
        having = [p for p in ix.experts if area in problem.expertise[p]]
        usable = [p for p in opts.experts if area in problem.expertise[p]]
        if usable:
            continue
        if not having:
            reasons.append(f"no expert in the roster has expertise in `{area}`")
            continue
        conflicted = [p for p in having if p in barred]
        detail = []
        if conflicted:
            detail.append(_barred_detail(ix, case, conflicted))
        far = [p for p in having if p not in barred]
        if far:
            detail.append(f"{len(far)} do not travel to a centre serving {where} with a "
                          f"{ix.seats(case)}-seat room ({_names(far)})")
        reasons.append(f"no conflict-free expert in `{area}` serves {where} "
                       f"({'; '.join(detail)})")
    if reasons:
        return reasons
    size = ix.panel_size
    if len(opts.experts) < size:
        return [f"only {len(opts.experts)} conflict-free experts serve {where} "
                f"({_names(sorted(opts.experts))}); a panel needs {size}"]
    if find_panel(case.required_expertise, sorted(opts.experts), problem.expertise, size) is None:
        return [f"no {size} conflict-free experts serving {where} together cover "
                f"{', '.join(case.required_expertise)}"]
    if case.needs_counsellor and not opts.counsellors:
        having = list(ix.counsellors)
        conflicted = [p for p in having if p in barred]
        detail = _barred_detail(ix, case, conflicted) if conflicted else \
            "none travels there" if having else "the roster has no counsellor"
        return [f"needs a counsellor and no conflict-free counsellor serves {where} ({detail})"]
    return []


def _availability_reasons(problem: Problem, opts: CaseOptions) -> list[str]:
    """Rule 5 on its own: is there a slot where the people and a room could meet at all?"""
    empty = Bookings(problem, problem.fixed.values())
    if place(empty, opts, complete=True) is not None:
        return []
    ix = problem.ix
    case = opts.case
    lo, hi = ix.window(case)
    ns = ix.n_sessions
    open_slots = {d * ns + s for co in opts.centres for d in co.days for s in range(ns)}
    missing = []
    for area in dict.fromkeys(case.required_expertise):
        people = [p for p in opts.experts if area in problem.expertise[p]]
        if not any(open_slots & problem.avail[p] for p in people):
            missing.append(f"`{area}` ({_names(people)})")
    if missing:
        return [f"no expert in {', '.join(missing)} is available on a date between {lo} and "
                f"{hi} when a centre serving {_region(ix, case.region)} with a big enough room "
                "is open"]
    if case.needs_counsellor and not any(open_slots & problem.avail[p] for p in opts.counsellors):
        return [f"no eligible counsellor ({_names(sorted(opts.counsellors))}) is available "
                f"between {lo} and {hi} when a suitable centre is open"]
    if problem.fixed and place(Bookings(problem), opts, complete=True) is not None:
        return [f"pinned (fixed) hearings take what it needs: {r}"
                for r in capacity_reasons(problem, empty, case.id)]
    return [f"no date and session between {lo} and {hi} has a suitable open room and "
            f"{ix.panel_size} available experts covering {', '.join(case.required_expertise)}"
            + (" plus a counsellor" if case.needs_counsellor else "") + " at the same time"]


def _oversubscribed(problem: Problem, case: Case) -> list[str]:
    """Seats needed versus supplied per expertise area, city-wide (a cheap necessary condition)."""
    supply, demand = problem.area_balance()
    return [f"`{area}` is oversubscribed: {demand[area]} cases need it, the experts having it "
            f"can sit at most {supply[area]} hearings in all"
            for area in dict.fromkeys(case.required_expertise) if demand[area] > supply[area]]


def capacity_reasons(problem: Problem, bookings: Bookings, case_id: str) -> list[str]:
    """Why a case that fits on its own lost: the scarce people or rooms and who holds them."""
    ix = problem.ix
    opts = problem.options[case_id]
    case = opts.case
    lo, hi = ix.window(case)
    ns = ix.n_sessions

    def held_by(pid: str) -> list[str]:
        return sorted(bookings.person_cases.get(pid, ()))

    def blocked(people: list[str], slots: set[int]) -> bool:
        return not any(bookings.person_free(p, s) for p in people
                       for s in slots & problem.avail[p])

    open_slots = {d * ns + s for co in opts.centres for d in co.days for s in range(ns)}
    reasons = []
    groups = [(f"`{area}`", [p for p in sorted(opts.experts) if area in problem.expertise[p]])
              for area in dict.fromkeys(case.required_expertise)]
    if case.needs_counsellor:
        groups.append(("counselling", sorted(opts.counsellors)))
    for label, people in groups:
        if people and blocked(people, open_slots):
            detail = []
            for pid in people[:6]:
                cases = held_by(pid)
                full = bookings.person_total[pid] >= problem.max_hearings(pid)
                what = f"max_hearings {problem.max_hearings(pid)} reached" if full else "busy"
                detail.append(f"{pid} ({what}: {_names(cases, 3)})")
            reasons.append(f"eligible people for {label} are fully booked between {lo} and {hi} "
                           f"by the cases scheduled instead: {'; '.join(detail)}"
                           + (f" and {len(people) - 6} more" if len(people) > 6 else ""))
    rooms_free = any((r.id, d * ns + s) not in bookings.room_slot
                     for co in opts.centres for r in co.rooms for d in co.days for s in range(ns))
    if not rooms_free:
        takers = sorted({c for co in opts.centres for r in co.rooms for d in co.days
                         for s in range(ns)
                         if (c := bookings.room_slot.get((r.id, d * ns + s)))})
        reasons.append(f"every room of {ix.seats(case)}+ seats at centres serving "
                       f"{_region(ix, case.region)} is taken on every open date between {lo} and "
                       f"{hi}, by {_names(takers, 8)}")
    reasons += _oversubscribed(problem, case)
    if reasons:
        return reasons
    # every resource is free somewhere, never all at once: name the slot closest to working
    experts = sorted(p for p in opts.experts if bookings.person_total[p] < problem.max_hearings(p))
    busy = [p for p in sorted(opts.experts) if p not in experts]
    text = (f"fits on its own, but no date and session between {lo} and {hi} has a free room "
            f"and {ix.panel_size} free experts covering {', '.join(case.required_expertise)}"
            + (" and a free counsellor" if case.needs_counsellor else "")
            + " at the same time once the other cases are placed")
    if busy:
        text += f"; experts at their max_hearings: {_names(busy)}"
        cases = sorted({c for p in busy[:5] for c in held_by(p)})
        text += f" (held by {_names(cases, 5)})"
    return [text]


def explain_unscheduled(problem: Problem, bookings: Bookings, case_id: str,
                        static: list[str] | None = None) -> list[str]:
    """Reasons for one case the plan leaves out; never empty (`static`: precomputed
    `static_reasons`)."""
    reasons = static_reasons(problem, case_id) if static is None else static
    if reasons:
        return reasons
    return capacity_reasons(problem, bookings, case_id) or [
        "fits on its own but was left out for higher-priority cases"]

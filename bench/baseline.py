"""Greedy first-fit baseline: cases by priority, earliest feasible slot, greedy expertise cover.

What a careful coordinator would do by hand, to measure the optimiser against. It uses the
planner's eligibility pruning (so its hearings obey every rule) but none of its search: the
first free room, the first free experts covering each area in roster order, no backtracking.
"""

from __future__ import annotations

from scheduler.greedy import Assignment, Bookings, Problem
from scheduler.model import Hearing, Plan, Scenario, Unscheduled
from scheduler.options import CaseOptions, choose_chair


def _first_fit(bookings: Bookings, opts: CaseOptions) -> Assignment | None:
    problem = bookings.problem
    ns = problem.ix.n_sessions
    size = problem.ix.panel_size
    case = opts.case
    days = sorted({d for co in opts.centres for d in co.days})
    for day in days:
        for session in range(ns):
            slot = day * ns + session
            for co in opts.centres:
                if day not in co.days:
                    continue
                room = next((r.id for r in co.rooms if (r.id, slot) not in bookings.room_slot),
                            None)
                if room is None:
                    continue
                free = [p for p in sorted(co.experts)
                        if slot in problem.avail[p] and bookings.person_free(p, slot)]
                counsellor = None
                if case.needs_counsellor:
                    counsellor = next((k for k in sorted(co.counsellors)
                                       if slot in problem.avail[k]
                                       and bookings.person_free(k, slot)), None)
                    if counsellor is None:
                        continue
                    free = [p for p in free if p != counsellor]
                panel: list[str] = []
                for area in case.required_expertise:  # greedy cover, no backtracking
                    if any(area in problem.expertise[p] for p in panel):
                        continue
                    pick = next((p for p in free if area in problem.expertise[p]
                                 and p not in panel), None)
                    if pick is None:
                        break
                    panel.append(pick)
                covered = all(any(a in problem.expertise[p] for p in panel)
                              for a in case.required_expertise)
                if not covered or len(panel) > size:
                    continue
                panel += [p for p in free if p not in panel][: size - len(panel)]
                if len(panel) == size:
                    return Assignment(case.id, slot, co.centre.id, room, tuple(panel), counsellor)
    return None


def baseline(scenario: Scenario) -> Plan:
    """First-fit plan; fixed hearings are kept and counted."""
    problem = Problem(scenario)
    ix = problem.ix
    bookings = Bookings(problem, problem.fixed.values())
    order = sorted(problem.free_cases, key=lambda c: (-ix.case[c].priority, ix.case[c].due_by, c))
    for cid in order:
        a = _first_fit(bookings, problem.options[cid])
        if a is not None:
            bookings.add(a)
    hearings = [Hearing(f.case, f.date, f.session, ix.centre_of_room[f.room].id, f.room,
                        tuple(f.panel), f.chair, f.counsellor) for f in scenario.fixed]
    for cid, a in bookings.by_case.items():
        if cid not in problem.fixed:
            hearings.append(Hearing(cid, ix.slot_day(a.slot), ix.slot_session(a.slot), a.centre,
                                    a.room, a.panel, choose_chair(ix, ix.case[cid], a.panel),
                                    a.counsellor))
    unscheduled = [Unscheduled(c.id, ("baseline: no free slot, room and panel found",))
                   for c in scenario.cases if c.id not in bookings.by_case]
    objective = sum(ix.case[h.case].priority for h in hearings)
    return Plan(tuple(hearings), tuple(unscheduled),
                {"objective": objective, "bound": None, "status": "BASELINE",
                 "solve_seconds": 0.0, "scheduled": len(hearings)})

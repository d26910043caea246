"""`explain_case`: why one case is, or is not, schedulable, in words a coordinator can act on."""

from __future__ import annotations

from .explain import static_reasons
from .greedy import Bookings, Problem, place
from .model import Plan, Scenario
from .options import choose_chair
from .rules import hearing_violations, person_label


def explain_case(scenario: Scenario, case_id: str, plan: Plan | None = None) -> list[str]:
    """Lines explaining a case: its window and needs, then the rules and resources that decide it.

    With a plan: whether the plan hears it (and whether that hearing breaks any rule) or the
    plan's reasons; without: whether it could be heard at all, with an example hearing.
    """
    problem = Problem(scenario)
    ix = problem.ix
    if case_id not in ix.case:
        raise KeyError(case_id)
    case = ix.case[case_id]
    lo, hi = ix.window(case)
    lines = [f"{case.id} ({case.title}), priority {case.priority}, region "
             f"{ix.region[case.region].name}: needs {', '.join(case.required_expertise)}"
             + (" and a counsellor" if case.needs_counsellor else "")
             + f", a room for {ix.seats(case)}, a date between {lo} and {hi}."]
    opts = problem.options[case_id]
    lines.append(f"Eligible (conflict-free, in reach): {len(opts.experts)} experts, "
                 f"{len(opts.counsellors)} counsellors, {len(opts.centres)} centres with a big "
                 "enough room open in the window.")
    if plan is not None:
        hearing = next((h for h in plan.hearings if h.case == case_id), None)
        if hearing is not None:
            panel = ", ".join(person_label(ix, p) for p in hearing.panel)
            lines.append(f"Scheduled on {hearing.date} {hearing.session} in room {hearing.room} "
                         f"({hearing.centre}); panel {panel}; chair {hearing.chair}; counsellor "
                         f"{hearing.counsellor or '-'}.")
            broken = hearing_violations(ix, hearing, plan)
            lines += [f"BREAKS {v}" for v in broken] or ["The hearing breaks no rule."]
            return lines
        listed = next((u for u in plan.unscheduled if u.case == case_id), None)
        if listed is not None:
            lines.append("Not scheduled in this plan:")
            lines += [f"- {r}" for r in listed.reasons]
            return lines
        lines.append("The plan neither schedules nor lists this case (rule 12).")
    reasons = static_reasons(problem, case_id)
    if reasons:
        lines.append("It cannot be scheduled whatever else is planned:")
        lines += [f"- {r.text}" for r in reasons]
        return lines
    a = place(Bookings(problem, problem.fixed.values()), opts, complete=True)
    if a is not None:
        panel = ", ".join(a.panel)
        lines.append(f"It is schedulable on its own, e.g. on {ix.slot_day(a.slot)} "
                     f"{ix.slot_session(a.slot)} in room {a.room} ({a.centre}) with panel {panel} "
                     f"(chair {choose_chair(ix, case, a.panel)})"
                     + (f" and counsellor {a.counsellor}" if a.counsellor else "")
                     + "; whether it is heard depends on the other cases (run solve).")
    return lines

"""How fair and how prompt a plan is: the secondary aims, measured (`stats["fairness"]`).

Computed from the plan alone (its hearings, fixed ones included, and the scenario), so it can
be applied to any plan: the planner's, first-fit's (bench), or one read from a file.

    {"experts":     {"eligible", "used", "seats", "max", "min", "mean_used", "mean_all",
                     "spread", "cv", "cv_all", "at_max"},
     "counsellors": {same keys},
     "urgent":      {"days", "repeats", "cases", "scheduled", "mean_delay_days", "max_delay_days",
                     "at_first_day"},
     "soft_conflicts": int}

* Loads: per person the number of hearings in that role (an expert's panel seats; a
  counsellor's hearings as the counsellor). `eligible` = the people of the scenario with the role
  (the scenario holds only active people), `used` = those with at least one hearing in the role.
  `max`, `min` (over the used; 0 when none), `mean_used`, `mean_all` (over all eligible),
  `spread` = max − min over the used, `cv` = population standard deviation / mean over the used
  (0 when none), `cv_all` the same over all eligible (the unused count as 0). `at_max` = people
  of that role whose hearings in all roles reach their `max_hearings`.
* Urgent cases: due within `URGENT_DAYS` (7) days of the horizon's start, or petitioned again
  `URGENT_REPEATS` (3) times or more: the planner's strongest urgency (`options.urgency`). Not
  priority alone: a high-priority case with a late deadline should leave the early sessions to
  the cases due soon (issue #16). `delay` of a scheduled one = days between
  its first allowed date (rule 10: max(horizon start, accepted_on, earliest)) and its hearing's
  date; `at_first_day` counts those heard on that first date. Means are `None` when no urgent
  case is scheduled.
* `soft_conflicts`: people (panel or counsellor) sitting on a hearing with which they have only
  a soft conflict.

Floats are rounded to 3 decimals; everything is JSON-serialisable.
"""

from __future__ import annotations

from collections.abc import Iterable
from statistics import fmean, pstdev
from typing import Any

from .index import ScenarioIndex
from .model import Hearing, Scenario

URGENT_DAYS = 7
URGENT_REPEATS = 3


def _r(x: float) -> float:
    return round(x, 3)


def load_figures(loads: dict[str, int], eligible: Iterable[str],
                 total: dict[str, int], limits: dict[str, int | None]) -> dict[str, Any]:
    """The load figures of one role: `loads` per person in that role, `eligible` everyone with
    the role, `total` hearings per person in any role, `limits` their `max_hearings`."""
    people = list(eligible)
    used = [loads[p] for p in people if loads.get(p)]
    every = [loads.get(p, 0) for p in people]
    mean_used = fmean(used) if used else 0.0
    mean_all = fmean(every) if every else 0.0
    return {
        "eligible": len(people), "used": len(used), "seats": sum(used),
        "max": max(used, default=0), "min": min(used, default=0),
        "mean_used": _r(mean_used), "mean_all": _r(mean_all),
        "spread": (max(used) - min(used)) if used else 0,
        "cv": _r(pstdev(used) / mean_used) if used else 0.0,
        "cv_all": _r(pstdev(every) / mean_all) if mean_all else 0.0,
        "at_max": sum(1 for p in people
                      if limits.get(p) is not None and total.get(p, 0) >= limits[p]),
    }


def is_urgent(ix: ScenarioIndex, case_id: str) -> bool:
    case = ix.case[case_id]
    return (case.repeat_count >= URGENT_REPEATS
            or (case.due_by - ix.scenario.horizon_start).days <= URGENT_DAYS)


def fairness(scenario: Scenario | ScenarioIndex, hearings: Iterable[Hearing]) -> dict[str, Any]:
    """The figures above for a plan's hearings (see the module docstring)."""
    ix = scenario if isinstance(scenario, ScenarioIndex) else ScenarioIndex.of(scenario)
    hearings = [h for h in hearings if h.case in ix.case]
    expert: dict[str, int] = {}
    counsellor: dict[str, int] = {}
    total: dict[str, int] = {}
    soft = 0
    delays: list[int] = []
    for h in hearings:
        conflicted = ix.soft_conflicted(h.case)
        for p in h.panel:
            expert[p] = expert.get(p, 0) + 1
        if h.counsellor:
            counsellor[h.counsellor] = counsellor.get(h.counsellor, 0) + 1
        people = list(h.panel) + ([h.counsellor] if h.counsellor else [])
        for p in people:
            total[p] = total.get(p, 0) + 1
        soft += sum(1 for p in people if p in conflicted)
        if is_urgent(ix, h.case):
            first, _last = ix.window(ix.case[h.case])
            delays.append((h.date - first).days)
    limits = {p: ix.person[p].max_hearings for p in ix.person}
    urgent_cases = sum(1 for c in ix.case if is_urgent(ix, c))
    return {
        "experts": load_figures(expert, ix.experts, total, limits),
        "counsellors": load_figures(counsellor, ix.counsellors, total, limits),
        "urgent": {
            "days": URGENT_DAYS, "repeats": URGENT_REPEATS, "cases": urgent_cases, "scheduled": len(delays),
            "mean_delay_days": _r(fmean(delays)) if delays else None,
            "max_delay_days": max(delays) if delays else None,
            "at_first_day": sum(1 for d in delays if d <= 0),
        },
        "soft_conflicts": soft,
    }

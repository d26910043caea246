"""Small changes to an existing plan: ranked replacements for one attendee, and re-planning a few
cases around everything else with the smallest change.

Both answer with the hard rules of `rules.py`, so a candidate shown as fitting is one the checker
accepts.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace

from .index import ScenarioIndex
from .model import COUNSELLOR, EXPERT, FixedHearing, Hearing, Plan, Scenario
from .options import choose_chair
from .rules import PlanUsage, Rule, Violation, hearing_violations
from .solver import Progress, solve

SHORTLIST = 12  # candidates per open seat tried in combination


@dataclass(frozen=True)
class Candidate:
    """A person who could take a seat in a hearing, and what that would break (empty: fits)."""

    person: str
    name: str
    violations: tuple[Violation, ...]
    load: int  # hearings already in the plan
    covers: tuple[str, ...]  # required expertise this person brings that the others lack
    near: bool  # works in the case's own region

    @property
    def fits(self) -> bool:
        return not self.violations


def with_person(hearing: Hearing, old: str | None, new: str, role: str) -> Hearing:
    """The hearing with `old` replaced by `new` in `role` ("expert" or "counsellor")."""
    if role == COUNSELLOR:
        return replace(hearing, counsellor=new)
    panel = tuple(new if p == old else p for p in hearing.panel)
    if old is None or old not in hearing.panel:
        panel = (*hearing.panel, new)
    chair = new if hearing.chair == old else hearing.chair
    return replace(hearing, panel=panel, chair=chair)


def candidates(src: Scenario | ScenarioIndex, hearing: Hearing, role: str,
               replacing: str | None, usage: PlanUsage) -> list[Candidate]:
    """Everyone with `role` who could replace `replacing` in `hearing`, best fit first.

    Fit: no broken rule first; then covering expertise the rest of the panel lacks, working in
    the case's region, the lighter current load, and the id for a stable order. `usage` holds
    the other hearings of the plan (the hearing's own case is ignored).
    """
    ix = ScenarioIndex.of(src)
    case = ix.case[hearing.case]
    others = [p for p in hearing.panel if p != replacing] if role == EXPERT else list(hearing.panel)
    have = {e for p in others if p in ix.person for e in ix.person[p].expertise}
    out = []
    for person in ix.scenario.people:
        if role not in person.roles or person.id == replacing:
            continue
        if person.id in hearing.panel or person.id == hearing.counsellor:
            continue
        trial = with_person(hearing, replacing, person.id, role)
        broken = tuple(hearing_violations(ix, trial, usage))
        covers = tuple(e for e in case.required_expertise if e in person.expertise and e not in have)
        near = person.regions is None or case.region in person.regions
        out.append(Candidate(person.id, person.name, broken, usage.person_total.get(person.id, 0),
                             covers, near))
    out.sort(key=lambda c: (len(c.violations), -len(c.covers), not c.near, c.load, c.person))
    return out


def _keep_slot(ix: ScenarioIndex, prev: Hearing, usage: PlanUsage) -> Hearing | None:
    """The previous hearing at the same room and time, with only the people who no longer fit
    replaced; None if the room or time itself no longer works or no replacement fits."""
    base = replace(prev, panel=(), counsellor=None, chair=None)
    # Keep each person who still fits on their own (rules 4, 5, 6, 7, 9 for that person).
    keep = []
    for p in prev.panel:
        alone = replace(base, panel=(p,))
        if not [v for v in hearing_violations(ix, alone, usage) if v.person == p]:
            keep.append(p)
    counsellor = prev.counsellor
    if counsellor is not None:
        alone = replace(base, counsellor=counsellor)
        if [v for v in hearing_violations(ix, alone, usage) if v.person == counsellor]:
            counsellor = None
    # The room and time must still be valid for the case.
    place_rules = (Rule.DOUBLE_BOOKING, Rule.ROOM, Rule.TRAVEL, Rule.TIME)
    if [v for v in hearing_violations(ix, base, usage) if v.person is None and v.rule in place_rules]:
        return None
    case = ix.case[prev.case]
    trial = replace(prev, panel=tuple(keep), counsellor=counsellor)
    if case.needs_counsellor and counsellor is None:
        pick = next((c for c in candidates(ix, trial, COUNSELLOR, None, usage) if c.fits), None)
        if pick is None:
            return None
        trial = replace(trial, counsellor=pick.person)
    need = ix.panel_size - len(keep)
    if need > 0:
        # Shortlist people who fit a seat, then try small combinations until one satisfies all.
        shortlist = [c.person for c in candidates(ix, replace(trial, panel=tuple(keep)), EXPERT,
                                                  None, usage)
                     if not [v for v in c.violations
                             if v.rule not in (Rule.PANEL, Rule.EXPERTISE)]][:SHORTLIST]
        for combo in itertools.combinations(shortlist, need):
            panel = (*keep, *combo)
            chair = prev.chair if prev.chair in panel else choose_chair(ix, case, panel)
            attempt = replace(trial, panel=panel, chair=chair)
            if not hearing_violations(ix, attempt, usage):
                return attempt
        return None
    chair = prev.chair if prev.chair in trial.panel else choose_chair(ix, case, trial.panel)
    trial = replace(trial, chair=chair)
    return trial if not hearing_violations(ix, trial, usage) else None


def repair(scenario: Scenario, previous: Plan, cases: Iterable[str], *, time_limit: float = 30.0,
           workers: int = 2, on_progress: Progress | None = None,
           stop: threading.Event | None = None, gap_tolerance: float = 0.005) -> Plan:
    """Re-plan `cases` around every fixed hearing of `scenario`, changing as little as possible.

    First each case keeps its previous room and time with only the people who no longer fit
    replaced; cases for which that fails are planned afresh by `solve` (with the previous plan as
    a hint), with the kept ones fixed. `stats["repair"]` tells which way each case went.
    """
    ix = ScenarioIndex.of(scenario)
    fixed = [_fixed_as_hearing(ix, f) for f in scenario.fixed]
    usage_hearings = list(fixed)
    prev_by_case = {h.case: h for h in previous.hearings}
    kept: list[Hearing] = []
    how: dict[str, str] = {}
    order = sorted(set(cases), key=lambda c: (-ix.case[c].priority, c) if c in ix.case else (0, c))
    for cid in order:
        prev = prev_by_case.get(cid)
        if prev is None or cid not in ix.case:
            continue
        if not hearing_violations(ix, prev, PlanUsage(usage_hearings)):
            kept.append(prev)
            usage_hearings.append(prev)
            how[cid] = "unchanged"
            continue
        mended = _keep_slot(ix, prev, PlanUsage(usage_hearings))
        if mended is not None:
            kept.append(mended)
            usage_hearings.append(mended)
            before = {*prev.panel, prev.counsellor} - {None}
            after = {*mended.panel, mended.counsellor} - {None}
            how[cid] = "same slot, replaced " + ", ".join(sorted(before - after))
    extra = tuple(FixedHearing(h.case, h.date, h.session, h.room, tuple(h.panel), h.counsellor,
                               h.chair) for h in kept)
    plan = solve(replace(scenario, fixed=scenario.fixed + extra), time_limit=time_limit,
                 workers=workers, previous_plan=previous, on_progress=on_progress, stop=stop,
                 gap_tolerance=gap_tolerance)
    for h in plan.hearings:
        if h.case in set(cases) and h.case not in how:
            how[h.case] = "re-planned"
    stats = dict(plan.stats)
    stats["repair"] = how
    return Plan(plan.hearings, plan.unscheduled, stats)


def _fixed_as_hearing(ix: ScenarioIndex, f: FixedHearing) -> Hearing:
    centre = ix.centre_of_room.get(f.room)
    return Hearing(f.case, f.date, f.session, centre.id if centre else "", f.room, tuple(f.panel),
                   f.chair, f.counsellor)

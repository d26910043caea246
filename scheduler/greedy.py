"""The working state of a plan (bookings of people and rooms) and a randomised priority greedy.

The greedy gives the CP-SAT stages a valid warm start and is the fallback plan when time runs
out; every hearing it places comes from the eligibility options, so it breaks no rule.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from .index import ScenarioIndex
from .model import Scenario
from .options import (
    CaseOptions,
    Reach,
    area_supply,
    case_options,
    expertise_map,
    find_panel,
)
from .rules import available, load_limits, panel_ok

# Cases whose window is longer than this many days try their latest days first, leaving the
# early slots to the cases due soon (0: every case tries its earliest slot first).
LATE_FIRST_WINDOW = 0  # the warm start tries both orders (solver._warm_start)
LATE_WINDOW = 10
# Weight of an expert's scarcity (the pressure on the rarest area they know, 0..1) beside their
# load (0..1) when the greedy chooses panels: specialists are kept for the cases needing them.
SCARCITY_WEIGHT = 1.0
# `place(prefer=...)` ranks people by their preference rounded to this many decimals (the day
# LP's seat values, `daylp.guided_greedy`), then by load and scarcity: finer, PDLP's noise
# decides between people the LP values alike (hard M seeds 1-3, guided plans: 546, 502, 535 to
# whole seats; 559, 514, 543 to tenths; 553, 506, 527 to hundredths)
PREFER_DIGITS = 1


@dataclass(frozen=True)
class Assignment:
    """A hearing in solver terms: slot is the date-major (date, session) number."""

    case: str
    slot: int
    centre: str
    room: str
    panel: tuple[str, ...]
    counsellor: str | None = None

    def people(self) -> tuple[str, ...]:
        return self.panel + ((self.counsellor,) if self.counsellor else ())


class Problem:
    """The scenario's index plus each case's options and each person's available slots."""

    def __init__(self, scenario: Scenario | ScenarioIndex):
        self.ix = ix = ScenarioIndex.of(scenario)
        self.expertise = expertise_map(ix)
        self.reach = reach = Reach(ix)
        self.options: dict[str, CaseOptions] = {c.id: case_options(ix, c, reach)
                                                for c in ix.scenario.cases}
        self.avail: dict[str, frozenset[int]] = {
            p.id: frozenset(s for s in range(ix.n_slots)
                            if available(ix, p, ix.slot_day(s), ix.slot_session(s)))
            for p in ix.scenario.people
        }
        # rule 7's limits, read once (no limit: a number no load reaches)
        limits = {p.id: load_limits(p) for p in ix.scenario.people}
        self._per_day = {q: (d if d is not None else 1 << 30) for q, (d, _t) in limits.items()}
        self._total = {q: (t if t is not None else 1 << 30) for q, (_d, t) in limits.items()}
        # people who may sit no hearing at all (a limit of 0): never free
        self.unloadable = frozenset(q for q in limits if min(self._per_day[q], self._total[q]) <= 0)
        self.fixed: dict[str, Assignment] = {}
        for f in ix.scenario.fixed:
            if f.date in ix.day_pos and f.session in ix.session_pos and f.room in ix.room:
                self.fixed[f.case] = Assignment(
                    f.case, ix.slot(f.date, f.session), ix.centre_of_room[f.room].id, f.room,
                    tuple(f.panel), f.counsellor)
        self.priority = {c.id: c.priority for c in ix.scenario.cases}
        self.free_cases = [c.id for c in ix.scenario.cases if c.id not in self.fixed]
        self._area_balance: tuple[Counter[str], Counter[str]] | None = None
        self._coverers: dict[str, dict[str, list[list[str]]]] = {}
        self._scarcity: dict[str, float] | None = None

    def scarcity(self, pid: str) -> float:
        """0..1: demand over supply of the scarcest area this person knows (1: the scarcest
        area of all), from `area_balance`; computed once."""
        if self._scarcity is None:
            supply, demand = self.area_balance()
            pressure = {a: demand[a] / max(1, supply[a]) for a in demand}
            top = max(pressure.values(), default=0.0) or 1.0
            self._scarcity = {p: max((pressure.get(a, 0.0) for a in self.expertise[p]),
                                     default=0.0) / top for p in self.ix.experts}
        return self._scarcity.get(pid, 0.0)

    def area_balance(self) -> tuple[Counter[str], Counter[str]]:
        """Per expertise area: seats the experts can sit, and cases needing it (computed once)."""
        if self._area_balance is None:
            demand = Counter(a for c in self.ix.scenario.cases for a in set(c.required_expertise))
            self._area_balance = (area_supply(self.ix), demand)
        return self._area_balance

    def coverers(self, opts: CaseOptions) -> dict[str, list[list[str]]]:
        """Per centre of the case, its eligible experts covering each required area, the
        shortest list first (kept for the case's own options, `self.options`)."""
        own = self.options.get(opts.case.id) is opts
        out = self._coverers.get(opts.case.id) if own else None
        if out is None:
            areas = set(opts.case.required_expertise)
            out = {co.centre.id: sorted(([p for p in co.experts if a in self.expertise[p]]
                                         for a in areas), key=len)
                   for co in opts.centres}
            if own:
                self._coverers[opts.case.id] = out
        return out

    def max_hearings(self, pid: str) -> int:
        """Rule 7 (`rules.load_limits`): most hearings in the plan."""
        return self._total[pid]

    def max_per_day(self, pid: str) -> int:
        """Rule 7 (`rules.load_limits`): most hearings on one date."""
        return self._per_day[pid]


class Bookings:
    """Which person and room is taken at which slot, and each person's loads: the state rules 6
    (one hearing per person and room at a time) and 7 (`Problem.max_*`) are checked against."""

    def __init__(self, problem: Problem, assignments: Iterable[Assignment] = ()):
        self.problem = problem
        self.n_sessions = problem.ix.n_sessions
        self.person_slot: dict[tuple[str, int], str] = {}
        self.person_day: Counter[tuple[str, int]] = Counter()
        self.person_total: Counter[str] = Counter()
        self.room_slot: dict[tuple[str, int], str] = {}
        self.person_cases: dict[str, set[str]] = {}
        self.by_case: dict[str, Assignment] = {}
        # who has reached rule 7's limits, kept with the counts: `person_free` is then three
        # lookups (it is most of the greedy's and the refill's time: hard L's refill 11 % of a
        # 120 s run)
        self.day_full: set[tuple[str, int]] = set()  # (person, day) at max_per_day
        self.exhausted: set[str] = set(problem.unloadable)  # at max_hearings (or a limit of 0)
        for a in assignments:
            self.add(a)

    def person_free(self, pid: str, slot: int) -> bool:
        return ((pid, slot) not in self.person_slot
                and (pid, slot // self.n_sessions) not in self.day_full
                and pid not in self.exhausted)

    def add(self, a: Assignment) -> None:
        day = a.slot // self.n_sessions
        p = self.problem
        for pid in a.people():
            self.person_slot[(pid, a.slot)] = a.case
            self.person_day[(pid, day)] += 1
            if self.person_day[(pid, day)] >= p.max_per_day(pid):
                self.day_full.add((pid, day))
            self.person_total[pid] += 1
            if self.person_total[pid] >= p.max_hearings(pid):
                self.exhausted.add(pid)
            self.person_cases.setdefault(pid, set()).add(a.case)
        self.room_slot[(a.room, a.slot)] = a.case
        self.by_case[a.case] = a

    def remove(self, case_id: str) -> Assignment | None:
        a = self.by_case.pop(case_id, None)
        if a is None:
            return None
        day = a.slot // self.n_sessions
        for pid in a.people():
            if self.person_slot.get((pid, a.slot)) == case_id:
                del self.person_slot[(pid, a.slot)]
            self.person_day[(pid, day)] -= 1
            if self.person_day[(pid, day)] < self.problem.max_per_day(pid):
                self.day_full.discard((pid, day))
            self.person_total[pid] -= 1
            if self.person_total[pid] < self.problem.max_hearings(pid) \
                    and pid not in self.problem.unloadable:
                self.exhausted.discard(pid)
            self.person_cases.get(pid, set()).discard(case_id)
        if self.room_slot.get((a.room, a.slot)) == case_id:
            del self.room_slot[(a.room, a.slot)]
        return a

    def objective(self) -> int:
        return sum(self.problem.priority[c] for c in self.by_case)


def place(bookings: Bookings, opts: CaseOptions, rng: random.Random | None = None,
          complete: bool = False, late_first: int | None = None,
          on_days: Iterable[int] | None = None,
          prefer: Mapping[str, float] | None = None) -> Assignment | None:
    """The earliest slot where a room, a covering panel and a counsellor are free.

    A case whose window is longer than `late_first` days (default `LATE_FIRST_WINDOW`; 0: none)
    tries its latest days first. People are tried least loaded first (relative to their max,
    plus `SCARCITY_WEIGHT` times their scarcity), which balances loads; with
    `rng`, ties are broken at random so repeated runs explore different plans. `prefer`: a
    value per person (the day LP's seats for this case and day) that ranks people before their
    load does, highest first (`PREFER_DIGITS`).
    With `complete`, every coverer and counsellor is tried, so None proves the case cannot be
    placed on top of these bookings. `on_days`: those day positions only, in that order.
    """
    problem = bookings.problem
    ix = problem.ix
    ns = ix.n_sessions
    limit = 0 if complete else 6
    case = opts.case
    size = problem.ix.panel_size
    days = sorted({d for co in opts.centres for d in co.days})
    late = LATE_FIRST_WINDOW if late_first is None else late_first
    if on_days is not None:  # the day-indexed LP's choice (`daylp`), the days a step changed
        wanted = set(days)
        days = [d for d in on_days if d in wanted]
    elif late and opts.last_day - opts.first_day + 1 > late:
        days.reverse()  # a long window: leave the early slots to the cases due soon
    total = bookings.person_total

    def load_key(pid: str) -> tuple[float, float, float, int]:
        soft = 1 if pid in opts.soft else 0
        noise = rng.random() if rng else 0.0
        wanted = -round(prefer.get(pid, 0.0), PREFER_DIGITS) if prefer else 0.0
        return (soft, wanted, total[pid] / max(1, problem.max_hearings(pid)) + 0.05 * noise
                + SCARCITY_WEIGHT * problem.scarcity(pid), len(problem.expertise[pid]))

    # per centre, the experts covering each required area, fewest first: a slot where one area
    # has nobody free (the scarce specialist is busy) is passed over before the whole list of
    # experts is filtered (the same choices, found faster: that filter was most of the refill)
    coverers = problem.coverers(opts)
    avail = problem.avail
    # `Bookings.person_free` inlined: this loop is most of the greedy's and the refill's time
    taken, day_full, exhausted = bookings.person_slot, bookings.day_full, bookings.exhausted
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
                if not all(any(slot in avail[p] and (p, slot) not in taken
                               and (p, day) not in day_full and p not in exhausted for p in area)
                           for area in coverers[co.centre.id]):
                    continue
                experts = [p for p in co.experts if slot in avail[p] and (p, slot) not in taken
                           and (p, day) not in day_full and p not in exhausted]
                if len(experts) < size:
                    continue
                experts.sort(key=load_key)
                if not case.needs_counsellor:
                    panel = find_panel(case.required_expertise, experts, problem.expertise, size,
                                       limit=limit,
                                       accept=lambda panel: panel_ok(ix, case, panel, None))
                    if panel:
                        return Assignment(case.id, slot, co.centre.id, room, panel)
                    continue
                counsellors = sorted((p for p in co.counsellors if slot in avail[p]
                                      and bookings.person_free(p, slot)), key=load_key)
                for k in counsellors if complete else counsellors[:4]:
                    panel = find_panel(case.required_expertise, [p for p in experts if p != k],
                                       problem.expertise, size, limit=limit,
                                       accept=lambda panel, k=k: panel_ok(ix, case, panel, k))
                    if panel:
                        return Assignment(case.id, slot, co.centre.id, room, panel, k)
    return None


def spare(bookings: Bookings, cases: Iterable[str]) -> list[Assignment]:
    """Re-seat the hearings of `cases` (same slot, room and counsellor) with less scarce experts
    where some are free, so that the scarce ones are left for the cases only they can serve.

    CP-SAT's steps choose panels that are as good as any other to them (their objective says
    nothing about who sits where), and they often seat a specialist in a seat that anyone free
    that session could fill. Each hearing, the most scarce panel first, gets the covering panel
    of the least scarce free experts (`Problem.scarcity`; no soft-conflicted newcomer), kept
    when its total scarcity is lower. The hearings stay valid: the same eligibility options and
    panel rules as `place`, on top of every other booking. Returns the hearings as they were
    before, for those re-seated (their people may now fit a waiting case)."""
    problem = bookings.problem
    ix = problem.ix
    scarcity = problem.scarcity
    size = ix.panel_size
    avail = problem.avail

    def weight(panel: Iterable[str]) -> float:
        return sum(scarcity(q) for q in panel)

    hearings = [bookings.by_case[c] for c in cases
                if c in bookings.by_case and c not in problem.fixed]
    hearings.sort(key=lambda a: (-weight(a.panel), a.case))
    spared = []
    for a in hearings:
        opts = problem.options[a.case]
        co = next((co for co in opts.centres if co.centre.id == a.centre), None)
        if co is None:
            continue
        before = weight(a.panel)
        bookings.remove(a.case)
        experts = sorted((q for q in co.experts
                          if q != a.counsellor and (q in a.panel or q not in opts.soft)
                          and a.slot in avail[q] and bookings.person_free(q, a.slot)),
                         key=lambda q: (scarcity(q), q not in a.panel, q))
        case = opts.case
        panel = find_panel(case.required_expertise, experts, problem.expertise, size,
                           accept=lambda panel, a=a, case=case: panel_ok(ix, case, panel,
                                                                         a.counsellor))
        if panel is not None and weight(panel) < before - 1e-9:
            bookings.add(replace(a, panel=tuple(panel)))
            spared.append(a)
        else:
            bookings.add(a)
    return spared


def case_order(problem: Problem, rng: random.Random | None = None) -> list[str]:
    """Highest priority first; then urgent (nearest deadline, most repeats); random among ties."""
    ix = problem.ix

    def key(cid: str) -> tuple:
        case = ix.case[cid]
        return (-case.priority, case.due_by, -case.repeat_count,
                rng.random() if rng else 0.0, cid)

    return sorted(problem.free_cases, key=key)


def greedy(problem: Problem, seed: int | None = None, base: Iterable[Assignment] = (),
           order: list[str] | None = None, late_first: int | None = None) -> Bookings:
    """Place cases one by one in `order` (default: `case_order`) on top of the fixed hearings;
    `late_first` as in `place`."""
    rng = random.Random(seed) if seed is not None else None
    bookings = Bookings(problem, list(problem.fixed.values()) + list(base))
    for cid in order or case_order(problem, rng):
        if cid in bookings.by_case:
            continue
        a = place(bookings, problem.options[cid], rng, late_first=late_first)
        if a is not None:
            bookings.add(a)
    return bookings

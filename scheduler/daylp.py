"""The day-indexed LP relaxation (HiGHS): a certified bound, and which days it would hear each case.

Relaxed model, per case c and day d of its window on which a serving centre is open:
x[c,d] (heard that day; Σ_d x ≤ 1), w[c,k,d] (at centre option k; Σ_k w = x), u[c,q,d] for
each eligible expert q available that day who travels to one of those centres (Σ_q u = panel
size · x, a coverer of each required area, u ≤ Σ w over the centres q reaches) and v[c,q,d]
for a counsellor when needed. Rows per person and day (at most min(max_per_day, sessions the
person is available)), per person (max_hearings), per centre, day and room size (room-sessions
of big-enough rooms), all net of the fixed hearings. Tighter than the aggregated LP of `lp.py`
(exact windows, `earliest` included, per-day limits): hard M 596 against 620.

Three uses (`solver`): its dual objective is a proved bound, recomputed from HiGHS's duals
with the model's own matrix (`lpcore.certified`; weak duality: valid for any duals, so PDLP's
approximate ones can only loosen it); its x[c,d] and seats u, v guide a construction
(`guided_greedy`) that tries each case on the days the LP chose with the people it seats there,
cases the LP hears fully first (hard M: 559, against 541 with the greedy's own choice of
people and 516-523 for the other greedy orders); and the people it seats with a case join
that case's candidates in the search's neighbourhoods (`DayLP.seated`).

Keeping only the most promising people per case made the LP smaller but guided far worse (16 a
case on hard M: 521, against 540 with everyone; with the LP's seats 533 against 559: the
generalists' capacity is what the LP trades against the specialists'), so every eligible person
has columns.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .greedy import Assignment, Bookings, Problem, place
from .lpcore import INF, Model, certified
from .lpcore import run as run_lp
from .rules import seats as room_seats

Built = tuple[Model, dict[tuple[str, int], int]]  # the model and x[case, day]'s columns


@dataclass
class DayLP:
    bound: float | None  # proved upper bound on total priority (fixed cases included)
    days: dict[str, dict[int, float]] = field(default_factory=dict)  # case -> day -> x
    seconds: float = 0.0
    columns: int = 0
    # (case, day) -> person -> the LP's seat for them there (u or v: experts and counsellors)
    people: dict[tuple[str, int], dict[str, float]] = field(default_factory=dict)

    @property
    def heard(self) -> dict[str, float]:
        """Per case, how fully the LP hears it (Σ_d x[c, d])."""
        return {cid: sum(days.values()) for cid, days in self.days.items()}

    def seated(self, least: float) -> dict[str, set[str]]:
        """Per case, the people the LP seats with it at `least` on some day."""
        out: dict[str, set[str]] = {}
        for (cid, _day), seats in self.people.items():
            chosen = {q for q, value in seats.items() if value >= least}
            if chosen:
                out.setdefault(cid, set()).update(chosen)
        return out


def build(problem: Problem, candidates: list[str], held: Iterable[Assignment] = ()) -> Built:
    """The day-indexed LP of `candidates`, net of the fixed hearings and of `held` (hearings of
    other cases that stay: a neighbourhood's LP, `solver._county_lp`)."""
    p, ix = problem, problem.ix
    ns, size = ix.n_sessions, ix.panel_size
    m = Model()
    xcol: dict[tuple[str, int], int] = {}
    avail_day: dict[str, list[int]] = {}
    for q, slots in p.avail.items():
        per = [0] * len(ix.dates)
        for s in slots:
            per[s // ns] += 1
        avail_day[q] = per
    fixed_day: dict[tuple[str, int], int] = defaultdict(int)
    fixed_total: dict[str, int] = defaultdict(int)
    used: dict[tuple[str, int], int] = defaultdict(int)
    for a in (*p.fixed.values(), *held):
        for q in a.people():
            fixed_day[(q, a.slot // ns)] += 1
            fixed_total[q] += 1
        used[(a.room, a.slot // ns)] += 1
    person_day: dict[tuple[str, int], list[int]] = defaultdict(list)
    person_total: dict[str, list[int]] = defaultdict(list)
    room_use: dict[tuple[str, int], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for cid in candidates:
        opts = p.options[cid]
        experts, counsellors = opts.experts, opts.counsellors
        seats = room_seats(ix, opts.case)
        days = sorted({d for co in opts.centres for d in co.days})
        xs = []
        for d in days:
            x = xcol[(cid, d)] = m.var(-float(p.priority[cid]))  # HiGHS minimises
            xs.append(x)
            w = {}
            for k, co in enumerate(opts.centres):
                if d in co.days:
                    w[k] = m.var()
                    room_use[(co.centre.id, d)][seats].append(w[k])
            m.row(0, 0, [*w.values(), x], [1.0] * len(w) + [-1.0])
            reach_e: dict[str, list[int]] = defaultdict(list)
            reach_c: dict[str, list[int]] = defaultdict(list)
            for k, co in enumerate(opts.centres):
                if k in w:
                    for q in co.experts:
                        reach_e[q].append(w[k])
                    for q in co.counsellors:
                        reach_c[q].append(w[k])
            u = {}
            for q in sorted(experts):
                if avail_day[q][d] and reach_e.get(q):
                    u[q] = m.var()
                    m.seats[u[q]] = (cid, d, q)
                    m.row(-INF, 0, [u[q], *reach_e[q]], [1.0] + [-1.0] * len(reach_e[q]))
                    person_day[(q, d)].append(u[q])
                    person_total[q].append(u[q])
            m.row(0, 0, [*u.values(), x], [1.0] * len(u) + [-float(size)])
            for area in dict.fromkeys(opts.case.required_expertise):
                cover = [u[q] for q in u if area in p.expertise[q]]
                m.row(0, INF, [*cover, x], [1.0] * len(cover) + [-1.0])
            if opts.case.needs_counsellor:
                v = []
                for q in sorted(counsellors):
                    if avail_day[q][d] and reach_c.get(q):
                        col = m.var()
                        m.seats[col] = (cid, d, q)
                        v.append(col)
                        m.row(-INF, 0, [col, *reach_c[q]], [1.0] + [-1.0] * len(reach_c[q]))
                        person_day[(q, d)].append(col)
                        person_total[q].append(col)
                m.row(0, 0, [*v, x], [1.0] * len(v) + [-1.0])
        m.row(-INF, 1, xs, [1.0] * len(xs))
    for (q, d), cols in person_day.items():
        cap = min(p.max_per_day(q), avail_day[q][d]) - fixed_day[(q, d)]
        if cap < len(cols):
            m.row(-INF, max(0, cap), cols, [1.0] * len(cols))
    for q, cols in person_total.items():
        cap = p.max_hearings(q) - fixed_total[q]
        if cap < len(cols):
            m.row(-INF, max(0, cap), cols, [1.0] * len(cols))
    for (centre_id, d), classes in room_use.items():
        rooms = ix.centre[centre_id].rooms
        for seats in sorted(classes):
            members = [col for s, cols in classes.items() if s >= seats for col in cols]
            cap = sum(ns - used[(r.id, d)] for r in rooms if r.capacity >= seats)
            if cap < len(members):
                m.row(-INF, max(0, cap), members, [1.0] * len(members))
    return m, xcol


def columns_estimate(problem: Problem, candidates: list[str]) -> int:
    """About how many columns `build` makes (people per case times its days), cheaply."""
    total = 0
    for cid in candidates:
        opts = problem.options[cid]
        days = len({d for co in opts.centres for d in co.days})
        total += days * (1 + len(opts.centres) + len(opts.experts) + len(opts.counsellors))
    return total


def day_lp(problem: Problem, candidates: list[str], time_limit: float,
           tolerance: float = 1e-4, stop: threading.Event | None = None,
           built: Built | None = None, method: str | None = None) -> DayLP | None:
    """Solve the day-indexed LP with HiGHS's PDLP within `time_limit` seconds; None if it did
    not finish (or `stop` was set). `built`: the model from an earlier `build` of the same
    candidates (a second solve at another tolerance need not build it again). `method`: HiGHS's
    (`lpcore.run`)."""
    t0 = time.monotonic()
    fixed_value = float(sum(problem.priority[c] for c in problem.fixed))
    if not candidates:
        return DayLP(fixed_value)
    m, xcol = built if built is not None else build(problem, candidates)
    n = len(m.cost)
    left = time_limit - (time.monotonic() - t0)
    if left <= 0.2:
        return None
    solution = run_lp(m, left, tolerance, stop, method)
    if solution is None:
        return None
    bound = None
    lower = certified(m, solution.row_dual)
    if lower is not None and math.isfinite(lower):
        bound = fixed_value - lower
    values = solution.col_value.tolist()
    days: dict[str, dict[int, float]] = defaultdict(dict)
    for (cid, d), col in xcol.items():
        if values[col] > 1e-4:
            days[cid][d] = values[col]
    people: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    for col, (cid, d, q) in m.seats.items():
        if values[col] > 1e-4:
            people[(cid, d)][q] = values[col]
    return DayLP(bound, dict(days), time.monotonic() - t0, n, dict(people))


def guided_greedy(problem: Problem, lp: DayLP, order: list[str],
                  base: Iterable[Assignment] = (), seats: bool = True) -> Bookings:
    """Place the cases the LP hears most fully first (ties in `order`), each on the days the LP
    chose, heaviest first, with the people it seats there first (with `seats`; else the least
    loaded, as `place` chooses), then on any day as `place` would."""
    rank = {c: i for i, c in enumerate(order)}
    heard = {c: sum(lp.days.get(c, {}).values()) for c in order}
    bookings = Bookings(problem, list(problem.fixed.values()) + list(base))
    for cid in sorted(order, key=lambda c: (-round(heard[c], 2), rank[c])):
        if cid in bookings.by_case:
            continue
        opts = problem.options[cid]
        a = None
        for day, _x in sorted(lp.days.get(cid, {}).items(), key=lambda kv: -kv[1]):
            a = place(bookings, opts, on_days=(day,),
                      prefer=lp.people.get((cid, day)) if seats else None)
            if a is not None:
                break
        if a is None:
            a = place(bookings, opts)
        if a is not None:
            bookings.add(a)
    return bookings

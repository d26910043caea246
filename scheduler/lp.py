"""A proved upper bound on total priority from the aggregated LP relaxation (HiGHS's PDLP).

Relaxed model: each case is heard to a fraction x, takes `panel_size` expert seats (u) that
cover each required area, one counsellor seat (v) if needed, and a centre (w), each seat at
most x and only at a centre the person travels to. People are limited by max_hearings and by
the sessions they can attend up to each deadline (`person_caps`); centres by their
room-sessions per room size up to each deadline. Every (case, eligible person) pair is a
column: built as plain lists (`lpcore.Model`: hard L's 362,000 columns in 2 s, where pywraplp
took 10-34 s) and solved by HiGHS's own PDLP (hipdlp, one thread; in a child process that a stop
kills, `lpcore.run`), so at L the solver runs it beside the search (`solver._BackgroundLP`).

The bound is the smaller of two, both valid whatever the duals (weak duality), so PDLP's
approximate duals can only loosen them:
* the LP's dual objective recomputed from the row duals (`lpcore.certified`);
* the Lagrangian relaxation (`lagrange.lagrangian_value`) priced with the LP's duals on the
  load rows: each case then chooses its exactly cheapest panel, so the inexact duals of its own
  rows cost nothing (hard L at tolerance 1e-2: 3,425 against the LP's 3,476; at 3e-3, 3,318
  against 3,336).

Its solution guides the search at L (`solver`): the people it seats with a case join the case's
candidates, and waiting cases it hears are the first the search makes room for.

Column generation from a dozen people per case was tried (OR-Tools PDLP, 2026-11-30): its bound
stays loose until it converges (8,040 and 8,981 on the L scenarios in 60 s), so all columns are
in the one solve and the solver skips the LP above `solver.LP_COLUMNS`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from .greedy import Problem
from .lagrange import lagrangian_value
from .lpcore import INF, Model, certified, person_caps
from .lpcore import run as run_lp
from .rules import centre_open
from .rules import seats as room_seats

# PDLP's relative tolerance up to 1,200 cases (hard M: 1.3 s, 620.3; at 1e-2 0.8 s, 622.3); at L
# the solver asks for `solver.LP_BACKGROUND_TOLERANCE`
TOLERANCE = 1e-3

LoadRows = dict[tuple[str, int], int]  # (person, last day) -> the load row's index


def columns(problem: Problem, candidates: list[str]) -> int:
    """How many columns `build` makes: x, a centre per option, a seat per eligible person."""
    total = 0
    for cid in candidates:
        opts = problem.options[cid]
        total += 1 + len(opts.centres) + len(opts.experts)
        if opts.case.needs_counsellor:
            total += len(opts.counsellors)
    return total


def build(problem: Problem, candidates: list[str]) -> tuple[Model, LoadRows]:
    """The model (`seats`: column -> (case, -1, person); `heard`: x -> case) and its load
    rows."""
    p, ix = problem, problem.ix
    size = ix.panel_size
    m = Model()
    deadlines = sorted({p.options[c].last_day for c in candidates})
    seats_of: dict[str, list[tuple[int, int]]] = defaultdict(list)  # person -> (last, column)
    centre_cols: dict[str, list[tuple[str, int]]] = defaultdict(list)  # centre -> (case, w)
    for cid in candidates:
        opts = p.options[cid]
        x = m.var(-float(p.priority[cid]))  # HiGHS minimises
        m.heard[x] = cid
        w = {}
        for co in opts.centres:
            w[co.centre.id] = m.var()
            centre_cols[co.centre.id].append((cid, w[co.centre.id]))
        m.row(0, 0, [*w.values(), x], [1.0] * len(w) + [-1.0])
        u = {q: m.var() for q in sorted(opts.experts)}
        m.row(0, 0, [*u.values(), x], [1.0] * len(u) + [-float(size)])
        for area in dict.fromkeys(opts.case.required_expertise):
            cover = [u[q] for q in u if area in p.expertise[q]]
            m.row(0, INF, [*cover, x], [1.0] * len(cover) + [-1.0])
        v = {}
        if opts.case.needs_counsellor:
            v = {q: m.var() for q in sorted(opts.counsellors)}
            m.row(0, 0, [*v.values(), x], [1.0] * len(v) + [-1.0])
        for q, col in [*u.items(), *v.items()]:
            m.row(-INF, 0, [col, x], [1.0, -1.0])
            reach = [w[co.centre.id] for co in opts.centres
                     if q in co.experts or q in co.counsellors]
            if len(reach) < len(opts.centres):  # travel: only at a centre the person reaches
                m.row(-INF, 0, [col, *reach], [1.0] + [-1.0] * len(reach))
            seats_of[q].append((opts.last_day, col))
            m.seats[col] = (cid, -1, q)
    load_rows: LoadRows = {}
    for q in sorted(seats_of):
        for last, cap in person_caps(p, q, deadlines):
            members = [col for due, col in seats_of[q] if due <= last]
            if len(members) > cap:
                load_rows[(q, last)] = m.row(-INF, max(0, cap), members, [1.0] * len(members))
    _room_rows(problem, m, centre_cols, deadlines)
    return m, load_rows


def _room_rows(problem: Problem, m: Model, centre_cols: dict[str, list[tuple[str, int]]],
               deadlines: list[int]) -> None:
    """Room-sessions per centre, per room size and deadline (rule 8 aggregated)."""
    p, ix = problem, problem.ix
    ns = ix.n_sessions
    used: dict[tuple[str, int], int] = defaultdict(int)
    for a in p.fixed.values():
        used[(a.room, a.slot // ns)] += 1
    for centre_id, members in centre_cols.items():
        centre = ix.centre[centre_id]
        open_days = [d for d in range(len(ix.dates)) if centre_open(ix, centre, ix.dates[d])]
        for seats in sorted({room_seats(ix, ix.case[c]) for c, _w in members}):
            rooms = [r for r in centre.rooms if r.capacity >= seats]
            for last in deadlines:
                cap = sum(ns - used[(r.id, d)] for r in rooms for d in open_days if d <= last)
                cols = [w for c, w in members if room_seats(ix, ix.case[c]) >= seats
                        and p.options[c].last_day <= last]
                if cols and len(cols) > cap:
                    m.row(-INF, cap, cols, [1.0] * len(cols))


@dataclass
class AggregatedLP:
    bound: float | None  # proved upper bound on total priority (fixed cases included)
    heard: dict[str, float] = field(default_factory=dict)  # case -> x
    seats: dict[str, dict[str, float]] = field(default_factory=dict)  # case -> person -> seat

    def seated(self, least: float) -> dict[str, set[str]]:
        """Per case, the people the LP seats with it at `least` (as `DayLP.seated`)."""
        out = {cid: {q for q, value in seats.items() if value >= least}
               for cid, seats in self.seats.items()}
        return {cid: people for cid, people in out.items() if people}


def lp_bound(problem: Problem, candidates: list[str], time_limit: float = 30.0,
             stop: threading.Event | None = None, tolerance: float = TOLERANCE) -> float | None:
    """Upper bound on total priority (fixed cases included), or None if the LP gave none in time."""
    result = aggregated_lp(problem, candidates, time_limit, stop, tolerance)
    return None if result is None else result.bound


def aggregated_lp(problem: Problem, candidates: list[str], time_limit: float = 30.0,
                  stop: threading.Event | None = None,
                  tolerance: float = TOLERANCE) -> AggregatedLP | None:
    """The LP's bound and solution (None if it gave none in time)."""
    t0 = time.monotonic()
    fixed_value = float(sum(problem.priority[c] for c in problem.fixed))
    if not candidates:
        return AggregatedLP(fixed_value)
    m, load_rows = build(problem, candidates)
    left = time_limit - (time.monotonic() - t0)
    if left <= 0.1 or (stop is not None and stop.is_set()):
        return None
    solution = run_lp(m, left, tolerance, stop)
    if solution is None:
        return None
    y = solution.row_dual
    bounds = []
    lower = certified(m, y)
    if lower is not None and math.isfinite(lower):
        bounds.append(fixed_value - lower)
    if len(y) == len(m.rows_lo):
        # a <= row of a minimisation has a dual <= 0: its price in the maximisation is -y
        prices = {row: -float(y[i]) for row, i in load_rows.items()}
        bounds.append(lagrangian_value(problem, candidates, prices))
    values = solution.col_value.tolist()
    heard = {cid: values[col] for col, cid in m.heard.items() if values[col] > 1e-4}
    seats: dict[str, dict[str, float]] = defaultdict(dict)
    for col, (cid, _day, q) in m.seats.items():
        if values[col] > 1e-4:
            seats[cid][q] = values[col]
    return AggregatedLP(min(bounds) if bounds else None, heard, dict(seats))

"""A proved upper bound on total priority from an LP relaxation (PDLP), by column generation.

Relaxed model: each case is heard to a fraction x, takes `panel_size` expert seats (u) that
cover each required area, one counsellor seat (v) if needed, and a centre (w). People are
limited by max_hearings and by the sessions they can attend up to each deadline; centres by
their room-sessions (per room size). Only promising (case, person) columns are in the LP; the
rest are priced with the duals, and any positive reduced cost is added to the bound, so the
bound is valid (weak LP duality) even before column generation has converged.

The engine is PDLP (OR-Tools' first-order LP solver: 2 s for the full hard-M LP where GLOP took
67 s and HiGHS's simplex 24 s, measured under load 7.5). Its duals are only near-optimal, so the
bound is never the solver's objective: it is the dual objective recomputed here from the duals
(`_dual_bound`), which weak duality makes valid for any duals at all; an inexact solve can only
make it looser, never wrong.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict

from ortools.linear_solver import pywraplp

from .greedy import Problem
from .options import CaseOptions
from .rules import centre_open
from .rules import seats as room_seats

INITIAL_EXPERTS = 12  # per case; the rest enter by pricing
INITIAL_COUNSELLORS = 6
ADDED_PER_ROUND = 6
# Up to this many (case, person) pairs every column is in the first LP (hard M: 23,000, solved in
# 2-3 s; pricing rounds from 12 a case took 8.7 s to the same value)
ALL_COLUMNS_LIMIT = 60_000
ENGINE = "PDLP"  # GLOP as a fallback where an OR-Tools build lacks it
# PDLP stops at this relative gap: the certified bound is at most this much looser than the LP's
PDLP_PARAMETERS = ("termination_criteria { simple_optimality_criteria { "
                   "eps_optimal_absolute: 1e-6 eps_optimal_relative: 1e-5 } } num_threads: 1")


def person_caps(problem: Problem, pid: str, deadlines: list[int]) -> list[tuple[int, int]]:
    """Rule 7 and 5 aggregated: (last day, max hearings up to that day) for one person, net of
    the fixed hearings. Only deadlines where time is tighter than max_hearings get a row."""
    ix = problem.ix
    ns = ix.n_sessions
    per_day = [0] * len(ix.dates)
    for s in problem.avail[pid]:
        per_day[s // ns] += 1
    mpd = problem.max_per_day(pid)
    fixed_days = [a.slot // ns for a in problem.fixed.values() if pid in a.people()]
    day_caps = [min(mpd, n) for n in per_day]
    for d in fixed_days:  # a fixed hearing uses one of that day's attendances
        day_caps[d] = max(0, day_caps[d] - 1)
    prefix, running = [], 0
    for c in day_caps:
        running += c
        prefix.append(running)
    total = max(0, min(problem.max_hearings(pid) - len(fixed_days), prefix[-1]))
    caps = [(last, prefix[last]) for last in deadlines if prefix[last] < total]
    caps.append((len(ix.dates) - 1, total))
    return caps


class _LP:
    def __init__(self, problem: Problem, candidates: list[str],
                 columns: dict[str, tuple[set[str], set[str]]]):
        self.columns = columns  # case -> (experts, counsellors) that get a column
        self.p = problem
        self.ix = problem.ix
        self.solver = pywraplp.Solver.CreateSolver(ENGINE) or pywraplp.Solver.CreateSolver("GLOP")
        if self.solver.SolverVersion().startswith("PDLP"):
            self.solver.SetSolverSpecificParametersAsString(PDLP_PARAMETERS)
        self.cases = candidates
        self.x: dict[str, pywraplp.Variable] = {}
        self.u: dict[tuple[str, str], pywraplp.Variable] = {}
        self.panel_row: dict[str, pywraplp.Constraint] = {}
        self.cover_rows: dict[tuple[str, str], pywraplp.Constraint] = {}
        self.load_rows: dict[str, list[tuple[int, pywraplp.Constraint]]] = defaultdict(list)
        self.centre_of: dict[tuple[str, str], pywraplp.Variable] = {}
        self.v: dict[tuple[str, str], pywraplp.Variable] = {}
        self.couns_row: dict[str, pywraplp.Constraint] = {}
        self._loads_pending: list[tuple[str, str, pywraplp.Variable]] = []
        self._build()

    # --- capacities ---------------------------------------------------------------------------

    def _build(self) -> None:
        s, p, ix = self.solver, self.p, self.ix
        size = ix.panel_size
        deadlines = sorted({p.options[c].last_day for c in self.cases})
        objective = s.Objective()
        for cid in self.cases:
            x = self.x[cid] = s.NumVar(0, 1, f"x_{cid}")
            objective.SetCoefficient(x, p.priority[cid])
            opts = p.options[cid]
            self.panel_row[cid] = row = s.Constraint(0, 0, f"panel_{cid}")
            row.SetCoefficient(x, -size)
            for area in dict.fromkeys(opts.case.required_expertise):
                cover = self.cover_rows[(cid, area)] = s.Constraint(0, s.infinity())
                cover.SetCoefficient(x, -1)
            centre_row = s.Constraint(0, 0)
            centre_row.SetCoefficient(x, -1)
            for co in opts.centres:
                w = self.centre_of[(cid, co.centre.id)] = s.NumVar(0, 1, "")
                centre_row.SetCoefficient(w, 1)
            if opts.case.needs_counsellor:
                self.couns_row[cid] = couns = s.Constraint(0, 0)
                couns.SetCoefficient(x, -1)
        objective.SetMaximization()
        people = {q for c in self.cases for q in self.p.options[c].experts
                  | self.p.options[c].counsellors}
        for q in sorted(people):
            for last, cap in person_caps(self.p, q, deadlines):
                self.load_rows[q].append((last, s.Constraint(-s.infinity(), max(0, cap))))
        self._add_room_rows(deadlines)
        for cid in self.cases:
            experts, counsellors = self.columns[cid]
            for q in sorted(experts):
                self.add_expert(cid, q)
            if cid in self.couns_row:
                for q in sorted(counsellors):
                    self.add_counsellor(cid, q)
        self._flush()

    def _add_room_rows(self, deadlines: list[int]) -> None:
        """Room-sessions per centre, per room size and deadline (rule 8 aggregated)."""
        s, p, ix = self.solver, self.p, self.ix
        ns = ix.n_sessions
        used = defaultdict(int)
        for a in p.fixed.values():
            used[(a.room, a.slot // ns)] += 1
        users: dict[str, list[str]] = defaultdict(list)
        for cid in self.cases:
            for co in p.options[cid].centres:
                users[co.centre.id].append(cid)
        for centre_id, cases in users.items():
            centre = ix.centre[centre_id]
            open_days = [d for d in range(len(ix.dates)) if centre_open(ix, centre, ix.dates[d])]
            for seats in sorted({room_seats(ix, ix.case[c]) for c in cases}):
                rooms = [r for r in centre.rooms if r.capacity >= seats]
                for last in deadlines:
                    cap = sum(ns - used[(r.id, d)] for r in rooms for d in open_days if d <= last)
                    members = [c for c in cases if room_seats(ix, ix.case[c]) >= seats
                               and p.options[c].last_day <= last]
                    if members and len(members) > cap:
                        row = s.Constraint(-s.infinity(), cap)
                        for c in members:
                            row.SetCoefficient(self.centre_of[(c, centre_id)], 1)

    def _person_column(self, cid: str, q: str, var: pywraplp.Variable) -> None:
        """Links of a person's seat: at most x, load rows, and travel to a chosen centre."""
        s = self.solver
        pair = s.Constraint(-s.infinity(), 0)
        pair.SetCoefficient(var, 1)
        pair.SetCoefficient(self.x[cid], -1)
        opts = self.p.options[cid]
        reachable = [co for co in opts.centres if q in co.experts or q in co.counsellors]
        if len(reachable) < len(opts.centres):
            travel = s.Constraint(-s.infinity(), 0)
            travel.SetCoefficient(var, 1)
            for co in reachable:
                travel.SetCoefficient(self.centre_of[(cid, co.centre.id)], -1)
        self._loads_pending.append((cid, q, var))  # load rows exist only after all columns

    def _flush(self) -> None:
        for cid, q, var in self._loads_pending:
            last = self.p.options[cid].last_day
            for deadline, row in self.load_rows[q]:
                if last <= deadline:
                    row.SetCoefficient(var, 1)
        self._loads_pending = []

    def add_expert(self, cid: str, q: str) -> None:
        var = self.u[(cid, q)] = self.solver.NumVar(0, 1, "")
        self.panel_row[cid].SetCoefficient(var, 1)
        for area in self.p.expertise[q]:
            row = self.cover_rows.get((cid, area))
            if row is not None:
                row.SetCoefficient(var, 1)
        self._person_column(cid, q, var)

    def add_counsellor(self, cid: str, q: str) -> None:
        var = self.v[(cid, q)] = self.solver.NumVar(0, 1, "")
        self.couns_row[cid].SetCoefficient(var, 1)
        self._person_column(cid, q, var)

    def dual_bound(self) -> float | None:
        """The dual objective at the solver's duals y: for a maximisation with rows L <= Ax <= U
        and 0 <= x <= ub, any y bounds the optimum by sum(y_i U_i if y_i > 0 else y_i L_i) +
        sum(ub_j max(0, c_j - (A^T y)_j)) (weak duality; `reduced_cost` is c - A^T y). None
        when a dual has the sign of an infinite side (no finite bound from these duals)."""
        total = 0.0
        for row in self.solver.constraints():
            y = row.dual_value()
            if y > 1e-12:
                side = row.ub()
            elif y < -1e-12:
                side = row.lb()
            else:
                continue
            if not math.isfinite(side) or abs(side) > 1e20:
                return None
            total += y * side
        for var in self.solver.variables():
            rc = var.reduced_cost()
            if rc > 0:
                total += var.ub() * rc
        return total

    def _load_dual(self, cid: str, q: str) -> float:
        last = self.p.options[cid].last_day
        return sum(row.dual_value() for deadline, row in self.load_rows[q] if last <= deadline)

    def expert_reduced_cost(self, cid: str, q: str) -> float:
        """Objective 0 minus the duals of the rows an absent u[c,q] column would enter (its own
        new rows, u <= x and travel, would have dual 0)."""
        rc = -self.panel_row[cid].dual_value() - self._load_dual(cid, q)
        for area in self.p.expertise[q]:
            row = self.cover_rows.get((cid, area))
            if row is not None:
                rc -= row.dual_value()
        return rc

    def counsellor_reduced_cost(self, cid: str, q: str) -> float:
        return -self.couns_row[cid].dual_value() - self._load_dual(cid, q)


def _initial_columns(problem: Problem, opts: CaseOptions) -> tuple[set[str], set[str]]:
    """Coverers of each area and a few others, least constrained first; a few counsellors."""
    p = problem
    required = set(opts.case.required_expertise)
    ranked = sorted(opts.experts, key=lambda q: (-len(p.expertise[q] & required),
                                                 -p.max_hearings(q), q))
    chosen = dict.fromkeys(ranked[: INITIAL_EXPERTS // 2])
    for area in required:  # every area keeps a few coverers from the start
        chosen.update(dict.fromkeys([q for q in ranked if area in p.expertise[q]][:3]))
    for q in ranked:
        if len(chosen) >= INITIAL_EXPERTS:
            break
        chosen[q] = None
    counsellors = sorted(opts.counsellors, key=lambda q: (-p.max_hearings(q), q))
    return set(chosen), set(counsellors[:INITIAL_COUNSELLORS])


def lp_bound(problem: Problem, candidates: list[str], time_limit: float = 30.0,
             stop: threading.Event | None = None) -> float | None:
    """Upper bound on total priority (fixed cases included), or None if the LP gave none in time."""
    t0 = time.monotonic()
    fixed_value = sum(problem.priority[c] for c in problem.fixed)
    if not candidates:
        return float(fixed_value)
    pairs = sum(len(problem.options[c].experts) + len(problem.options[c].counsellors)
                for c in candidates)
    if pairs <= ALL_COLUMNS_LIMIT:  # one solve of the whole LP: faster than pricing rounds
        columns = {cid: (set(problem.options[cid].experts), set(problem.options[cid].counsellors))
                   for cid in candidates}
    else:
        columns = {cid: _initial_columns(problem, problem.options[cid]) for cid in candidates}
    best: float | None = None
    for _round in range(20):
        left = time_limit - (time.monotonic() - t0)
        if left <= 0 or (stop is not None and stop.is_set()):
            break
        # a fresh LP each round: re-solves after added columns were slower than from scratch
        lp = _LP(problem, candidates, columns)
        lp.solver.SetTimeLimit(int(left * 1000))
        if lp.solver.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            break
        value = lp.dual_bound()
        if value is None:
            break
        extra, experts, counsellors = _price(problem, lp, candidates)
        bound = fixed_value + value + extra
        best = bound if best is None else min(best, bound)
        if not (experts or counsellors) or \
                math.floor(best + 1e-6) <= math.floor(fixed_value + value + 1e-6):
            break  # priorities are integers: no more columns can lower the floored bound
        for cid, cols in experts.items():
            columns[cid][0].update(q for _rc, q in sorted(cols, reverse=True)[:ADDED_PER_ROUND])
        for cid, cols in counsellors.items():
            columns[cid][1].update(q for _rc, q in sorted(cols, reverse=True)[:ADDED_PER_ROUND])
    return best


Columns = dict[str, list[tuple[float, str]]]


def _price(problem: Problem, lp: _LP, candidates: list[str]) -> tuple[float, Columns, Columns]:
    """Absent columns with a positive reduced cost, and how much they could add to the LP.

    Weak duality: the restricted LP's duals, with dual 0 on the absent columns' own rows and a
    dual z_j = rc_j on their bound u_j <= 1, are feasible for the full LP. For one case the
    seats sum to at most panel_size (one counsellor), so at most panel_size (1) times its
    largest reduced cost is needed: the smaller of the two corrections is used.
    """
    size = problem.ix.panel_size
    extra = 0.0
    experts: Columns = defaultdict(list)
    counsellors: Columns = defaultdict(list)
    for cid in candidates:
        opts = problem.options[cid]
        for q in opts.experts:
            if (cid, q) not in lp.u:
                rc = lp.expert_reduced_cost(cid, q)
                if rc > 1e-9:
                    experts[cid].append((rc, q))
        if opts.case.needs_counsellor:
            for q in opts.counsellors:
                if (cid, q) not in lp.v:
                    rc = lp.counsellor_reduced_cost(cid, q)
                    if rc > 1e-9:
                        counsellors[cid].append((rc, q))
        for cols, seats in ((experts.get(cid), size), (counsellors.get(cid), 1)):
            if cols:
                extra += min(sum(rc for rc, _q in cols), seats * max(rc for rc, _q in cols))
    return extra, experts, counsellors

"""What the LP relaxations share: a model in plain lists, HiGHS's PDLP, the certified bound.

Both LPs (`daylp.py` by day, `lp.py` aggregated over the horizon) are minimisations with every
column in [0, 1] and rows L <= Ax <= U, built here as plain lists and handed to HiGHS at once
(pywraplp took 10-34 s to build hard L's aggregated LP; these lists take 2 s). Their bound is
never the solver's objective: it is the dual objective recomputed from the row duals and the
model's own matrix (`certified`), which weak duality makes valid for any duals, so PDLP's
approximate ones only loosen it. HiGHS releases the GIL while it solves, so a solve can run in a
thread beside the Python stages (`solver`: the aggregated LP at L).
"""

from __future__ import annotations

import os
import sys
import threading

import highspy
import numpy as np

from .greedy import Problem

INF = highspy.kHighsInf
_BANNER_LOCK = threading.Lock()
_banner_done = False


def new_highs() -> highspy.Highs:
    """A HiGHS instance. HiGHS prints a banner on stdout at the first one of a process, where
    `python -m scheduler` may be writing a plan: that first one is made with stdout pointed
    at /dev/null."""
    global _banner_done
    with _BANNER_LOCK:
        if not _banner_done:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
                    highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_done = True
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


class Model:
    """Columns (cost, upper bound 1) and rows (bounds, entries) in plain lists."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.rows_lo: list[float] = []
        self.rows_hi: list[float] = []
        self.starts: list[int] = []
        self.index: list[int] = []
        self.value: list[float] = []
        self.seats: dict[int, tuple[str, int, str]] = {}  # column -> (case, day, person)
        self.heard: dict[int, str] = {}  # x's column -> its case (the aggregated LP)

    def var(self, cost: float = 0.0) -> int:
        self.cost.append(cost)
        return len(self.cost) - 1

    def row(self, lo: float, hi: float, cols: list[int], coefs: list[float]) -> int:
        self.rows_lo.append(lo)
        self.rows_hi.append(hi)
        self.starts.append(len(self.index))
        self.index.extend(cols)
        self.value.extend(coefs)
        return len(self.rows_lo) - 1


def certified(m: Model, row_dual: np.ndarray) -> float | None:
    """A lower bound on min c'x over L <= Ax <= U, 0 <= x <= 1, from any row duals y:
    Σ_i (y_i L_i if y_i > 0 else y_i U_i) + Σ_j min(0, c'_j - (A^T y)_j). None when a dual
    points at an infinite side."""
    lo = np.asarray(m.rows_lo)
    hi = np.asarray(m.rows_hi)
    y = np.asarray(row_dual, dtype=float)
    if len(y) != len(lo):  # no duals (a solve that stopped before it had any)
        return None
    y = np.where(np.abs(y) < 1e-12, 0.0, y)
    pos, neg = y > 0, y < 0
    if np.any(pos & ~np.isfinite(lo)) or np.any(neg & ~np.isfinite(hi)):
        return None
    total = float(np.dot(y[pos], lo[pos]) + np.dot(y[neg], hi[neg]))
    starts = np.append(np.asarray(m.starts, dtype=np.int64), len(m.index))
    counts = np.diff(starts)
    row_of = np.repeat(np.arange(len(y)), counts)
    aty = np.zeros(len(m.cost))
    np.add.at(aty, np.asarray(m.index, dtype=np.int64), np.asarray(m.value) * y[row_of])
    reduced = np.asarray(m.cost) - aty
    return total + float(np.minimum(0.0, reduced).sum())


def run(m: Model, time_limit: float, tolerance: float, stop: threading.Event | None = None,
        method: str = "pdlp") -> highspy.HighsSolution | None:
    """Solve `m` with HiGHS (`method` "pdlp", one thread, no crossover; "simplex" for an exact
    answer in tests) within `time_limit` seconds; the solution, or None if it did not finish
    or `stop` was set (a watcher thread cancels the solve)."""
    n = len(m.cost)
    h = new_highs()
    h.setOptionValue("solver", method)
    h.setOptionValue("run_crossover", "off")
    h.setOptionValue("kkt_tolerance", tolerance)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit))
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(m.cost, dtype=float))
    h.addRows(len(m.rows_lo), np.asarray(m.rows_lo, dtype=float),
              np.asarray(m.rows_hi, dtype=float), len(m.index),
              np.asarray(m.starts, dtype=np.int32), np.asarray(m.index, dtype=np.int32),
              np.asarray(m.value, dtype=float))
    finished = threading.Event()

    def _watch() -> None:  # a cancel ends the solve, not only the stages after it
        while not finished.wait(0.1):
            if stop is not None and stop.is_set():
                h.cancelSolve()
                return

    watcher = threading.Thread(target=_watch, daemon=True)
    watcher.start()
    try:
        h.run()
    finally:
        finished.set()
        watcher.join()
    if (stop is not None and stop.is_set()) or \
            h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return h.getSolution()


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

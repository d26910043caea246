"""What the LP relaxations share: a model in plain lists, HiGHS's PDLP, the certified bound.

Both LPs (`daylp.py` by day, `lp.py` aggregated over the horizon) are minimisations with every
column in [0, 1] and rows L <= Ax <= U, built here as plain lists and handed to HiGHS at once
(pywraplp took 10-34 s to build hard L's aggregated LP; these lists take 2 s). Their bound is
never the solver's objective: it is the dual objective recomputed from the row duals and the
model's own matrix (`certified`), which weak duality makes valid for any duals, so PDLP's
approximate ones only loosen it. A solve that may be stopped runs in a child process
(`highs_child`), since HiGHS's PDLP ignores `cancelSolve`; a thread waiting on it leaves the GIL
to the Python stages (`solver._BackgroundLP`: the aggregated LP at L, the day LP's bound at M).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np

from . import highs_child
from .greedy import Problem

INF = highspy.kHighsInf
# HiGHS's own PDLP ("hipdlp", new in 1.16) rather than its cuPDLP-C port ("pdlp"), one thread:
# hard M's day LP at tolerance 3e-3 in 3.9-5.6 s, certified 597.2 (pdlp: 1e-2 5.2 s, 609.7;
# 1e-3 18.3 s, 596.9); hard L's aggregated LP at 1e-2 in 32.8 s, 3,301.6 (pdlp: 1e-3 55.5 s,
# 3,317.0); generator L's at 1e-2 163.5 s, no faster. The day LP's guidance solves ask for pdlp
# (`solver.DAY_LP_METHOD`; docs/planner.md, "HiGHS's own PDLP")
METHOD = "hipdlp"
_BANNER_LOCK = threading.Lock()
_banner_done = False
# From this many columns a solve that can be stopped runs in a child process (`run`): the S
# scenarios' day LPs (hard S seed 1: 2,739 columns, generator S seed 1: 5,098) solve here in
# 0.04-0.1 s, less than the child's 0.2 s start; hard M's (159,114) takes 4-5 s
PROCESS_COLUMNS = 20_000


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


@dataclass
class Solution:
    """A finished solve: column values and row duals (HiGHS's signs: a minimisation)."""

    col_value: np.ndarray
    row_dual: np.ndarray


def run(m: Model, time_limit: float, tolerance: float, stop: threading.Event | None = None,
        method: str | None = None) -> Solution | None:
    """Solve `m` with HiGHS (`method`: METHOD, one thread, no crossover; "simplex" for an exact
    answer in tests) within `time_limit` seconds; the solution, or None if it did not finish
    or `stop` was set. HiGHS's PDLP never looks at `cancelSolve`, so from PROCESS_COLUMNS up a
    solve that can be stopped runs in a child process that a stop kills (`highs_child`; hard
    L: ended within 0.1 s of the stop); smaller ones take well under a second and run here."""
    method = method or METHOD
    arrays = (np.asarray(m.cost, dtype=float), np.asarray(m.rows_lo, dtype=float),
              np.asarray(m.rows_hi, dtype=float), np.asarray(m.starts, dtype=np.int32),
              np.asarray(m.index, dtype=np.int32), np.asarray(m.value, dtype=float))
    if stop is None or len(m.cost) < PROCESS_COLUMNS:
        result = highs_child.solve_arrays(arrays, time_limit, tolerance, method, new_highs)
    else:
        result = _solve_in_child(arrays, time_limit, tolerance, method, stop)
    if result is None or (stop is not None and stop.is_set()):
        return None
    return Solution(*result)


def _solve_in_child(arrays: highs_child.Arrays, time_limit: float, tolerance: float,
                    method: str, stop: threading.Event) -> tuple[np.ndarray, np.ndarray] | None:
    with tempfile.TemporaryDirectory(prefix="highs-") as name:
        folder = Path(name)
        highs_child.write_model(folder, arrays, time_limit, tolerance, method)
        with open(folder / "stderr.txt", "wb") as err:
            # our own interpreter on our own file; -P: not with scheduler/ on the path, where
            # io.py and the others would shadow the standard library's
            child = subprocess.Popen(  # noqa: S603
                [sys.executable, "-P", highs_child.__file__, str(folder), str(os.getpid())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            while child.poll() is None:
                if stop.wait(0.05):
                    return None
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
        if child.returncode != 0 or not (folder / "solution.npz").exists():
            tail = (folder / "stderr.txt").read_text(errors="replace").strip()[-2000:]
            raise RuntimeError(f"the LP's process ended with exit code {child.returncode}: "
                               f"{tail}")
        return highs_child.read_solution(folder)


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

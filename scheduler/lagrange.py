"""A proved upper bound by Lagrangian relaxation of the people's load limits (scales to big cities).

The loads (rule 7, and sessions available up to each deadline, rule 5) are the only rows that
tie cases together here, so they are priced with multipliers lambda >= 0; every case then picks,
on its own, whether to be heard and its cheapest valid panel (three distinct eligible experts
covering its areas, found exactly) plus its cheapest counsellor. For ANY lambda >= 0,

    L(lambda) = sum_c max(0, priority_c - price of c's cheapest panel) + sum_r lambda_r cap_r

is an upper bound on total priority (weak duality); subgradient steps lower it. Everything else
(rooms, sessions, counsellor not on the panel) is dropped, which only loosens the bound.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import defaultdict

import numpy as np

from .greedy import Problem
from .lpcore import person_caps

GOLDEN_STEPS = 10
STEP = 0.05  # first price step, as a fraction of the mean priority per seat
PATIENCE = 10
# Price adjustment ends after this many evaluations in a row that lower the bound not at all: on
# the L scenarios none ever did (12 s each, the bound all from the flat price's search, done in
# 2-4 s), on S they come every 1-12 evaluations
STALL = 3 * PATIENCE


class _Case:
    """One case's panel options as arrays: for each distinct eligible-expert list (by centre),
    the experts' indices and their masks of the case's required areas."""

    def __init__(self, problem: Problem, cid: str, person_index: dict[str, int]):
        opts = problem.options[cid]
        self.cid = cid
        self.priority = problem.priority[cid]
        self.last = opts.last_day
        required = list(dict.fromkeys(opts.case.required_expertise))
        self.full = (1 << len(required)) - 1
        groups: dict[tuple[str, ...], tuple[str, ...]] = {}
        for co in opts.centres:
            groups[tuple(sorted(co.experts))] = tuple(sorted(co.counsellors))
        self.options = []
        for experts, counsellors in groups.items():
            idx = np.array([person_index[q] for q in experts], dtype=np.int64)
            masks = np.array([sum(1 << i for i, a in enumerate(required)
                                  if a in problem.expertise[q]) for q in experts], dtype=np.int64)
            couns = np.array([person_index[q] for q in counsellors], dtype=np.int64)
            self.options.append((idx, masks, couns))
        self.needs_counsellor = opts.case.needs_counsellor
        self.combos = _combos(len(required), problem.ix.panel_size)


def _combos(areas: int, size: int) -> list[tuple[int, ...]]:
    """Multisets of `size` area-masks whose union covers all `areas` areas."""
    full = (1 << areas) - 1
    out = []
    for combo in itertools.combinations_with_replacement(range(full + 1), size):
        union = 0
        for m in combo:
            union |= m
        if union == full:
            out.append(combo)
    return out


def _cheapest_panel(case: _Case, cost: np.ndarray, size: int) -> tuple[float, list[int]]:
    """Exact cheapest panel over the case's options (inf if none) and its members."""
    best, members = math.inf, []
    for idx, masks, couns in case.options:
        if len(idx) < size:
            continue
        extra = 0.0
        k_member: list[int] = []
        if case.needs_counsellor:
            if len(couns) == 0:
                continue
            k = int(np.argmin(cost[couns]))
            extra = float(cost[couns[k]])
            k_member = [int(couns[k])]
        c = cost[idx]
        buckets: dict[int, list[tuple[float, int]]] = {}
        for m in np.unique(masks):
            sel = np.nonzero(masks == m)[0]
            order = sel[np.argsort(c[sel], kind="stable")[:size]]
            buckets[int(m)] = [(float(c[j]), int(idx[j])) for j in order]
        for combo in case.combos:
            need: dict[int, int] = defaultdict(int)
            for m in combo:
                need[m] += 1
            total, chosen = extra, list(k_member)
            for m, n in need.items():
                bucket = buckets.get(m, [])
                if len(bucket) < n:
                    total = math.inf
                    break
                total += sum(v for v, _ in bucket[:n])
                chosen += [j for _, j in bucket[:n]]
            if total < best:
                best, members = total, chosen
    return best, members


class _Relaxation:
    """The load rows (a person, a last day, a capacity) and each case's panel options; `value`
    gives L(lambda) and a subgradient for multipliers on those rows."""

    def __init__(self, problem: Problem, candidates: list[str]):
        self.fixed_value = sum(problem.priority[c] for c in problem.fixed)
        people = sorted({q for c in candidates for q in problem.options[c].experts
                         | problem.options[c].counsellors})
        person_index = {q: i for i, q in enumerate(people)}
        deadlines = sorted({problem.options[c].last_day for c in candidates})
        self.rows: list[tuple[str, int]] = []
        rows_person, rows_last, caps = [], [], []
        for q in people:
            for last, cap in person_caps(problem, q, deadlines):
                self.rows.append((q, last))
                rows_person.append(person_index[q])
                rows_last.append(last)
                caps.append(cap)
        self.n_people = len(people)
        self.rows_person = np.array(rows_person, dtype=np.int64)
        self.rows_last = np.array(rows_last, dtype=np.int64)
        self.caps = np.array(caps, dtype=float)
        self.cases = [_Case(problem, c, person_index) for c in candidates]
        self.size = problem.ix.panel_size
        self.by_last = sorted({c.last for c in self.cases})

    def value(self, lam: np.ndarray) -> tuple[float, np.ndarray]:
        """L(lambda) and a subgradient (seats each row counts minus its capacity)."""
        rp, rl = self.rows_person, self.rows_last
        # a person's price for a case due on day d: the multipliers of rows with last >= d
        price = {d: np.bincount(rp, weights=lam * (rl >= d), minlength=self.n_people)
                 for d in self.by_last}
        value = float(lam @ self.caps)
        counts: dict[tuple[int, int], int] = defaultdict(int)
        for case in self.cases:
            cost, members = _cheapest_panel(case, price[case.last], self.size)
            if case.priority - cost > 0:
                value += case.priority - cost
                for j in members:
                    counts[(j, case.last)] += 1
        grad = -self.caps.copy()
        for (j, d), n in counts.items():
            grad[(rp == j) & (rl >= d)] += n
        return self.fixed_value + value, grad


def lagrangian_value(problem: Problem, candidates: list[str],
                     prices: dict[tuple[str, int], float]) -> float:
    """L(lambda) for the given prices of the load rows, by (person, last day) as `person_caps`
    gives them (absent: 0): a proved upper bound whatever the prices (the aggregated LP's
    duals, `lp.aggregated_lp`), fixed cases' priorities included."""
    if not candidates:
        return float(sum(problem.priority[c] for c in problem.fixed))
    relax = _Relaxation(problem, candidates)
    lam = np.array([max(0.0, prices.get(row, 0.0)) for row in relax.rows])
    return relax.value(lam)[0]


def lagrangian_bound(problem: Problem, candidates: list[str], lower: float,
                     time_limit: float = 20.0, stop: threading.Event | None = None,
                     adjust: bool = True) -> float | None:
    """Best (lowest) bound found by subgradient steps; fixed cases' priorities included.
    `adjust`: after the flat price, adjust row by row (on the L scenarios that never lowered
    the bound: 11 s more for the same 3,418 at hard L, 5,486 at generator L)."""
    t0 = time.monotonic()
    fixed_value = sum(problem.priority[c] for c in problem.fixed)
    if not candidates:
        return float(fixed_value)
    relax = _Relaxation(problem, candidates)
    caps_a, evaluate = relax.caps, relax.value

    def out_of_time() -> bool:
        return time.monotonic() - t0 > time_limit or (stop is not None and stop.is_set())

    # 1) a flat price per seat on the total-load rows, its level found by golden-section search
    # (L is convex in it): from zero every case piles onto the same few experts and plain
    # subgradient steps oscillate for long
    mean_seat = sum(problem.priority[c] for c in candidates) / len(candidates) / relax.size
    total_rows = relax.rows_last == len(problem.ix.dates) - 1
    best, best_lam, best_grad = math.inf, np.zeros(len(caps_a)), -caps_a

    def flat(level: float) -> float:
        nonlocal best, best_lam, best_grad
        lam = np.where(total_rows, level * mean_seat, 0.0)
        bound, grad = evaluate(lam)
        if bound < best:
            best, best_lam, best_grad = bound, lam, grad
        return bound

    lo, hi = 0.0, 2.0
    ratio = (math.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = flat(a), flat(b)
    for _ in range(GOLDEN_STEPS):
        if out_of_time():
            break
        if fa <= fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = flat(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = flat(b)
    # 2) price adjustment, row by row (a subgradient step scaled by capacity): raise the price of
    # overbooked people, lower it for idle ones; the step shrinks when progress stops. Ties make
    # this slow to help; any prices give a valid bound, so the best one is kept
    step, lam, grad, failures, stalled = STEP * mean_seat, best_lam, best_grad, 0, 0
    while adjust and not out_of_time() and step > 1e-4 * mean_seat \
            and math.floor(best + 1e-6) > lower and stalled < STALL:
        lam = np.maximum(0.0, lam + step * grad / np.maximum(caps_a, 1.0))
        bound, grad = evaluate(lam)
        if bound < best - 1e-9:
            best, best_lam, best_grad, failures, stalled = bound, lam, grad, 0, 0
        else:
            failures += 1
            stalled += 1
            if failures >= PATIENCE:
                step, failures = step / 2, 0
    return None if math.isinf(best) else best

"""The planner: necessary conditions, greedy warm start, LP bound, CP-SAT (whole or by neighbourhood).

`solve` always returns a valid plan: the best one found when the time limit or `stop` ends it.
Stages, cheapest first: (1) eligibility and per-case necessary conditions, which also feed the
explanations; (2) a randomised priority greedy; (3) LP relaxations for a proved upper bound,
the day-indexed one also guiding a construction; (4) CP-SAT on the whole model when it is small
(its bound is then a proof too), otherwise CP-SAT on every case restricted to the day LP's
support (when it ran), then large-neighbourhood search re-solving a county, a few days, or the
rivals of an unscheduled case.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .cpsat import SubModel
from .daylp import Built, DayLP, columns_estimate, day_lp, guided_greedy
from .daylp import build as build_day_lp
from .explain import explain_unscheduled, static_reasons
from .fairness import fairness, is_urgent
from .greedy import (
    LATE_WINDOW,
    Assignment,
    Bookings,
    Problem,
    case_order,
    greedy,
    place,
    spare,
)
from .index import ScenarioIndex
from .lagrange import lagrangian_bound
from .lp import AggregatedLP, aggregated_lp, lp_bound
from .lp import columns as lp_columns
from .model import Hearing, Plan, Scenario, Unscheduled
from .options import choose_chair
from .rules import PlanUsage, Reason, hearing_violations

Progress = Callable[[dict[str, Any]], None]
FULL_MODEL_LIMIT = 60_000  # person-slot candidates; above it the whole model is too slow to prove
# The whole model asks only for plans better than the warm start's, with CP-SAT's
# linearization_level 2 (more of the model in its LP). S seeds 1-8 of both families proved
# within 5 s, quiet: 13-14 of 16 before (slowest 5.9-6.4 s, 3 runs), 15-16 with both (3.3-7.6 s,
# 4 runs); one core busy: 14 before, 15 with both (docs/planner.md, "The whole model at S")
WHOLE_LINEARIZATION = 2
LP_CASE_LIMIT = 1_200
# The day-indexed LP (`daylp`) runs up to this `columns_estimate` (hard M: 236,000 estimated,
# 159,000 built, the coarse solve 4.6 s under load; generator M: 314,000, 8.6 s, seed 2 892 -> 894
# and the gap tolerance met at 21 s, seed 1 unchanged at 804), with this share of the time left
DAY_LP_COLUMNS = 400_000
DAY_LP_SHARE = 0.7
# PDLP's relative tolerance, coarse first (hard M: 4.6 s, bound 609, guided plan 541), then finer
# when time allows (1e-3: 13.7-16.3 s, bound 597, the same guided plan)
DAY_LP_TOLERANCES = (1e-2, 1e-3)
# ... solved by HiGHS's cuPDLP-C port, whose solutions guide the construction better than those
# of its own PDLP, hipdlp, which certifies a tighter bound sooner (generator M, guided plans
# with and without its seats: pdlp 1e-2 799 and 803, 30 s runs 803-804; hipdlp 797-798 at every
# tolerance, 30 s runs 798-799; hard M 559 against 556-557)
DAY_LP_METHOD = "pdlp"
# ... so, when the finer solve does not run, hipdlp gives the bound from a child process beside
# the search (`_BackgroundLP`): hard M 597.2 (against the coarse 609.7) in 3.9-5.6 s, generator
# M 815.0 in 12-15 s
DAY_LP_BOUND_METHOD = "hipdlp"
DAY_LP_BOUND_TOLERANCE = 3e-3
# When the whole model does not follow (M), the bound solves of the day LP's model (the
# aggregated LP, then hipdlp: `_day_lp_bounds`) begin beside its guidance solve instead of after
# it: each solve runs in its own child process while this one only waits for the guidance, so
# the search has both cores some 5 s sooner (hard M 578.1 -> 578.5 over 60 runs each, within
# the noise: docs/planner.md, "The bound solves beside the guidance solve")
DAY_LP_BOUND_EARLY = True
# ... which is when the time left is this many times the coarse solve's: the finer one takes
# 2.3-3.6 times as long, and at hard M its 16 s are worth more to the search (30 s runs: 547-548
# with it, 561-564 without; the bound 609 instead of 596, neither within 1 %)
DAY_LP_FINER = 8
# ... and when the best plan so far is within this share of the coarse bound: further off, the
# gap is the plan's (a finer solve tightens the bound by about 2 %, hard M 609 -> 596) and the
# search needs the time. Hard M, 30 s, seventh session's machine: the guided plan 559 is 8.2 %
# below 609; CP-SAT seeds 0-5, 568.8 with the finer solve, 573.0 without it (571-577; 6 %
# rather than the sixth session's 10 %, set when the guided plan was 541, 11 % below:
# docs/planner.md, "The day LP's seats"); generator M (about 2 % below) keeps its finer solve
DAY_LP_FINER_GAP = 0.06
# ... unless the time left is at least this many coarse solves: then the finer solve's seconds
# are a small share of the run whatever the gap (a 600 s run at hard M: bound 596, not 609)
DAY_LP_FINER_AMPLE = 40
# After each CP-SAT step (the LP's support, a county, a neighbourhood; not on a re-plan, whose
# people should stay), its hearings are re-seated with less scarce experts where some are free
# (`greedy.spare`) before the waiting cases are refilled: the scarce ones it frees can then
# hear a case only they can serve (hard M 580.25 -> 582.4 over 40 runs each, hard L 3,039.8 ->
# 3,062.0 over 4: docs/planner.md, "Specialists spared")
SPARE = True
URGENT_EARLY = True  # urgent cases as early as possible: phase 2's tie-break, `_urgent_earlier`
# The randomised greedies' share of the time left: 3 % up to L, where the day LP's guided plan
# or the search does better with the time (hard M: 12 greedies in 3.1 s gave +1, the guided plan
# +18; hard L: +3 in 12 s, the search about +1 a second), 15 % above (XL, not re-measured)
WARM_START_SHARE = 0.15
WARM_START_SHARE_SHORT = 0.03
WARM_START_FULL_CASES = 5_000
LNS_START_SIZE = 20  # cases per neighbourhood at first
# ... and at most: at hard L, runs whose neighbourhoods had grown to 60 cases (the cap was 120)
# improved 11 times in 92 steps (2,913), those that stayed at 25 improved 25 times (2,955-2,958)
LNS_MAX_SIZE = 40
# Neighbourhood kinds (`_neighbourhood`), in the order the search takes them, round and round:
# the cases holding the people a waiting case needs ("rivals") twice for each county's, and a
# few days' once in seven. Traced per kind (hard L, 120 s): rivals gave 64-73 points in 60 s,
# a county 9-15 in 37-41 s, the days 0-4 in 2-4 s (on hard M and generator M the days improved
# nothing in 17 tries). Hard L 2,958.5 -> 2,963.5 (means of 2), hard M 548.7 -> 554.3 (of 3)
# against county, rivals, county, rivals, days
COUNTY, DAYS, RIVALS = 0, 1, 2
LNS_KINDS = (COUNTY, RIVALS, RIVALS, COUNTY, RIVALS, RIVALS, DAYS)
# With the day LP (M, not on a re-plan), a county's neighbourhood is up to this many of its cases,
# each restricted to the LP's support as in `_solve_lp_support` (values of LNS_SUPPORT_VALUE or
# more), instead of 40 cases with their top 12 people: hard M seed 1, 30 s, CP-SAT seeds 0-5,
# 577.7 -> 581.0 (each support step 44-63 cases, +1 or +2 where it improves); 60 cases 578.7
# (seeds 0-2, against 580.3), values of 0.01 577.0; hard M seed 2 and generator M unchanged
# (docs/planner.md, "A county on the LP's support")
LNS_SUPPORT_CASES = 120
LNS_SUPPORT_VALUE = 0.05
LNS_TOP_K = 12  # candidate people per case and centre in a neighbourhood
# ... and every person the day LP seats with the case at this value or more on some day
# (`DayLP.seated`). Hard M, 30 s, CP-SAT seeds 0-11: mean 570.3 without them, 573.3 with them
LNS_LP_SEAT = 0.3
LNS_STEP_SECONDS = 1.0  # CP-SAT's time per neighbourhood, and the refill's after it
# Before the search, when the day LP ran (M): CP-SAT on every case at once, each restricted to
# the days the LP hears it on and the people it seats with it there, at this value or more (and
# its hearing in the plan so far), for this share of the time left. Hard M, 30 s (hard M's
# model: 14,330 variables; 559 -> 576 in 8 s), CP-SAT seeds 0-4: share 0.3 577.8, 0.45 580.4,
# 0.6 580.2; value 0.01 instead of 0.05 580.8 (docs/planner.md, "The LP's support")
LP_SUPPORT_VALUE = 0.05
LP_SUPPORT_SHARE = 0.45
# At S the support stage runs too, for this share of the time left, before CP-SAT proves on the
# whole model hinted with its plan: S seeds 1-8 of both families, CP-SAT seeds 0-1, 5 s, proved
# in 32 of 32 runs in 39 s together against 31 of 32 in 67 s without it (generator S seed 1:
# 1.3 s against 3.5 s); 0.2 proved 29 of 32 on a slower machine where none proved 28
LP_SUPPORT_SHARE_SMALL = 0.3
# Above LP_CASE_LIMIT cases the aggregated LP (`lp.aggregated_lp`) runs in a thread beside the
# search, up to this many columns (hard L: 362,000, 32 s alone at tolerance 1e-3, bound 3,317
# against the Lagrangian's 3,418; generator L: 775,000, 161 s) and when the time left is at
# least LP_BACKGROUND_MARGIN times its expected seconds at LP_COLUMNS_PER_SECOND (hard L: 11,400)
LP_COLUMNS = 500_000
LP_COLUMNS_PER_SECOND = 10_000
LP_BACKGROUND_MARGIN = 2.0
LP_BACKGROUND_TOLERANCE = 1e-2  # hard L: 32.8 s, 3,301.6 (3e-3: 40.9 s, 3,296.4; 3e-2: 26.8 s, 3,327.4)
# Once it has a solution, the search takes its guidance (`_Run.favour`, `_neighbourhood`): hard L,
# 120 s, CP-SAT seeds 1-5, 3,014.0 against 2,993.4 with its bound alone (docs/planner.md, "Hard L:
# the aggregated LP beside the search"); a rivals' target is a waiting case it hears at this much
LP_TARGET_HEARD = 0.5
# At M the day LP's solution chooses the rivals' targets likewise (Σ_d x, `DayLP.heard`), and at
# every size each target takes its turn: the waiting case tried least as a target first
# (`_neighbourhood`'s `tried`), so that one case no plan can hear does not take every rivals'
# step (before it, hard L's 69 rivals' steps took 12 distinct targets, one 13 times). No gain
# shown beyond noise: hard L, 120 s, 3,005.3 (6 runs) -> 3,007.9 (9); hard M, 30 s, 580.4 both
# (20 and 25 runs) (docs/planner.md, "Each target in turn")
DAY_LP_TARGETS = True
# Not on a re-plan, every COUNTY_LP_EVERY-th step re-plans a whole county on its own day LP (L
# without the day LP of the whole scenario; M with it, since the eighteenth session): the LP of the
# county's cases net of every other hearing (which stay), solved coarsely, then CP-SAT on its
# support (`_support`) for COUNTY_LP_SECONDS. Hard L, from a 60 s plan (2,953): four counties +13,
# +13, +7, +7 in 31.5 s (LP 3.7-4.0 s each at 218,000-249,000 columns, CP-SAT 4 s on 5,500-7,400
# variables), against about 0.9 a second for the other steps then. Counties taken in turn, up to
# COUNTY_LP_COLUMNS estimated columns (hard L's ten: 307,000-466,000; generator L's smallest,
# 470,000, the others and XL's above). `bench.run --sizes L --family hard --seed 1 --repeat 4`:
# 3,022.3 without it, 3,036.5 every sixth step (400,000 columns: 8 counties), 3,054.0 every third
# (all ten). COUNTY_LP_AT_ONCE counties a step: their LPs (one thread each) solved at once in their
# child processes, so that both cores work while the solving process waits, then their CP-SAT steps
# in turn; a step not begun when it would not end in time (`_lns`). Hard L 3,010.2 (16 runs) one at
# a time -> 3,033.2 (8) two -> 3,043.6 (8) with that check; three 3,028.0 (4, peak 1.6 GB); two
# every other step 3,030.0 (4) (docs/planner.md, "Two counties' LPs at once")
COUNTY_LP_EVERY = 3
COUNTY_LP_SECONDS = 3.0
COUNTY_LP_COLUMNS = 500_000
COUNTY_LP_TOLERANCE = 1e-2
COUNTY_LP_AT_ONCE = 2
# A county step first plans the county afresh on its LP (`guided_greedy`: its cases in
# `case_order`, every other hearing held), with the people the LP seats and again with the
# least loaded, and offers both before CP-SAT on the support starts from the better plan: the
# CP-SAT step alone keeps most of what the plan had, where the LP's plan is often 1-22 points
# better. Hard L, 120 s, `bench.run --sizes L --family hard --seed 1 --repeat 4`: 3,052.0
# (3,039-3,067) without, 3,087.0 with the seated plan alone, 3,105.5 (3,104-3,110) with both;
# on a slower machine 2,978.8 without, 3,019.7 (12 runs) with both (docs/planner.md, "A county
# planned afresh on its LP")
COUNTY_GUIDED = True
ROTATE_TARGETS = True
# The Lagrangian's time at L (a share of the time left), in the aggregated LP's thread after it
# when the LP gave no bound, else here before the search
LAGRANGIAN_SHARE_L = 0.1


@dataclass
class _Bound:
    """A background solve's bound alone (no solution to guide the search with)."""

    value: float
    source: str


Background = DayLP | AggregatedLP | _Bound | None


class _BackgroundLP:
    """LPs solved in turn in a thread while the search goes on (HiGHS in a child process from
    `lpcore.PROCESS_COLUMNS` columns, else here with the GIL released): the aggregated LP at L
    (`_background_lp`: at hard L its 33 s come from the second core, not from the search's
    time; the Lagrangian only if it gives nothing), the day LP's bound solve and then the
    aggregated LP's at M (`_day_lp`). `_Run.collect` takes each bound as it comes and, from the
    aggregated LP at L, its solution. Each `solve(stop)` runs with this object's `stop`."""

    def __init__(self, *solves: Callable[[threading.Event], Background]):
        self.results: list[Background] = []  # appended as each solve ends (`take`)
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._solve, args=(solves,), name="background-lp",
                                       daemon=True)
        self.thread.start()

    def _solve(self, solves: tuple[Callable[[threading.Event], Background], ...]) -> None:
        try:
            for solve in solves:
                if self.stop.is_set():
                    break
                self.results.append(solve(self.stop))
        except BaseException as exc:  # raised again in the solving thread (`take`)
            self.error = exc

    def take(self) -> list[Background]:
        """The results that came since the last call (raises a solve's error)."""
        if self.error is not None:
            raise self.error
        out = self.results[:]
        del self.results[:len(out)]
        return out

    def finished(self) -> bool:
        return not self.thread.is_alive() and not self.results and self.error is None

    def cancel(self) -> None:
        """End it (a solve in a child process is killed at once; a build under way ends
        first)."""
        self.stop.set()
        self.thread.join(timeout=0.5)


class _Run:
    """Shared state of one solve: clock, best plan so far, proved bound, progress reporting."""

    def __init__(self, problem: Problem, time_limit: float, on_progress: Progress | None,
                 stop: threading.Event | None, t0: float, gap_tolerance: float = 0.0):
        self.problem = problem
        self.gap_tolerance = max(0.0, gap_tolerance)
        self.stopped_early: str | None = None  # "gap" or "stop" when the search ended early
        self.t0 = t0  # when solve() was called: building the problem counts too
        # the search stops early enough to write the explanations within the time limit
        reserve = min(0.1 * time_limit, 0.5 + 0.0015 * len(problem.ix.scenario.cases))
        self.deadline = self.t0 + max(0.0, time_limit - reserve)
        self.lns_steps = 0
        self.lns_improvements = 0
        self.on_progress = on_progress
        self.stop = stop
        self.bound: float = math.inf
        self.best: Bookings | None = None
        self.bound_source = "none"
        self.lp: DayLP | None = None  # the day LP's last solution, when it ran (`favour`)
        self.background: _BackgroundLP | None = None  # an LP in a thread (`_BackgroundLP`)
        self.aggregated: AggregatedLP | None = None  # its solution, once it has one
        # the aggregated LP's bound is (or was) solved beside the search, and with it at L the
        # Lagrangian should the LP give none: not again here
        self.bounds_beside = False
        # on a re-plan: each previous hearing as a coordinator sees it (panel order carries nothing)
        self.previous_keys: dict[str, tuple] = {}
        self.replan: dict[str, Any] | None = None

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def stopped(self) -> bool:
        return (self.stop is not None and self.stop.is_set()) or self.left() <= 0

    def objective(self) -> int:
        return self.best.objective() if self.best else 0

    def changes(self, bookings: Bookings) -> int:
        """Hearings of the previous plan that this one changes or drops (0 without one)."""
        if not self.previous_keys:
            return 0
        ix = self.problem.ix
        out = 0
        for cid, key in self.previous_keys.items():
            a = bookings.by_case.get(cid)
            if a is None or (ix.slot_day(a.slot), ix.slot_session(a.slot), a.room,
                             frozenset(a.panel), a.counsellor) != key:
                out += 1
        return out

    def key(self, bookings: Bookings) -> tuple[int, int]:
        """How solutions compare: total priority, then (on a re-plan) fewer changes."""
        return bookings.objective(), -self.changes(bookings)

    def accept(self, bookings: Bookings, ties: bool = True) -> bool:
        """Make `bookings` the best if it is better on `key` (with `ties`, or as good)."""
        if self.best is not None:
            new, old = self.key(bookings), self.key(self.best)
            if new < old or (new == old and not ties):
                return False
        improved = self.best is None or bookings.objective() > self.best.objective()
        self.best = bookings
        if improved:
            self.report()
        return True

    def offer(self, bookings: Bookings) -> bool:
        return self.accept(bookings, ties=False)

    def tighten(self, bound: float, source: str) -> None:
        bound = math.floor(bound + 1e-6)  # priorities are integers
        if bound < self.bound:
            self.bound = bound
            self.bound_source = source
            self.report()

    def collect(self) -> None:
        """Take the background LPs' bounds and solution as they come (every stage asks `done`
        often)."""
        if self.background is None:
            return
        for result in self.background.take():
            if isinstance(result, DayLP) and result.bound is not None:
                self.tighten(result.bound, "day-indexed LP relaxation")
            elif isinstance(result, AggregatedLP) and result.bound is not None:
                self.tighten(result.bound, "LP relaxation")
                self.aggregated = result
            elif isinstance(result, _Bound):
                self.tighten(result.value, result.source)
        if self.background.finished():
            self.background = None

    def done(self) -> bool:
        """Optimal, or within the gap tolerance: (bound - objective) / bound <= tolerance."""
        self.collect()
        if self.best is None or math.isinf(self.bound):
            return False
        objective = self.objective()
        if objective >= self.bound:
            return True
        if self.bound - objective <= self.gap_tolerance * self.bound:
            self.stopped_early = "gap"
            return True
        return False

    def target(self) -> float:
        """The least objective that ends the search (the bound less the gap tolerance)."""
        if math.isinf(self.bound):
            return self.bound
        return math.ceil(self.bound * (1.0 - self.gap_tolerance) - 1e-9)

    def report(self) -> None:
        self.progress(self.objective(), len(self.best.by_case) if self.best else 0)

    def progress(self, objective: int, scheduled: int, bound: float = math.inf) -> None:
        """Tell `on_progress` of a plan (the best so far, or one a CP-SAT stage is finding)
        and the proved bound, or `bound` when a stage proves a tighter one."""
        if self.on_progress is None:
            return
        proved = min(self.bound, math.floor(bound + 1e-6) if math.isfinite(bound) else math.inf)
        self.on_progress({"elapsed": round(self.elapsed(), 2), "objective": objective,
                          "bound": None if math.isinf(proved) else int(proved),
                          "scheduled": scheduled})

    @property
    def favour(self) -> dict[str, set[str]]:
        """Per case, the people the day LP seats with it (at `LNS_LP_SEAT` on some day), or
        the aggregated LP (L)."""
        if self.lp is not None:
            return self.lp.seated(LNS_LP_SEAT)
        if self.aggregated is not None:
            return self.aggregated.seated(LNS_LP_SEAT)
        return {}


def solve(scenario: Scenario, *, time_limit: float = 60.0, workers: int = 2,
          previous_plan: Plan | None = None, on_progress: Progress | None = None,
          stop: threading.Event | None = None, seed: int = 0,
          gap_tolerance: float = 0.005) -> Plan:
    """Plan as many cases as possible, highest total priority first; see the module docstring.

    The search ends as soon as (bound - objective) / bound <= `gap_tolerance` (0: only when
    proved optimal), with `stats["stopped_early"] = "gap"`; `stop.set()` ends it at once with
    the best plan found so far (`"stop"`, and the status says "(stopped)").
    """
    t0 = time.monotonic()
    problem = Problem(scenario)
    run = _Run(problem, time_limit, on_progress, stop, t0, gap_tolerance)
    impossible = {cid: static_reasons(problem, cid) for cid in problem.free_cases}
    candidates = [cid for cid in problem.free_cases if not impossible[cid]]
    fixed_value = sum(problem.priority[c] for c in problem.fixed)
    run.tighten(fixed_value + sum(problem.priority[c] for c in candidates), "cases feasible alone")
    if len(candidates) > LP_CASE_LIMIT:
        run.background = _background_lp(problem, run, candidates)
        run.bounds_beside = run.background is not None
    try:
        return _solve(problem, run, candidates, impossible, previous_plan, workers, seed)
    finally:
        if run.background is not None:
            run.background.cancel()


def _background_lp(problem: Problem, run: _Run, candidates: list[str]) -> _BackgroundLP | None:
    """The aggregated LP beside the search when it is expected to finish well in time, and the
    Lagrangian there too should the LP give no bound (else its seconds go to the search: hard
    L 5.1 s, for a bound the LP's replaces anyway)."""
    columns = lp_columns(problem, candidates)
    if columns > LP_COLUMNS or \
            run.left() < LP_BACKGROUND_MARGIN * columns / LP_COLUMNS_PER_SECOND:
        return None
    left = run.left()
    fallback = max(1.0, LAGRANGIAN_SHARE_L * left)

    bounded: list[bool] = []

    def aggregated(stop: threading.Event) -> AggregatedLP | None:
        result = aggregated_lp(problem, candidates, time_limit=left - fallback, stop=stop,
                               tolerance=LP_BACKGROUND_TOLERANCE)
        bounded.append(result is not None and result.bound is not None)
        return result

    def lagrangian(stop: threading.Event) -> _Bound | None:
        if any(bounded):
            return None
        bound = lagrangian_bound(problem, candidates, 0, time_limit=fallback, stop=stop,
                                 adjust=False)
        return None if bound is None else _Bound(bound, "Lagrangian relaxation")

    return _BackgroundLP(aggregated, lagrangian)


def _solve(problem: Problem, run: _Run, candidates: list[str],
           impossible: dict[str, list[Reason]], previous_plan: Plan | None, workers: int,
           seed: int) -> Plan:
    previous = _previous_assignments(problem, previous_plan)
    base = _minimal_change(problem, run, previous_plan) if previous_plan is not None else []
    # the minimal-change plan: the previous hearings still valid, the broken ones repaired in
    # place, the rest planned afresh; later stages replace it only with a better key (priority,
    # then fewer changes)
    order = [c for c in case_order(problem) if c in set(candidates)]
    run.offer(greedy(problem, base=base, order=order))
    if previous_plan is None:  # the other day order: long windows take their latest days first
        run.offer(greedy(problem, base=base, order=order, late_first=LATE_WINDOW))
    if run.replan is not None and run.best is not None:
        run.replan["minimal_objective"] = run.objective()
        run.replan["minimal_changes"] = run.changes(run.best)
    _warm_start(problem, run, base, candidates,
                share=WARM_START_SHARE if len(candidates) > WARM_START_FULL_CASES
                else WARM_START_SHARE_SHORT)
    day_bound = False
    small = _model_size(problem, candidates) <= FULL_MODEL_LIMIT
    if not run.done() and not run.stopped() and \
            columns_estimate(problem, candidates) <= DAY_LP_COLUMNS:
        day_bound = _day_lp(problem, run, base, candidates, order,
                            replan=previous_plan is not None, whole=small)
    # the Lagrangian bound first, at every size: cheap, so a useful bound exists even when the
    # LP's rounds do not finish in time (busy machine, scarce scenarios), but not when the
    # day-indexed LP gave one, always tighter (hard M 596 against 644, generator M 814-818
    # against 823; at S its 0.5 s decided whether CP-SAT proved hard S seeds 1 and 4 within
    # 5 s); then the LP, tighter when it converges, up to LP_CASE_LIMIT cases (kept after the
    # day LP: when only the coarse day solve fits, the LP's bound can be the better, generator
    # M seed 2 898 against 914)
    if not run.done() and not run.stopped() and len(candidates) <= LP_CASE_LIMIT \
            and not day_bound:
        bound = lagrangian_bound(problem, candidates, run.objective(),
                                 time_limit=max(0.5, 0.05 * run.left()), stop=run.stop)
        if bound is not None:
            run.tighten(bound, "Lagrangian relaxation")
    if not run.done() and not run.stopped() and len(candidates) <= LP_CASE_LIMIT \
            and not run.bounds_beside:
        bound = lp_bound(problem, candidates, time_limit=max(1.0, 0.35 * run.left()),
                         stop=run.stop)
        if bound is not None:
            run.tighten(bound, "LP relaxation")
    if not run.done() and not run.stopped() and len(candidates) > LP_CASE_LIMIT \
            and not run.bounds_beside:
        bound = lagrangian_bound(problem, candidates, run.objective(),
                                 time_limit=max(1.0, LAGRANGIAN_SHARE_L * run.left()),
                                 stop=run.stop, adjust=False)
        if bound is not None:
            run.tighten(bound, "Lagrangian relaxation")
    if small and run.lp is not None and previous_plan is None and not run.done() \
            and not run.stopped():  # the LP's support first: the proof starts from its plan
        _solve_lp_support(problem, run, candidates, run.lp, workers, seed,
                          share=LP_SUPPORT_SHARE_SMALL)
    if small and not run.stopped():
        _solve_whole(problem, run, candidates, previous, workers, seed)
    elif run.lp is not None and previous_plan is None and not run.done() and not run.stopped():
        _solve_lp_support(problem, run, candidates, run.lp, workers, seed)
    if not run.done() and not run.stopped():
        _lns(problem, run, candidates, previous, workers, seed)
    if previous_plan is None and URGENT_EARLY:
        _urgent_earlier(problem, run)
    run.collect()
    return _plan(problem, run, previous_plan, impossible)


# --- stages ------------------------------------------------------------------------------------


def _previous_assignments(problem: Problem, plan: Plan | None) -> dict[str, Assignment]:
    """Every hearing of the previous plan for a free case, as it was (valid or not): the CP-SAT
    stages reward keeping its slot, room and people."""
    if plan is None:
        return {}
    ix = problem.ix
    out = {}
    for h in plan.hearings:
        if h.case in problem.fixed or h.case not in ix.case or h.case in out \
                or h.date not in ix.day_pos or h.session not in ix.session_pos:
            continue
        centre = ix.centre_of_room.get(h.room)
        out[h.case] = Assignment(h.case, ix.slot(h.date, h.session),
                                 centre.id if centre else h.centre, h.room, tuple(h.panel),
                                 h.counsellor)
    return out


def _minimal_change(problem: Problem, run: _Run, plan: Plan) -> list[Assignment]:
    """The previous plan changed as little as possible: every hearing that is still valid (next to
    the fixed ones and each other, highest priority first) is kept; then each broken one keeps its
    room and time with only the unfit people replaced, when replacements fit (`repair._keep_slot`).
    The rest are planned afresh. Sets `run.previous_keys` and `run.replan`."""
    from .repair import _fixed_as_hearing, _keep_slot  # repair builds on solve

    ix = problem.ix
    previous: dict[str, Hearing] = {}
    for h in plan.hearings:
        if h.case in ix.case and h.case not in problem.fixed:
            previous.setdefault(h.case, h)
    run.previous_keys = {c: (h.date, h.session, h.room, frozenset(h.panel), h.counsellor)
                         for c, h in previous.items()}
    usage = PlanUsage(_fixed_as_hearing(ix, f) for f in ix.scenario.fixed)
    rank = {c: i for i, c in enumerate(case_order(problem))}
    order = sorted(previous, key=lambda c: rank.get(c, len(rank)))
    kept, broken, repaired = [], [], []
    for cid in order:
        h = previous[cid]
        if hearing_violations(ix, h, usage):
            broken.append(h)
        else:
            usage.add(h)
            kept.append(h)
    for h in broken:  # around every kept hearing, so mending one never breaks another
        if h.date not in ix.day_pos or h.session not in ix.session_pos or h.room not in ix.room:
            continue
        mended = _keep_slot(ix, h, usage)
        if mended is not None:
            usage.add(mended)
            repaired.append(mended)
    run.replan = {"kept": len(kept), "repaired": len(repaired),
                  "replanned": len(broken) - len(repaired)}
    return [Assignment(h.case, ix.slot(h.date, h.session), ix.centre_of_room[h.room].id, h.room,
                       tuple(h.panel), h.counsellor) for h in kept + repaired]


def _warm_start(problem: Problem, run: _Run, base: list[Assignment],
                candidates: list[str], share: float) -> None:
    """A few randomised greedy runs on top of `base` within `share` of the time left (at
    least one), offered to `run`."""
    budget = time.monotonic() + share * max(0.0, run.left())
    rng = random.Random(1)
    wanted = set(candidates)
    for attempt in range(12):
        if time.monotonic() > budget or run.stopped() or run.done():
            break
        order = case_order(problem, rng)
        run.offer(greedy(problem, seed=attempt + 1, base=base,
                         order=[c for c in order if c in wanted],
                         late_first=LATE_WINDOW if attempt % 2 else 0))


def _day_lp(problem: Problem, run: _Run, base: list[Assignment], candidates: list[str],
            order: list[str], replan: bool, whole: bool = False) -> bool:
    """The day-indexed LP: its certified bound, and (not on a re-plan, which keeps what it can)
    a plan built on the days it chose (`daylp.guided_greedy`). True when it gave a bound.
    `whole`: the whole model follows, which stops with a proof once its plan meets the bound,
    so the finer solve is worth it however far the plan is (hard S seed 1: 69 coarse, 68 fine)."""
    built = build_day_lp(problem, candidates)  # once for every tolerance
    bounded = False
    finer = False
    # the bound solves beside the guidance solve (`DAY_LP_BOUND_EARLY`)
    early = DAY_LP_BOUND_EARLY and not whole and run.background is None
    if early:
        run.background = _day_lp_bounds(problem, run, candidates, built)
        run.bounds_beside = True
    for tolerance in DAY_LP_TOLERANCES:
        result = day_lp(problem, candidates, time_limit=DAY_LP_SHARE * run.left(),
                        tolerance=tolerance, stop=run.stop, built=built, method=DAY_LP_METHOD)
        if result is None:
            break
        finer = tolerance != DAY_LP_TOLERANCES[0]
        if result.bound is not None:
            run.tighten(result.bound, "day-indexed LP relaxation")
            bounded = True
        run.lp = result
        if not replan:  # with the LP's people, and (a hedge, 0.05 s at M) with the greedy's
            run.offer(guided_greedy(problem, result, order, base))
            run.offer(guided_greedy(problem, result, order, base, seats=False))
        far = not whole and result.bound is not None and \
            run.bound - run.objective() > DAY_LP_FINER_GAP * run.bound and \
            run.left() < DAY_LP_FINER_AMPLE * result.seconds
        if run.done() or far or run.left() < DAY_LP_FINER * result.seconds:
            break  # the search gets the time
    if not early and bounded and not finer and run.background is None and not run.done() \
            and not run.stopped():  # the bound, beside the search
        run.background = _day_lp_bounds(problem, run, candidates, built)
        run.bounds_beside = True
    return bounded


def _day_lp_bounds(problem: Problem, run: _Run, candidates: list[str],
                   built: Built) -> _BackgroundLP:
    """The aggregated LP and the day LP's bound solve, in turn in a thread."""
    def aggregated(stop: threading.Event) -> _Bound | None:  # a bound: M's guide is the day LP
        bound = lp_bound(problem, candidates, time_limit=run.left(), stop=stop)
        return None if bound is None else _Bound(bound, "LP relaxation")

    # the aggregated LP first: 1.2-1.6 s, and sometimes the tighter (generator M 814 against
    # 815), while the day LP's bound solve takes 4-15 s
    return _BackgroundLP(aggregated, lambda stop: day_lp(
        problem, candidates, time_limit=run.left(), tolerance=DAY_LP_BOUND_TOLERANCE,
        stop=stop, built=built, method=DAY_LP_BOUND_METHOD))


def _model_size(problem: Problem, candidates: list[str]) -> int:
    ns = problem.ix.n_sessions
    return sum(len(co.days) * ns * (len(co.experts) + len(co.counsellors))
               for cid in candidates for co in problem.options[cid].centres)


def _solve_whole(problem: Problem, run: _Run, candidates: list[str],
                 previous: dict[str, Assignment], workers: int, seed: int) -> None:
    """CP-SAT on every candidate case with every eligible person: its bound is a proof."""
    residual = Bookings(problem, problem.fixed.values())
    sub = SubModel(problem, residual, candidates, previous=previous)
    sub.hint(run.best.by_case if run.best else {})
    fixed_value = sum(problem.priority[c] for c in problem.fixed)

    def on_solution(primary: int, heard: int, bound: float) -> None:
        run.progress(fixed_value + primary, len(problem.fixed) + heard, fixed_value + bound)

    # phase 1: total priority alone (a re-plan also weighs keeping hearings, see cpsat), stopping
    # as soon as it meets the proved bound
    if not run.done():
        if not previous:
            sub.primary_only()
        target = None if math.isinf(run.bound) else int(run.target()) - fixed_value
        # only plans better than the one we have (not on a re-plan: there fewer changes at the
        # same priority count too); "none" (INFEASIBLE) proves that plan optimal
        floor = sub.require_primary(run.objective() - fixed_value + 1) \
            if run.best is not None and not previous else None
        result = sub.solve(0.95 * run.left(), workers, run.stop, on_solution, seed,
                           target=target, grace=1.0 if previous else 0.0,
                           linearization=WHOLE_LINEARIZATION)
        if floor is not None:
            sub.release(floor)
            if result.status == "INFEASIBLE":  # nothing better than the plan we have: proved
                run.tighten(run.objective(), "CP-SAT (whole model)")
        if result.status in ("OPTIMAL", "FEASIBLE"):
            bookings = Bookings(problem, list(problem.fixed.values())
                                + list(result.assignments.values()))
            run.accept(bookings)
            if result.optimal:
                run.tighten(bookings.objective(), "CP-SAT (whole model)")
            else:
                run.tighten(fixed_value + result.bound, "CP-SAT (whole model)")
        elif floor is None or result.status != "INFEASIBLE":
            return
    # phase 2: the secondary aims, never giving up any of that priority (not after a stop at
    # the gap tolerance: that ends the search at once; it took up to 5 % of the time left)
    if run.stopped() or run.stopped_early == "gap":
        return
    sub.secondary_with_primary(run.objective() - fixed_value, urgent_early=URGENT_EARLY)
    sub.hint(run.best.by_case)
    second = sub.solve(min(run.left(), 0.5 + 0.05 * run.left()), workers, run.stop, None, seed)
    if second.status in ("OPTIMAL", "FEASIBLE"):
        run.accept(Bookings(problem, list(problem.fixed.values())
                            + list(second.assignments.values())))


def _solve_lp_support(problem: Problem, run: _Run, candidates: list[str], lp: DayLP,
                      workers: int, seed: int, share: float = LP_SUPPORT_SHARE) -> None:
    """CP-SAT on every case the day LP hears, each allowed only the days the LP hears it on
    and the people it seats with it there (at `LP_SUPPORT_VALUE` or more), and its hearing in
    the plan so far (the hint), for `share` of the time left; then the waiting cases
    that fit are added. Far smaller than the whole model (hard M: 14,330 variables) and where
    the LP says the good plans are."""
    current = run.best
    if current is None:
        return
    on_support = _on_support(problem, lp, candidates, current)
    if on_support is None:
        return
    residual, sub = on_support
    rest = residual.objective()

    def on_solution(primary: int, heard: int, _bound: float) -> None:
        # progress while it runs (about 11 s at M at 30 s): the coordinator sees the plan grow
        if rest + primary > run.objective():
            run.progress(rest + primary, len(residual.by_case) + heard)

    # it ends as soon as the plan meets the gap tolerance, like every other stage
    target = None if math.isinf(run.bound) else int(run.target()) - rest
    result = sub.solve(share * run.left(), workers, run.stop, on_solution, seed,
                       target=target, grace=0.0)
    if result.status not in ("OPTIMAL", "FEASIBLE"):
        return
    found = Bookings(problem, list(residual.by_case.values()) + list(result.assignments.values()))
    if SPARE:
        spare(found, list(found.by_case))
    _fill(problem, found, candidates, run, seconds=LNS_STEP_SECONDS)
    run.accept(found)


def _on_support(problem: Problem, lp: DayLP, cases: list[str], current: Bookings
                ) -> tuple[Bookings, SubModel] | None:
    """CP-SAT's model of `cases` on the LP's support (`_support`), hinted with `current`, and
    the hearings of the other cases that stay (the residual); None when the LP hears none."""
    allow = _support(problem, lp, cases, current)
    if not allow:
        return None
    residual = Bookings(problem, [a for c, a in current.by_case.items() if c not in allow])
    sub = SubModel(problem, residual, list(allow), allow=allow)
    sub.hint(current.by_case)
    return residual, sub


def _support(problem: Problem, lp: DayLP, cases: list[str], current: Bookings,
             least: float = LP_SUPPORT_VALUE) -> dict[str, tuple[set[int], set[str]]]:
    """Per case the LP hears, the days it hears it on and the people it seats with it there (at
    `LP_SUPPORT_VALUE` or more), with its hearing in `current`."""
    ns = problem.ix.n_sessions
    allow: dict[str, tuple[set[int], set[str]]] = {}
    for cid in cases:
        days = {d for d, x in lp.days.get(cid, {}).items() if x >= least}
        people = {q for d in days for q, value in lp.people.get((cid, d), {}).items()
                  if value >= least}
        held = current.by_case.get(cid)
        if held is not None:
            days.add(held.slot // ns)
            people.update(held.people())
        if days:
            allow[cid] = (days, people)
    return allow


def _neighbourhood(problem: Problem, current: Bookings, candidates: list[str],
                   rng: random.Random, kind: int, size: int,
                   heard: Mapping[str, float] | None = None,
                   tried: dict[str, int] | None = None) -> tuple[list[str], set[int] | None]:
    """Cases to re-solve together: a county's, a few days', or an unscheduled case's rivals."""
    ix = problem.ix
    ns = ix.n_sessions
    free = [c for c in current.by_case if c not in problem.fixed]
    waiting = [c for c in candidates if c not in current.by_case]
    if kind == COUNTY:  # a county (the region level just below the root)
        counties = sorted(_counties(problem, candidates))
        if counties:
            county = rng.choice(counties)
            chosen = [c for c in free + waiting if county in ix.ancestry[ix.case[c].region]]
            return _cap(problem, chosen, waiting, rng, size), None
    if kind == DAYS:  # a few days
        width = rng.choice((2, 3, 4))
        start = rng.randrange(max(1, len(ix.dates) - width + 1))
        days = set(range(start, start + width))
        chosen = [c for c in free if current.by_case[c].slot // ns in days]
        chosen += [c for c in waiting if any(d in days for co in problem.options[c].centres
                                             for d in co.days)]
        return _cap(problem, chosen, waiting, rng, size), days
    # the rivals of an unscheduled case: cases holding its eligible people; with an LP's
    # solution (`heard`: the aggregated LP's at L, the day LP's at M), a case it hears first;
    # with `tried` (the search's count of each case's turns), the case tried least first
    if waiting:
        lp_heard = heard or {}
        times = {} if tried is None else tried
        target = max(waiting, key=lambda c: (lp_heard.get(c, 0.0) >= LP_TARGET_HEARD,
                                             -times.get(c, 0), problem.priority[c],
                                             rng.random()))
        times[target] = times.get(target, 0) + 1
        people = problem.options[target].experts | problem.options[target].counsellors
        rivals = sorted({c for p in people for c in current.person_cases.get(p, ())
                         if c not in problem.fixed})
        rng.shuffle(rivals)
        others = [c for c in waiting if c != target]
        rng.shuffle(others)
        return [target] + rivals[: size - 1 - size // 5] + others[: size // 5], None
    return _cap(problem, free, waiting, rng, size), None


def _cap(problem: Problem, chosen: list[str], waiting: list[str], rng: random.Random,
         size: int) -> list[str]:
    if len(chosen) <= size:
        return chosen
    waiting_set = set(waiting)
    first = sorted((c for c in chosen if c in waiting_set),
                   key=lambda c: (-problem.priority[c], rng.random()))[: size // 3]
    rest = [c for c in chosen if c not in set(first)]
    rng.shuffle(rest)
    return first + rest[: size - len(first)]


def _lns(problem: Problem, run: _Run, candidates: list[str], previous: dict[str, Assignment],
         workers: int, seed: int) -> None:
    """Re-solve neighbourhoods with CP-SAT, hinted with the current plan; keep improvements."""
    rng = random.Random(seed)
    size, kind, step = LNS_START_SIZE, 0, 0
    users = _users(problem, candidates)
    favour = run.favour  # once from the day LP (M), again when the aggregated LP's comes (L)
    guide = run.aggregated
    heard = run.lp.heard if run.lp is not None and DAY_LP_TARGETS else None
    tried: dict[str, int] = {}
    # counties re-planned on their own day LPs: at L, where no LP of the whole scenario guides
    # the search; at M too, where the whole LP guided the first plans and a county's LP, solved
    # on the plan as it is now, still finds gains (hard M 578.75 -> 580.7 over 40 runs each:
    # docs/planner.md, "Counties on their own LPs at M too")
    county_lp = _county_lps(problem, candidates) if not previous \
        and (run.lp is not None or len(candidates) > LP_CASE_LIMIT) else []
    lp_seconds: dict[str, float] = {}  # a county step's LPs' seconds, by the county's first case
    while not run.done() and not run.stopped():
        if run.aggregated is not guide:  # the aggregated LP has just given its solution (L)
            guide = run.aggregated
            favour = run.favour
        current = run.best
        if county_lp and step % COUNTY_LP_EVERY == COUNTY_LP_EVERY - 1:
            step += 1
            taken = county_lp[:COUNTY_LP_AT_ONCE]
            # not begun when its LPs, as long as they took last time, leave no time for CP-SAT
            # (hard L: the largest two again at 101 s of 120 took 15 s, and gave nothing)
            needs = max(lp_seconds.get(cases[0], 0.0) for cases in taken) \
                + COUNTY_LP_SECONDS * len(taken)
            if run.left() < needs:
                county_lp = []
                continue
            seconds = _county_lp(problem, run, candidates, taken, workers, seed + step)
            for cases in taken:
                lp_seconds[cases[0]] = seconds
            del county_lp[:len(taken)]
            county_lp.extend(taken)  # the next counties' turn
            continue
        this = LNS_KINDS[kind % len(LNS_KINDS)]
        kind += 1
        # a county on the day LP's support (M; not on a re-plan, whose hearings should stay)
        on_support = this == COUNTY and run.lp is not None and not previous \
            and LNS_SUPPORT_CASES > 0
        chosen, days = _neighbourhood(problem, current, candidates, rng, this,
                                      LNS_SUPPORT_CASES if on_support else size,
                                      guide.heard if guide is not None else heard,
                                      tried if ROTATE_TARGETS else None)
        allow = _support(problem, run.lp, chosen, current, LNS_SUPPORT_VALUE) \
            if on_support and run.lp is not None else None
        if allow is not None:
            chosen = list(allow)  # the cases the LP hears or the plan holds
        if not chosen:
            continue
        residual = Bookings(problem, [a for c, a in current.by_case.items() if c not in chosen])
        if allow is not None:
            sub = SubModel(problem, residual, chosen, allow=allow)
        else:
            sub = SubModel(problem, residual, chosen, days=days, top_k=LNS_TOP_K,
                           previous=previous, keep=current.by_case, favour=favour)
        sub.hint(current.by_case)
        result = sub.solve(min(run.left(), LNS_STEP_SECONDS), workers, run.stop, None, seed + step)
        step += 1
        run.lns_steps += 1
        old = sum(problem.priority[c] for c in chosen if c in current.by_case)
        if result.status not in ("OPTIMAL", "FEASIBLE") or result.objective < old:
            continue
        improved = Bookings(problem, list(residual.by_case.values())
                            + list(result.assignments.values()))
        freed = _moved(current, result.assignments, chosen)
        if SPARE and not previous:
            freed += spare(improved, list(result.assignments))
        case_days, anyday = _freed(problem, users, current, improved, freed)
        _fill(problem, improved, _could_use(candidates, users, freed), run,
              seconds=LNS_STEP_SECONDS, case_days=case_days, anyday=anyday)
        if run.accept(improved) and improved.objective() > current.objective():
            run.lns_improvements += 1
        # neighbourhoods grow while CP-SAT proves them optimal in time, shrink when it does not
        size = min(LNS_MAX_SIZE, size + 5) if result.optimal else max(10, size - 5)


def _counties(problem: Problem, cases: list[str]) -> dict[str, list[str]]:
    """The cases of each county (the region level just below the root), in `cases`' order."""
    ancestry = problem.ix.ancestry
    out: dict[str, list[str]] = {}
    for cid in cases:
        line = ancestry[problem.ix.case[cid].region]
        if len(line) >= 2:
            out.setdefault(line[-2], []).append(cid)
    return out


def _county_lps(problem: Problem, candidates: list[str]) -> list[list[str]]:
    """The counties whose day LP is small enough for a step (`COUNTY_LP_COLUMNS`), most total
    priority first: the free candidate cases of each."""
    free = [c for c in candidates if c not in problem.fixed]
    counties = [cases for cases in _counties(problem, free).values()
                if columns_estimate(problem, cases) <= COUNTY_LP_COLUMNS]
    counties.sort(key=lambda cases: -sum(problem.priority[c] for c in cases))
    return counties


def _held(problem: Problem, plan: Bookings, cases: list[str]) -> list[Assignment]:
    """The plan's hearings of every free case but `cases`: what a county's LP and its guided
    plan keep as they are."""
    chosen = set(cases)
    return [a for c, a in plan.by_case.items() if c not in chosen and c not in problem.fixed]


def _county_lp(problem: Problem, run: _Run, candidates: list[str], counties: list[list[str]],
               workers: int, seed: int) -> float:
    """Counties re-planned each on its own day LP: the LP of its cases with every other hearing
    of the plan held (`daylp.build(held=...)`), then CP-SAT on every case of the county
    restricted to the LP's support and its hearing in the plan (`_support`), hinted with the
    plan; kept when its total priority is not lower, then the waiting cases refilled. With
    `COUNTY_GUIDED` the county is first planned afresh on its LP (`guided_greedy`, with and
    without the LP's seats) and the better plan kept, so that CP-SAT starts from it. The
    counties' LPs (`COUNTY_LP_AT_ONCE`) are solved at once, each in its own child process,
    then their CP-SAT steps in turn, each on the plan as the one before left it. The LP's bound
    is the county's, not the plan's: it is not used. Returns the seconds the LPs took, built
    and solved."""
    t0 = time.monotonic()
    current = run.best
    if current is None:
        return 0.0
    builts = []
    for cases in counties:
        builts.append(build_day_lp(problem, cases, _held(problem, current, cases)))

    def solve(cases: list[str], built: Built) -> DayLP | None:
        return day_lp(problem, cases, time_limit=run.left(), tolerance=COUNTY_LP_TOLERANCE,
                      stop=run.stop, built=built, method=DAY_LP_METHOD)

    # the last one here, the others each from a thread of their own (a thread's allocations
    # go to its own malloc arena: generator L's one county solved from a thread peaked at
    # 1.30-1.35 GB against 0.99 GB here)
    with ThreadPoolExecutor(max_workers=max(1, len(counties) - 1)) as pool:
        futures = [pool.submit(solve, cases, built)
                   for cases, built in zip(counties[:-1], builts[:-1], strict=True)]
        last = solve(counties[-1], builts[-1])  # `_lns` gives one county at least
        lps = [f.result() for f in futures] + [last]
    del builts
    seconds = time.monotonic() - t0
    rank = {c: i for i, c in enumerate(case_order(problem))}
    for i, (cases, lp) in enumerate(zip(counties, lps, strict=True)):
        if run.done() or run.stopped():
            break
        if lp is None:
            continue
        current = run.best
        if COUNTY_GUIDED:
            held = _held(problem, current, cases)
            order = sorted(cases, key=rank.__getitem__)  # free cases: all in it
            for seats in (True, False):
                run.offer(guided_greedy(problem, lp, order, held, seats=seats))
            current = run.best
        on_support = _on_support(problem, lp, cases, current)
        if on_support is None:
            continue
        residual, sub = on_support
        result = sub.solve(min(run.left(), COUNTY_LP_SECONDS), workers, run.stop, None, seed + i)
        run.lns_steps += 1
        old = sum(problem.priority[c] for c in sub.allow if c in current.by_case)
        if result.status not in ("OPTIMAL", "FEASIBLE") or result.objective < old:
            continue
        improved = Bookings(problem, list(residual.by_case.values())
                            + list(result.assignments.values()))
        if SPARE:
            spare(improved, list(result.assignments))
        _fill(problem, improved, candidates, run, seconds=LNS_STEP_SECONDS)
        if run.accept(improved) and improved.objective() > current.objective():
            run.lns_improvements += 1
    return seconds


def _users(problem: Problem, candidates: list[str]) -> dict[tuple[str, str], set[str]]:
    """Which candidate cases could use each person ("p", id) and each centre ("c", id)."""
    out: dict[tuple[str, str], set[str]] = {}
    for cid in candidates:
        opts = problem.options[cid]
        keys = [("p", q) for q in (*opts.experts, *opts.counsellors)]
        keys += [("c", co.centre.id) for co in opts.centres]
        for key in keys:
            out.setdefault(key, set()).add(cid)
    return out


def _keys(a: Assignment) -> list[tuple[str, str]]:
    """The keys of `_users` a hearing holds: its people and its centre."""
    return [("p", q) for q in a.people()] + [("c", a.centre)]


def _could_use(candidates: list[str], users: dict[tuple[str, str], set[str]],
               freed: list[Assignment]) -> list[str]:
    """The candidates (in their order) that could use a person or a centre of `freed`: after a
    neighbourhood is re-solved, a case that did not fit before fits now only through a seat or
    a room that one of the re-solved hearings left."""
    near: set[str] = set()
    for a in freed:
        for key in _keys(a):
            near |= users.get(key, set())
    return [c for c in candidates if c in near]


def _moved(current: Bookings, solved: dict[str, Assignment], chosen: list[str]) -> list[Assignment]:
    """The hearings of `current` among `chosen` that the re-solve dropped or changed (slot, room,
    panel or counsellor): only these free a seat, a room or a person's day for the refill. A
    step that hands back the plan it was hinted with frees nothing."""
    def key(a: Assignment) -> tuple:
        return a.slot, a.room, frozenset(a.panel), a.counsellor

    out = []
    for cid in chosen:
        before = current.by_case.get(cid)
        if before is not None and (cid not in solved or key(solved[cid]) != key(before)):
            out.append(before)
    return out


def _freed(problem: Problem, users: dict[tuple[str, str], set[str]], before: Bookings,
           after: Bookings, freed: list[Assignment]) -> tuple[dict[str, set[int]], set[str]]:
    """Where `after` can hold a hearing that `before` could not: for each case, the days on
    which a hearing it shares a person or a centre with was dropped or moved (a seat, a room or
    a person's day freed there: nothing else freed that day is of use to it), and the cases
    that could use someone who had reached their most hearings and sits fewer now (any day)."""
    ns = problem.ix.n_sessions
    case_days: dict[str, set[int]] = {}
    for a in freed:
        for key in _keys(a):
            for cid in users.get(key, ()):
                case_days.setdefault(cid, set()).add(a.slot // ns)
    anyday: set[str] = set()
    for q in {q for a in freed for q in a.people()}:
        if before.person_total[q] >= problem.max_hearings(q) > after.person_total[q]:
            anyday |= users.get(("p", q), set())
    return case_days, anyday


def _fill(problem: Problem, bookings: Bookings, candidates: list[str],
          run: _Run | None = None, seconds: float = math.inf,
          case_days: Mapping[str, AbstractSet[int]] | None = None,
          anyday: AbstractSet[str] = frozenset()) -> None:
    """Greedily add any waiting case of `candidates` that now fits, highest priority first,
    for at most `seconds` and never past the search's deadline (after each neighbourhood: at
    XL a failed try costs about 10 ms and thousands of cases wait, 19 s a step unbounded).
    `case_days`: try each case on its days there only (none: not at all), but the cases in
    `anyday` on every day (after a neighbourhood: `_freed`; at hard L a whole-window try costs
    0.65 ms and 1,500 cases wait)."""
    until = time.monotonic() + seconds
    waiting = [c for c in candidates if c not in bookings.by_case]
    waiting.sort(key=lambda c: -problem.priority[c])  # stable: ties keep their order
    for cid in waiting:
        if time.monotonic() > until or (run is not None and run.stopped()):
            return
        days = None if case_days is None or cid in anyday else sorted(case_days.get(cid, ()))
        if days == []:
            continue
        a = place(bookings, problem.options[cid], on_days=days)
        if a is not None:
            bookings.add(a)


def _urgent_earlier(problem: Problem, run: _Run) -> int:
    """Secondary aim, after the search: move each urgent case (`fairness.is_urgent`), latest
    first, to the earliest day free for it when that is earlier, the same cases staying heard
    (so total priority is unchanged), never adding a soft conflict nor leaving a centre of the
    case's own region. A greedy pass of a few milliseconds per case, within the deadline; not on
    a re-plan (it would move hearings). Returns how many hearings it moved earlier."""
    if run.best is None:
        return 0
    ix = problem.ix
    ns = ix.n_sessions
    bookings = Bookings(problem, run.best.by_case.values())
    urgent = [a for c, a in bookings.by_case.items()
              if c not in problem.fixed and is_urgent(ix, c)
              and a.slot // ns > problem.options[c].first_day]
    urgent.sort(key=lambda a: (-(a.slot // ns - problem.options[a.case].first_day), a.case))
    moved = 0
    for old in urgent:
        if run.left() <= 0:
            break
        opts = problem.options[old.case]
        near = {co.centre.id: co.near for co in opts.centres}

        def soft(a: Assignment, opts=opts) -> int:
            return sum(1 for p in a.people() if p in opts.soft)

        bookings.remove(old.case)
        new = place(bookings, opts, late_first=0)
        if (new is not None and new.slot // ns < old.slot // ns and soft(new) <= soft(old)
                and near.get(new.centre, 0) >= near.get(old.centre, 0)):
            bookings.add(new)
            moved += 1
        else:
            bookings.add(old)
    if moved and bookings.objective() >= run.objective():
        run.accept(bookings)
    return moved


# --- the plan ----------------------------------------------------------------------------------


def _plan(problem: Problem, run: _Run, previous: Plan | None,
          impossible: dict[str, list[Reason]]) -> Plan:
    ix = problem.ix
    best = run.best or Bookings(problem, problem.fixed.values())
    hearings = []
    for f in ix.scenario.fixed:  # rule 11: pinned hearings appear exactly as given
        centre = ix.centre_of_room.get(f.room)
        hearings.append(Hearing(f.case, f.date, f.session, centre.id if centre else "", f.room,
                                tuple(f.panel), f.chair or _fixed_chair(ix, f.case, f.panel),
                                f.counsellor))
    for cid in sorted(best.by_case, key=lambda c: (best.by_case[c].slot, c)):
        if cid in problem.fixed:
            continue
        hearings.append(hearing_of(ix, best.by_case[cid]))
    unscheduled = []
    for c in ix.scenario.cases:
        if c.id not in best.by_case and c.id not in problem.fixed:
            details = tuple(explain_unscheduled(problem, best, c.id, impossible.get(c.id)))
            unscheduled.append(Unscheduled(c.id, tuple(r.text for r in details), details))
    objective = sum(ix.case[h.case].priority for h in hearings)
    bound = max(objective, int(run.bound)) if not math.isinf(run.bound) else objective
    stats: dict[str, Any] = {
        "objective": objective, "bound": bound,
        "status": "OPTIMAL" if objective >= bound else "FEASIBLE",
        "solve_seconds": round(run.elapsed(), 3),
        "gap": round((bound - objective) / max(1, objective), 5),
        "scheduled": len(hearings), "cases": len(ix.scenario.cases),
        "bound_source": run.bound_source,
        "lns_steps": run.lns_steps, "lns_improvements": run.lns_improvements,
        "stopped_early": None,
        "secondary": _secondary(problem, hearings, previous),
        "fairness": fairness(ix, hearings),
    }
    if run.replan is not None:
        stats["replan"] = dict(run.replan)
    if run.stop is not None and run.stop.is_set():
        stats["status"] += " (stopped)"
        stats["stopped_early"] = "stop"
    elif run.stopped_early == "gap" and objective < bound:
        stats["stopped_early"] = "gap"
    return Plan(tuple(hearings), tuple(unscheduled), stats)


def _fixed_chair(ix: ScenarioIndex, case_id: str, panel: tuple[str, ...]) -> str | None:
    if case_id in ix.case and panel and all(p in ix.person for p in panel):
        return choose_chair(ix, ix.case[case_id], panel)
    return None


def _secondary(problem: Problem, hearings: list[Hearing],
               previous: Plan | None) -> dict[str, Any]:
    """How the plan does on the secondary aims (reported, never traded for priority)."""
    ix = problem.ix
    loads: dict[str, int] = {}
    soft = near = 0
    for h in hearings:
        opts = problem.options[h.case]
        people = list(h.panel) + ([h.counsellor] if h.counsellor else [])
        soft += sum(1 for p in people if p in opts.soft)
        centre = ix.centre.get(h.centre)
        near += 1 if centre is not None and centre.region == opts.case.region else 0
        for p in people:
            loads[p] = loads.get(p, 0) + 1
    out: dict[str, Any] = {
        "soft_conflicts": soft, "heard_at_own_region_centre": near,
        "max_expert_load": max((loads.get(p, 0) for p in ix.experts), default=0),
        "experts_used": sum(1 for p in ix.experts if loads.get(p)),
    }
    if previous is not None:
        def same(h: Hearing) -> tuple:  # panel order carries no meaning
            return (h.date, h.session, h.room, frozenset(h.panel), h.counsellor)

        now = {h.case: same(h) for h in hearings}
        out["changed_from_previous"] = sum(1 for h in previous.hearings
                                           if now.get(h.case) != same(h))
    return out


def schedulable_alone(scenario: Scenario | ScenarioIndex, case_id: str) -> Hearing | None:
    """A hearing that would satisfy every rule if the case were planned alone (with the fixed)."""
    problem = Problem(scenario)
    opts = problem.options[case_id]
    a = place(Bookings(problem, problem.fixed.values()), opts, complete=True)
    if a is None:
        return None
    return hearing_of(problem.ix, a)


def hearing_of(ix: ScenarioIndex, a: Assignment) -> Hearing:
    """A hearing of the plan from the solver's assignment, with its chair (`choose_chair`)."""
    return Hearing(a.case, ix.slot_day(a.slot), ix.slot_session(a.slot), a.centre, a.room,
                   a.panel, choose_chair(ix, ix.case[a.case], a.panel), a.counsellor)

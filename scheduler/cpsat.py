"""CP-SAT model of a set of free cases around the hearings that stay put (the rest of the plan).

Used whole on small scenarios (every eligible person and slot: its bound is then a proof) and as
the large-neighbourhood step on big ones (a county's or a few days' cases, top candidates only).
Each `add_*` function enforces one rule family of the exchange format.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .fairness import is_urgent
from .greedy import Assignment, Bookings, Problem
from .options import CaseOptions
from .rules import missing_expertise

# A re-plan's "keep it as it was" outweighs the other secondary aims (near centre + urgency = 3
# per hearing, a soft conflict = 1 per person), so nothing moves for their sake alone.
KEEP_HEARING = 4
KEEP_PERSON = 2


@dataclass
class SubResult:
    assignments: dict[str, Assignment]
    status: str
    objective: int  # primary: total priority of the free cases placed
    bound: float  # CP-SAT's proved bound on that (only meaningful for a full model)
    optimal: bool


@dataclass
class _Vars:
    """Decision variables of one case: slot x, room y, panel member a, counsellor k."""

    x: dict[int, cp_model.IntVar] = field(default_factory=dict)
    y: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    a: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    k: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    room_centre: dict[str, str] = field(default_factory=dict)


class SubModel:
    """One CP-SAT model; build, hint, solve, read back assignments."""

    def __init__(self, problem: Problem, residual: Bookings, free_cases: Iterable[str], *,
                 days: set[int] | None = None, top_k: int | None = None,
                 previous: dict[str, Assignment] | None = None,
                 keep: dict[str, Assignment] | None = None,
                 favour: Mapping[str, AbstractSet[str]] | None = None,
                 allow: Mapping[str, tuple[AbstractSet[int], AbstractSet[str]]] | None = None):
        self.p = problem
        self.keep = keep or {}
        self.favour = favour or {}
        self.allow = allow  # per case, the only days and people it may have (none: any)
        self.residual = residual
        self.cases = [c for c in free_cases if problem.options[c].centres]
        self.days = days
        self.top_k = top_k
        self.previous = previous or {}
        self.model = cp_model.CpModel()
        self.v: dict[str, _Vars] = {}
        self.secondary: list[tuple[cp_model.IntVar, int]] = []
        self.secondary_span = 0
        self.person_slot: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        self.room_slot: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        for cid in self.cases:
            self._add_case(problem.options[cid])
        self.add_person_booking()
        self.add_room_booking()
        self.add_loads()
        self._set_objective()

    # --- candidates ---------------------------------------------------------------------------

    def _people(self, opts: CaseOptions, pool: list[str]) -> list[str]:
        """Top candidates for a neighbourhood: keep a few coverers per area plus least loaded,
        and the people `favour` gives the case (those the day LP seats with it). With `allow`,
        the people it allows the case, and no others."""
        if self.allow is not None:
            allowed = self.allow[opts.case.id][1]
            return [q for q in pool if q in allowed]
        if self.top_k is None or len(pool) <= self.top_k:
            return pool
        p = self.p
        load = self.residual.person_total
        ranked = sorted(pool, key=lambda q: (q in opts.soft, load[q] / max(1, p.max_hearings(q))))
        keep = dict.fromkeys(ranked[: self.top_k // 2])
        for area in opts.case.required_expertise:
            for q in [q for q in ranked if area in p.expertise[q]][: max(3, self.top_k // 4)]:
                keep[q] = None
        for known in (self.previous.get(opts.case.id), self.keep.get(opts.case.id)):
            if known:  # the hint and the previous plan must stay expressible
                keep.update(dict.fromkeys(q for q in known.people() if q in pool))
        favoured = self.favour.get(opts.case.id, ())
        keep.update(dict.fromkeys(q for q in pool if q in favoured))
        return list(keep)

    def _add_case(self, opts: CaseOptions) -> None:
        p, r = self.p, self.residual
        case = opts.case
        ns = p.ix.n_sessions
        size = p.ix.panel_size
        v = _Vars()
        m = self.model
        prev = self.previous.get(case.id)
        mid = (opts.first_day + opts.last_day) / 2
        days = self.allow[case.id][0] if self.allow is not None else self.days
        for co in opts.centres:
            experts = self._people(opts, co.experts)
            counsellors = self._people(opts, co.counsellors) if case.needs_counsellor \
                else []
            for day in co.days:
                if days is not None and day not in days:
                    continue
                for session in range(ns):
                    slot = day * ns + session
                    rooms = [x.id for x in co.rooms if (x.id, slot) not in r.room_slot]
                    if not rooms:
                        continue
                    ex = [q for q in experts if slot in p.avail[q] and r.person_free(q, slot)]
                    ks = [q for q in counsellors if slot in p.avail[q] and r.person_free(q, slot)]
                    if len(ex) < size or (case.needs_counsellor and not ks):
                        continue
                    if missing_expertise(p.ix, case, ex):  # rule 2: no panel here
                        continue
                    for room in rooms:
                        y = m.new_bool_var(f"y[{case.id},{slot},{room}]")
                        v.y[(slot, room)] = y
                        v.room_centre[room] = co.centre.id
                        self.room_slot[(room, slot)].append(y)
                        bonus = co.near + (opts.urgency if day <= mid else 0)
                        if prev and prev.slot == slot and prev.room == room:
                            bonus += KEEP_HEARING
                        if bonus:
                            self.secondary.append((y, bonus))
                    for q in ex:
                        if (slot, q) not in v.a:
                            v.a[(slot, q)] = m.new_bool_var(f"a[{case.id},{slot},{q}]")
                    for q in ks:
                        if (slot, q) not in v.k:
                            v.k[(slot, q)] = m.new_bool_var(f"k[{case.id},{slot},{q}]")
        slots = sorted({s for s, _ in v.y})
        for slot in slots:
            v.x[slot] = m.new_bool_var(f"x[{case.id},{slot}]")
        self.v[case.id] = v
        self.add_one_hearing(case.id)
        self.add_room_choice(case.id)
        self.add_panel_size(case.id)
        self.add_expertise_cover(case.id)
        self.add_counsellor(case.id)
        self.add_travel(opts)
        self._person_secondary(opts, prev)
        # largest possible swing of this case's secondary terms (see _set_objective)
        if self.previous:
            self.secondary_span += 3 + KEEP_HEARING + (size + 1) * (1 + KEEP_PERSON)
        else:
            self.secondary_span += 3 + (size + 1)

    # --- rule families ------------------------------------------------------------------------

    def add_one_hearing(self, cid: str) -> None:
        """Rule 12: a case is heard at most once."""
        self.model.add_at_most_one(self.v[cid].x.values())

    def add_room_choice(self, cid: str) -> None:
        """Rule 8: a hearing at a slot takes exactly one of its big-enough, open rooms."""
        v = self.v[cid]
        by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for (slot, _room), y in v.y.items():
            by_slot[slot].append(y)
        for slot, x in v.x.items():
            self.model.add(sum(by_slot[slot]) == x)

    def add_panel_size(self, cid: str) -> None:
        """Rule 1: exactly panel_size distinct experts (one boolean per person, so distinct)."""
        v = self.v[cid]
        size = self.p.ix.panel_size
        by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for (slot, _q), a in v.a.items():
            by_slot[slot].append(a)
        for slot, x in v.x.items():
            self.model.add(sum(by_slot[slot]) == size * x)
        for (slot, _q), a in v.a.items():
            if slot not in v.x:
                self.model.add(a == 0)

    def add_expertise_cover(self, cid: str) -> None:
        """Rule 2: the panel's expertise covers every required area."""
        v = self.v[cid]
        expertise = self.p.expertise
        for area in dict.fromkeys(self.p.ix.case[cid].required_expertise):
            by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
            for (slot, q), a in v.a.items():
                if area in expertise[q]:
                    by_slot[slot].append(a)
            for slot, x in v.x.items():
                self.model.add(sum(by_slot[slot]) >= x)

    def add_counsellor(self, cid: str) -> None:
        """Rule 3: one counsellor, not on the panel, exactly when the case needs one."""
        v = self.v[cid]
        m = self.model
        by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for (slot, q), k in v.k.items():
            by_slot[slot].append(k)
            if (slot, q) in v.a:
                m.add(v.a[(slot, q)] + k <= 1)
        if self.p.ix.case[cid].needs_counsellor:
            for slot, x in v.x.items():
                m.add(sum(by_slot[slot]) == x)
        for (slot, _q), k in v.k.items():
            if slot not in v.x:
                m.add(k == 0)

    def add_travel(self, opts: CaseOptions) -> None:
        """Rule 9: a person attends only at centres whose region they serve."""
        v = self.v[opts.case.id]
        allowed = {co.centre.id: set(co.experts) | set(co.counsellors) for co in opts.centres}
        rooms_at: dict[int, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        for (slot, room), y in v.y.items():
            rooms_at[slot].append((v.room_centre[room], y))
        for table in (v.a, v.k):
            for (slot, q), var in table.items():
                rooms = rooms_at[slot]
                ok = [y for centre, y in rooms if q in allowed[centre]]
                if len(ok) < len(rooms):
                    self.model.add(var <= sum(ok))
                self.person_slot[(q, slot)].append(var)

    def add_person_booking(self) -> None:
        """Rule 6 for people: one hearing per person per slot."""
        for vars_ in self.person_slot.values():
            if len(vars_) > 1:
                self.model.add_at_most_one(vars_)

    def add_room_booking(self) -> None:
        """Rule 6 for rooms: one hearing per room per slot."""
        for vars_ in self.room_slot.values():
            if len(vars_) > 1:
                self.model.add_at_most_one(vars_)

    def add_loads(self) -> None:
        """Rule 7: max_per_day and max_hearings, net of the hearings that stay put."""
        ns = self.p.ix.n_sessions
        per_day: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        per_person: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        for (q, slot), vars_ in self.person_slot.items():
            per_day[(q, slot // ns)].extend(vars_)
            per_person[q].extend(vars_)
        r = self.residual
        for (q, day), vars_ in per_day.items():
            room = self.p.max_per_day(q) - r.person_day[(q, day)]
            if len(vars_) > room:
                self.model.add(sum(vars_) <= room)
        for q, vars_ in per_person.items():
            room = self.p.max_hearings(q) - r.person_total[q]
            if len(vars_) > room:
                self.model.add(sum(vars_) <= room)

    # --- objective ----------------------------------------------------------------------------

    def _person_secondary(self, opts: CaseOptions, prev: Assignment | None) -> None:
        """Fewer soft conflicts; keep people of the previous plan (re-plans change little)."""
        v = self.v[opts.case.id]
        for table, kept in ((v.a, prev.panel if prev else ()),
                            (v.k, (prev.counsellor,) if prev and prev.counsellor else ())):
            for (_slot, q), var in table.items():
                w = (-1 if q in opts.soft else 0) + (KEEP_PERSON if q in kept else 0)
                if w:
                    self.secondary.append((var, w))

    def _set_objective(self) -> None:
        """Total priority first; secondary aims weigh less than one unit of priority in total."""
        self.weight = self.secondary_span + 1
        primary = [(x, self.p.priority[cid]) for cid, v in self.v.items() for x in v.x.values()]
        self.primary_expr = sum(w * x for x, w in primary)
        self.secondary_expr = sum(w * var for var, w in self.secondary)
        self.model.maximize(self.weight * self.primary_expr + self.secondary_expr)

    def primary_only(self) -> None:
        """Objective: total priority alone (small coefficients: CP-SAT proves bounds faster)."""
        self.weight = 1
        self.secondary_span = 0
        self.model.maximize(self.primary_expr)

    def require_primary(self, least: int) -> int:
        """Ask only for plans whose total priority is at least `least` (a solve then answers
        INFEASIBLE when there is none: a proof); returns the constraint's index for `release`."""
        return self.model.add(self.primary_expr >= least).index

    def release(self, index: int) -> None:
        """Remove a `require_primary` constraint (an empty constraint is ignored)."""
        self.model.proto.constraints[index].clear_linear()  # OR-Tools' own proto (9.15)

    def secondary_with_primary(self, primary: int, urgent_early: bool = False) -> None:
        """Lexicographic second phase: keep at least `primary`, improve the secondary aims; with
        `urgent_early`, then (a tie-break below every other secondary aim) hear urgent cases
        (`fairness.is_urgent`) as soon after their first allowed day as possible."""
        self.model.add(self.primary_expr >= primary)
        self.weight = 0  # the solver's bound is now on the secondary part only
        ix = self.p.ix
        delays: list[tuple[cp_model.IntVar, int]] = []
        span = 0  # the most the delay term can be: each case is heard at most once
        if urgent_early:
            for cid, v in self.v.items():
                if not is_urgent(ix, cid):
                    continue
                first = ix.day_pos.get(ix.window(ix.case[cid])[0], 0)
                late = [(x, slot // ix.n_sessions - first) for slot, x in v.x.items()
                        if slot // ix.n_sessions > first]
                delays.extend(late)
                span += max((d for _x, d in late), default=0)
        if not delays:
            self.model.maximize(self.secondary_expr)
            return
        self.model.maximize((span + 1) * self.secondary_expr - sum(d * x for x, d in delays))

    # --- hints and solving --------------------------------------------------------------------

    def hint(self, assignments: dict[str, Assignment]) -> None:
        self.model.clear_hints()
        for cid, v in self.v.items():
            a = assignments.get(cid)
            for slot, x in v.x.items():
                self.model.add_hint(x, 1 if a and a.slot == slot else 0)
            for (slot, room), y in v.y.items():
                self.model.add_hint(y, 1 if a and a.slot == slot and a.room == room else 0)
            for (slot, q), var in v.a.items():
                self.model.add_hint(var, 1 if a and a.slot == slot and q in a.panel else 0)
            for (slot, q), var in v.k.items():
                self.model.add_hint(var, 1 if a and a.slot == slot and q == a.counsellor else 0)

    def solve(self, time_limit: float, workers: int, stop: threading.Event | None = None,
              on_solution: Callable[[int, int, float], None] | None = None, seed: int = 0,
              target: int | None = None, grace: float = 1.0,
              linearization: int | None = None) -> SubResult:
        """Solve; once the primary part reaches `target` (a proved bound), the secondary aims get
        `grace` more seconds, then the search stops (they never trade against priority).
        `linearization`: CP-SAT's `linearization_level` (default 1)."""
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        if linearization is not None:
            solver.parameters.linearization_level = linearization
        callback = _Progress(self, solver, on_solution, target, grace)
        done = threading.Event()
        watcher = None
        if stop is not None:
            def watch() -> None:
                while not done.wait(0.1):
                    if stop.is_set():
                        solver.stop_search()
                        return
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
        try:
            status = solver.solve(self.model, callback)
        finally:
            done.set()
            callback.cancel()
            if watcher is not None:
                watcher.join()
        name = solver.status_name(status)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return SubResult({}, name, 0, float("inf"), False)
        out: dict[str, Assignment] = {}
        for cid, v in self.v.items():
            for slot, x in v.x.items():
                if solver.value(x):
                    room = next(rm for (s, rm), y in v.y.items() if s == slot and solver.value(y))
                    panel = tuple(q for (s, q), a in v.a.items() if s == slot and solver.value(a))
                    ks = [q for (s, q), k in v.k.items() if s == slot and solver.value(k)]
                    out[cid] = Assignment(cid, slot, v.room_centre[room], room, panel,
                                          ks[0] if ks else None)
        primary = sum(self.p.priority[c] for c in out)
        # the weighted bound divided by the weight bounds the primary part (secondary >= -span)
        bound = (solver.best_objective_bound + self.secondary_span) / self.weight \
            if self.weight else float("inf")
        return SubResult(out, name, primary, bound, status == cp_model.OPTIMAL)


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each solution; stops the search `grace` seconds after reaching `target`."""

    def __init__(self, sub: SubModel, solver: cp_model.CpSolver,
                 on_solution: Callable[[int, int, float], None] | None,
                 target: int | None, grace: float):
        super().__init__()
        self.sub = sub
        self.solver = solver
        self.on_solution = on_solution
        self.target = target
        self.grace = grace
        self.timer: threading.Timer | None = None

    def on_solution_callback(self) -> None:
        if self.on_solution is None and self.target is None:
            return
        heard = [cid for cid, v in self.sub.v.items()
                 if any(self.value(x) for x in v.x.values())]
        primary = sum(self.sub.p.priority[cid] for cid in heard)
        if self.on_solution is not None:
            bound = (self.best_objective_bound + self.sub.secondary_span) / self.sub.weight \
                if self.sub.weight else float("inf")
            self.on_solution(primary, len(heard), bound)
        if self.target is not None and primary >= self.target and self.timer is None:
            self.timer = threading.Timer(self.grace, self.solver.stop_search)
            self.timer.daemon = True
            self.timer.start()

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()

"""Eligibility pruning: for each case, the rooms, slots and people that rules 3-5 and 8-10 allow.

Everything the solver stages consider comes from here, so no stage ever proposes a hearing the
rules forbid; only booking (rules 6, 7) and the panel's make-up (rules 1-3) remain to decide.
The rules themselves are not written here: every filter is one of the generic predicates of
`rules.py` (`excluded`, `may_travel`, `centre_serves`, `room_fits`, `centre_open`,
`day_allowed`), each of which applies every registered rule of its kind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .index import ScenarioIndex
from .model import Case, Centre, Room
from .rules import (
    centre_open,
    centre_serves,
    day_allowed,
    excluded,
    load_limits,
    may_travel,
    room_fits,
    window,
)


@dataclass
class CentreOption:
    """A serving centre for a case: its big-enough rooms and who may attend there."""

    centre: Centre
    rooms: list[Room]  # capacity >= seats, smallest first
    days: list[int]  # day positions within the case's window when the centre is open
    experts: list[str]  # statically eligible experts who travel to the centre's region
    counsellors: list[str]
    near: int  # 1 when the centre is at the case's own region (heard near the petitioner)


@dataclass
class CaseOptions:
    case: Case
    first_day: int  # window as day positions in the horizon (first > last: empty window)
    last_day: int
    centres: list[CentreOption] = field(default_factory=list)
    experts: set[str] = field(default_factory=set)  # union over centres
    counsellors: set[str] = field(default_factory=set)
    soft: set[str] = field(default_factory=set)  # people with only soft conflicts
    urgency: int = 0  # 0..2, see `urgency`


def urgency(ix: ScenarioIndex, case: Case) -> int:
    """How much earlier-is-better counts for a case: near deadline or often repeated."""
    days_left = (case.due_by - ix.scenario.horizon_start).days
    score = 0
    if days_left <= 7 or case.repeat_count >= 3:
        score = 2
    elif days_left <= 14 or case.repeat_count >= 1:
        score = 1
    return score


class Reach:
    """Who may attend at each centre (person-and-place rules) and when it is open (place-and-date
    rules), computed once per centre."""

    def __init__(self, ix: ScenarioIndex):
        self.ix = ix
        self._experts: dict[str, list[str]] = {}
        self._counsellors: dict[str, list[str]] = {}
        self._open: dict[str, list[int]] = {}
        self._serving: dict[str, list[Centre]] = {}

    def experts(self, centre: Centre) -> list[str]:
        if centre.id not in self._experts:
            self._experts[centre.id] = [p for p in self.ix.experts
                                        if may_travel(self.ix, self.ix.person[p], centre)]
        return self._experts[centre.id]

    def counsellors(self, centre: Centre) -> list[str]:
        if centre.id not in self._counsellors:
            self._counsellors[centre.id] = [
                p for p in self.ix.counsellors if may_travel(self.ix, self.ix.person[p], centre)]
        return self._counsellors[centre.id]

    def serving(self, region: str) -> list[Centre]:
        """The centres where a case of `region` may be heard."""
        if region not in self._serving:
            self._serving[region] = [c for c in self.ix.scenario.centres
                                     if centre_serves(self.ix, region, c)]
        return self._serving[region]

    def open_days(self, centre: Centre) -> list[int]:
        """Day positions in the horizon when the centre may hold hearings."""
        if centre.id not in self._open:
            self._open[centre.id] = [d for d, day in enumerate(self.ix.dates)
                                     if centre_open(self.ix, centre, day)]
        return self._open[centre.id]


def case_options(ix: ScenarioIndex, case: Case, reach: Reach | None = None) -> CaseOptions:
    lo, hi = window(ix, case)
    first = max(0, (lo - ix.scenario.horizon_start).days)
    last = min(len(ix.dates) - 1, (hi - ix.scenario.horizon_start).days)
    opts = CaseOptions(case, first, last, urgency=urgency(ix, case))
    barred = excluded(ix, case)
    opts.soft = ix.soft_conflicted(case.id) - barred
    reach = reach or Reach(ix)
    allowed = {d for d in range(first, last + 1) if day_allowed(ix, case, ix.dates[d])}
    for centre in reach.serving(case.region):
        rooms = sorted((r for r in centre.rooms if room_fits(ix, case, r, centre)),
                       key=lambda r: r.capacity)
        days = [d for d in reach.open_days(centre) if d in allowed]
        if not rooms or not days:
            continue
        option = CentreOption(
            centre, rooms, days,
            [p for p in reach.experts(centre) if p not in barred],
            [p for p in reach.counsellors(centre) if p not in barred]
            if case.needs_counsellor else [],
            1 if centre.region == case.region else 0)
        opts.centres.append(option)
        opts.experts.update(option.experts)
        opts.counsellors.update(option.counsellors)
    # nearest centres first: the greedy and the hints try them first
    opts.centres.sort(key=lambda o: -ix.depth[o.centre.region])
    return opts


def find_panel(required: Sequence[str], candidates: Sequence[str],
               expertise: dict[str, frozenset[str]], size: int,
               limit: int = 0, accept: Callable[[tuple[str, ...]], bool] | None = None
               ) -> tuple[str, ...] | None:
    """A panel of `size` distinct candidates covering `required`, preferring earlier candidates.

    Complete: it branches on who covers the first uncovered area, so it finds a panel whenever
    one exists (with `limit` > 0 only the first `limit` coverers of each area are tried).
    `accept` (e.g. `rules.panel_ok`) rejects a covering panel; the search then goes on (panels
    differing only in the members who cover nothing are not all tried).
    """
    if len(candidates) < size:
        return None

    def extend(chosen: list[str], uncovered: list[str]) -> list[str] | None:
        if not uncovered:
            rest = [p for p in candidates if p not in chosen][: size - len(chosen)]
            if len(chosen) + len(rest) != size:
                return None
            panel = chosen + rest
            return panel if accept is None or accept(tuple(panel)) else None
        if len(chosen) == size:
            return None
        area = uncovered[0]
        tried = 0
        for p in candidates:
            if area in expertise[p] and p not in chosen:
                found = extend(chosen + [p], [a for a in uncovered if a not in expertise[p]])
                if found:
                    return found
                tried += 1
                if limit and tried >= limit:
                    break
        return None

    panel = extend([], list(dict.fromkeys(required)))
    return tuple(panel) if panel else None


def choose_chair(ix: ScenarioIndex, case: Case, panel: Iterable[str]) -> str:
    """The chair: the member covering most of the case's areas, then most areas overall, then id.

    A chair who knows most of the matter can lead the hearing; ties go to the broadest expert.
    """
    required = set(case.required_expertise)

    def key(pid: str) -> tuple[int, int, str]:
        skills = set(ix.person[pid].expertise)
        return (-len(skills & required), -len(skills), pid)

    return min(panel, key=key)


def expertise_map(ix: ScenarioIndex) -> dict[str, frozenset[str]]:
    return {p.id: frozenset(p.expertise) for p in ix.scenario.people}


def area_supply(ix: ScenarioIndex) -> Counter[str]:
    """Seats per expertise area: sum of max_hearings of experts having it (None: horizon cap)."""
    cap = ix.n_slots
    supply: Counter[str] = Counter()
    for pid in ix.experts:
        person = ix.person[pid]
        limit = load_limits(person)[1]
        seats = min(cap, limit) if limit is not None else cap
        for area in person.expertise:
            supply[area] += seats
    return supply


"""Lookup tables over a scenario (region ancestry, open dates, availability, conflicts), built once.

Every rule check and every solver stage reads the scenario through a `ScenarioIndex`, so a check
costs a few dictionary look-ups. Slots are (date, session) pairs numbered date-major.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from .model import COUNSELLOR, EXPERT, HARD, Case, Centre, Conflict, Person, Room, Scenario


def org_key(name: str) -> str:
    """Organisations match by name after trimming and case-folding ("Company 4" = "company 4 ")."""
    return name.strip().casefold()


class ScenarioIndex:
    """Precomputed indexes of one scenario. Build with `ScenarioIndex.of(scenario)` (cached)."""

    def __init__(self, scenario: Scenario):
        s = scenario
        self.scenario = s
        self.panel_size = s.panel_size
        self.region = {r.id: r for r in s.regions}
        self.ancestry: dict[str, tuple[str, ...]] = {r.id: self._ancestry(r.id) for r in s.regions}
        self.depth = {rid: len(chain) - 1 for rid, chain in self.ancestry.items()}
        self.case = {c.id: c for c in s.cases}
        self.person = {p.id: p for p in s.people}
        self.centre = {c.id: c for c in s.centres}
        self.room: dict[str, Room] = {}
        self.centre_of_room: dict[str, Centre] = {}
        for centre in s.centres:
            for room in centre.rooms:
                self.room[room.id] = room
                self.centre_of_room[room.id] = centre
        self.session_ids = tuple(x.id for x in s.sessions)
        self.session_pos = {sid: i for i, sid in enumerate(self.session_ids)}
        n_days = (s.horizon_end - s.horizon_start).days + 1
        self.dates = tuple(s.horizon_start + timedelta(days=i) for i in range(n_days))
        self.day_pos = {d: i for i, d in enumerate(self.dates)}
        self.n_sessions = len(self.session_ids)
        self.n_slots = n_days * self.n_sessions
        self._open_cache: dict[tuple[str, date], bool] = {}  # filled by rules.centre_open
        self._window_cache: dict[str, tuple] = {}  # filled by rules.window
        self.unavailable: dict[str, frozenset[tuple[date, str | None]]] = {
            p.id: frozenset((u.date, u.session) for u in p.unavailable) for p in s.people
        }
        self.person_orgs = {p.id: frozenset(map(org_key, p.organisations)) for p in s.people}
        self.case_orgs = {c.id: self._case_organisations(c) for c in s.cases}
        from .rules import has_role  # the rules read this index; roles are defined there

        self.experts = tuple(p.id for p in s.people if has_role(p, EXPERT))
        self.counsellors = tuple(p.id for p in s.people if has_role(p, COUNSELLOR))
        # conflicts: case -> person -> rows; (person, organisation) -> rows; by kind
        self.case_conflicts: dict[str, dict[str, list[Conflict]]] = defaultdict(dict)
        self.org_conflicts: dict[str, dict[str, list[Conflict]]] = defaultdict(dict)
        for conflict in s.conflicts:
            if conflict.case is not None:
                self.case_conflicts[conflict.case].setdefault(conflict.person, []).append(conflict)
            if conflict.organisation is not None:
                self.org_conflicts[org_key(conflict.organisation)].setdefault(
                    conflict.person, []).append(conflict)
        self.members_of: dict[str, set[str]] = defaultdict(set)
        for p in s.people:
            for org in p.organisations:
                self.members_of[org_key(org)].add(p.id)
        self.fixed_by_case = {f.case: f for f in s.fixed}
        self._org_names: dict[str, str] = {}
        for case in s.cases:
            for org in (*case.respondents, *(p.organisation for p in case.parties)):
                if org:
                    self._org_names.setdefault(org_key(org), org)

    @classmethod
    def of(cls, scenario: Scenario | ScenarioIndex) -> ScenarioIndex:
        """The (cached) index of a scenario; an index is returned as it is."""
        if isinstance(scenario, ScenarioIndex):
            return scenario
        # kept on the (immutable) scenario itself, outside its fields: equality is unaffected
        index = scenario.__dict__.get("_index")
        if index is None:
            index = cls(scenario)
            object.__setattr__(scenario, "_index", index)
        return index

    def _ancestry(self, region_id: str) -> tuple[str, ...]:
        chain = []
        at: str | None = region_id
        while at is not None and at in self.region and at not in chain:
            chain.append(at)
            at = self.region[at].parent
        return tuple(chain)

    @staticmethod
    def _case_organisations(case: Case) -> frozenset[str]:
        orgs = {org_key(o) for o in case.respondents}
        orgs.update(org_key(p.organisation) for p in case.parties if p.organisation)
        return frozenset(orgs)

    def org_name(self, key: str) -> str:
        """The spelling of an organisation as the scenario gives it, for messages."""
        return self._org_names.get(key, key)

    # --- places -------------------------------------------------------------------------------

    def contains(self, outer: str, inner: str) -> bool:
        """Region `outer` contains region `inner` (a region contains itself)."""
        return outer in self.ancestry.get(inner, ())

    # The rule decisions below are defined in `rules.py` (once); these delegate for callers of
    # the index (kept for backward compatibility).

    def travels_to(self, person: Person, region_id: str) -> bool:
        """Rule 9 for a person: see `rules.travel_causes`."""
        from .rules import travel_causes

        return not travel_causes(self, person, Centre("", "", region_id, ()))

    def is_open(self, centre: Centre, day: date) -> bool:
        """Rule 8: see `rules.centre_open`."""
        from .rules import centre_open

        return centre_open(self, centre, day)

    # --- time ---------------------------------------------------------------------------------

    def window(self, case: Case) -> tuple[date, date]:
        """Rule 10: see `rules.window`."""
        from .rules import window

        return window(self, case)

    def slot(self, day: date, session: str) -> int:
        return self.day_pos[day] * self.n_sessions + self.session_pos[session]

    def slot_day(self, slot: int) -> date:
        return self.dates[slot // self.n_sessions]

    def slot_session(self, slot: int) -> str:
        return self.session_ids[slot % self.n_sessions]

    def available(self, person: Person, day: date, session: str) -> bool:
        """Rule 5: see `rules.available`."""
        from .rules import available

        return available(self, person, day, session)

    # --- conflicts ----------------------------------------------------------------------------

    def conflicts_of(self, case_id: str, person_id: str) -> list[tuple[Conflict | None, str]]:
        """Every conflict row between a person and a case, plus own membership of its organisations.

        Returns (row, organisation) pairs; row None means the person belongs to the organisation.
        """
        out: list[tuple[Conflict | None, str]] = [
            (c, "") for c in self.case_conflicts.get(case_id, {}).get(person_id, ())]
        for org in self.case_orgs.get(case_id, ()):
            out.extend((c, org) for c in self.org_conflicts.get(org, {}).get(person_id, ()))
            if org in self.person_orgs.get(person_id, ()):
                out.append((None, org))
        return out

    def hard_conflicted(self, case_id: str) -> set[str]:
        """People barred from a case by rule 4: see `rules.barred`."""
        from .rules import barred

        return barred(self, self.case[case_id])

    def soft_conflicted(self, case_id: str) -> set[str]:
        """People with only soft conflicts with a case: allowed, but the planner avoids them."""
        soft = {p for p, rows in self.case_conflicts.get(case_id, {}).items()
                if any(c.kind != HARD for c in rows)}
        for org in self.case_orgs.get(case_id, ()):
            soft.update(p for p, rows in self.org_conflicts.get(org, {}).items()
                        if any(c.kind != HARD for c in rows))
        return soft - self.hard_conflicted(case_id)

    def seats(self, case: Case) -> int:
        """Rule 8: see `rules.seats`."""
        from .rules import seats

        return seats(self, case)

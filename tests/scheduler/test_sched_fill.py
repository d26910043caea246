"""The refill after each neighbourhood of the search (`solver._fill`, `solver._could_use`).

At XL (10,000 cases) thousands of cases wait and a failed try costs about 10 ms: refilling every
waiting case after each neighbourhood took 15-19 s a step, so the search made 6 steps in 87 s and
its last step ended 14 s past the deadline (the run took 610.5 s of 600). The refill now tries
only the cases that could use what the re-solved hearings left, highest priority first, for at
most a step's time and never past the deadline. These tests count placements, not seconds."""

from __future__ import annotations

import time

from bench.hard import generate_hard
from scheduler import scenario_from_dict
from scheduler.explain import static_reasons
from scheduler.greedy import Bookings, Problem, case_order, greedy
from scheduler.solver import _could_use, _fill, _freed, _moved, _Run, _users


def _setting() -> tuple[Problem, list[str], Bookings]:
    problem = Problem(scenario_from_dict(generate_hard("S", seed=1)))
    candidates = [c for c in problem.free_cases if not static_reasons(problem, c)]
    order = [c for c in case_order(problem) if c in set(candidates)]
    return problem, candidates, greedy(problem, order=order)


def _emptied(problem: Problem, plan: Bookings, n: int) -> tuple[Bookings, list]:
    """The plan without its first `n` hearings (what they held is free again)."""
    removed = [a for c, a in plan.by_case.items() if c not in problem.fixed][:n]
    gone = {a.case for a in removed}
    return Bookings(problem, [a for c, a in plan.by_case.items() if c not in gone]), removed


def test_the_refill_puts_back_what_fits_highest_priority_first() -> None:
    problem, candidates, plan = _setting()
    emptied, removed = _emptied(problem, plan, 6)
    _fill(problem, emptied, candidates)
    assert emptied.objective() >= plan.objective()  # the six (or better) fit again
    assert len(emptied.by_case) >= len(plan.by_case)


def test_the_refill_stops_at_its_time_and_at_the_deadline() -> None:
    problem, candidates, plan = _setting()
    emptied, _removed = _emptied(problem, plan, 6)
    before = dict(emptied.by_case)
    _fill(problem, emptied, candidates, seconds=0.0)
    assert emptied.by_case == before  # no time: nothing tried
    past = _Run(problem, 0.0, None, None, time.monotonic() - 1.0)
    _fill(problem, emptied, candidates, past)
    assert emptied.by_case == before  # the search's deadline has passed: nothing tried


def test_only_cases_that_could_use_a_freed_person_or_centre_are_retried() -> None:
    problem, candidates, plan = _setting()
    users = _users(problem, candidates)
    _emptied_plan, removed = _emptied(problem, plan, 1)
    freed = removed[0]
    retried = _could_use(candidates, users, [freed])
    for cid in candidates:
        opts = problem.options[cid]
        shares = bool(set(freed.people()) & (opts.experts | opts.counsellors)) or \
            freed.centre in {co.centre.id for co in opts.centres}
        assert (cid in retried) == shares
    assert retried == [c for c in candidates if c in set(retried)]  # in the candidates' order
    assert _could_use(candidates, users, []) == []


def test_after_a_neighbourhood_the_refill_tries_only_the_days_it_freed_something_on() -> None:
    """At hard L 1,500 cases wait and a whole-window try costs 0.65 ms: a case that did not fit
    before fits now only on a day where a re-solved hearing left a seat, a room or a person's
    day, or through someone who had reached their most hearings and sits fewer now."""
    problem, candidates, plan = _setting()
    ns = problem.ix.n_sessions
    emptied, removed = _emptied(problem, plan, 6)
    case_days, anyday = _freed(problem, _users(problem, candidates), plan, emptied, removed)
    for cid in candidates:  # each case: the days of the removed hearings it could have used
        opts = problem.options[cid]
        mine = opts.experts | opts.counsellors
        centres = {co.centre.id for co in opts.centres}
        assert case_days.get(cid, set()) == {a.slot // ns for a in removed
                                             if set(a.people()) & mine or a.centre in centres}
    capped = {q for a in removed for q in a.people()
              if plan.person_total[q] >= problem.max_hearings(q)}
    users = _users(problem, candidates)
    assert anyday == {c for q in capped for c in users.get(("p", q), set())}
    # given one day only, what is refilled lands on that day, but for the `anyday` cases
    day = removed[0].slot // ns
    before = set(emptied.by_case)
    _fill(problem, emptied, candidates, case_days={c: {day} for c in candidates},
          anyday={"none"})
    added = [a for c, a in emptied.by_case.items() if c not in before]
    assert added and all(a.slot // ns == day for a in added)
    _fill(problem, emptied, candidates, case_days={}, anyday={"none"})
    assert set(emptied.by_case) == before | {a.case for a in added}  # no days: nothing tried
    _fill(problem, emptied, candidates, case_days={}, anyday=set(candidates))
    assert len(emptied.by_case) >= len(plan.by_case)  # every day for them: all fit again


def test_only_hearings_the_step_dropped_or_changed_free_anything() -> None:
    """A neighbourhood handed back as it was hinted frees nothing, so nothing is retried."""
    from dataclasses import replace

    problem, _candidates, plan = _setting()
    hearings = [a for c, a in plan.by_case.items() if c not in problem.fixed][:3]
    same, changed, dropped = hearings
    chosen = [a.case for a in hearings]
    solved = {same.case: replace(same, panel=tuple(reversed(same.panel))),  # the same panel
              changed.case: replace(changed, slot=changed.slot + 1)}
    assert _moved(plan, solved, chosen) == [changed, dropped]
    assert _moved(plan, {a.case: a for a in hearings}, chosen) == []


def test_someone_at_their_most_hearings_who_sits_fewer_lets_their_cases_try_every_day() -> None:
    problem, candidates, plan = _setting()
    users = _users(problem, candidates)
    capped = next(a for c, a in plan.by_case.items()
                  if any(plan.person_total[q] >= problem.max_hearings(q) for q in a.people()))
    after = Bookings(problem, [a for c, a in plan.by_case.items() if c != capped.case])
    _days, anyday = _freed(problem, users, plan, after, [capped])
    q = next(q for q in capped.people() if plan.person_total[q] >= problem.max_hearings(q))
    assert users[("p", q)] <= anyday
    # the same hearing re-solved onto another slot with the same people frees no load
    moved = Bookings(problem, [a for c, a in plan.by_case.items() if c != capped.case])
    moved.add(capped)
    assert _freed(problem, users, plan, moved, [capped])[1] == set()


def test_a_slot_where_the_rarest_area_has_nobody_free_is_passed_over_at_once() -> None:
    """At hard L most refill tries fail because a scarce specialist is busy; `place` used to
    check every eligible expert at each such slot first (most of the refill's time). Now a slot
    where one required area has nobody free costs one check of that area's few coverers."""
    from scheduler.greedy import Assignment, place
    from tests.scheduler.helpers import base, case, person

    people = [person("M1", ["medicine"])] + [person(f"L{i}", ["law"]) for i in range(20)]
    data = base(cases=[case("A", ["medicine", "law"]), case("B", ["medicine", "law"])],
                people=people, days=2)
    data["centres"][0]["rooms"].append({"id": "R2", "name": "Room 2", "capacity": 8})
    problem = Problem(scenario_from_dict(data))

    class Counting(Bookings):
        calls = 0

        def person_free(self, pid: str, slot: int) -> bool:
            Counting.calls += 1
            return super().person_free(pid, slot)

    bookings = Counting(problem, [Assignment("A", 0, "C1", "R2", ("M1", "L0", "L1"))])
    Counting.calls = 0
    a = place(bookings, problem.options["B"])
    assert a is not None and a.slot > 0 and "M1" in a.panel
    # a look at M1 for each slot passed over, then at most one look per area and the full
    # filter of the slot taken (it was the full filter at every slot: twice as many here)
    assert Counting.calls <= a.slot + 2 + len(people) < 2 * (len(people) - 1)


def test_bookings_free_a_person_by_rule_7_through_adds_and_removes() -> None:
    """`Bookings.person_free` keeps who has reached a limit beside the counts (the greedy's
    and the refill's hot loop reads it): a day at `max_per_day`, a plan at `max_hearings`, a
    limit of 0 from the start, and each freed again when a hearing goes."""
    from scheduler.greedy import Assignment
    from tests.scheduler.helpers import base, case, person

    people = [person("E1", ["law", "land"], max_per_day=1, max_hearings=2),
              person("E2", ["labour"], max_hearings=0), person("E3", ["law"], max_per_day=0),
              person("E4", ["land"])]
    problem = Problem(scenario_from_dict(base(
        cases=[case(c, ["law"]) for c in "ABC"], people=people, days=3)))
    ns = problem.ix.n_sessions
    bookings = Bookings(problem)
    assert not bookings.person_free("E2", 0) and not bookings.person_free("E3", 0)
    assert bookings.person_free("E1", 0) and bookings.person_free("E4", 0)

    bookings.add(Assignment("A", 0, "C1", "R1", ("E1", "E4")))  # day 0, first session
    assert not bookings.person_free("E1", 0)  # the same slot
    assert not bookings.person_free("E1", 1)  # day 0 again: max_per_day 1
    assert bookings.person_free("E1", ns) and bookings.person_free("E4", 1)
    bookings.add(Assignment("B", ns, "C1", "R1", ("E1",)))  # day 1: E1's second, the last
    assert not any(bookings.person_free("E1", s) for s in range(3 * ns))
    bookings.remove("A")
    assert bookings.person_free("E1", 1) and bookings.person_free("E1", 2 * ns)
    assert not bookings.person_free("E1", ns)  # still sits B on day 1
    bookings.remove("B")
    assert all(bookings.person_free("E1", s) for s in range(3 * ns))
    assert not bookings.person_free("E2", 0) and not bookings.person_free("E3", 0)

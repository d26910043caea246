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
from scheduler.solver import _could_use, _fill, _freed, _Run, _users


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
    days, anyday = _freed(problem, _users(problem, candidates), plan, emptied, removed)
    assert days == sorted({a.slot // ns for a in removed})
    capped = {q for a in removed for q in a.people()
              if plan.person_total[q] >= problem.max_hearings(q)}
    users = _users(problem, candidates)
    assert anyday == {c for q in capped for c in users.get(("p", q), set())}
    # given one day only, what is refilled lands on that day, but for the `anyday` cases
    day = days[0]
    before = set(emptied.by_case)
    _fill(problem, emptied, candidates, days=[day], anyday={"none"})
    added = [a for c, a in emptied.by_case.items() if c not in before]
    assert added and all(a.slot // ns == day for a in added)
    _fill(problem, emptied, candidates, days=[], anyday=set(candidates))
    assert len(emptied.by_case) >= len(plan.by_case)  # every day for them: all fit again


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

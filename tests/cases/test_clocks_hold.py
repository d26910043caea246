"""Issue #12 point 1: clocks that hold.

An extension moves every limit counted from acceptance; an overdue case, once extended, is
plannable again; a case past its local hearing limit but within its statutory handling limit
stays in the planner's pool (due_by = handling limit, priority raised) and shows as overdue;
"overdue" and "at risk" have one definition for the home page, the dashboard and the case
filters; time limits follow the official calendar plus local additions.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from mediation.cases import services
from mediation.cases.clocks import deadline, is_working_day
from mediation.cases.models import Case
from mediation.cases.services import CaseFilters, case_list_statement, transition
from mediation.centres import services as centres
from mediation.dashboard import services as dashboard
from mediation.exchange.services import export_scenario
from mediation.home import services as home
from tests.cases.conftest import register

ACCEPTED = date(2026, 9, 1)
TODAY = date(2026, 10, 20)  # 30-day hearing limit (2026-10-08) passed; handling (10-31) not


def _accepted(world, **kw) -> Case:
    case = register(world, today=date(2026, 8, 28), **kw)
    transition(case, "accept", world.user, today=ACCEPTED, on=ACCEPTED)
    return case


def test_extension_moves_the_hearing_limit_and_the_next_due_date(db, world):
    case = _accepted(world)
    hearing, handling = case.due_by, case.handling_due_on
    late = TODAY  # the hearing limit (2026-10-08) has passed: overdue
    assert services.case_clock_state(case, late) == "overdue"
    transition(case, "extend", world.user, today=late, days=30, reason="Land survey")
    assert case.handling_due_on == deadline(ACCEPTED, 90)
    assert case.due_by == deadline(ACCEPTED, 60) and case.due_by > hearing
    assert services.due_on(case) == case.due_by > late
    assert case.handling_due_on > handling
    assert services.case_clock_state(case, late) is None


def _today(monkeypatch, day: date) -> None:
    """The export decides "past the local limit" by today's date."""
    monkeypatch.setattr(services, "local_today", lambda: day)


def test_an_overdue_case_once_extended_has_a_date_window_again(db, world, monkeypatch):
    case = _accepted(world)
    start, end = date(2026, 11, 9), date(2026, 11, 20)  # after both limits
    _today(monkeypatch, start)
    transition(case, "extend", world.user, today=start, days=30, reason="Land survey")
    db.session.flush()
    exported = {c.id: c for c in export_scenario(start, end, timezone="Asia/Shanghai").cases}
    assert exported[case.reference].due_by >= start


def test_past_the_local_limit_the_planner_gets_the_statutory_limit_and_more_urgency(
        db, world, monkeypatch):
    case = _accepted(world, priority=3)
    db.session.flush()
    _today(monkeypatch, TODAY)
    start, end = TODAY, date(2026, 10, 30)
    out = {c.id: c for c in export_scenario(start, end, timezone="Asia/Shanghai").cases}
    assert out[case.reference].due_by == case.handling_due_on  # not the passed local limit
    assert out[case.reference].priority == 4
    assert services.case_clock_state(case, TODAY) == "overdue"  # the app still says so
    # The same for any horizon of the day (a re-plan or an edit's check agrees with the run).
    later = {c.id: c for c in export_scenario(date(2026, 9, 10), end,
                                                timezone="Asia/Shanghai").cases}
    assert later[case.reference].due_by == case.handling_due_on
    # Within the local limit nothing changes.
    _today(monkeypatch, date(2026, 9, 10))
    early = {c.id: c for c in export_scenario(date(2026, 9, 10), end,
                                                timezone="Asia/Shanghai").cases}
    assert early[case.reference].due_by == case.due_by
    assert early[case.reference].priority == 3


def test_overdue_and_at_risk_have_one_definition(db, world, monkeypatch):
    # Overdue by acceptance limit (still registered), by hearing limit, by handling limit after
    # the opinion; at risk: hearing limit in two days; a closed case is never overdue.
    registered = register(world, today=date(2026, 9, 20))
    hearing = _accepted(world)
    opinion = _accepted(world)
    opinion.status, opinion.due_by = "opinion_given", date(2026, 12, 31)
    opinion.handling_due_on = date(2026, 10, 19)
    risky = register(world, today=date(2026, 9, 20))
    transition(risky, "accept", world.user, today=date(2026, 9, 21), on=date(2026, 9, 21))
    risky.due_by = date(2026, 10, 22)
    closed = _accepted(world)
    closed.status, closed.closed_on = "resolved", date(2026, 10, 1)
    db.session.flush()
    monkeypatch.setattr(home, "local_today", lambda: TODAY)

    listed = lambda **kw: {c.id for c in db.session.scalars(  # noqa: E731
        case_list_statement(CaseFilters(**kw), today=TODAY))}
    overdue = {registered.id, hearing.id, opinion.id}
    assert listed(overdue=True) == overdue
    assert listed(at_risk=True) == {risky.id}
    assert home.overview()["overdue_cases"] == len(overdue)
    f = dashboard.DashboardFilters()
    assert dashboard.clock_counts(f, TODAY) == {"overdue": 3, "at_risk": 1}
    assert {c.id for c, _ in dashboard.clock_cases(f, "overdue", today=TODAY)} == overdue
    assert {services.case_clock_state(c, TODAY) for c in (registered, hearing, opinion)} == \
        {"overdue"}
    assert services.case_clock_state(closed, TODAY) is None


def test_local_additions_change_time_limits(db, world):
    # Tuesday 17 November 2026 is an ordinary working day; a local holiday moves the limit on.
    assert deadline(date(2026, 11, 2), 15) == date(2026, 11, 17)
    centres.save_calendar_day(date(2026, 11, 17), "holiday", "County festival")
    assert not is_working_day(date(2026, 11, 17))
    assert deadline(date(2026, 11, 2), 15) == date(2026, 11, 18)
    # Saturday 14 November worked locally: a limit ending that day stays there.
    centres.save_calendar_day(date(2026, 11, 14), "workday", "Make-up day")
    assert deadline(date(2026, 11, 2), 12) == date(2026, 11, 14)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.table("calendar_days"))) == 2

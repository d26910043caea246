"""Factories for the dashboard tests: cases with given clock dates, published hearings, runs."""

from __future__ import annotations

from datetime import date, time

from mediation.cases.models import Case, CaseLink
from mediation.extensions import db
from mediation.planning.models import Hearing, HearingMember, PlanRun, UnscheduledCase
from mediation.timeutil import local_to_utc
from tests import factories


def case(region, status="registered", registered_on=date(2026, 9, 1), **kw) -> Case:
    kw.setdefault("acceptance_due_on", None)
    return factories.case(region, status=status, registered_on=registered_on, **kw)


def repeat_of(earlier: Case, region, registered_on: date, **kw) -> Case:
    """A repeat petition of `earlier` (linked, repeat_count raised), still registered."""
    c = case(region, registered_on=registered_on, repeat_count=earlier.repeat_count + 1, **kw)
    db.session.add(CaseLink(case_id=c.id, earlier_case_id=earlier.id, reason="repeat"))
    db.session.flush()
    return c


def published_hearing(case_: Case, room, session, day: date, chair, members=(), counsellor=None,
                      layer: int = 0, status: str = "published") -> Hearing:
    h = Hearing(case=case_, room=room, session=session, date=day, layer=layer, status=status,
                starts_at=local_to_utc(day, session.starts_at or time(9)),
                ends_at=local_to_utc(day, session.ends_at or time(12)))
    db.session.add(h)
    db.session.flush()
    people = [(chair, "chair")] + [(m, "member") for m in members]
    if counsellor is not None:
        people.append((counsellor, "counsellor"))
    for person, role in people:
        db.session.add(HearingMember(hearing_id=h.id, date=day, session_id=session.id, layer=layer,
                                     status=status, person_id=person.id, role=role))
    db.session.flush()
    return h


def finished_run(unscheduled: dict[Case, list[str]], status: str = "succeeded",
                 start: date = date(2026, 11, 16), end: date = date(2026, 11, 27)) -> PlanRun:
    run = PlanRun(status=status, horizon_start=start, horizon_end=end, scope={"kind": "all"},
                  scope_key=f"all-{status}-{start}")
    db.session.add(run)
    db.session.flush()
    for c, reasons in unscheduled.items():
        db.session.add(UnscheduledCase(plan_run_id=run.id, case_id=c.id, reasons=reasons))
    db.session.flush()
    return run

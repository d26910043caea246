"""The demo's hearings in the case's life: outcomes of every kind, follow-up visits, closed
cases with their checklist complete (issue #12 point 6)."""

from collections import Counter
from datetime import date

import sqlalchemy as sa

from mediation.cases.followups import FollowUp
from mediation.cases.models import Case
from mediation.cases.services import checklist_complete, majority
from mediation.demo.services import load_demo
from mediation.hearings.models import Hearing, HearingOutcome

TODAY = date(2026, 12, 1)


def test_demo_has_hearings_outcomes_follow_ups_and_closed_cases(db):
    result = load_demo(seed=7, today=TODAY)
    db.session.commit()
    outcomes = db.session.scalars(sa.select(HearingOutcome)).all()
    kinds = Counter((o.result, o.agreement) for o in outcomes)
    assert kinds[("held", True)] >= 1 and kinds[("held", False)] >= 1
    assert kinds[("adjourned", None)] == 1 and kinds[("no_show", None)] == 1
    hearings = db.session.scalars(sa.select(Hearing)).all()
    assert len(hearings) == result.counts["hearings"] > len(outcomes)  # some await an outcome
    assert all(h.status == "published" and h.seen for h in hearings)
    resolved = db.session.scalars(sa.select(Case).where(Case.status == "resolved")).all()
    assert len(resolved) >= 3
    for case in resolved:
        assert checklist_complete(case) and case.closed_on and case.closed_on <= TODAY
        assert majority([po.opinion for po in case.panel_opinions]) == case.opinion
    # A terminated case fills the termination register (its checklist settled, with a reason).
    terminated = db.session.scalars(sa.select(Case).where(Case.status == "terminated")).all()
    assert terminated and all(c.in_termination_register and checklist_complete(c)
                              and c.closure_reason for c in terminated)
    visits = db.session.scalars(sa.select(FollowUp)).all()
    assert sum(f.done_on is not None for f in visits) == 1
    assert sum(f.is_overdue(TODAY) for f in visits) == 1
    assert sum(f.done_on is None and f.due_on >= TODAY for f in visits) >= 1

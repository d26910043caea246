"""Published hearings in the past (their time has started), for outcome and opinion tests."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from mediation.centres.models import HearingSession
from mediation.extensions import db
from mediation.hearings import lifecycle, outcomes
from mediation.hearings.models import Hearing
from mediation.timeutil import local_today
from tests import factories as F


def session_am() -> HearingSession:
    found = db.session.scalar(sa.select(HearingSession).where(HearingSession.code == "am"))
    return found or F.session_block("am")


def published_hearing(case, *, day: date | None = None, people=None, counsellor=True) -> Hearing:
    """A published hearing of `case` (default: two days ago, this morning), chair first."""
    day = day or local_today() - timedelta(days=2)
    people = list(people or [F.person() for _ in range(3)])
    members = [(p, "chair" if i == 0 else "member") for i, p in enumerate(people)]
    if counsellor:
        members.append((F.person(expert=False, counsellor=True), "counsellor"))
    centre = F.centre(case.region)
    h = lifecycle.record_fixed(case=case, room=centre.rooms[0], day=day, session=session_am(),
                               members=members)
    h.pinned = False
    db.session.flush()
    return h


def with_outcome(case, result: str = "held", *, agreement: bool | None = True, user=None,
                 **kw) -> Hearing:
    """A past published hearing of `case` with an outcome recorded."""
    h = published_hearing(case, **kw)
    outcomes.record_outcome(h, result=result, present_ids=[m.person_id for m in h.members],
                            petitioner_present=True,
                            agreement=agreement if result == "held" else None,
                            minutes="Minutes.", user=user)
    return h

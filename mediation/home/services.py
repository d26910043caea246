"""Counts for the start page."""

from __future__ import annotations

import sqlalchemy as sa

from mediation.cases.followups import overdue_condition
from mediation.cases.models import Case
from mediation.cases.services import OPEN_STATUSES, clock_condition
from mediation.centres.models import Centre, Room
from mediation.extensions import db
from mediation.hearings.models import Hearing
from mediation.hearings.queries import is_current_published
from mediation.roster.models import Person
from mediation.timeutil import local_today


def overview() -> dict[str, int]:
    today = local_today()
    count = lambda stmt: db.session.scalar(stmt) or 0  # noqa: E731
    return {
        "open_cases": count(sa.select(sa.func.count()).where(Case.status.in_(OPEN_STATUSES))),
        "overdue_cases": count(sa.select(sa.func.count()).where(clock_condition("overdue", today))),
        "experts": count(sa.select(sa.func.count()).where(Person.is_expert, Person.active)),
        "counsellors": count(sa.select(sa.func.count()).where(Person.is_counsellor, Person.active)),
        "centres": count(sa.select(sa.func.count()).select_from(Centre)),
        "rooms": count(sa.select(sa.func.count()).select_from(Room)),
        "overdue_followups": count(sa.select(sa.func.count()).where(overdue_condition(today))),
        "published_hearings": count(
            sa.select(sa.func.count()).where(is_current_published(), Hearing.date >= today)
        ),
    }

"""The start page: the work list of what needs attention today, and a line of counts.

The work list gathers, for the signed-in user's regions, what a coordinator has to deal with,
most urgent kind first; each kind reuses its own feature's definition (nothing is computed
again here):

* ``declines``: an expert or counsellor declined an upcoming published hearing and is still on
  it (`attendance.services.needing_attention`) → the hearing page, to replace them;
* ``clashes``: a published hearing at a time a member's own calendar now shows as busy
  (`availability.services.clashes`) → the hearing;
* ``overdue`` / ``at_risk``: open cases past their next time limit, or close to it
  (`dashboard.services.clock_cases`, on `cases.services.clock_condition`) → the case;
* ``unscheduled``: urgent cases the newest plan run holding them left unscheduled
  (`dashboard.services.unscheduled_cases`) → the case, and the run's review;
* ``failed_emails``: invites that could not be sent (outbox status ``failed``) → the outbox;
* ``followups``: follow-up visits not done by their due date (`cases.followups`) → the case.

Home is the top layer: it imports the services of other features, and nothing imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from mediation.attendance.services import needing_attention
from mediation.auth.access import can_see
from mediation.auth.scope import region_scope
from mediation.availability.services import clashes
from mediation.calendar.models import OutboxMessage
from mediation.cases.followups import FollowUp, overdue_condition
from mediation.cases.models import Case
from mediation.cases.services import OPEN_STATUSES, case_clock_state, clock_condition
from mediation.centres.models import Centre, Room
from mediation.dashboard import services as dashboard
from mediation.extensions import db
from mediation.hearings.models import Hearing
from mediation.hearings.queries import is_current_published
from mediation.roster.models import Person
from mediation.timeutil import local_today

# Items shown per kind on the page; the group's "all" link leads to the rest.
SHOWN = 5
# The kinds in the order they are shown: what stops a hearing from taking place first.
KINDS = ("declines", "clashes", "overdue", "unscheduled", "failed_emails", "at_risk",
         "followups")
# Editors' kinds: what only a coordinator can fix (a viewer is not shown them).
EDITOR_KINDS = frozenset({"declines", "failed_emails"})
# An unscheduled case is urgent when its priority is at least this, or its time limit is close.
URGENT_PRIORITY = 4


@dataclass
class Group:
    """One kind of work: how many there are, the first few, most urgent first."""

    kind: str
    count: int
    items: list = field(default_factory=list)


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


# --- the kinds ---------------------------------------------------------------------------------


def _declines(user, today: date) -> list:
    rows = needing_attention(lambda h: can_see(user, h))
    return sorted(rows, key=lambda a: (a.hearing.starts_at, a.hearing_id, a.person_id))


def _clashes(user, today: date) -> list:
    return [c for c in clashes(today) if can_see(user, c.hearing)]


def _clock(state: str):
    def cases(user, today: date) -> list:
        # Every open case in that state (the dashboard's definition and order), kept to the
        # user's regions whatever the request (reads are also filtered on GET: auth.scope).
        return [(case, due) for case, due in
                dashboard.clock_cases(dashboard.DashboardFilters(), state, limit=None,
                                      today=today)
                if can_see(user, case)]
    return cases


def _unscheduled(user, today: date) -> list:
    _total, rows = dashboard.unscheduled_cases(dashboard.DashboardFilters(), limit=None)
    return [u for u in rows if can_see(user, u.case)
            and (u.case.priority >= URGENT_PRIORITY or case_clock_state(u.case, today))]


def _failed_emails(user, today: date) -> list:
    stmt = (sa.select(OutboxMessage).where(OutboxMessage.status == "failed")
            .options(selectinload(OutboxMessage.hearing).selectinload(Hearing.case),
                     selectinload(OutboxMessage.person))
            .order_by(OutboxMessage.id.desc()))
    scope = region_scope(user)
    if scope is not None:
        # As the outbox page: messages about hearings of cases in the user's regions.
        stmt = stmt.where(OutboxMessage.hearing_id.in_(
            sa.select(Hearing.id).join(Case, Case.id == Hearing.case_id)
            .where(Case.region_id.in_(sorted(scope) or [-1]))))
    return list(db.session.scalars(stmt))


def _followups(user, today: date) -> list:
    rows = db.session.scalars(
        sa.select(FollowUp).where(overdue_condition(today))
        .options(selectinload(FollowUp.case)).order_by(FollowUp.due_on, FollowUp.id))
    return [f for f in rows if can_see(user, f.case)]


_SOURCES = {
    "declines": _declines,
    "clashes": _clashes,
    "overdue": _clock("overdue"),
    "at_risk": _clock("at_risk"),
    "unscheduled": _unscheduled,
    "failed_emails": _failed_emails,
    "followups": _followups,
}


def work_list(user, *, editor: bool, today: date | None = None, shown: int | None = SHOWN,
              only: str | None = None) -> list[Group]:
    """The kinds of work that have something for `user`, in `KINDS` order, each with its count
    and its first `shown` items (all of them for the kind `only`, which is then the one group
    asked for). `editor`: whether the user may change things (declines and emails are theirs)."""
    today = today or local_today()
    groups = []
    for kind in KINDS:
        if (only and kind != only) or (kind in EDITOR_KINDS and not editor):
            continue
        items = _SOURCES[kind](user, today)
        if items:
            limit = None if only else shown
            groups.append(Group(kind, len(items), items[:limit] if limit else items))
    return groups

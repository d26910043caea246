"""The queries behind the calendar's long lists: the outbox and the people's feed links.

Each takes the viewer's region scope (`auth.permissions.region_scope`: a set of region ids, or
None for every region) so that the pages stay thin and the scope rule lives in one place.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from mediation.calendar.models import MESSAGE_STATUSES, FeedToken, OutboxMessage
from mediation.cases.models import Case
from mediation.extensions import db
from mediation.hearings.models import Hearing
from mediation.roster.models import Person

PERSON_ROLES = ("expert", "counsellor")
LINK_STATES = ("with", "without")


def _person_matches(text: str):
    """People whose code or name contains `text` (case-insensitive)."""
    needle = text.lower()
    return sa.or_(sa.func.lower(Person.code).contains(needle, autoescape=True),
                  sa.func.lower(Person.name).contains(needle, autoescape=True))


def scoped_outbox(statement: sa.Select, scope: frozenset[int] | None) -> sa.Select:
    """Messages about hearings of cases in `scope` (every message for an unlimited viewer)."""
    if scope is None:
        return statement
    visible = (sa.select(Hearing.id).join(Case, Case.id == Hearing.case_id)
               .where(Case.region_id.in_(sorted(scope) or [-1])))
    return statement.where(OutboxMessage.hearing_id.in_(visible))


def outbox_statement(scope: frozenset[int] | None, *, status: str | None = None,
                     person: str = "") -> sa.Select:
    """The outbox, newest first, narrowed to a status and to people matching `person`."""
    statement = (sa.select(OutboxMessage)
                 .options(selectinload(OutboxMessage.hearing).selectinload(Hearing.case),
                          selectinload(OutboxMessage.person))
                 .order_by(OutboxMessage.id.desc()))
    if status in MESSAGE_STATUSES:
        statement = statement.where(OutboxMessage.status == status)
    if person:
        statement = statement.where(OutboxMessage.person_id.in_(
            sa.select(Person.id).where(_person_matches(person))))
    return scoped_outbox(statement, scope)


def outbox_counts(scope: frozenset[int] | None, *, person: str = "") -> dict[str, int]:
    """How many messages the viewer may see are in each status (for the status filter)."""
    statement = sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    if person:
        statement = statement.where(OutboxMessage.person_id.in_(
            sa.select(Person.id).where(_person_matches(person))))
    return dict(db.session.execute(scoped_outbox(statement, scope)).all())


def _live_person_link():
    return sa.select(FeedToken.id).where(FeedToken.kind == "person",
                                         FeedToken.person_id == Person.id,
                                         FeedToken.revoked_at.is_(None)).exists()


def people_statement(*, text: str = "", role: str | None = None,
                     link: str | None = None) -> sa.Select:
    """Active people for the feeds page, by code, narrowed by name or code, role and whether
    they have a live feed link."""
    statement = sa.select(Person).where(Person.active).order_by(Person.code)
    if text:
        statement = statement.where(_person_matches(text))
    if role == "expert":
        statement = statement.where(Person.is_expert)
    elif role == "counsellor":
        statement = statement.where(Person.is_counsellor)
    if link == "with":
        statement = statement.where(_live_person_link())
    elif link == "without":
        statement = statement.where(~_live_person_link())
    return statement


def live_person_links(people: list[Person]) -> dict[int, FeedToken]:
    """The live feed link of each of `people` that has one, by person id (one query)."""
    ids = [p.id for p in people]
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(FeedToken).where(
        FeedToken.kind == "person", FeedToken.person_id.in_(ids), FeedToken.revoked_at.is_(None)))
    return {row.person_id: row for row in rows}

"""The one definition of "the current published schedule", as SQL.

Every page, feed, export and planner input that needs "published and not cancelled hearings of
the schedule of record" builds on `is_current_published` / `current_published`, instead of
spelling out the layer and the status.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from mediation.centres.models import Room
from mediation.hearings.models import (
    PUBLISHED_LAYER,
    REPLAN_RESULTS,
    Hearing,
    HearingMember,
    HearingOutcome,
)


def is_current_published(entity=Hearing) -> sa.ColumnElement[bool]:
    """The condition "in the schedule of record and not cancelled" for `Hearing` or
    `HearingMember` (whose rows carry copies of their hearing's layer and status)."""
    return sa.and_(entity.layer == PUBLISHED_LAYER, entity.status == "published")


def in_schedule(entity=Hearing) -> sa.ColumnElement[bool]:
    """The schedule of record, cancelled hearings included (what calendars are told about)."""
    return entity.layer == PUBLISHED_LAYER


def current_published(*, start: date | None = None, end: date | None = None,
                      person_id: int | None = None, room_ids=None, centre_id: int | None = None,
                      case_ids=None) -> sa.Select:
    """SELECT of the current published hearings, optionally only those from `start` and/or up
    to `end` (inclusive), attended by `person_id`, in one of `room_ids`, in a room of
    `centre_id`, or of one of `case_ids` (a list or a subquery)."""
    stmt = sa.select(Hearing).where(is_current_published())
    if start is not None:
        stmt = stmt.where(Hearing.date >= start)
    if end is not None:
        stmt = stmt.where(Hearing.date <= end)
    if person_id is not None:
        stmt = stmt.where(Hearing.id.in_(sa.select(HearingMember.hearing_id).where(
            HearingMember.person_id == person_id)))
    if room_ids is not None:
        stmt = stmt.where(Hearing.room_id.in_(room_ids))
    if centre_id is not None:
        stmt = stmt.where(Hearing.room_id.in_(sa.select(Room.id).where(
            Room.centre_id == centre_id)))
    if case_ids is not None:
        stmt = stmt.where(Hearing.case_id.in_(case_ids))
    return stmt


def sent_back_to_planning(entity=Hearing) -> sa.ColumnElement[bool]:
    """The condition "its outcome (adjourned, no-show, postponed) put the case back into
    planning", for `Hearing` or `HearingMember` (via `hearing_id`)."""
    column = entity.id if entity is Hearing else entity.hearing_id
    return column.in_(sa.select(HearingOutcome.hearing_id).where(
        HearingOutcome.result.in_(REPLAN_RESULTS)))


def in_force(**kwargs) -> sa.Select:
    """SELECT of the current published hearings that still count as their case's hearing: those
    whose outcome did not send the case back into planning (`current_published` arguments).
    The planner's input and its publish diff use it, so an adjourned case is planned again."""
    return current_published(**kwargs).where(~sent_back_to_planning())


def proposals_of(run_id: int) -> sa.Select:
    """SELECT of the hearings a run proposes (its layer)."""
    return sa.select(Hearing).where(Hearing.layer == run_id)


__all__ = ["current_published", "in_force", "in_schedule", "is_current_published", "proposals_of",
           "sent_back_to_planning"]

"""One stored version number for everything feeds show, so that an unchanged feed (a 304, or a
200 from the per-process cache) costs one tiny query instead of reading every event.

Any flush that changes what a feed can show (a hearing of the schedule of record or one of its
members, a person taken off a hearing, the name or address of a room or centre, a case's
reference or region, a coordinator's regions, the region tree, a person's page link) raises the number in the same
transaction, so readers see the new number exactly when they can see the new data. Bulk
`UPDATE` statements that bypass the ORM do not: none of the app's code changes these rows so.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from mediation.attendance.models import PersonLink
from mediation.auth.models import User
from mediation.calendar.removals import FormerAttendee
from mediation.cases.models import Case
from mediation.centres.models import Centre, Room
from mediation.db import UTCDateTime, now_utc
from mediation.extensions import db
from mediation.hearings.models import PUBLISHED_LAYER, Hearing, HearingMember
from mediation.regions.models import Region

STATE_ID = 1


class FeedState(db.Model):
    __tablename__ = "feed_state"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Per class: the attributes whose change reaches a feed (None: any change of the row).
WATCHED: dict[type, tuple[str, ...] | None] = {
    Hearing: None, HearingMember: None, FormerAttendee: None,
    Room: ("name", "centre_id"), Centre: ("name", "address"),
    Case: ("reference", "region_id"), User: ("role", "active", "regions"),
    Region: ("parent_id",),
    # A person's page link is in their feed's events (made, replaced or revoked).
    PersonLink: None,
}


def _in_schedule(obj) -> bool:
    """Hearings and members of the schedule of record; a proposal changes no feed (publishing
    moves it to layer 0, which is a change seen here)."""
    if isinstance(obj, Hearing | HearingMember):
        history = sa.inspect(obj).attrs.layer.history
        layers = {*(history.added or ()), *(history.deleted or ()), *(history.unchanged or ())}
        return PUBLISHED_LAYER in layers or obj.layer == PUBLISHED_LAYER
    return True


def _touches_feeds(session: Session) -> bool:
    for obj in (*session.new, *session.deleted):
        if type(obj) in WATCHED and _in_schedule(obj):
            return True
    for obj in session.dirty:
        attrs = WATCHED.get(type(obj), ...)
        if attrs is ... or not _in_schedule(obj):
            continue
        state = sa.inspect(obj)
        names = attrs or [a.key for a in state.mapper.attrs]
        if any(state.attrs[name].history.has_changes() for name in names):
            return True
    return False


def before_flush(session: Session, _flush_context, _instances) -> None:
    if _touches_feeds(session):
        session.info["mediation.feeds_changed"] = True


def after_flush(session: Session, _flush_context) -> None:
    if not session.info.pop("mediation.feeds_changed", False):
        return
    table = FeedState.__table__
    bump = (sa.update(table).where(table.c.id == STATE_ID)
            .values(version=table.c.version + 1, changed_at=now_utc()))
    if session.connection().execute(bump).rowcount == 0:
        session.connection().execute(sa.insert(table).values(id=STATE_ID, version=1,
                                                             changed_at=now_utc()))


def current_version() -> int:
    return db.session.scalar(sa.select(FeedState.version).where(FeedState.id == STATE_ID)) or 0

"""People taken off a published hearing, remembered so that their own feed keeps the event,
cancelled for them, for `MEDIATION_FEED_CANCELLED_DAYS`: a calendar app that only polls the feed
(and never saw the CANCEL invite) sees the event go instead of losing it silently."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from mediation.db import UTCDateTime, now_utc
from mediation.extensions import db


class FormerAttendee(db.Model):
    __tablename__ = "former_attendees"

    hearing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hearings.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


def note_attendees(hearing_id: int, removed: set[int], present: set[int],
                   at: datetime | None = None) -> None:
    """After a change of a published hearing: remember who left, forget who is back."""
    at = at or now_utc()
    if present:
        db.session.execute(sa.delete(FormerAttendee).where(
            FormerAttendee.hearing_id == hearing_id, FormerAttendee.person_id.in_(present)))
    for person_id in sorted(removed):
        row = db.session.get(FormerAttendee, (hearing_id, person_id))
        if row is None:
            db.session.add(FormerAttendee(hearing_id=hearing_id, person_id=person_id,
                                          removed_at=at))
        else:
            row.removed_at = at
    db.session.flush()

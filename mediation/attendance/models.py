"""Personal page links of roster people (experts and counsellors have no accounts) and their
answers to the hearings they are on.

A page link is kept like a feed token (mediation.calendar.models): each row holds a random
256-bit seed and the SHA-256 hash of the token; the token is HMAC-SHA256(server key, seed) with
its own domain string, so a copy of the database alone gives no working link.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.db import UTCDateTime, now_utc
from mediation.extensions import db

RESPONSES = ("accepted", "declined", "tentative")
# How an answer reached the app: the person's page, an emailed reply, a coordinator's button.
CHANNELS = ("page", "email", "coordinator")

LIVE = sa.text("revoked_at IS NULL")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class PersonLink(db.Model):
    __tablename__ = "person_links"
    __table_args__ = (
        # At most one live link per person.
        sa.Index("uq_person_links_live_person", "person_id", unique=True,
                 sqlite_where=LIVE, postgresql_where=LIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    seed: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    person = relationship("Person")

    @property
    def live(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<PersonLink {self.id}{'' if self.live else ' revoked'}>"


class HearingResponse(db.Model):
    """One answer of one person to one hearing; the latest per person counts."""

    __tablename__ = "hearing_responses"
    __table_args__ = (
        sa.CheckConstraint(_in("response", RESPONSES), name="response"),
        sa.CheckConstraint(_in("channel", CHANNELS), name="channel"),
        sa.Index("ix_hearing_responses_hearing_person", "hearing_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(sa.ForeignKey("hearings.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    response: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    # The coordinator who recorded it (channel "coordinator"), else None.
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The repair proposal a decline started, if any.
    repair_run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("plan_runs.id", ondelete="SET NULL"))

    hearing = relationship("Hearing")
    person = relationship("Person")
    repair_run = relationship("PlanRun")

    def __repr__(self) -> str:
        return f"<HearingResponse {self.hearing_id}/{self.person_id} {self.response}>"

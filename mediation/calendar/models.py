"""Feed tokens (secret subscription links) and the outbox of email invites.

A feed token is never stored: each row keeps a random 256-bit seed and the SHA-256 hash of the
token, and the token itself is HMAC-SHA256(server key, seed). A copy of the database alone gives
no working link, yet the app can show a link again (person page, `mediation feeds url`).
Rotation revokes the row and makes a new one, so the old link dies at once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.calendar.kinds import KINDS
from mediation.db import UTCDateTime, now_utc
from mediation.extensions import db

# Every kind of feed (mediation.calendar.kinds) and the column naming its target; exactly that
# one is set. The check constraints below list them: a new kind needs a migration.
FEED_KINDS = tuple(KINDS)
FEED_TARGET_COLUMNS = {name: kind.column for name, kind in KINDS.items()}
MESSAGE_STATUSES = ("pending", "sending", "sent", "failed")
# NOTICE: a plain email (no calendar part), such as a coordinator told of a decline.
MESSAGE_METHODS = ("REQUEST", "CANCEL", "NOTICE")
# Why a message was queued: the publish service's kind, or an attendee taken off a hearing.
MESSAGE_REASONS = ("published", "updated", "cancelled", "removed", "declined")
# Why a message cannot go out, as the app itself finds it: stored in `last_error` as this code
# and worded in the reader's language when shown (mediation.calendar.labels). Any other
# `last_error` is the mail server's (or the system's) own answer, kept as it came.
NO_ADDRESS = "no_address"
INVALID_ADDRESS = "invalid_address"
MESSAGE_ERRORS = (NO_ADDRESS, INVALID_ADDRESS)

LIVE = sa.text("revoked_at IS NULL")


def _one_target() -> str:
    clauses = []
    for kind, column in FEED_TARGET_COLUMNS.items():
        checks = [f"{c} IS {'NOT ' if c == column else ''}NULL"
                  for c in FEED_TARGET_COLUMNS.values()]
        clauses.append(f"(kind = '{kind}' AND {' AND '.join(checks)})")
    return " OR ".join(clauses)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class FeedToken(db.Model):
    __tablename__ = "feed_tokens"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", FEED_KINDS), name="kind"),
        sa.CheckConstraint(_one_target(), name="one_target"),
        # At most one live link per person, room, centre or coordinator.
        *(sa.Index(f"uq_feed_tokens_live_{column}", column, unique=True,
                   sqlite_where=LIVE, postgresql_where=LIVE)
          for column in FEED_TARGET_COLUMNS.values()),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id", ondelete="CASCADE"))
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centres.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # Hex SHA-256 of the token: what a request is looked up by.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Hex of 32 random bytes; the token is HMAC-SHA256(server key, seed).
    seed: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The hash of the last bytes served and when they last changed: Last-Modified is exact even
    # when a feed changes without any row changing (a cancelled hearing ageing out).
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    content_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person = relationship("Person")
    room = relationship("Room")
    centre = relationship("Centre")
    user = relationship("User", foreign_keys=[user_id])

    @property
    def target(self):
        return KINDS[self.kind].target(self)

    @property
    def live(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<FeedToken {self.kind} {self.id}{'' if self.live else ' revoked'}>"


class OutboxMessage(db.Model):
    """One iMIP email to one attendee, rendered when queued and delivered by `deliver_pending`."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.CheckConstraint(_in("status", MESSAGE_STATUSES), name="status"),
        sa.CheckConstraint(_in("method", MESSAGE_METHODS), name="method"),
        sa.CheckConstraint(_in("reason", MESSAGE_REASONS), name="reason"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
        sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    hearing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hearings.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(16))
    method: Mapped[str] = mapped_column(sa.String(8))
    uid: Mapped[str] = mapped_column(sa.String(128))
    sequence: Mapped[int]
    recipient: Mapped[str | None] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    # The whole RFC 5322 message (ASCII: non-ASCII parts are encoded), sent byte for byte.
    message: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=now_utc)
    # Set by the conditional UPDATE that claims the row; a stale claim (crashed sender) expires.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim: Mapped[str | None] = mapped_column(sa.String(32))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "smtp" or "file", and the server or the .eml file it went to.
    transport: Mapped[str | None] = mapped_column(sa.String(8))
    delivered_to: Mapped[str | None] = mapped_column(sa.String(500))

    hearing = relationship("Hearing")
    person = relationship("Person")

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.method} {self.status}>"

"""Busy times imported from a person's own calendar (an ICS subscription address).

`CalendarSource` is one person's address and how its last fetch went; `ImportedBusy` is one
session of one date that an event of that calendar overlaps. No event title, description or
location is stored: these are people's private calendars, and the planner needs only "busy".
The rows of a source are replaced only after a successful fetch and parse (in one transaction),
so a failure keeps the last good import.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.db import TimestampMixin, UTCDateTime
from mediation.extensions import db

if TYPE_CHECKING:
    from mediation.centres.models import HearingSession
    from mediation.roster.models import Person

SOURCE_STATUSES = ("never", "ok", "error")
# Why a fetch failed; worded for people in services.ERROR_WORDS.
ERROR_CODES = ("unreachable", "timeout", "too_large", "not_calendar", "http_status",
               "private_address", "bad_scheme", "redirects")


class CalendarSource(TimestampMixin, db.Model):
    """A person's calendar subscription address (a secret: shown masked only)."""

    __tablename__ = "calendar_sources"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {SOURCE_STATUSES!r}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    # Validators of the last good response, sent back as If-None-Match / If-Modified-Since.
    etag: Mapped[str | None] = mapped_column(sa.String(500))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    # First day of the window the stored import covers (a new day needs a full fetch).
    window_start: Mapped[date | None] = mapped_column(sa.Date)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(16), default="never")
    error_code: Mapped[str | None] = mapped_column(sa.String(32))
    error_detail: Mapped[str | None] = mapped_column(sa.String(500))
    events_count: Mapped[int | None]

    person: Mapped[Person] = relationship()
    busy: Mapped[list[ImportedBusy]] = relationship(
        back_populates="source", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(ImportedBusy.date, ImportedBusy.session_id)")

    def __repr__(self) -> str:
        return f"<CalendarSource person={self.person_id} {self.status}>"


class ImportedBusy(db.Model):
    """One session of one date that an opaque, non-cancelled event of the person's calendar
    overlaps. `starts_at`/`ends_at`: the first such event (None for an all-day event)."""

    __tablename__ = "imported_busy"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "date", "session_id"),
        sa.Index("ix_imported_busy_date", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        sa.ForeignKey("calendar_sources.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(sa.Date)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hearing_sessions.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    source: Mapped[CalendarSource] = relationship(back_populates="busy")
    session: Mapped[HearingSession] = relationship()

"""Hearings: the schedule of record (layer 0) and every run's proposal (layer N).

Hearings live in *layers*. Layer 0 is the schedule of record: published hearings and the
cancelled ones kept for calendars. Layer N (N = a plan run's id) holds that run's proposal,
status "proposed", which a coordinator reviews and edits before publishing it into layer 0.

Within one layer no room and no person can be in two non-cancelled hearings of the same date and
session: partial unique indexes enforce it on SQLite and PostgreSQL alike. A member row carries
its hearing's date, session, layer and status through a composite foreign key with ON UPDATE
CASCADE, so the database, not the code, keeps those copies true.

A hearing keeps a random UID for life and a SEQUENCE that rises only when what its attendees see
changes (`seen`, kept by mediation.hearings.lifecycle), so calendar clients update it in place.
Relationships to cases and plan runs are by name: this package imports neither.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.centres.models import HearingSession, Room
from mediation.db import JSONType, TimestampMixin, UTCDateTime, now_utc
from mediation.extensions import db
from mediation.roster.models import Person

if TYPE_CHECKING:
    from mediation.cases.models import Case
    from mediation.planning.models import PlanRun

PUBLISHED_LAYER = 0
HEARING_STATUSES = ("proposed", "published", "cancelled")
MEMBER_ROLES = ("chair", "member", "counsellor")


def new_calendar_uid() -> str:
    """A random UID: never derived from ids or host names (RFC 5545 advises against leaking)."""
    return f"{secrets.token_hex(16)}@mediation"


NOT_CANCELLED = sa.text("status <> 'cancelled'")


class Hearing(TimestampMixin, db.Model):
    __tablename__ = "hearings"
    __table_args__ = (
        sa.CheckConstraint("status IN ('proposed', 'published', 'cancelled')", name="status"),
        sa.CheckConstraint("starts_at < ends_at", name="order"),
        sa.CheckConstraint("sequence >= 0", name="sequence"),
        sa.CheckConstraint(
            "(layer = 0 AND status IN ('published', 'cancelled')) "
            "OR (layer > 0 AND status = 'proposed')", name="layer"
        ),
        # The target of hearing_members' composite key (id alone is unique, so this is too).
        sa.UniqueConstraint("id", "date", "session_id", "layer", "status", name="uq_hearings_slot"),
        # No room holds two live hearings at once, in the schedule or in any one proposal.
        sa.Index("uq_hearings_room_slot", "room_id", "date", "session_id", "layer", unique=True,
                 sqlite_where=NOT_CANCELLED, postgresql_where=NOT_CANCELLED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(128), unique=True, default=new_calendar_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    plan_run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("plan_runs.id", ondelete="SET NULL"), index=True
    )
    # 0: the schedule of record; otherwise the id of the run whose proposal this is.
    layer: Mapped[int] = mapped_column(default=PUBLISHED_LAYER, index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), index=True)
    date: Mapped[date] = mapped_column(sa.Date, index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("hearing_sessions.id"))
    # The exact times in UTC, derived from date + session in the configured zone.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Layer 0 holds published (and cancelled) hearings; a proposal sets layer and "proposed".
    status: Mapped[str] = mapped_column(sa.String(16), default="published", index=True)
    pinned: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking: a concurrent edit is detected, never silently overwritten.
    version: Mapped[int] = mapped_column(default=1)
    # What attendees last saw (mediation.hearings.lifecycle.seen) and when that last changed:
    # SEQUENCE, LAST-MODIFIED and a feed's DTSTAMP follow these, never `updated_at`.
    seen: Mapped[dict | None] = mapped_column(JSONType)
    last_modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=now_utc)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship("Case")
    plan_run: Mapped[PlanRun | None] = relationship("PlanRun", back_populates="hearings")
    room: Mapped[Room] = relationship()
    session: Mapped[HearingSession] = relationship()
    members: Mapped[list[HearingMember]] = relationship(
        back_populates="hearing", cascade="all, delete-orphan", order_by="HearingMember.id",
        primaryjoin="and_(Hearing.id == foreign(HearingMember.hearing_id), "
        "Hearing.date == foreign(HearingMember.date), "
        "Hearing.session_id == foreign(HearingMember.session_id), "
        "Hearing.layer == foreign(HearingMember.layer), "
        "Hearing.status == foreign(HearingMember.status))",
        passive_deletes=True,
    )
    outcome: Mapped[HearingOutcome | None] = relationship(
        back_populates="hearing", uselist=False, passive_deletes=True)

    @property
    def panel(self) -> list[Person]:
        return [m.person for m in self.members if m.role in ("chair", "member")]

    @property
    def chair(self) -> Person | None:
        return next((m.person for m in self.members if m.role == "chair"), None)

    @property
    def counsellor(self) -> Person | None:
        return next((m.person for m in self.members if m.role == "counsellor"), None)


def is_published(h: Hearing) -> bool:
    """In the schedule of record and not cancelled (the Python twin of
    mediation.hearings.queries.is_current_published)."""
    return h.layer == PUBLISHED_LAYER and h.status == "published"


class HearingMember(db.Model):
    __tablename__ = "hearing_members"
    __table_args__ = (
        sa.UniqueConstraint("hearing_id", "person_id"),
        sa.CheckConstraint("role IN ('chair', 'member', 'counsellor')", name="role"),
        sa.ForeignKeyConstraint(
            ["hearing_id", "date", "session_id", "layer", "status"],
            ["hearings.id", "hearings.date", "hearings.session_id", "hearings.layer",
             "hearings.status"],
            ondelete="CASCADE", onupdate="CASCADE", name="fk_hearing_members_hearing_slot",
        ),
        # No person attends two live hearings at once, in the schedule or in any one proposal.
        sa.Index("uq_hearing_members_person_slot", "person_id", "date", "session_id", "layer",
                 unique=True, sqlite_where=NOT_CANCELLED, postgresql_where=NOT_CANCELLED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(index=True)
    # Copies of the hearing's slot, kept true by the composite foreign key's ON UPDATE CASCADE.
    date: Mapped[date] = mapped_column(sa.Date)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("hearing_sessions.id"))
    layer: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(16))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    hearing: Mapped[Hearing] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()


# --- what came of a hearing -------------------------------------------------------------------

OUTCOME_RESULTS = ("held", "adjourned", "no_show", "postponed")
# Outcomes after which the case goes back into planning: the hearing no longer counts as "the
# case's hearing" (mediation.hearings.queries.in_force).
REPLAN_RESULTS = ("adjourned", "no_show", "postponed")


class HearingOutcome(TimestampMixin, db.Model):
    """What came of a published hearing, recorded by the coordinator once its time has started:
    held, adjourned, no-show (the petitioner did not come) or postponed; who was present;
    whether an agreement was reached; the minutes. One per hearing (recording again replaces
    it). Attendees' calendars do not change (it is not part of `seen`)."""

    __tablename__ = "hearing_outcomes"
    __table_args__ = (
        sa.CheckConstraint("result IN ('held', 'adjourned', 'no_show', 'postponed')",
                           name="result"),
        sa.CheckConstraint("result = 'held' OR agreement IS NULL", name="agreement"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hearings.id", ondelete="CASCADE"), unique=True)
    result: Mapped[str] = mapped_column(sa.String(16))
    # Ids of the members (panel, counsellor) who were present.
    present_person_ids: Mapped[list] = mapped_column(JSONType, default=list)
    petitioner_present: Mapped[bool] = mapped_column(default=False)
    # Held hearings only: an agreement was reached (True) or not (False).
    agreement: Mapped[bool | None] = mapped_column()
    minutes: Mapped[str | None] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    hearing: Mapped[Hearing] = relationship(back_populates="outcome")

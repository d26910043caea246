"""Mediation centres, their rooms and opening days, and the daily hearing sessions."""

from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.auth import access
from mediation.centres.official import OfficialCalendar
from mediation.db import JSONType
from mediation.extensions import db
from mediation.regions.models import Region

CENTRE_LEVELS = ("city", "county", "town", "village", "venue")


class HearingSession(db.Model):
    """A daily hearing block, e.g. morning 09:00–12:00; a hearing fills one session."""

    __tablename__ = "hearing_sessions"
    __table_args__ = (sa.CheckConstraint("starts_at < ends_at", name="order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    starts_at: Mapped[time] = mapped_column(sa.Time)
    ends_at: Mapped[time] = mapped_column(sa.Time)
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<HearingSession {self.code} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}>"


class Centre(db.Model):
    """A mediation centre or a market-day venue; it serves its region and everything below."""

    __tablename__ = "centres"
    __table_args__ = (
        sa.CheckConstraint(
            "level IN ('city', 'county', 'town', 'village', 'venue')", name="level"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[str] = mapped_column(sa.String(16))
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    # ISO weekdays (1 = Monday … 7 = Sunday) on which the centre is normally open. A market-day
    # venue has none and opens only on its `open` dates.
    open_weekdays: Mapped[list[int]] = mapped_column(JSONType, default=list)
    # A centre open on weekdays follows the official calendar: closed on statutory holidays,
    # open on substituted working days (调休) and the local additions. A venue that keeps its
    # own days (e.g. a market-day venue) opts out.
    follows_official_calendar: Mapped[bool] = mapped_column(default=True,
                                                            server_default=sa.true())
    active: Mapped[bool] = mapped_column(default=True)

    region: Mapped[Region] = relationship()
    rooms: Mapped[list[Room]] = relationship(
        back_populates="centre", cascade="all, delete-orphan", order_by="Room.code"
    )
    dates: Mapped[list[CentreDate]] = relationship(
        back_populates="centre", cascade="all, delete-orphan", order_by="CentreDate.date"
    )

    @property
    def closed_dates(self) -> list[date]:
        return [d.date for d in self.dates if d.kind == "closed"]

    @property
    def open_dates(self) -> list[date]:
        return [d.date for d in self.dates if d.kind == "open"]

    def is_open_on(self, day: date, calendar=None) -> bool:
        """Open that day: an extra open date, never a closed one; otherwise, for a centre that
        follows the official calendar, closed on a holiday and open on a substituted working
        day (`centres.official.OfficialCalendar`, loaded once if `calendar` is not given);
        otherwise on its opening weekdays. The scenario export turns this into exchange-format
        rule 8 (`centres.services.scenario_dates`)."""
        kinds = {d.kind for d in self.dates if d.date == day}
        if "open" in kinds:
            return True
        if "closed" in kinds:
            return False
        if self.follows_official_calendar and self.open_weekdays:
            if calendar is None:
                calendar = OfficialCalendar()
            kind = calendar.kind(day)
            if kind is not None:
                return kind == "workday"
        return day.isoweekday() in (self.open_weekdays or [])

    def scope_region_ids(self) -> tuple[int | None]:
        """Region scope (auth.access): a centre belongs to the region it serves."""
        return (self.region_id,)

    def __repr__(self) -> str:
        return f"<Centre {self.code}>"


centre_date_units = sa.Table(
    "centre_date_units",
    db.metadata,
    sa.Column("centre_date_id", sa.ForeignKey("centre_dates.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("organisation_id", sa.ForeignKey("organisations.id", ondelete="RESTRICT"),
              primary_key=True, index=True),
)


class CentreDate(db.Model):
    """A dated exception: a closure (holiday) or an extra opening (market day)."""

    __tablename__ = "centre_dates"
    __table_args__ = (
        sa.UniqueConstraint("centre_id", "date"),
        sa.CheckConstraint("kind IN ('open', 'closed')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(8))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    # The tour-reception ("6+N") team of a venue day: the lead unit and the other units, as
    # organisation records (roster; named here by table and class name, since roster already
    # builds on centres; roster.services.set_reception_team records it).
    lead_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)

    centre: Mapped[Centre] = relationship(back_populates="dates")
    lead_organisation = relationship("Organisation")

    def scope_region_ids(self) -> tuple[int | None]:
        """Region scope (auth.access): a closure or opening belongs to its centre's region."""
        return self.centre.scope_region_ids()
    team_units = relationship("Organisation", secondary=centre_date_units,
                              order_by="Organisation.name")


class Room(db.Model):
    __tablename__ = "rooms"
    __table_args__ = (sa.CheckConstraint("capacity > 0", name="capacity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    centre_id: Mapped[int] = mapped_column(
        sa.ForeignKey("centres.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)

    centre: Mapped[Centre] = relationship(back_populates="rooms")

    def scope_region_ids(self) -> tuple[int | None]:
        """Region scope (auth.access): a room belongs to its centre's region."""
        return self.centre.scope_region_ids()

    def __repr__(self) -> str:
        return f"<Room {self.code} ({self.capacity})>"


# URL arguments naming these (auth.access.check_request: every request is checked against the
# user's regions before its view runs).
access.scoped_arg("centre_id", Centre)
access.scoped_arg("room_id", Room)
access.scoped_arg("date_id", CentreDate)

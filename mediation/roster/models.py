"""The roster: experts and counsellors, their expertise, organisations, regions and availability.

Organisations are records with aliases ("Ning'an Town Government", "宁安镇人民政府"), so conflicts
are matched by record and never by raw text.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.auth.models import User
from mediation.centres.models import HearingSession
from mediation.db import JSONType, TimestampMixin
from mediation.extensions import db
from mediation.regions.models import Region


class ExpertiseArea(db.Model):
    """A managed list of expertise areas (land, labour, housing, law, …)."""

    __tablename__ = "expertise_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))

    def display_name(self, locale: str | None = None) -> str:
        if locale and str(locale).startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name_en

    def __repr__(self) -> str:
        return f"<ExpertiseArea {self.code}>"


class Organisation(db.Model):
    """An employer, government body or company; `parent` is its supervising department."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300), unique=True)
    kind: Mapped[str | None] = mapped_column(sa.String(32))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
    aliases: Mapped[list[OrganisationAlias]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"


class OrganisationAlias(db.Model):
    __tablename__ = "organisation_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # Stored normalised (see roster.services.normalise_name) so lookups are exact and unique.
    alias: Mapped[str] = mapped_column(sa.String(300), unique=True)

    organisation: Mapped[Organisation] = relationship(back_populates="aliases")


person_expertise = sa.Table(
    "person_expertise",
    db.metadata,
    sa.Column("person_id", sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "expertise_area_id",
        sa.ForeignKey("expertise_areas.id", ondelete="RESTRICT"),
        primary_key=True,
    ),
)

person_organisations = sa.Table(
    "person_organisations",
    db.metadata,
    sa.Column("person_id", sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "organisation_id", sa.ForeignKey("organisations.id", ondelete="RESTRICT"), primary_key=True
    ),
)

person_regions = sa.Table(
    "person_regions",
    db.metadata,
    sa.Column("person_id", sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.ForeignKey("regions.id", ondelete="RESTRICT"), primary_key=True),
)


class Person(TimestampMixin, db.Model):
    """An expert and/or psychological counsellor."""

    __tablename__ = "people"
    __table_args__ = (
        sa.CheckConstraint("is_expert OR is_counsellor", name="has_role"),
        sa.CheckConstraint("max_hearings IS NULL OR max_hearings >= 0", name="max_hearings"),
        sa.CheckConstraint("max_per_day IS NULL OR max_per_day >= 0", name="max_per_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    phone: Mapped[str | None] = mapped_column(sa.String(64))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    is_expert: Mapped[bool] = mapped_column(default=True)
    is_counsellor: Mapped[bool] = mapped_column(default=False)
    # Limits: None means no limit (exchange format: absent max_*).
    max_hearings: Mapped[int | None]
    max_per_day: Mapped[int | None]
    # ISO weekdays the person works; None means every day.
    available_weekdays: Mapped[list[int] | None] = mapped_column(JSONType)
    locale: Mapped[str] = mapped_column(sa.String(16), default="zh_Hans_CN")
    active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    expertise: Mapped[list[ExpertiseArea]] = relationship(
        secondary=person_expertise, order_by=ExpertiseArea.code
    )
    organisations: Mapped[list[Organisation]] = relationship(
        secondary=person_organisations, order_by=Organisation.name
    )
    # Empty means the person travels anywhere (exchange format: no `regions`).
    regions: Mapped[list[Region]] = relationship(secondary=person_regions, order_by=Region.code)
    unavailability: Mapped[list[Unavailability]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Unavailability.date"
    )

    @property
    def roles(self) -> list[str]:
        return [r for r, on in (("expert", self.is_expert), ("counsellor", self.is_counsellor)) if on]

    def __repr__(self) -> str:
        return f"<Person {self.code}>"


class Unavailability(db.Model):
    """A dated absence: the whole day (no session) or one session of it."""

    __tablename__ = "unavailability"
    __table_args__ = (sa.UniqueConstraint("person_id", "date", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(sa.Date)
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hearing_sessions.id", ondelete="CASCADE")
    )
    reason: Mapped[str | None] = mapped_column(sa.String(300))

    person: Mapped[Person] = relationship(back_populates="unavailability")
    session: Mapped[HearingSession | None] = relationship()


class Leader(TimestampMixin, db.Model):
    """A responsible leader (包案领导): the official who owns a case (leader case ownership).

    Not an expert: a leader is never on a panel, in a scenario, a feed or an invite. `user` links
    the account of the leader (or of the coordinator who works for them), so that person can list
    "my cases". The phone is private: shown to editors only.
    """

    __tablename__ = "leaders"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    post: Mapped[str | None] = mapped_column(sa.String(200))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    phone: Mapped[str | None] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(default=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    organisation: Mapped[Organisation | None] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        """"L0001 Zhou Lin (Deputy County Head)": for choices and lists."""
        return f"{self.code} {self.name}" + (f" ({self.post})" if self.post else "")

    def __repr__(self) -> str:
        return f"<Leader {self.code}>"

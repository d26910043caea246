"""Cases (petition matters), their parties, respondents and dated, attributed history."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.auth import access, scope
from mediation.db import TimestampMixin, UTCDateTime, now_utc
from mediation.extensions import db
from mediation.hearings.models import Hearing
from mediation.regions.models import Region
from mediation.roster.models import ExpertiseArea, Leader, Organisation

# The workflow (domain brief): registered → accepted / not accepted → in handling → opinion given →
# resolved or terminated; side exits: transferred to the political-legal department, referred to
# another organ. Extension, escalation and reopening are events that keep or restore a state.
CASE_STATUSES = (
    "registered",
    "accepted",
    "not_accepted",
    "in_handling",
    "opinion_given",
    "resolved",
    "terminated",
    "transferred",
    "referred",
)
OPINIONS = ("support", "explain", "not_support")
# "Three in place, one handled" (三到位一处理): the four points, each open, done or not
# applicable (with a reason); columns checklist_<point>_state and checklist_<point>_reason.
CHECKLIST_POINTS = ("demands_resolved", "unreasonable_explained", "hardship_relieved",
                    "unlawful_handled")
CHECKLIST_STATES = ("open", "done", "not_applicable")
CATEGORIES = (
    "land_compensation",
    "unpaid_wages",
    "housing_project",
    "medical_dispute",
    "environmental_pollution",
    "social_security",
    "demolition_resettlement",
    "rural_collective",
    "other",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


case_respondents = sa.Table(
    "case_respondents",
    db.metadata,
    sa.Column("case_id", sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "organisation_id",
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,  # repeat detection looks cases up by respondent organisation
    ),
)

case_expertise = sa.Table(
    "case_expertise",
    db.metadata,
    sa.Column("case_id", sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "expertise_area_id",
        sa.ForeignKey("expertise_areas.id", ondelete="RESTRICT"),
        primary_key=True,
    ),
)


class Case(TimestampMixin, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        sa.CheckConstraint(_in("status", CASE_STATUSES), name="status"),
        sa.CheckConstraint("opinion IS NULL OR " + _in("opinion", OPINIONS), name="opinion"),
        sa.CheckConstraint("priority BETWEEN 1 AND 5", name="priority"),
        sa.CheckConstraint("attendees >= 0", name="attendees"),
        sa.CheckConstraint("repeat_count >= 0", name="repeat_count"),
        sa.CheckConstraint("extension_days IS NULL OR extension_days BETWEEN 1 AND 30",
                           name="extension_days"),
        *(sa.CheckConstraint(
            f"{_in(f'checklist_{p}_state', CHECKLIST_STATES)} AND "
            f"(checklist_{p}_state <> 'not_applicable' OR checklist_{p}_reason IS NOT NULL)",
            name=f"checklist_{p}") for p in CHECKLIST_POINTS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    category: Mapped[str] = mapped_column(sa.String(64), index=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="registered", index=True)

    # Clock dates, in the configured zone.
    registered_on: Mapped[date] = mapped_column(sa.Date, index=True)
    accepted_on: Mapped[date | None] = mapped_column(sa.Date)
    # Acceptance must be decided by this date (15 days from registration by default).
    acceptance_due_on: Mapped[date | None] = mapped_column(sa.Date)
    # Handling must be finished by this date (60 days from acceptance, plus any extension).
    handling_due_on: Mapped[date | None] = mapped_column(sa.Date)
    # The hearing must take place by this date (exchange format: due_by).
    due_by: Mapped[date | None] = mapped_column(sa.Date, index=True)
    # No hearing before this date (exchange format: earliest).
    earliest: Mapped[date | None] = mapped_column(sa.Date)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    extension_days: Mapped[int | None]
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    escalation_level: Mapped[int] = mapped_column(default=0)

    needs_counsellor: Mapped[bool] = mapped_column(default=False)
    attendees: Mapped[int] = mapped_column(default=1)
    priority: Mapped[int] = mapped_column(default=3, index=True)
    repeat_count: Mapped[int] = mapped_column(default=0)
    # The responsible leader (包案领导): shown on the case and its hearings in the app, never in
    # feeds or invites.
    responsible_leader_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("leaders.id", ondelete="SET NULL"), index=True
    )

    # Outcomes and side exits.
    opinion: Mapped[str | None] = mapped_column(sa.String(16))
    not_accepted_redirect: Mapped[str | None] = mapped_column(sa.Text)
    referral_note: Mapped[str | None] = mapped_column(sa.Text)
    # "Three in place, one handled": each point is done, or not applicable with a reason,
    # before a case closes (resolved or terminated); see CHECKLIST_POINTS.
    checklist_demands_resolved_state: Mapped[str] = mapped_column(
        sa.String(16), default="open", server_default="open")
    checklist_demands_resolved_reason: Mapped[str | None] = mapped_column(sa.Text)
    checklist_unreasonable_explained_state: Mapped[str] = mapped_column(
        sa.String(16), default="open", server_default="open")
    checklist_unreasonable_explained_reason: Mapped[str | None] = mapped_column(sa.Text)
    checklist_hardship_relieved_state: Mapped[str] = mapped_column(
        sa.String(16), default="open", server_default="open")
    checklist_hardship_relieved_reason: Mapped[str | None] = mapped_column(sa.Text)
    checklist_unlawful_handled_state: Mapped[str] = mapped_column(
        sa.String(16), default="open", server_default="open")
    checklist_unlawful_handled_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Why the case was closed (resolved or terminated); the termination register shows it.
    closure_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Terminated cases are in the termination register that intake checks.
    in_termination_register: Mapped[bool] = mapped_column(default=False)
    # Litigation/petition separation: a case transferred to the political-legal department
    # leaves the petition statistics (and, by its status, the planning pool).
    in_petition_statistics: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    region: Mapped[Region] = relationship()
    responsible_leader: Mapped[Leader | None] = relationship()
    parties: Mapped[list[Party]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Party.id"
    )
    respondents: Mapped[list[Organisation]] = relationship(
        secondary=case_respondents, order_by=Organisation.name
    )
    required_expertise: Mapped[list[ExpertiseArea]] = relationship(
        secondary=case_expertise, order_by=ExpertiseArea.code
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.at"
    )
    earlier_links: Mapped[list[CaseLink]] = relationship(
        foreign_keys="CaseLink.case_id", back_populates="case", cascade="all, delete-orphan"
    )
    panel_opinions: Mapped[list[PanelOpinion]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="PanelOpinion.id"
    )

    def scope_region_ids(self) -> tuple[int | None]:
        """Region scope (auth.access): a case belongs to its region."""
        return (self.region_id,)

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.status}>"


class Party(db.Model):
    """A petitioner, representative or other party; contact details are private."""

    __tablename__ = "parties"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('person', 'organisation')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="person")
    name: Mapped[str] = mapped_column(sa.String(200))
    # The party's own organisation (employer), or the organisation that is the party.
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    # Private: never exported to calendars, invites or the exchange format.
    id_number: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(300))

    case: Mapped[Case] = relationship(back_populates="parties")
    organisation: Mapped[Organisation | None] = relationship()

    def scope_region_ids(self) -> tuple[int | None]:
        """Region scope (auth.access): a party belongs to its case's region."""
        return self.case.scope_region_ids()


class CaseEvent(db.Model):
    """One dated, attributed entry of a case's history (a transition or a noted action)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates="events")
    user = relationship("User")


LINK_STATUSES = ("confirmed", "possible", "dismissed")


class CaseLink(db.Model):
    """Links a repeat petition to an earlier case of the same person.

    `confirmed`: a repeat (same person, same matter; found at intake or confirmed by a
    coordinator); `possible`: same person and category without a shared respondent, waiting
    for a coordinator; `dismissed`: a possible repeat a coordinator ruled out (kept, with the
    reason, so it is not proposed again). `reason` says how the link arose (repeat: found
    automatically; manual: linked by a coordinator); `note` is the coordinator's reason.
    """

    __tablename__ = "case_links"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "earlier_case_id"),
        sa.CheckConstraint("case_id <> earlier_case_id", name="not_self"),
        sa.CheckConstraint(_in("status", LINK_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    earlier_case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.String(32), default="repeat")
    status: Mapped[str] = mapped_column(sa.String(16), default="confirmed",
                                        server_default="confirmed")
    note: Mapped[str | None] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(foreign_keys=[case_id], back_populates="earlier_links")
    earlier_case: Mapped[Case] = relationship(foreign_keys=[earlier_case_id])


class PanelOpinion(db.Model):
    """One panel member's view on a case; the panel's opinion is the majority (2 of 3)."""

    __tablename__ = "panel_opinions"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "person_id"),
        sa.CheckConstraint(_in("opinion", OPINIONS), name="opinion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    opinion: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    case: Mapped[Case] = relationship(back_populates="panel_opinions")
    person = relationship("Person")
    recorded_by = relationship("User")


# Region scope on reads (auth/scope.py): a region-limited user's queries see only these rows.
def _visible_case_ids(region_ids: list[int]) -> sa.Select:
    return sa.select(Case.id).where(Case.region_id.in_(region_ids))


scope.filter_reads(Case, lambda region_ids: Case.region_id.in_(region_ids))
scope.filter_reads(Party, lambda region_ids: Party.case_id.in_(_visible_case_ids(region_ids)))


def case_region_ids(case_ids) -> list[int]:
    """The regions of these cases, read from the table itself: the read-time region filter
    (auth.scope) must not hide the very rows an access check looks at."""
    ids = sorted({int(c) for c in case_ids})
    if not ids:
        return []
    table = Case.__table__
    return list(db.session.scalars(sa.select(table.c.region_id).where(table.c.id.in_(ids))))


def case_ids_in_regions(region_ids) -> sa.Select:
    """A select of the ids of the cases in these regions, read from the table itself (like
    `case_region_ids`): for narrowing a query to a region-limited reader's scope explicitly."""
    table = Case.__table__
    return sa.select(table.c.id).where(table.c.region_id.in_(sorted(region_ids) or [-1]))


# A hearing belongs to its case's region (hearings sit below cases and cannot say it themselves).
access.register(Hearing, lambda hearing: case_region_ids([hearing.case_id]))
access.scoped_arg("case_id", Case)
access.scoped_arg("hearing_id", Hearing)

"""Declared conflicts of interest, with waivers and dismissals kept for audit.

Kinds (domain brief): `hard` is never waivable; `waivable` is hard unless a coordinator records a
waiver with a reason; `soft` is allowed but penalised by the planner and shown to coordinators.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.auth import access, scope
from mediation.cases.models import Case, Party, case_respondents
from mediation.db import UTCDateTime, now_utc
from mediation.extensions import db
from mediation.roster.models import Organisation, Person

CONFLICT_KINDS = ("hard", "waivable", "soft")
CONFLICT_SOURCES = ("declared", "automatic")
# Why an automatic finding was made (see conflicts.services.automatic_findings).
AUTOMATIC_RULES = ("member", "same_supervisor", "parent_child")


class Conflict(db.Model):
    __tablename__ = "conflicts"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('hard', 'waivable', 'soft')", name="kind"),
        # Exactly one target: a case, an organisation or a party.
        sa.CheckConstraint(
            "(CASE WHEN case_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN organisation_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN party_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        sa.CheckConstraint("waived_at IS NULL OR kind = 'waivable'", name="only_waivable_waived"),
        sa.CheckConstraint("source IN ('declared', 'automatic')", name="source"),
        sa.CheckConstraint(
            "rule IS NULL OR rule IN ('member', 'same_supervisor', 'parent_child')", name="rule"
        ),
        # A stored automatic finding is the record of a decision on one case, about one of the
        # case's organisations (a respondent or a party's organisation), under one rule.
        sa.CheckConstraint(
            "source = 'declared' OR (case_id IS NOT NULL AND basis_organisation_id IS NOT NULL"
            " AND rule IS NOT NULL)",
            name="automatic_basis",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    party_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("parties.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    declared_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    waived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    waiver_reason: Mapped[str | None] = mapped_column(sa.Text)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    dismissal_reason: Mapped[str | None] = mapped_column(sa.Text)
    # 'declared' by a coordinator, or 'automatic': a decision (waiver, dismissal) recorded on a
    # conflict found from organisation membership.
    source: Mapped[str] = mapped_column(
        sa.String(16), default="declared", server_default="declared"
    )
    # Automatic only: the case's organisation the finding was about, and the rule that found it.
    basis_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str | None] = mapped_column(sa.String(32))

    person: Mapped[Person] = relationship()
    case: Mapped[Case | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    party: Mapped[Party | None] = relationship()
    basis_organisation: Mapped[Organisation | None] = relationship(
        foreign_keys=[basis_organisation_id]
    )
    declared_by = relationship("User", foreign_keys=[declared_by_id])
    waived_by = relationship("User", foreign_keys=[waived_by_id])
    dismissed_by = relationship("User", foreign_keys=[dismissed_by_id])

    def scope_region_ids(self) -> tuple[int | None, ...]:
        """Region scope (auth.access): the region of the case (or the party's case) it is
        about; none for a conflict with an organisation (every region sees it)."""
        case = self.case if self.case_id is not None else (
            self.party.case if self.party_id is not None else None)
        return case.scope_region_ids() if case is not None else ()

    def scope_write_region_ids(self) -> list[int | None] | tuple[int | None, ...]:
        """The regions deciding it reaches (auth.access.can_change): a conflict with an
        organisation counts in every case naming that organisation, so a region-limited
        coordinator may declare, waive or dismiss it only when all those cases are in their
        regions; a conflict about a case (or party) reaches that case's region."""
        if self.organisation_id is not None:
            return organisation_region_ids(self.organisation_id)
        return self.scope_region_ids()

    @property
    def state(self) -> str:
        if self.dismissed_at is not None:
            return "dismissed"
        if self.waived_at is not None:
            return "waived"
        return "active"

    @property
    def effective_kind(self) -> str | None:
        """What the planner must treat this as: hard, soft, or None (dismissed as false).

        A waived conflict stays soft: allowed, but still penalised and shown.
        """
        if self.dismissed_at is not None:
            return None
        if self.kind == "waivable":
            return "soft" if self.waived_at is not None else "hard"
        return self.kind


def _read_filter(region_ids: list[int]) -> sa.ColumnElement[bool]:
    """Region scope on reads (auth/scope.py): conflicts about a visible case or its parties,
    and every conflict with an organisation."""
    visible_cases = sa.select(Case.id).where(Case.region_id.in_(region_ids))
    visible_parties = sa.select(Party.id).where(Party.case_id.in_(visible_cases))
    return sa.and_(
        sa.or_(Conflict.case_id.is_(None), Conflict.case_id.in_(visible_cases)),
        sa.or_(Conflict.party_id.is_(None), Conflict.party_id.in_(visible_parties)),
    )


scope.filter_reads(Conflict, _read_filter)


def organisation_region_ids(organisation_id: int) -> list[int]:
    """The regions of every case naming this organisation, as a respondent or as a party's
    organisation, read from the tables themselves (the read filter must not hide them)."""
    cases, parties = Case.__table__, Party.__table__
    named = sa.union(
        sa.select(case_respondents.c.case_id.label("case_id"))
        .where(case_respondents.c.organisation_id == organisation_id),
        sa.select(parties.c.case_id).where(parties.c.organisation_id == organisation_id))
    return list(db.session.scalars(sa.select(cases.c.region_id).distinct().where(
        cases.c.id.in_(sa.select(named.subquery().c.case_id)))))


# Organisations are seen by everybody; changing one (an alias, a merge, its parent, a conflict
# with it) reaches every case that names it (auth.access).
access.register(Organisation, lambda org: None)
access.register_write(Organisation, lambda org: organisation_region_ids(org.id))
access.scoped_arg("conflict_id", Conflict)
access.scoped_arg("org_id", Organisation)

"""Declared conflicts of interest, with waivers and dismissals kept for audit.

Kinds (domain brief): `hard` is never waivable; `waivable` is hard unless a coordinator records a
waiver with a reason; `soft` is allowed but penalised by the planner and shown to coordinators.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.cases.models import Case, Party
from mediation.db import UTCDateTime, now_utc
from mediation.extensions import db
from mediation.roster.models import Organisation, Person

CONFLICT_KINDS = ("hard", "waivable", "soft")


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

    person: Mapped[Person] = relationship()
    case: Mapped[Case | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    party: Mapped[Party | None] = relationship()

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

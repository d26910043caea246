"""Notices for the petitioner: generated PDF documents kept as stored files, with versions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.auth import access, scope
from mediation.cases.models import Case, case_region_ids
from mediation.db import UTCDateTime, now_utc
from mediation.extensions import db
from mediation.hearings.models import Hearing

# hearing_notice: 调解会通知书 for one published hearing; hearing_cancelled: the notice that
# the hearing is cancelled (replaces the hearing notice); written_reply: 处理意见书.
NOTICE_KINDS = ("hearing_notice", "hearing_cancelled", "written_reply")


class Notice(db.Model):
    """One generated version of a document. A new version of the same document (same case,
    hearing and family: the hearing's notices, or the written reply) supersedes the older
    ones, which are kept."""

    __tablename__ = "notices"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({', '.join(repr(k) for k in NOTICE_KINDS)})", name="kind"),
        sa.CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    hearing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hearings.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    version: Mapped[int] = mapped_column(default=1)
    file_key: Mapped[str] = mapped_column(sa.String(80))
    size: Mapped[int] = mapped_column(default=0)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    generated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    superseded: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    case: Mapped[Case] = relationship()
    hearing: Mapped[Hearing | None] = relationship()
    generated_by = relationship("User")

    def scope_region_ids(self) -> list[int]:
        """Region scope (auth.access): a notice belongs to its case's region."""
        return case_region_ids([self.case_id])


scope.filter_reads(Notice, lambda region_ids: Notice.case_id.in_(
    sa.select(Case.__table__.c.id).where(Case.__table__.c.region_id.in_(region_ids))))
access.scoped_arg("notice_id", Notice)

"""Attachments: evidence files on a case (scans, photos, recordings, documents).

The bytes are stored outside the web root (`mediation.storage`, folder "attachments"); the row
keeps what was detected from the content (never from the name), the size and a SHA-256 digest.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.auth import access, scope
from mediation.auth.models import User
from mediation.cases.models import Case, case_region_ids
from mediation.db import UTCDateTime, now_utc
from mediation.extensions import db


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = (sa.CheckConstraint("size >= 0", name="size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    # Sanitised for display and for the download's Content-Disposition.
    filename: Mapped[str] = mapped_column(sa.String(255))
    # Detected from the content (filetype and the checks in attachments.services).
    content_type: Mapped[str] = mapped_column(sa.String(127))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.String(500))

    case: Mapped[Case] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    def scope_region_ids(self) -> tuple[int | None]:
        """Region scope (auth.access): an attachment belongs to its case's region."""
        return tuple(case_region_ids([self.case_id]))

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename}>"


scope.filter_reads(Attachment,
                   lambda region_ids: Attachment.case_id.in_(
                       sa.select(Case.id).where(Case.region_id.in_(region_ids))))
access.scoped_arg("attachment_id", Attachment)

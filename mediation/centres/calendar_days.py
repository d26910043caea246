"""Local additions to the official calendar (a table of their own, below `official` and
`models`, which both use it)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from mediation.extensions import db


class CalendarDay(db.Model):
    """A local addition to the official calendar, entered by an administrator: an extra holiday
    (a local festival) or an extra working day; it wins over the national schedule."""

    __tablename__ = "calendar_days"
    __table_args__ = (sa.CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date] = mapped_column(sa.Date, unique=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    note: Mapped[str | None] = mapped_column(sa.String(200))

    def __repr__(self) -> str:
        return f"<CalendarDay {self.date} {self.kind}>"

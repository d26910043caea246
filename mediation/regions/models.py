"""Administrative regions as a tree: city → county → town (street) → village (community).

Queries over the tree (at and below, ancestors, tree order) are in `regions.services`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.extensions import db

REGION_LEVELS = ("city", "county", "town", "village")


class Region(db.Model):
    __tablename__ = "regions"
    __table_args__ = (
        sa.CheckConstraint(
            "level IN ('city', 'county', 'town', 'village')", name="level"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable identifier used in the exchange format (e.g. "city.c0.t2").
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[str] = mapped_column(sa.String(16))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("regions.id", ondelete="RESTRICT"), index=True
    )

    parent: Mapped[Region | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Region {self.code}>"

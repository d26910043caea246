"""Administrative regions as a tree: city → county → town (street) → village (community)."""

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

    def ancestors(self) -> list[Region]:
        """This region's parents, nearest first (guards against a cycle in bad data)."""
        seen, out, node = {self.id}, [], self.parent
        while node is not None and node.id not in seen:
            out.append(node)
            seen.add(node.id)
            node = node.parent
        return out

    def contains(self, other: Region) -> bool:
        """True if `other` is this region or lies below it."""
        return other.id == self.id or any(a.id == self.id for a in other.ancestors())

    def __repr__(self) -> str:
        return f"<Region {self.code}>"

"""Users of the web app: administrators, coordinators and viewers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mediation import emails
from mediation.db import TimestampMixin, UTCDateTime
from mediation.extensions import db

if TYPE_CHECKING:
    from mediation.regions.models import Region

ROLES = ("admin", "coordinator", "viewer")

# A coordinator limited to some regions (and the regions below them); none means every region.
user_regions = sa.Table(
    "user_regions",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('admin', 'coordinator', 'viewer')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored in its normal form (mediation.emails: NFKC, IDNA domain, lower case), so the
    # unique index holds one account per address however it is typed.
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(16), default="viewer")
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Copied into the session at sign-in and compared on every request (auth.sessions):
    # raising it ends every session of the account at once.
    session_version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))

    regions: Mapped[list[Region]] = relationship(secondary=user_regions, order_by="Region.code")

    @validates("email")
    def _normal_email(self, _key: str, value: str) -> str:
        """Every write stores the normal form (raises emails.EmailError on a bad address)."""
        return emails.normalise(value)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users.
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginFailure(db.Model):
    """A failed sign-in, counted per account and per address (keys are SHA-256 digests).

    The shared store for login throttling when Redis is not configured: every server process
    sees the same rows. Rows older than the throttling window are deleted as new ones arrive.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

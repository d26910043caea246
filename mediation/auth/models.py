"""Users of the web app: administrators, coordinators and viewers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from mediation.db import TimestampMixin, UTCDateTime
from mediation.extensions import db

ROLES = ("admin", "coordinator", "viewer")


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('admin', 'coordinator', 'viewer')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (auth.services.normalise_email), so the unique index is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(16), default="viewer")
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users.
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

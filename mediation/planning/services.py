"""Planning queries and operations."""

from __future__ import annotations

import sqlalchemy as sa

from mediation.extensions import db
from mediation.planning.models import PlanRun


def recent_runs(limit: int = 20) -> list[PlanRun]:
    return list(db.session.scalars(sa.select(PlanRun).order_by(PlanRun.id.desc()).limit(limit)))

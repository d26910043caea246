"""Centre and session queries."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from mediation.centres.models import Centre, HearingSession
from mediation.extensions import db
from mediation.regions.models import Region


def list_centres() -> list[Centre]:
    stmt = (
        sa.select(Centre)
        .join(Region)
        .options(selectinload(Centre.rooms), selectinload(Centre.dates), selectinload(Centre.region))
        .order_by(Region.code, Centre.code)
    )
    return list(db.session.scalars(stmt))


def list_sessions() -> list[HearingSession]:
    return list(db.session.scalars(sa.select(HearingSession).order_by(HearingSession.position)))

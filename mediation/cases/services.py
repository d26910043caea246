"""Case queries and operations. Operations flush; the caller commits once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from mediation.cases.models import Case, Party
from mediation.extensions import db

PAGE_SIZE = 50


def search_cases(query: str = "", status: str | None = None, page: int = 1):
    """A page of cases, newest first, matching reference, title or a party's name."""
    stmt = sa.select(Case).options(selectinload(Case.region)).order_by(Case.registered_on.desc(), Case.id.desc())
    if query:
        like = f"%{query.strip()}%"
        party_match = sa.select(Party.case_id).where(Party.name.ilike(like))
        stmt = stmt.where(
            sa.or_(Case.reference.ilike(like), Case.title.ilike(like), Case.id.in_(party_match))
        )
    if status:
        stmt = stmt.where(Case.status == status)
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)

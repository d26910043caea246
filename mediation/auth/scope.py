"""Region scope on reads: a region-limited user's pages list only cases of their regions.

During a GET (or HEAD) request by a user limited to some regions, every ORM query for cases,
their parties and conflicts gets a `WHERE region in scope` criterion, whatever module wrote the
query (lists, the case page, conflicts, exports, the dashboard). Writes (POST) run unscoped, so
integrity look-ups (next reference, "reference taken") see every row; the views check the one
object they change with `permissions.require_case_in_scope`.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

SCOPED_METHODS = frozenset({"GET", "HEAD"})


def _active_scope() -> frozenset[int] | None:
    if not has_request_context() or request.method not in SCOPED_METHODS:
        return None
    return g.get("region_scope")


def _add_region_criteria(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    scope = _active_scope()
    if scope is None:
        return
    from mediation.cases.models import Case, Party
    from mediation.conflicts.models import Conflict

    ids = sorted(scope) or [-1]
    visible_cases = sa.select(Case.id).where(Case.region_id.in_(ids))
    visible_parties = sa.select(Party.id).where(Party.case_id.in_(visible_cases))
    state.statement = state.statement.options(
        with_loader_criteria(Case, Case.region_id.in_(ids), propagate_to_loaders=False),
        with_loader_criteria(Party, Party.case_id.in_(visible_cases),
                             propagate_to_loaders=False),
        with_loader_criteria(
            Conflict,
            sa.and_(
                sa.or_(Conflict.case_id.is_(None), Conflict.case_id.in_(visible_cases)),
                sa.or_(Conflict.party_id.is_(None), Conflict.party_id.in_(visible_parties)),
            ),
            propagate_to_loaders=False,
        ),
    )


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    if not sa.event.contains(Session, "do_orm_execute", _add_region_criteria):
        sa.event.listen(Session, "do_orm_execute", _add_region_criteria)

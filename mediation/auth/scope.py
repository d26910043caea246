"""Region scope: which regions a user may see, and the read filter built on it.

`region_scope(user)` is the set of region ids a user may see (their regions and every region
below them, `regions.services.at_and_below_ids`), or None for every region; it is computed once
per request.

The read filter: during a GET (or HEAD) request by a user limited to some regions, every ORM
query for a scoped model gets a `WHERE region in scope` criterion, whatever module wrote the
query (lists, the case page, conflicts, exports, the dashboard). Models declare themselves
scoped with `filter_reads(Model, criterion)` next to their definition (cases and parties in
`cases/models.py`, conflicts in `conflicts/models.py`), so this module imports no feature
above it. Writes (POST) run unscoped, so integrity look-ups (next reference, "reference
taken") see every row; the views check the one object they change with
`auth.access.require_visible`. A page's own integrity computation (a hearing's free slots and
candidates, checked against every booking) reads unscoped inside `with unscoped():`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from mediation.regions.services import at_and_below_ids

SCOPED_METHODS = frozenset({"GET", "HEAD"})

# Model → criterion builder: given the sorted visible region ids, a SQL condition on the model.
_READ_FILTERS: dict[type, Callable[[list[int]], sa.ColumnElement[bool]]] = {}


def filter_reads(model: type, criterion: Callable[[list[int]], sa.ColumnElement[bool]]) -> None:
    """Filter every read of `model` by a region-limited user with `criterion(region_ids)`."""
    _READ_FILTERS[model] = criterion


def read_filtered_models() -> tuple[type, ...]:
    return tuple(_READ_FILTERS)


def region_scope(user) -> frozenset[int] | None:
    """The region ids `user` may see, or None for every region. Cached per request.

    An administrator sees every region; another user with regions assigned (`User.regions`)
    sees those and every region below them; none assigned = every region.
    """
    if user is None or not getattr(user, "is_authenticated", False) or user.role == "admin":
        return None
    cache = g.setdefault("_region_scope", {})
    if user.id not in cache:
        ids = [r.id for r in user.regions]
        cache[user.id] = at_and_below_ids(ids) if ids else None
    return cache[user.id]


def _active_scope() -> frozenset[int] | None:
    if not has_request_context() or request.method not in SCOPED_METHODS or g.get("_unscoped"):
        return None
    return g.get("region_scope")


@contextmanager
def unscoped() -> Iterator[None]:
    """Reads inside the block see every row, as a write does: for integrity computations on a
    page (the rules a hearing's free slots and candidates are checked with must count other
    regions' bookings of the same people and rooms). What is shown must still be scoped."""
    if not has_request_context():
        yield
        return
    previous = g.get("_unscoped", False)
    g._unscoped = True
    try:
        yield
    finally:
        g._unscoped = previous


def _add_region_criteria(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    scope = _active_scope()
    if scope is None or not _READ_FILTERS:
        return
    ids = sorted(scope) or [-1]
    state.statement = state.statement.options(*(
        with_loader_criteria(model, criterion(ids), propagate_to_loaders=False)
        for model, criterion in _READ_FILTERS.items()
    ))


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    if not sa.event.contains(Session, "do_orm_execute", _add_region_criteria):
        sa.event.listen(Session, "do_orm_execute", _add_region_criteria)

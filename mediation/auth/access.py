"""Who may see one object: the single check every view uses before showing or changing it.

    from mediation.auth.access import can_see, require_visible

    case = require_visible(db.session.get(Case, case_id))   # 404 if missing or out of scope
    if can_see(current_user, conflict): ...

An object is visible to a user when the user sees every region (an administrator, or nobody
limited to regions), or when every region the object belongs to is in the user's scope
(`scope.region_scope`: their regions and everything below them). Which regions an object
belongs to comes from, in this order:

1. a rule registered for its class (or a base class) with `register(Model, regions_of)`:
   for a model whose package cannot be changed, or that lives above auth;
2. its own `scope_region_ids()` method.

Either returns the region ids (a region id of None is never in a limited scope), an empty
collection, or None: the object belongs to no region and everybody may see it (an
organisation-wide conflict). A class with neither is an error, not a silent "visible".

Lists are filtered by `scope.py` at read time; this check is for the one object a view loads,
shows or changes (a write runs unscoped, so it must check).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from mediation.auth.scope import region_scope

T = TypeVar("T")
RegionsOf = Callable[[Any], Iterable[int | None] | None]

_RULES: dict[type, RegionsOf] = {}


def register(model: type, regions_of: RegionsOf) -> None:
    """Declare which regions an object of `model` (and its subclasses) belongs to."""
    _RULES[model] = regions_of


def regions_of(obj: Any) -> Iterable[int | None] | None:
    """The region ids `obj` belongs to (None: no region, visible to everybody)."""
    for cls in type(obj).__mro__:
        rule = _RULES.get(cls)
        if rule is not None:
            return rule(obj)
    method = getattr(obj, "scope_region_ids", None)
    if method is None:
        raise TypeError(f"no region rule for {type(obj).__name__}: give it scope_region_ids() "
                        "or call mediation.auth.access.register()")
    return method()


def can_see(user: Any, obj: Any) -> bool:
    """May `user` see `obj`? False for None (a missing object)."""
    if obj is None:
        return False
    scope = region_scope(user)
    if scope is None:
        return True
    ids = regions_of(obj)
    return ids is None or all(rid in scope for rid in ids)


def can_see_region(user: Any, region_id: int | None) -> bool:
    """May `user` see things of this region (e.g. offer it in a form)?"""
    scope = region_scope(user)
    return scope is None or region_id in scope


def require_visible(obj: T | None, user: Any = None) -> T:
    """`obj` if the (current) user may see it; else 404, not 403: do not confirm it exists."""
    if not can_see(current_user if user is None else user, obj):
        abort(404)
    return obj

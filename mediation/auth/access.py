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

Changing an object may reach further than seeing it: an organisation (and a conflict with one)
is seen by everybody but is named in cases of many regions. Its write regions come from a rule
registered with `register_write(Model, regions_of)` or its `scope_write_region_ids()` method,
else from the rules above; `can_change` / `require_changeable` check them.

The one check of every request (`check_request`, called by `auth.enforce` before the view):
features declare which URL arguments name a scoped object (`scoped_arg("centre_id",
Centre)`); for a region-limited user, an object out of their scope answers 404 whatever the
method, and on a write (POST, …) an object they see but whose change would reach outside
their regions answers 403. A view therefore cannot forget the check for the object in its URL;
objects named in a form (a region to create a centre in, an organisation to declare a
conflict with) are checked where the form offers them (`regions_in_scope`, `can_change`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from mediation.auth.scope import region_scope
from mediation.extensions import db

T = TypeVar("T")
RegionsOf = Callable[[Any], Iterable[int | None] | None]

_RULES: dict[type, RegionsOf] = {}
_WRITE_RULES: dict[type, RegionsOf] = {}
_ARGS: dict[str, type] = {}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_ID = 2**63 - 1  # beyond any primary key: such an id names nothing


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


def register_write(model: type, regions_of: RegionsOf) -> None:
    """Declare which regions changing an object of `model` reaches (default: those it belongs
    to)."""
    _WRITE_RULES[model] = regions_of


def write_regions_of(obj: Any) -> Iterable[int | None] | None:
    """The region ids a change of `obj` reaches (None: no region)."""
    for cls in type(obj).__mro__:
        rule = _WRITE_RULES.get(cls)
        if rule is not None:
            return rule(obj)
    method = getattr(obj, "scope_write_region_ids", None)
    return method() if method is not None else regions_of(obj)


def _within(scope: frozenset[int], ids: Iterable[int | None] | None) -> bool:
    return ids is None or all(rid in scope for rid in ids)


def can_see(user: Any, obj: Any) -> bool:
    """May `user` see `obj`? False for None (a missing object)."""
    if obj is None:
        return False
    scope = region_scope(user)
    if scope is None:
        return True
    return _within(scope, regions_of(obj))


def can_change(user: Any, obj: Any) -> bool:
    """May `user` change `obj`: see it, and reach every region the change reaches?"""
    if obj is None:
        return False
    scope = region_scope(user)
    if scope is None:
        return True
    return _within(scope, regions_of(obj)) and _within(scope, write_regions_of(obj))


def can_see_region(user: Any, region_id: int | None) -> bool:
    """May `user` see things of this region (e.g. offer it in a form)?"""
    scope = region_scope(user)
    return scope is None or region_id in scope


def require_visible(obj: T | None, user: Any = None) -> T:
    """`obj` if the (current) user may see it; else 404, not 403: do not confirm it exists."""
    if not can_see(current_user if user is None else user, obj):
        abort(404)
    return obj


def require_changeable(obj: T | None, user: Any = None) -> T:
    """`obj` if the (current) user may change it; 404 if they may not even see it, 403 if the
    change would reach regions outside theirs."""
    user = current_user if user is None else user
    require_visible(obj, user)
    if not can_change(user, obj):
        abort(403)
    return obj


def regions_in_scope(regions: Iterable[T], user: Any = None) -> list[T]:
    """Of these regions, those the (current) user works in: what a form may offer them."""
    scope = region_scope(current_user if user is None else user)
    return [r for r in regions if scope is None or r.id in scope]


def scoped_arg(name: str, model: type) -> None:
    """Declare that a URL argument `name` is the id of a `model` object: `check_request`
    checks it on every request whose route has it."""
    if _ARGS.get(name, model) is not model:
        raise ValueError(f"URL argument {name!r} already names {_ARGS[name].__name__}")
    _ARGS[name] = model


def check_request(user: Any, method: str, view_args: dict | None) -> int | None:
    """The region check of one request, before its view: None if it may go on, else the
    status to refuse it with (404 for an object out of scope, 403 for a change reaching
    outside the user's regions). A missing object is left to the view."""
    if not view_args or region_scope(user) is None:
        return None
    for name, value in view_args.items():
        model = _ARGS.get(name)
        if model is None or not isinstance(value, int) or not 0 < value <= _MAX_ID:
            continue
        obj = db.session.get(model, value)
        if obj is None:
            continue
        if not can_see(user, obj):
            return 404
        if method not in READ_METHODS and not can_change(user, obj):
            return 403
    return None

"""Who may do what. Every view declares it, and `web.enforce_access` checks it on each request.

Declarations (decorators placed *below* `@bp.route`, so the registered view carries them):

* `@public` — anyone, signed in or not (login, token calendar feeds);
* `@signed_in` — any signed-in user, whatever the role (read pages, sign-out);
* `@role_required(*roles)` — signed-in users with one of `roles`; `methods=` limits the rule to
  some HTTP methods (a page anyone reads whose POST only editors may use);
  `all_regions=True` also refuses a coordinator limited to some regions;
* `@editor_required` / `@admin_required` — shorthands.

A view without a declaration is refused by `undeclared_endpoints` (a test, and start-up in
production); at run time it gets the safe default: reads for signed-in users, writes for editors.

Region scope: an administrator sees every region; another user with regions assigned
(`User.regions`) sees those regions and every region below them; none assigned = every region.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

from mediation.auth.models import ROLES

EDITORS = ("admin", "coordinator")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Access:
    """A view's declaration: public, or the roles allowed per HTTP method ("*" = any other)."""

    public: bool = False
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    all_regions: frozenset[str] = frozenset()  # methods refused to region-limited users

    def roles_for(self, method: str) -> tuple[str, ...]:
        return self.roles.get(method.upper(), self.roles.get("*", ()))


# The run-time default for a view that declares nothing (a test fails on it meanwhile).
DEFAULT_ACCESS = Access(roles={"GET": ROLES, "HEAD": ROLES, "OPTIONS": ROLES, "*": EDITORS})


def _declare(view: Callable, *, public: bool = False, roles: tuple[str, ...] = (),
             methods: Iterable[str] | None = None, all_regions: bool = False) -> None:
    previous: Access | None = getattr(view, "access", None)
    merged = dict(previous.roles) if previous else {}
    restricted = set(previous.all_regions) if previous else set()
    keys = [m.upper() for m in methods] if methods else ["*"]
    if not public:
        if methods and "*" not in merged:
            merged["*"] = ROLES  # other methods: any signed-in user, unless declared otherwise
        for key in keys:
            merged[key] = tuple(roles)
        if all_regions:
            restricted.update(keys)
    view.access = Access(public=public or bool(previous and previous.public), roles=merged,
                         all_regions=frozenset(restricted))


def public(view: Callable) -> Callable:
    """Reachable without signing in (login, calendar feeds with their own token)."""
    _declare(view, public=True)
    view.is_public = True
    return view


def signed_in(view: Callable) -> Callable:
    """Any signed-in user, whatever the role."""
    _declare(view, roles=ROLES)
    return view


def role_required(*roles: str, methods: Iterable[str] | None = None,
                  all_regions: bool = False) -> Callable:
    """Refuse (403) a signed-in user whose role is not one of `roles` (for `methods`, or all).

    With `all_regions`, a user limited to some regions is refused too: for operations that
    read or write across regions (bulk imports, scenarios).
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            from flask import request

            if methods is None or request.method in {m.upper() for m in methods}:
                if not current_user.is_authenticated or current_user.role not in roles:
                    abort(403)
                if all_regions and region_scope(current_user) is not None:
                    abort(403)
            return view(*args, **kwargs)

        _declare(wrapper, roles=roles, methods=methods, all_regions=all_regions)
        wrapper.roles = roles
        return wrapper

    return decorator


editor_required = role_required(*EDITORS)
admin_required = role_required("admin")


def access_of(view: Callable | None) -> Access | None:
    return getattr(view, "access", None) if view is not None else None


def undeclared_endpoints(app) -> list[str]:
    """Endpoints whose view declares nobody; `static` is Flask's own and public."""
    return sorted(
        endpoint for endpoint, view in app.view_functions.items()
        if endpoint != "static" and access_of(view) is None
    )


def can_edit() -> bool:
    return current_user.is_authenticated and current_user.role in EDITORS


def is_admin() -> bool:
    return current_user.is_authenticated and current_user.role == "admin"


# --- region scope -------------------------------------------------------------------------------


def regions_and_below(region_ids: Iterable[int]) -> set[int]:
    """The ids of these regions and every region below them (cycle-safe)."""
    from mediation.extensions import db
    from mediation.regions.models import Region

    seen = set(region_ids)
    frontier = set(seen)
    while frontier:
        children = set(db.session.scalars(
            sa.select(Region.id).where(Region.parent_id.in_(frontier))))
        frontier = children - seen
        seen |= frontier
    return seen


def region_scope(user) -> frozenset[int] | None:
    """The region ids `user` may see, or None for every region. Cached per request."""
    if user is None or not getattr(user, "is_authenticated", False) or user.role == "admin":
        return None
    cache = g.setdefault("_region_scope", {})
    if user.id not in cache:
        ids = [r.id for r in user.regions]
        cache[user.id] = frozenset(regions_and_below(ids)) if ids else None
    return cache[user.id]


def in_scope(region_id: int | None, user=None) -> bool:
    scope = region_scope(user if user is not None else current_user)
    return scope is None or region_id in scope


def case_in_scope(case, user=None) -> bool:
    return case is not None and in_scope(case.region_id, user)


def require_case_in_scope(case) -> None:
    """404 (not 403: do not confirm that it exists) for a case outside the user's regions."""
    if not case_in_scope(case):
        abort(404)

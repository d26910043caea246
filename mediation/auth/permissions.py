"""Who may do what. Every view declares it, and `auth.enforce` checks it on each request.

Declarations (decorators placed *below* `@bp.route`, so the registered view carries them):

* `@public` — anyone, signed in or not (login, token calendar feeds; defined in `web`);
* `@signed_in` — any signed-in user, whatever the role (read pages, sign-out);
* `@role_required(*roles)` — signed-in users with one of `roles`; `methods=` limits the rule to
  some HTTP methods (a page anyone reads whose POST only editors may use);
  `all_regions=True` also refuses a coordinator limited to some regions;
* `@editor_required` / `@admin_required` — shorthands.

A view without a declaration is refused by `undeclared_endpoints` (a test, and start-up in
production); at run time it gets the safe default: reads for signed-in users, writes for editors.

Region scope (which objects a user may see) is in `auth/scope.py` (the user's regions, the
read filter) and `auth/access.py` (`can_see`, `require_visible`, `can_see_region`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort, request
from flask_login import current_user

from mediation.auth.models import ROLES
from mediation.auth.scope import region_scope
from mediation.web import Access, access_of, public, undeclared_endpoints

__all__ = [
    "DEFAULT_ACCESS", "EDITORS", "Access", "access_of", "admin_required", "can_edit",
    "editor_required", "is_admin", "public", "region_scope",
    "role_required", "signed_in",
    "undeclared_endpoints",
]

EDITORS = ("admin", "coordinator")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# The run-time default for a view that declares nothing (a test fails on it meanwhile).
DEFAULT_ACCESS = Access(roles={"GET": ROLES, "HEAD": ROLES, "OPTIONS": ROLES, "*": EDITORS})


def _declare(view: Callable, *, roles: tuple[str, ...] = (),
             methods: Iterable[str] | None = None, all_regions: bool = False) -> None:
    """Add the roles allowed (per method) to the view's declaration (`web.Access`)."""
    previous: Access | None = getattr(view, "access", None)
    merged = dict(previous.roles) if previous else {}
    restricted = set(previous.all_regions) if previous else set()
    keys = [m.upper() for m in methods] if methods else ["*"]
    if methods and "*" not in merged:
        merged["*"] = ROLES  # other methods: any signed-in user, unless declared otherwise
    for key in keys:
        merged[key] = tuple(roles)
    if all_regions:
        restricted.update(keys)
    view.access = Access(public=bool(previous and previous.public), roles=merged,
                         all_regions=frozenset(restricted))


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


def can_edit() -> bool:
    return current_user.is_authenticated and current_user.role in EDITORS


def is_admin() -> bool:
    return current_user.is_authenticated and current_user.role == "admin"

"""Who may do what: viewers read; coordinators and administrators change things."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

EDITORS = ("admin", "coordinator")


def role_required(*roles: str) -> Callable:
    """Refuse (403) a signed-in user whose role is not one of `roles`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.roles = roles  # type: ignore[attr-defined]
        return wrapper

    return decorator


editor_required = role_required(*EDITORS)


def can_edit() -> bool:
    return current_user.is_authenticated and current_user.role in EDITORS

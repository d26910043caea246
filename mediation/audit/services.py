"""Record audit entries; callers flush, the request (or command) commits once."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user, user_logged_in

from mediation.audit.models import AuditEntry
from mediation.auth import signals as auth_signals
from mediation.extensions import db


def record(
    action: str,
    obj: Any | None = None,
    *,
    object_type: str | None = None,
    object_id: Any | None = None,
    summary: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    user: Any | None = None,
) -> AuditEntry:
    """Add an audit entry for `action` on `obj` (or on an explicit type/id) to the session."""
    if obj is not None:
        object_type = object_type or type(obj).__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    entry = AuditEntry(
        action=action,
        object_type=object_type or "system",
        object_id=None if object_id is None else str(object_id),
        summary=summary,
        before=before,
        after=after,
        user_id=getattr(user, "id", None),
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


# --- account events (auth sends them; auth sits below audit and does not call `record`) -------


def _account_created(user, after: dict, **_):
    record("user.create", user, summary=after["email"], after=after)


def _account_updated(user, before: dict, after: dict, **_):
    record("user.update", user, summary=user.email, before=before, after=after)


def _password_changed(user, **_):
    record("user.password", user, summary=user.email)


def _password_reset(user, **_):
    record("user.password_reset", user, summary=user.email)


def _sessions_ended(user, **_):
    record("user.sessions_ended", user, summary=user.email)


def _signed_in(_app, user, **_):
    record("user.sign_in", user, summary=user.email, user=user)


def _sign_in_failed(_sender, email: str, **_):
    record("user.sign_in_failed", object_type="users", summary=email)


def connect_account_signals() -> None:
    """Record what `auth.signals` (and Flask-Login's sign-in) announce (idempotent)."""
    auth_signals.account_created.connect(_account_created)
    auth_signals.account_updated.connect(_account_updated)
    auth_signals.password_changed.connect(_password_changed)
    auth_signals.password_reset.connect(_password_reset)
    auth_signals.sessions_ended.connect(_sessions_ended)
    auth_signals.sign_in_failed.connect(_sign_in_failed)
    user_logged_in.connect(_signed_in)

"""Record audit entries; callers flush, the request (or command) commits once."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from mediation.audit.models import AuditEntry
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

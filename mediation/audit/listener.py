"""Every change to the database lands in the audit log, with its column values before and after.

One mechanism instead of a call in every service: after each flush, the column changes of every
inserted, updated and deleted row (and the many-to-many links of its collections) are gathered
per row for the transaction; just before commit they are written as `row.insert`,
`row.update` and `row.delete` entries. Where a service has already recorded a meaningful entry
for the same row in that transaction (`audit.services.record`, e.g. "conflict.waive"), that entry
stands for the change: the gathered values fill its before/after only if it has none.

Secrets are never copied (password hashes), and the private party fields are named but not
copied, so the log itself holds no ID numbers, phones or addresses.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Session, attributes

from mediation.audit.models import AuditEntry
from mediation.audit.services import connect_account_signals
from mediation.db import now_utc

# Tables whose rows are not audited: the log itself, throttling counters.
# Not logged row by row: the log itself, throttling counters, the mail outbox (its own status
# log; link changes are recorded explicitly) and the planner's output (runs are recorded as
# plan.start / plan.publish, and coordinators' edits of proposals explicitly).
# Imported busy times are replaced wholesale by each calendar sync (mediation/availability).
SKIP_TABLES = frozenset({"audit_log", "login_failures", "outbox_messages", "unscheduled_cases",
                         "imported_busy"})
# Bookkeeping columns that change on every write, or bulky planner output.
# users.session_version moves with every sign-out; ending sessions is recorded explicitly.
SKIP_COLUMNS = frozenset({"created_at", "updated_at", "last_login_at", "users.session_version",
                          "plan_runs.log",
                          "plan_runs.progress", "plan_runs.heartbeat_at", "plan_runs.stats",
                          "calendar_sources.checked_at", "calendar_sources.last_success_at",
                          "calendar_sources.etag", "calendar_sources.last_modified",
                          "calendar_sources.window_start", "calendar_sources.events_count"})
REDACTED = "[redacted]"
# Never copied into the log: shown as REDACTED when they change.
SECRET_COLUMNS = frozenset({
    "users.password_hash", "parties.id_number", "parties.phone", "parties.address",
    "feed_tokens.seed", "feed_tokens.token_hash", "calendar_sources.url",
})
# Rows of a plan run's proposal (layer > 0): written by the planner by the thousand.
PROPOSAL_TABLES = frozenset({"hearings", "hearing_members"})
PENDING_KEY = "audit_pending"
EXPLICIT_KEY = "audit_explicit"


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value if not isinstance(value, str) or len(value) <= 2000 else value[:2000] + "…"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    return str(value)


def _value(table: str, column: str, value):
    if f"{table}.{column}" in SECRET_COLUMNS and value is not None:
        return REDACTED
    return _jsonable(value)


def _identity(obj) -> str | None:
    ident = sa.inspect(obj).identity
    if ident is None:
        return None
    return ",".join(str(v) for v in ident)


def _collection_ids(items) -> list:
    return sorted((_identity(o) or "?" for o in items or ()), key=str)


def _changes(obj, kind: str) -> tuple[dict, dict]:
    """Column (and many-to-many) values before and after, only those that changed."""
    state = sa.inspect(obj)
    mapper = state.mapper
    table = mapper.local_table.name
    before: dict = {}
    after: dict = {}
    for prop in mapper.column_attrs:
        key = prop.key
        if key in SKIP_COLUMNS or f"{table}.{key}" in SKIP_COLUMNS:
            continue
        hist = state.attrs[key].history
        if kind == "insert":
            value = state.dict.get(key)
            if value is not None:
                after[key] = _value(table, key, value)
        elif kind == "delete":
            value = (hist.unchanged or hist.deleted or [None])[0]
            if value is not None:
                before[key] = _value(table, key, value)
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                before[key] = _value(table, key, old)
                after[key] = _value(table, key, new)
    if kind != "delete":
        for rel in mapper.relationships:
            if rel.secondary is None or not rel.uselist:
                continue
            hist = attributes.get_history(obj, rel.key, passive=attributes.PASSIVE_NO_INITIALIZE)
            if not hist.added and not hist.deleted:
                continue
            if kind == "insert":
                after[rel.key] = _collection_ids(hist.added)
            else:
                current = _collection_ids(list(hist.unchanged or ()) + list(hist.added or ()))
                previous = _collection_ids(list(hist.unchanged or ()) + list(hist.deleted or ()))
                before[rel.key], after[rel.key] = previous, current
    return before, after


def _after_flush(session: Session, _flush_context) -> None:
    pending: dict = session.info.setdefault(PENDING_KEY, {})
    explicit: dict = session.info.setdefault(EXPLICIT_KEY, {})
    for kind, objects in (("insert", session.new), ("update", session.dirty),
                          ("delete", session.deleted)):
        for obj in objects:
            if isinstance(obj, AuditEntry):
                explicit.setdefault((obj.object_type, obj.object_id), obj)
                continue
            mapper = sa.inspect(obj).mapper
            table = mapper.local_table.name
            if table in SKIP_TABLES:
                continue
            if table in PROPOSAL_TABLES and (getattr(obj, "layer", 0) or 0) > 0:
                continue
            if kind == "update" and not session.is_modified(obj, include_collections=True):
                continue
            before, after = _changes(obj, kind)
            if kind == "update" and not before and not after:
                continue
            ident = _identity_after_insert(obj, mapper) if kind == "insert" else _identity(obj)
            key = (table, ident)
            entry = pending.get(key)
            if entry is None:
                pending[key] = {"kind": kind, "before": before, "after": after}
            else:  # a later flush of the same transaction: merge
                if kind == "delete":
                    entry["kind"] = "delete" if entry["kind"] != "insert" else "cancelled"
                for k, v in before.items():
                    entry["before"].setdefault(k, v)
                entry["after"].update(after)


def _identity_after_insert(obj, mapper) -> str | None:
    values = [sa.inspect(obj).dict.get(mapper.get_property_by_column(c).key)
              for c in mapper.primary_key]
    return ",".join(str(v) for v in values) if all(v is not None for v in values) else None


def _actor() -> tuple[int | None, str | None]:
    if not has_request_context():
        return None, None
    user = g.get("_login_user")
    user_id = None
    if user is not None and getattr(user, "is_authenticated", False):
        ident = sa.inspect(user).identity
        user_id = ident[0] if ident else None
    return user_id, request.remote_addr


def _before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # gathers the last changes (the commit would flush them anyway)
    pending: dict = session.info.pop(PENDING_KEY, {})
    explicit_entries: dict = session.info.pop(EXPLICIT_KEY, {})
    if not pending:
        return
    user_id, address = _actor()
    at = now_utc()
    rows = []
    for (table, ident), change in pending.items():
        if change["kind"] == "cancelled":
            continue
        mine = explicit_entries.get((table, ident))
        if mine is not None:
            if mine.before is None and change["before"]:
                mine.before = change["before"]
            if mine.after is None and change["after"]:
                mine.after = change["after"]
            continue
        rows.append({
            "at": at, "user_id": user_id, "action": f"row.{change['kind']}",
            "object_type": table, "object_id": ident, "summary": None,
            "before": change["before"] or None, "after": change["after"] or None,
            "remote_addr": address,
        })
    if rows:
        session.execute(sa.insert(AuditEntry), rows)
    if explicit_entries:
        session.flush()
    session.info.pop(PENDING_KEY, None)
    session.info.pop(EXPLICIT_KEY, None)


def _forget(session: Session, *_args) -> None:
    session.info.pop(PENDING_KEY, None)
    session.info.pop(EXPLICIT_KEY, None)


def install() -> None:
    """Listen on every ORM session, and record account events (idempotent)."""
    connect_account_signals()
    for name, fn in (("after_flush", _after_flush), ("before_commit", _before_commit),
                     ("after_rollback", _forget), ("after_soft_rollback", _forget)):
        if not sa.event.contains(Session, name, fn):
            sa.event.listen(Session, name, fn)

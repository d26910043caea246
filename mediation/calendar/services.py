"""Feed links (create, show, rotate, revoke, look up) and which hearings each feed shows."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from mediation import secret_links
from mediation.audit.services import record
from mediation.auth.models import User
from mediation.calendar.kinds import KINDS
from mediation.calendar.models import FEED_TARGET_COLUMNS, FeedToken
from mediation.cases.models import Case
from mediation.centres.models import Room
from mediation.db import now_utc
from mediation.extensions import db
from mediation.hearings.models import Hearing
from mediation.hearings.queries import in_schedule

# Feed tokens follow the secret-link scheme (mediation.secret_links) in their own domain.
DOMAIN = b"mediation.calendar.feed-token.v1"
hash_token = secret_links.hash_token
# The model of each kind's target (mediation.calendar.kinds).
TARGET_MODELS = {name: kind.model for name, kind in KINDS.items()}


class FeedError(ValueError):
    """A feed operation that cannot be done; the message says why, for people."""


# --- tokens ---------------------------------------------------------------------------------


def token_of(row: FeedToken) -> str | None:
    """The link's token, or None when it can no longer be shown (SECRET_KEY changed since it was
    made: the old link still works, but only a rotation gives one the app can show)."""
    if not row.live:
        return None
    return secret_links.token_of(DOMAIN, row.seed, row.token_hash)


def _check_target(kind: str, target) -> None:
    if kind not in KINDS:
        raise FeedError(f"unknown feed kind {kind!r}")
    reason = KINDS[kind].check_target(target)
    if reason is not None:
        raise FeedError(reason)


def live_token(kind: str, target) -> FeedToken | None:
    column = getattr(FeedToken, FEED_TARGET_COLUMNS[kind])
    return db.session.scalar(sa.select(FeedToken).where(
        FeedToken.kind == kind, column == target.id, FeedToken.revoked_at.is_(None)))


def _new_token(kind: str, target, by: User | None) -> FeedToken:
    seed, token_hash = secret_links.new_seed(DOMAIN)
    row = FeedToken(kind=kind, seed=seed, token_hash=token_hash,
                    created_at=now_utc(), created_by_id=getattr(by, "id", None),
                    **{FEED_TARGET_COLUMNS[kind]: target.id})
    db.session.add(row)
    db.session.flush()
    return row


def ensure_token(kind: str, target, by: User | None = None) -> FeedToken:
    """The live link of `target`, made now if it has none (audited)."""
    _check_target(kind, target)
    row = live_token(kind, target)
    if row is None:
        row = _new_token(kind, target, by)
        _audit("calendar.feed_created", row, target, by)
    return row


def rotate_token(kind: str, target, by: User | None = None) -> FeedToken:
    """Replace the link: the old one stops working at once (audited)."""
    _check_target(kind, target)
    old = live_token(kind, target)
    if old is not None:
        _revoke(old, by)
        db.session.flush()  # the live-link unique index must see the old one revoked first
    row = _new_token(kind, target, by)
    _audit("calendar.feed_rotated", row, target, by)
    return row


def revoke_token(kind: str, target, by: User | None = None) -> bool:
    """Revoke the link (audited); False if there was none."""
    _check_target(kind, target)
    old = live_token(kind, target)
    if old is None:
        return False
    _revoke(old, by)
    _audit("calendar.feed_revoked", old, target, by)
    db.session.flush()
    return True


def _audit(action: str, row: FeedToken, target, by: User | None) -> None:
    # Entered against the token row with explicit values, so the automatic row log does not copy
    # the row (its seed and hash stay out of the audit log).
    values = {"kind": row.kind, "target": feed_target(row.kind, target),
              "created_at": row.created_at.isoformat(),
              "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None}
    record(action, row, summary=feed_target(row.kind, target), before={},
           after=values, user=by)


def _revoke(row: FeedToken, by: User | None) -> None:
    row.revoked_at = now_utc()
    row.revoked_by_id = getattr(by, "id", None)


def find_by_token(token: str) -> FeedToken | None:
    """The live link for a presented token, or None (unknown, revoked, malformed, or its target
    can no longer have a feed)."""
    if not secret_links.well_formed(token):
        return None
    row = db.session.scalar(sa.select(FeedToken).where(
        FeedToken.token_hash == hash_token(token), FeedToken.revoked_at.is_(None)))
    if row is None:
        return None
    return row if KINDS[row.kind].usable(row) else None


def feed_target(kind: str, target) -> str:
    """The identifier of a feed's target in the audit log: a code, or a coordinator's email
    (worded with the kind when shown: calendar.audit_words)."""
    return KINDS[kind].identifier(target)



def note_content(row: FeedToken, digest: str, now: datetime | None = None) -> datetime:
    """Remember what a feed served; returns when its content last changed (Last-Modified).

    Writes only when the bytes changed, so unchanged feeds cost no write."""
    if row.content_hash != digest or row.content_changed_at is None:
        row.content_hash = digest
        row.content_changed_at = (now or now_utc()).replace(microsecond=0)
    return row.content_changed_at


# --- which hearings a feed shows ------------------------------------------------------------


def feed_day(now: datetime | None = None) -> datetime:
    """The start (UTC) of the day the windows are measured from: they move by whole days, so a
    feed's bytes change at most once a day without a data change."""
    return (now or now_utc()).replace(hour=0, minute=0, second=0, microsecond=0)


def feed_window(now: datetime | None = None, past_days: int | None = None):
    """The SQL condition for hearings a feed shows: the schedule of record, published and not
    long past, or cancelled recently enough that calendar clients have seen the cancellation."""
    day = feed_day(now)
    config = current_app.config
    if past_days is None:
        past_days = config["MEDIATION_FEED_PAST_DAYS"]
    past = day - timedelta(days=past_days)
    cancelled_since = day - timedelta(days=config["MEDIATION_FEED_CANCELLED_DAYS"])
    cancelled_at = sa.func.coalesce(Hearing.cancelled_at, Hearing.updated_at)
    return sa.and_(
        in_schedule(),
        sa.or_(
            sa.and_(Hearing.status == "published", Hearing.ends_at >= past),
            sa.and_(Hearing.status == "cancelled", cancelled_at >= cancelled_since),
        ),
    )


def feed_hearings(row: FeedToken, now: datetime | None = None) -> list[tuple[Hearing, str | None]]:
    """(hearing, the person's role or None) for every hearing `row`'s feed shows, in time order."""
    kind = KINDS[row.kind]
    config = current_app.config
    removed_since = feed_day(now) - timedelta(days=config["MEDIATION_FEED_CANCELLED_DAYS"])
    past_days = config["MEDIATION_FEED_PAST_DAYS" if kind.with_role
                       else "MEDIATION_FEED_SHARED_PAST_DAYS"]
    query = kind.hearings(row, feed_window(now, past_days), removed_since)
    # Only the reference of a case is ever read: load nothing else of it.
    query = query.order_by(Hearing.starts_at, Hearing.id).options(
        selectinload(Hearing.case).load_only(Case.reference),
        selectinload(Hearing.room).selectinload(Room.centre))
    if kind.with_role:
        return [(hearing, role) for hearing, role in db.session.execute(query)]
    return [(hearing, None) for hearing in db.session.scalars(query)]

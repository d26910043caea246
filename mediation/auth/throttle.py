"""Login throttling per account and per address, in a store every server process shares.

Failed sign-ins are counted per account and per client address over a sliding window. The
account is the email's normal form (`mediation.emails.key`: NFKC, IDNA, lower case), the one
sign-in looks up, so no other spelling of the address escapes the count. At the limit, further
attempts are refused with 429 until the window has passed, before any password is checked. A
successful sign-in clears its account's count.

The store is Redis when `REDIS_URL` is set (a counter per key that expires with the window),
otherwise the database (`login_failures`); both are shared by every gunicorn worker and host.
Keys are SHA-256 digests, so neither emails nor addresses are stored in clear.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import UTC, timedelta

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import RedisError

from mediation import emails
from mediation.auth.models import LoginFailure
from mediation.db import now_utc
from mediation.extensions import db

log = logging.getLogger(__name__)
REDIS_PREFIX = "mediation:login-failures:"
_redis_clients: dict[str, object] = {}


@dataclass(frozen=True)
class ThrottleKey:
    kind: str  # "account" | "address"
    digest: str
    limit: int


@dataclass(frozen=True)
class Refusal:
    kind: str  # which limit was reached: "account" or "address"
    retry_after: int  # seconds


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()


def keys_for(email: str | None, address: str | None) -> list[ThrottleKey]:
    config = current_app.config
    account = emails.key(email)
    return [
        ThrottleKey("account", _digest("account", account), config["MEDIATION_LOGIN_ACCOUNT_LIMIT"]),
        ThrottleKey("address", _digest("address", address or "unknown"),
                    config["MEDIATION_LOGIN_ADDRESS_LIMIT"]),
    ]


def _window() -> int:
    return int(current_app.config["MEDIATION_LOGIN_WINDOW_SECONDS"])


# --- stores ---------------------------------------------------------------------------------


class DatabaseStore:
    """Rows in `login_failures`, written in their own transaction (a failed sign-in rolls the
    request back, the count must stay)."""

    name = "database"

    def count(self, digest: str, window: int) -> tuple[int, int]:
        """Failures inside the window, and seconds until the oldest of them leaves it."""
        since = now_utc() - timedelta(seconds=window)
        with db.engine.connect() as conn:
            n, oldest = conn.execute(
                sa.select(sa.func.count(), sa.func.min(LoginFailure.at))
                .where(LoginFailure.key == digest, LoginFailure.at > since)
            ).one()
        if not n:
            return 0, 0
        if oldest.tzinfo is None:  # SQLite returns naive values from an aggregate
            oldest = oldest.replace(tzinfo=UTC)
        remaining = (oldest + timedelta(seconds=window) - now_utc()).total_seconds()
        return int(n), max(1, math.ceil(remaining))

    def add(self, digests: list[str], window: int) -> None:
        now = now_utc()
        table = LoginFailure.__table__
        with db.engine.begin() as conn:
            conn.execute(table.delete().where(table.c.key.in_(digests),
                                              table.c.at <= now - timedelta(seconds=window)))
            conn.execute(table.insert(), [{"key": d, "at": now} for d in digests])

    def clear(self, digest: str) -> None:
        table = LoginFailure.__table__
        with db.engine.begin() as conn:
            conn.execute(table.delete().where(table.c.key == digest))


class RedisStore:
    """One counter per key that expires `window` seconds after the first failure."""

    name = "redis"

    def __init__(self, url: str):
        import redis

        if url not in _redis_clients:
            _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=2,
                                                       socket_connect_timeout=2)
        self.client = _redis_clients[url]

    def count(self, digest: str, window: int) -> tuple[int, int]:
        pipe = self.client.pipeline()
        pipe.get(REDIS_PREFIX + digest)
        pipe.ttl(REDIS_PREFIX + digest)
        value, ttl = pipe.execute()
        return int(value or 0), max(1, int(ttl)) if value else 0

    def add(self, digests: list[str], window: int) -> None:
        pipe = self.client.pipeline()
        for d in digests:
            pipe.set(REDIS_PREFIX + d, 0, ex=window, nx=True)
            pipe.incr(REDIS_PREFIX + d)
        pipe.execute()

    def clear(self, digest: str) -> None:
        self.client.delete(REDIS_PREFIX + digest)


def store() -> DatabaseStore | RedisStore:
    url = current_app.config.get("REDIS_URL")
    return RedisStore(url) if url else DatabaseStore()


def _with_fallback(operation):
    """Run on the configured store; if Redis is unreachable, on the database (logged)."""
    chosen = store()
    try:
        return operation(chosen)
    except RedisError as exc:
        if isinstance(chosen, DatabaseStore):
            raise
        log.warning("login throttling: Redis unavailable (%s); using the database", exc)
        return operation(DatabaseStore())


# --- the API the login view uses ---------------------------------------------------------------


def refusal(keys: list[ThrottleKey]) -> Refusal | None:
    """Why this attempt must be refused now (the longest wait), or None."""
    window = _window()
    worst: Refusal | None = None
    for key in keys:
        n, retry = _with_fallback(lambda s, k=key: s.count(k.digest, window))
        if n >= key.limit and (worst is None or retry > worst.retry_after):
            worst = Refusal(key.kind, retry)
    return worst


def failed(keys: list[ThrottleKey]) -> None:
    window = _window()
    _with_fallback(lambda s: s.add([k.digest for k in keys], window))


def succeeded(keys: list[ThrottleKey]) -> None:
    """A correct password clears the account's count (not the address's)."""
    for key in keys:
        if key.kind == "account":
            _with_fallback(lambda s, k=key: s.clear(k.digest))

"""Accounts: argon2id password hashing, creation and authentication."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

from mediation import emails
from mediation.auth import sessions, signals
from mediation.auth.models import ROLES, User
from mediation.db import now_utc
from mediation.extensions import db

MIN_PASSWORD_LENGTH = 12
# Long enough for any passphrase; longer input only costs hashing time.
MAX_PASSWORD_LENGTH = 1024

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile (64 MiB, 3 passes,
# 4 lanes): about 0.1 s a hash on a server core. The test suite swaps `_hasher` for the same
# algorithm at its lowest cost (tests/conftest.py), as Django's test settings do; a hash made
# either way is checked by either, and a sign-in rehashes to the current parameters.
PRODUCTION_HASHER = PasswordHasher()
_hasher = PRODUCTION_HASHER


class AccountError(ValueError):
    """A user-facing problem with account data: the field it concerns and the message, in the
    reader's language (`str()` reads "field: message"; "field: message" alone is accepted)."""

    def __init__(self, field: str, message=None):
        if message is None:
            field, _sep, message = field.partition(": ")
        super().__init__(field, message)
        self.field, self.message = field, message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_policy(password: str, user_inputs: tuple[str, ...] = ()) -> None:
    """ASVS 2.1: at least 12 characters, no composition rules, common passwords refused."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password", _l("must be at least %(n)s characters",
                                          n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("password", _l("must be at most %(n)s characters",
                                          n=MAX_PASSWORD_LENGTH))
    if is_common_password(password, user_inputs):
        raise AccountError("password", _l("too common or too easy to guess; use a longer "
                                          "phrase of unrelated words"))


def is_common_password(password: str, user_inputs: tuple[str, ...] = ()) -> bool:
    """In the 30,000 most common passwords (zxcvbn's list, from leaked password sets), or so
    predictable (repeats, sequences, keyboard walks, the user's own email or name, common words
    with digits) that fewer than a million guesses find it."""
    from zxcvbn import zxcvbn

    if password.lower() in _common_passwords():
        return True
    # zxcvbn is quadratic in the length; the first 100 characters decide.
    inputs = [v for value in user_inputs if value for v in (value, value.split("@")[0])]
    return zxcvbn(password[:100], user_inputs=inputs)["score"] <= 1


_COMMON: frozenset[str] | None = None


def _common_passwords() -> frozenset[str]:
    global _COMMON
    if _COMMON is None:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS

        _COMMON = frozenset(FREQUENCY_LISTS["passwords"])
    return _COMMON


def normalise_email(email: str) -> str:
    """The account's address in its one normal form (mediation.emails), or AccountError."""
    try:
        return emails.normalise(email)
    except emails.EmailError as exc:
        raise AccountError("email", exc.message) from None


def create_user(email: str, password: str, role: str = "viewer", name: str = "") -> User:
    if role not in ROLES:
        raise AccountError("role", _l("must be one of %(roles)s, got %(role)s",
                                      roles=", ".join(ROLES), role=repr(role)))
    email = normalise_email(email)
    check_password_policy(password, (email, name))
    if db.session.scalar(db.select(User).filter_by(email=email)) is not None:
        raise AccountError("email", _l("a user %(email)s already exists", email=email))
    user = User(email=email, name=name, role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    signals.account_created.send(user, after={"email": email, "role": role})
    return user


def set_password(user: User, password: str) -> None:
    check_password_policy(password, (user.email, user.name))
    user.password_hash = hash_password(password)
    sessions.bump(user)  # a new password ends every session opened with the old one
    signals.password_changed.send(user)


def reset_password(user: User) -> str:
    """Give `user` a new random password (shown once to the administrator) and return it."""
    password = secrets.token_urlsafe(15)  # 20 characters, 120 bits
    user.password_hash = hash_password(password)
    sessions.bump(user)
    signals.password_reset.send(user)
    return password


def end_sessions(user: User) -> None:
    """Sign the account out everywhere (an administrator's button; audited)."""
    sessions.bump(user)
    signals.sessions_ended.send(user)


def active_admins(excluding: User | None = None) -> int:
    stmt = sa.select(sa.func.count()).select_from(User).where(User.role == "admin", User.active)
    if excluding is not None:
        stmt = stmt.where(User.id != excluding.id)
    return db.session.scalar(stmt) or 0


def update_user(user: User, *, name: str, role: str, active: bool, regions: list,
                by: User | None = None) -> None:
    """Change an account's name, role, regions and whether it may sign in.

    Refused when it would leave no active administrator (nobody could manage accounts).
    """
    if role not in ROLES:
        raise AccountError("role", _l("must be one of %(roles)s, got %(role)s",
                                      roles=", ".join(ROLES), role=repr(role)))
    was_admin = user.role == "admin" and user.active
    if was_admin and (role != "admin" or not active) and active_admins(excluding=user) == 0:
        raise AccountError("role", _l("this is the last active administrator; make another "
                                      "administrator first"))
    if by is not None and by.id == user.id and not active:
        raise AccountError("active", _l("you cannot deactivate your own account"))
    before = _user_snapshot(user)
    user.name = name.strip()[:200]
    user.role = role
    user.active = active
    user.regions = list(regions)
    after = _user_snapshot(user)
    if (after["role"], after["active"]) != (before["role"], before["active"]):
        sessions.bump(user)  # a new role or a deactivation ends the sessions opened before
    if after != before:
        signals.account_updated.send(user, before=before, after=after)


def _user_snapshot(user: User) -> dict:
    return {"name": user.name, "role": user.role, "active": user.active,
            "regions": sorted(r.code for r in user.regions)}


def password_matches(user: User, password: str) -> bool:
    """Whether `password` is the user's current one (no side effects: no login recorded)."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Rehashes when parameters have changed."""
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if user is None:
        # Spend the same time as a real check, so the response does not reveal unknown emails.
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now_utc()
    return user

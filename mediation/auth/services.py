"""Accounts: argon2id password hashing, creation and authentication."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email

from mediation.audit.services import record
from mediation.auth.models import ROLES, User
from mediation.db import now_utc
from mediation.extensions import db

MIN_PASSWORD_LENGTH = 12

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A user-facing problem with account data; the message names the field."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"email: {exc}") from None


def create_user(email: str, password: str, role: str = "viewer", name: str = "") -> User:
    if role not in ROLES:
        raise AccountError(f"role: must be one of {', '.join(ROLES)}, got {role!r}")
    email = normalise_email(email)
    check_password_policy(password)
    if db.session.scalar(db.select(User).filter_by(email=email)) is not None:
        raise AccountError(f"email: a user {email} already exists")
    user = User(email=email, name=name, role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    record("user.create", user, summary=f"{email} ({role})", after={"email": email, "role": role})
    return user


def set_password(user: User, password: str) -> None:
    check_password_policy(password)
    user.password_hash = hash_password(password)
    record("user.password", user, summary=user.email)


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

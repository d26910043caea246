"""Sessions that end: the account's session version, kept in the signed session cookie.

The session cookie is signed, not stored on the server, so a copy of it stays valid for as
long as the server accepts what it says. Each account has a `session_version`; signing in
copies it into the session, and every request compares the two (the user loader in
auth/views.py). Raising the version ends every session of the account at once:

* signing out (every browser of the account: a copied cookie must not outlive the sign-out);
* a new password, set by the user or the command line, or reset by an administrator;
* a change of role, and deactivation (auth.services.update_user);
* an administrator's "End all sessions" (auth.services.end_sessions, audited).

A refused session is cleared, so the reply does not refresh the copied cookie either.
"""

from __future__ import annotations

from flask import has_request_context, session
from flask_login import current_user

from mediation.auth.models import User

SESSION_VERSION_KEY = "_account_version"


def bump(user: User) -> None:
    """End every session of `user` (flushed with the caller's transaction)."""
    user.session_version = (user.session_version or 0) + 1


def remember(user: User) -> None:
    """This request's session belongs to `user` as the account now stands (at sign-in, and
    after the user's own change, so that it does not end their own session)."""
    session[SESSION_VERSION_KEY] = user.session_version


def keep_if_current(user: User) -> None:
    """After a change to `user` that ended their sessions: keep this request's session when it
    is theirs (an administrator changing their own account stays signed in here)."""
    if (has_request_context() and current_user.is_authenticated
            and current_user.get_id() == str(user.id)):
        remember(user)


def is_current(user: User) -> bool:
    """Whether this request's session was opened for the account's current version."""
    return session.get(SESSION_VERSION_KEY) == user.session_version

"""Sign-in and sign-out pages, and the language switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import joinedload

from mediation.auth import sessions, signals, throttle
from mediation.auth.forms import LoginForm, LogoutForm
from mediation.auth.models import User
from mediation.auth.permissions import public, signed_in
from mediation.auth.services import authenticate
from mediation.extensions import db, login_manager
from mediation.web import on_refused_input, safe_next

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The session's user, if the session still stands (auth.sessions): the account exists,
    may sign in, and has not ended its sessions since this one began."""
    # The regions come in the same query: every request checks the region scope.
    user = db.session.get(User, int(user_id), options=[joinedload(User.regions)])
    if user is not None and user.active and sessions.is_current(user):
        return user
    # Ended: clear it, so the reply does not hand the same (perhaps copied) cookie back.
    session.clear()
    flash(_("Your session has ended: you signed out, your password or your account was "
            "changed, or an administrator ended it. Please sign in again."), "info")
    return None


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would let a phishing link borrow our login."""
    return safe_next(target, url_for("home.index"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        keys = throttle.keys_for(form.email.data, request.remote_addr)
        refused = throttle.refusal(keys)
        if refused is not None:
            minutes = -(-refused.retry_after // 60)
            message = (_("Too many failed sign-ins for this account. Try again in %(n)s "
                         "minutes, or ask an administrator to reset your password.", n=minutes)
                       if refused.kind == "account" else
                       _("Too many failed sign-ins from your network address. Try again in "
                         "%(n)s minutes.", n=minutes))
            return (render_template("auth/login.html", form=form, throttled=message), 429,
                    {"Retry-After": str(refused.retry_after)})
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(user)  # Flask-Login's user_logged_in: the audit log records it
            sessions.remember(user)
            db.session.commit()
            throttle.succeeded(keys)
            return redirect(_safe_next(request.args.get("next")))
        db.session.rollback()
        throttle.failed(keys)
        signals.sign_in_failed.send(None, email=(form.email.data or "").strip()[:320])
        db.session.commit()
        flash(_("Wrong email or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


def record_refused_sign_in() -> None:
    """A sign-in refused before the form was read (a NUL byte or a lone surrogate in it, see
    `web.on_refused_input`) is still a failed sign-in: it counts toward the account's and the
    address's limits like a wrong password, and is recorded in the audit log with what was
    typed (the unreadable characters shown as U+FFFD) until the limit is reached; beyond it,
    nothing more is written, so a flood of such requests cannot fill the log."""
    if request.method != "POST":
        return
    typed = request.form.get("email", "")
    readable = "".join("\ufffd" if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF else c for c in typed)
    db.session.rollback()
    keys = throttle.keys_for(readable, request.remote_addr)
    if throttle.refusal(keys) is not None:
        return
    throttle.failed(keys)
    signals.sign_in_failed.send(None, email=readable.strip()[:320])
    db.session.commit()


bp.record_once(lambda state: on_refused_input(state.app, "auth.login", record_refused_sign_in))


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    # Every session of the account ends, so a copy of this cookie is worthless from now on.
    sessions.bump(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
@public
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    if not LogoutForm().validate_on_submit():  # any FlaskForm: we only need its CSRF check
        abort(400)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))

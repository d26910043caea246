"""Request-wide behaviour: sign-in required by default, template helpers, error pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import Flask, current_app, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from mediation.auth.permissions import can_edit
from mediation.extensions import db
from mediation.i18n import LANGUAGE_NAMES
from mediation.timeutil import to_local


def public(view: Callable) -> Callable:
    """Mark a view as reachable without signing in (login, calendar feeds)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def _require_sign_in():
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "is_public", False):
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def _format_local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(to_local(value), fmt)


def _format_date(value: date | None, fmt: str = "medium") -> str:
    return "" if value is None else format_date(value, fmt)


def install(app: Flask) -> None:
    app.before_request(_require_sign_in)
    app.jinja_env.filters["localdt"] = _format_local_datetime
    app.jinja_env.filters["day"] = _format_date

    @app.context_processor
    def _globals():
        return {
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "TIMEZONE": app.config["MEDIATION_TIMEZONE"],
            "get_locale": get_locale,
            "can_edit": can_edit,
        }

    @app.after_request
    def _no_store_when_signed_in(response):
        if current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return render_template("errors/error.html", code=400, message=exc.description), 400

    @app.errorhandler(403)
    def _forbidden(_exc):
        return render_template("errors/error.html", code=403, message=None), 403

    @app.errorhandler(404)
    def _not_found(_exc):
        return render_template("errors/error.html", code=404, message=None), 404

    @app.errorhandler(500)
    def _server_error(_exc):
        db.session.rollback()
        return render_template("errors/error.html", code=500, message=None), 500

"""Every request checked against its view's declaration: sign-in, role, region; idle sign-out.

`install(app)` is called by `create_app` before `web.install`, so the check runs first.
"""

from __future__ import annotations

from flask import (
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from mediation.auth import scope
from mediation.auth.access import check_request
from mediation.auth.permissions import DEFAULT_ACCESS, can_edit, is_admin
from mediation.auth.scope import region_scope
from mediation.web import access_of, idle_expired, next_target


def enforce_access():
    """Sign-in, role and region checks from the view's declaration; idle sign-out."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    access = access_of(current_app.view_functions.get(request.endpoint)) or DEFAULT_ACCESS
    if current_user.is_authenticated and idle_expired():
        logout_user()
        session.clear()
        flash(_("You were signed out after %(minutes)s minutes without activity.",
                minutes=current_app.config["MEDIATION_IDLE_TIMEOUT_MINUTES"]), "info")
        if access.public:
            return None
        return redirect(url_for("auth.login", next=next_target()))
    if access.public:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=next_target()))
    if current_user.role not in access.roles_for(request.method):
        return render_template("errors/error.html", code=403, message=None), 403
    g.region_scope = region_scope(current_user)
    if g.region_scope is not None and (request.method in access.all_regions
                                       or "*" in access.all_regions):
        return render_template("errors/error.html", code=403, message=_(
            "This works across every region; your account is limited to some regions.")), 403
    refused = check_request(current_user, request.method, request.view_args)
    if refused == 404:
        return render_template("errors/error.html", code=404, message=None), 404
    if refused is not None:
        return render_template("errors/error.html", code=refused, message=_(
            "This is shared with regions outside yours: a coordinator of every region must "
            "change it.")), refused
    return None


def install(app: Flask) -> None:
    """The access check on every request, the region read filter, `can_edit()`/`is_admin()`
    in templates."""
    scope.install()
    app.before_request(enforce_access)

    @app.context_processor
    def _roles():
        return {"can_edit": can_edit, "is_admin": is_admin}

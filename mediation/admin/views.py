"""User accounts, for administrators: list, create, change role/regions/active, reset password,
end every session of an account."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mediation.admin.forms import ROLE_LABELS, ConfirmForm, NewUserForm, UserForm
from mediation.auth import sessions
from mediation.auth.models import User
from mediation.auth.permissions import admin_required
from mediation.auth.services import (
    AccountError,
    create_user,
    end_sessions,
    reset_password,
    update_user,
)
from mediation.cases.services import region_choices
from mediation.extensions import db
from mediation.forms import choices
from mediation.regions.models import Region

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _prepare(form: UserForm) -> UserForm:
    form.region_ids.choices = choices(region_choices())
    return form


def _field_error(form, exc: AccountError) -> None:
    """Put "field: message" beside its field (or on the form's first field)."""
    name, _sep, message = str(exc).partition(": ")
    target = getattr(form, {"email": "email", "password": "password", "role": "role",
                            "active": "active"}.get(name, "name"), None) or form.name
    target.errors = [*target.errors, message or str(exc)]


def _regions(ids) -> list[Region]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Region).where(Region.id.in_(ids))))


@bp.route("/users")
@admin_required
def users():
    rows = db.session.scalars(sa.select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=rows, role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = _prepare(NewUserForm())
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.password.data, role=form.role.data,
                               name=(form.name.data or "").strip())
            update_user(user, name=user.name, role=user.role, active=form.active.data,
                        regions=_regions(form.region_ids.data), by=current_user)
        except AccountError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            db.session.commit()
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), (
        422 if form.errors else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = _prepare(UserForm(obj=user))
    if not form.is_submitted():
        form.region_ids.data = [r.id for r in user.regions]
    if form.validate_on_submit():
        try:
            update_user(user, name=form.name.data or "", role=form.role.data,
                        active=form.active.data, regions=_regions(form.region_ids.data),
                        by=current_user)
        except AccountError as exc:
            db.session.rollback()
            user = _user_or_404(user_id)
            _field_error(form, exc)
        else:
            db.session.commit()
            sessions.keep_if_current(user)  # one's own change does not sign one out here
            flash(_("Account %(email)s saved.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user,
                           reset_form=ConfirmForm(), end_form=ConfirmForm()), (
        422 if form.errors else 200)


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@admin_required
def reset_user_password(user_id: int):
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    password = reset_password(user)
    db.session.commit()
    sessions.keep_if_current(user)
    # Shown once, on this response only (never stored or flashed into the session cookie).
    return render_template("admin/password_reset.html", user=user, password=password)


@bp.route("/users/<int:user_id>/end-sessions", methods=["POST"])
@admin_required
def end_user_sessions(user_id: int):
    """Sign the account out in every browser (a lost laptop, a shared computer, a cookie that
    may have been copied); audited. One's own current session stays."""
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    end_sessions(user)
    db.session.commit()
    if user.id == current_user.id:
        sessions.keep_if_current(user)
        flash(_("Your other sessions were ended; you stay signed in here."), "success")
    else:
        flash(_("%(email)s was signed out everywhere and must sign in again.",
                email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))

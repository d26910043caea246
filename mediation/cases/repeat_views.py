"""Repeat petitions on the case page: confirm or dismiss a possible repeat, link a repeat by case
reference, unlink one; each with a reason (`mediation.cases.repeats`). Routes on the cases
blueprint; thin views: load, check, call the service, commit once."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from mediation.auth.access import can_see, require_visible
from mediation.auth.permissions import editor_required
from mediation.cases import repeats
from mediation.cases.models import Case, CaseLink
from mediation.cases.views import bp
from mediation.extensions import db


def _case(case_id: int) -> Case:
    case = db.session.scalar(sa.select(Case).where(Case.id == case_id).options(
        selectinload(Case.earlier_links).selectinload(CaseLink.earlier_case)))
    return require_visible(case)


def _done(case: Case, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("cases.show", case_id=case.id))


def _refused(case_id: int, exc: repeats.RepeatError):
    db.session.rollback()
    flash(str(exc.message), "error")
    return redirect(url_for("cases.show", case_id=case_id) + "#repeat-links")


@bp.route("/<int:case_id>/repeats/<int:link_id>/decide", methods=["POST"])
@editor_required
def decide_repeat(case_id: int, link_id: int):
    case = _case(case_id)
    decision = request.form.get("decision")
    if decision not in ("confirm", "dismiss"):
        flash(_("Choose to confirm or to dismiss."), "error")
        return redirect(url_for("cases.show", case_id=case.id))
    try:
        link = repeats.decide_possible(case, link_id, decision == "confirm",
                                       request.form.get("reason", "")[:1000], current_user)
    except repeats.RepeatError as exc:
        return _refused(case_id, exc)
    if decision == "confirm":
        return _done(case, _("Confirmed as a repeat of %(ref)s.", ref=link.earlier_case.reference))
    return _done(case, _("Possible repeat of %(ref)s dismissed.", ref=link.earlier_case.reference))


@bp.route("/<int:case_id>/repeats/link", methods=["POST"])
@editor_required
def link_repeat(case_id: int):
    case = _case(case_id)
    try:
        link = repeats.link_repeat(case, request.form.get("reference", "")[:64],
                                   request.form.get("reason", "")[:1000], current_user,
                                   visible=lambda c: can_see(current_user, c))
    except repeats.RepeatError as exc:
        return _refused(case_id, exc)
    return _done(case, _("Linked as a repeat of %(ref)s.", ref=link.earlier_case.reference))


@bp.route("/<int:case_id>/repeats/<int:link_id>/unlink", methods=["POST"])
@editor_required
def unlink_repeat(case_id: int, link_id: int):
    case = _case(case_id)
    try:
        repeats.unlink_repeat(case, link_id, request.form.get("reason", "")[:1000], current_user)
    except repeats.RepeatError as exc:
        return _refused(case_id, exc)
    return _done(case, _("Repeat link removed."))

"""Conflict pages: the list with filters and decisions, declaring, waiving and dismissing."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mediation.auth.access import can_change, can_see, require_changeable, require_visible
from mediation.auth.permissions import editor_required, signed_in
from mediation.cases.models import Case, Party
from mediation.conflicts.forms import AutomaticDecisionForm, DecisionForm, DeclareConflictForm
from mediation.conflicts.models import CONFLICT_KINDS, Conflict
from mediation.conflicts.services import (
    GROUPINGS,
    ConflictError,
    conflict_rows,
    decide_automatic,
    declare_conflict,
    dismiss_conflict,
    exclusions_for_case,
    find_automatic,
    group_rows,
    person_conflicts,
    waive_conflict,
)
from mediation.db import id_or_none
from mediation.extensions import db
from mediation.roster.forms import choices
from mediation.roster.models import Person
from mediation.roster.services import find_organisation
from mediation.web import ListPage, page_number, safe_next

bp = Blueprint("conflicts", __name__, url_prefix="/conflicts")
STATES = ("active", "waived", "dismissed")
PER_PAGE = 25


@bp.app_template_global("case_exclusions")
def _case_exclusions(case):
    return exclusions_for_case(case)


@bp.app_template_global("person_conflicts")
def _person_conflicts(person):
    """For the person page (roster sits below conflicts and does not import it)."""
    return person_conflicts(person)


@bp.app_template_global("conflict_decision_form")
def _decision_form():
    return DecisionForm(formdata=None)


def _safe_next(default: str) -> str:
    return safe_next(request.form.get("next") or request.args.get("next"), default)


@bp.route("/")
@signed_in
def index():
    kind = request.args.get("kind") if request.args.get("kind") in CONFLICT_KINDS else None
    state = request.args.get("state") if request.args.get("state") in STATES else None
    person_code = request.args.get("person", "")[:64].strip()
    case_ref = request.args.get("case", "")[:64].strip()
    person = case = None
    if person_code:
        person = db.session.scalar(sa.select(Person).where(Person.code == person_code))
    if case_ref:
        case = db.session.scalar(sa.select(Case).where(Case.reference == case_ref))
    missing = (person_code and person is None) or (case_ref and case is None)
    group = request.args.get("group") if request.args.get("group") in GROUPINGS else None
    rows = [] if missing else conflict_rows(kind=kind, state=state, person=person, case=case)
    page = ListPage(group_rows(rows, group) if group else [(None, r) for r in rows],
                    per_page=PER_PAGE, page=page_number())
    filters = {"kind": kind or "", "state": state or "", "person": person_code, "case": case_ref,
               "group": group or ""}
    sizes = Counter(key for key, _row in page.all_items) if group else {}
    return render_template("conflicts/index.html", page=page, filters=filters,
                           filter_args={k: v for k, v in filters.items() if v},
                           kinds=CONFLICT_KINDS, states=STATES, missing=missing, group=group,
                           group_sizes=sizes)


def _declare_form() -> DeclareConflictForm:
    form = DeclareConflictForm()
    people = db.session.scalars(sa.select(Person).where(Person.active).order_by(Person.code))
    form.person_id.choices = choices([(0, _("Choose…"))]
                                     + [(p.id, f"{p.code} · {p.name}") for p in people])
    if request.method == "GET":
        form.person_id.data = request.args.get("person", 0, type=int)
        form.case_reference.data = request.args.get("case", "")[:64]
    return form


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    form = _declare_form()
    if form.validate_on_submit():
        person = db.session.get(Person, form.person_id.data)
        target = _target(form)
        if person is None:
            form.person_id.errors.append(_("Choose a person."))
        elif target is not None:
            try:
                conflict = declare_conflict(person, form.kind.data, form.reason.data,
                                            user=current_user, **target)
            except ConflictError as exc:
                db.session.rollback()
                form.reason.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Conflict recorded for %(code)s.", code=person.code), "ok")
                return redirect(url_for("conflicts.index", person=person.code,
                                        _anchor=f"c{conflict.id}"))
    return render_template("conflicts/new.html", form=form), (422 if form.errors else 200)


def _target(form: DeclareConflictForm) -> dict | None:
    """The chosen target, or None with the error put beside the field."""
    if form.target.data == "organisation":
        org = find_organisation(form.organisation.data or "")
        if org is None:
            form.organisation.errors.append(_("No organisation has this name or alias."))
            return None
        if not can_change(current_user, org):  # named in cases outside the user's regions
            form.organisation.errors.append(_(
                "This organisation is named in cases outside your regions: a coordinator of "
                "every region must record a conflict with it."))
            return None
        return {"organisation": org}
    ref = (form.case_reference.data or "").strip()
    case = db.session.scalar(sa.select(Case).where(Case.reference == ref)) if ref else None
    if not can_see(current_user, case):  # missing, or another region's: as if it did not exist
        form.case_reference.errors.append(_("No case has this reference."))
        return None
    if form.target.data == "case":
        return {"case": case}
    name = (form.party_name.data or "").strip()
    party = db.session.scalar(sa.select(Party).where(Party.case_id == case.id, Party.name == name))
    if party is None:
        form.party_name.errors.append(_("This case has no party of that name."))
        return None
    return {"party": party}


def _valid(form: DecisionForm) -> bool:
    """The form's own checks, except on where to go back to: `_safe_next` has already put a
    hostile `next` (control characters included) aside for the list, so it refuses nothing."""
    if form.validate_on_submit():
        return True
    return request.method == "POST" and set(form.errors) == {"next"}


def _decide(conflict_id: int, operation):
    conflict = require_changeable(db.session.get(Conflict, conflict_id))
    form = DecisionForm()
    back = _safe_next(url_for("conflicts.index"))
    if not _valid(form):
        flash(_("A reason is required."), "error")
        return redirect(back)
    try:
        operation(conflict, form.reason.data, current_user)
    except ConflictError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Decision recorded."), "ok")
    return redirect(back)


@bp.route("/<int:conflict_id>/waive", methods=["POST"])
@editor_required
def waive(conflict_id: int):
    return _decide(conflict_id, waive_conflict)


@bp.route("/<int:conflict_id>/dismiss", methods=["POST"])
@editor_required
def dismiss(conflict_id: int):
    return _decide(conflict_id, dismiss_conflict)


@bp.route("/automatic", methods=["POST"])
@editor_required
def automatic():
    form = AutomaticDecisionForm()
    back = _safe_next(url_for("conflicts.index"))
    if not _valid(form):
        flash(_("A reason is required."), "error")
        return redirect(back)
    try:
        ids = [id_or_none(f.data) for f in (form.person_id, form.case_id,
                                             form.basis_organisation_id)]
        if None in ids:
            raise ValueError("not an id")
        person_id, case_id, organisation_id = ids
        person = db.session.get(Person, person_id) or abort(404)
        case = require_visible(db.session.get(Case, case_id))
        finding = find_automatic(person, case, organisation_id, form.rule.data)
        decide_automatic(finding, form.decision.data, form.reason.data, current_user)
    except ValueError as exc:  # ConflictError, or a tampered number
        db.session.rollback()
        flash(str(exc) if isinstance(exc, ConflictError) else _("Unknown conflict."), "error")
    else:
        db.session.commit()
        flash(_("Decision recorded."), "ok")
    return redirect(back)

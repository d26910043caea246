"""Cases: list, intake and edit forms, the case page and its workflow buttons.

Views load, check, validate, call a service and commit once; the logic is in services.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from mediation.audit.services import record
from mediation.auth.access import can_see_region, require_visible
from mediation.auth.permissions import can_edit, editor_required, signed_in
from mediation.cases import services
from mediation.cases.clocks import clock_state, limits
from mediation.cases.forms import (
    ACTION_FORMS,
    CaseForm,
    ChecklistForm,
    ExtendForm,
    OpinionForm,
    choices,
)
from mediation.cases.models import CASE_STATUSES, CATEGORIES, Case, CaseLink, Party
from mediation.extensions import db
from mediation.regions.models import Region
from mediation.roster.labels import expertise_name
from mediation.roster.models import ExpertiseArea, Leader, Organisation
from mediation.roster.services import leader_choices
from mediation.roster.services import leaders as all_leaders
from mediation.timeutil import local_today

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.app_template_global("case_status_label")
def _status_label(status: str) -> str:
    return services.STATUS_LABELS.get(status, status)


@bp.app_template_global("case_category_label")
def _category_label(category: str) -> str:
    return services.CATEGORY_LABELS.get(category, category)


@bp.app_template_global("case_clock")
def _case_clock(case: Case) -> tuple[str | None, object]:
    due = services.due_on(case)
    return clock_state(due, local_today()), due


def _flag(name: str) -> bool:
    return request.args.get(name) in ("1", "on", "true", "yes")


@bp.route("/")
@signed_in
def index():
    args = request.args
    status = args.get("status") or None
    category = args.get("category") or None
    region_id = args.get("region", type=int)
    leader_id = args.get("leader", type=int)
    filters = services.CaseFilters(
        q=args.get("q", "")[:200],
        status=status if status in CASE_STATUSES else None,
        category=category if category in CATEGORIES else None,
        region_id=region_id if region_id and db.session.get(Region, region_id) else None,
        overdue=_flag("overdue"), at_risk=_flag("at_risk"),
        needs_counsellor=_flag("needs_counsellor"), unscheduled=_flag("unscheduled"),
        sort=args.get("sort") if args.get("sort") in services.SORTS else "registered",
        leader_id=leader_id if leader_id and db.session.get(Leader, leader_id) else None,
        mine=_flag("mine"), user_id=current_user.id,
    )
    page = services.search_cases(filters=filters, page=max(1, args.get("page", 1, type=int)))
    return render_template(
        "cases/index.html", page=page, f=filters, statuses=CASE_STATUSES, categories=CATEGORIES,
        regions=services.region_choices(), sorts=services.SORTS,
        leaders=[(leader.id, leader.label) for leader in all_leaders()],
        has_my_leader=services.user_has_leader(current_user.id),
    )


def _case_or_404(case_id: int) -> Case:
    case = db.session.scalar(
        sa.select(Case).where(Case.id == case_id).options(
            selectinload(Case.parties).selectinload(Party.organisation),
            selectinload(Case.respondents), selectinload(Case.required_expertise),
            selectinload(Case.events), selectinload(Case.region),
            selectinload(Case.responsible_leader),
            selectinload(Case.earlier_links).selectinload(CaseLink.earlier_case),
        )
    )
    return require_visible(case)  # missing, or another region's case: 404


def _prepare_case_form(form: CaseForm, case: Case | None = None) -> CaseForm:
    form.region_id.choices = choices(
        (rid, label) for rid, label in services.region_choices()
        if can_see_region(current_user, rid))
    areas = db.session.scalars(sa.select(ExpertiseArea).order_by(ExpertiseArea.code))
    form.expertise_ids.choices = choices((a.id, expertise_name(a)) for a in areas)
    form.responsible_leader_id.choices = [(0, _("— none —"))] + leader_choices(
        case.responsible_leader_id if case else None)
    return form


def _organisation_names() -> list[str]:
    return list(db.session.scalars(sa.select(Organisation.name).order_by(Organisation.name).limit(2000)))


def _render_form(form: CaseForm, case: Case | None, status: int = 200):
    return render_template("cases/form.html", form=form, case=case,
                           organisations=_organisation_names()), status


def _add_row_requested(form: CaseForm) -> bool:
    """The no-JS "add another party" button: re-render with one more (blank) row."""
    if form.add_party.data and len(form.parties.entries) < form.parties.max_entries:
        form.parties.append_entry()
        return True
    return bool(form.add_party.data)


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    form = _prepare_case_form(CaseForm())
    if request.method == "POST" and _add_row_requested(form):
        return _render_form(form, None)
    if form.validate_on_submit():
        intake = services.register_case(form.to_data(), current_user)
        db.session.commit()
        flash(_("Case %(ref)s registered.", ref=intake.case.reference), "success")
        for name in intake.created_organisations:
            flash(_("New organisation added: %(name)s.", name=name), "info")
        if intake.terminated_repeats:
            flash(_("Repeat of a case in the termination register (%(refs)s): the same facts "
                    "and reasons are not accepted again unless there are new facts.",
                    refs=", ".join(c.reference for c in intake.terminated_repeats)), "error")
        elif intake.repeats:
            flash(_("Possible repeat petition of %(refs)s: linked, priority raised.",
                    refs=", ".join(c.reference for c in intake.repeats)), "warning")
        return redirect(url_for("cases.show", case_id=intake.case.id))
    return _render_form(form, None, 400 if form.errors else 200)


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(case_id: int):
    case = _case_or_404(case_id)
    if request.method == "GET":
        form = CaseForm(obj=case)
        form.expertise_ids.data = [a.id for a in case.required_expertise]
        form.respondents.data = "\n".join(o.name for o in case.respondents)
        while form.parties.entries:
            form.parties.pop_entry()
        for p in case.parties:
            form.parties.append_entry({
                "id": str(p.id), "kind": p.kind, "name": p.name, "id_number": p.id_number or "",
                "phone": p.phone or "", "address": p.address or "",
                "organisation": p.organisation.name if p.organisation else "",
            })
        if not form.parties.entries:
            form.parties.append_entry()
        _log_personal_details_read(case)
    else:
        form = CaseForm()
    form.case_id = case.id
    _prepare_case_form(form, case)
    if request.method == "POST" and _add_row_requested(form):
        return _render_form(form, case)
    if form.validate_on_submit():
        created = services.update_case(case, form.to_data(), current_user)
        db.session.commit()
        flash(_("Case %(ref)s saved.", ref=case.reference), "success")
        for name in created:
            flash(_("New organisation added: %(name)s.", name=name), "info")
        return redirect(url_for("cases.show", case_id=case.id))
    return _render_form(form, case, 400 if form.errors else 200)


def _action_form(action: str, case: Case, formdata=None):
    """The form for `action`, filled from `formdata` (None: a fresh, empty form)."""
    cls = ACTION_FORMS[action]
    kwargs = {"prefix": action, "formdata": formdata}
    if cls is ExtendForm:
        kwargs["max_days"] = limits()["max_extension_days"]
    form = cls(**kwargs)
    if isinstance(form, OpinionForm):
        # Only the panel of the case's held hearing gives the opinion.
        panel = services.opinion_panel(case)
        form.set_people([(p.id, f"{p.code} {p.name}") for p in panel],
                        [p.id for p in panel] or None)
    return form


def _render_show(case: Case, forms: dict | None = None, checklist: ChecklistForm | None = None,
                 status: int = 200):
    actions = services.allowed_actions(case)
    forms = forms or {}
    for action in actions:
        forms.setdefault(action, _action_form(action, case, formdata=None))
    if checklist is None:
        checklist = ChecklistForm(prefix="checklist", formdata=None).fill(case)
    panel = services.opinion_panel(case)
    return render_template(
        "cases/show.html", case=case, actions=actions, forms=forms, checklist=checklist,
        action_labels=services.ACTION_LABELS, checklist_items=services.CHECKLIST,
        checklist_complete=services.checklist_complete(case), panel=panel,
        checklist_points=services.checklist(case),
        checklist_state_labels=services.CHECKLIST_STATE_LABELS,
        opinion_labels=services.OPINION_LABELS, limits=limits(),
    ), status


@bp.route("/<int:case_id>")
@signed_in
def show(case_id: int):
    case = _case_or_404(case_id)
    response = _render_show(case)
    if can_edit():  # only editors are shown the parties' private details
        _log_personal_details_read(case)
    return response


def _log_personal_details_read(case: Case) -> None:
    """Reading parties' ID numbers, phones or addresses is audited (who, when, which case)."""
    if any(p.id_number or p.phone or p.address for p in case.parties):
        record("case.personal_details.read", case, summary=case.reference)
        db.session.commit()


@bp.route("/<int:case_id>/actions/<action>", methods=["POST"])
@editor_required
def act(case_id: int, action: str):
    if action not in services.TRANSITIONS:
        abort(404)
    case = _case_or_404(case_id)
    form = _action_form(action, case, formdata=request.form)
    if not form.validate_on_submit():
        flash(_("Please correct the form below."), "error")
        return _render_show(case, {action: form}, status=400)
    try:
        services.transition(case, action, current_user, **form.to_data())
    except services.TransitionError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _render_show(_case_or_404(case_id), status=409)
    db.session.commit()
    flash(_("%(action)s: done.", action=services.ACTION_LABELS[action]), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/<int:case_id>/checklist", methods=["POST"])
@editor_required
def checklist(case_id: int):
    case = _case_or_404(case_id)
    form = ChecklistForm(prefix="checklist")
    if not form.validate_on_submit():
        return _render_show(case, checklist=form, status=400)
    try:
        services.update_checklist(case, form.to_data(), current_user)
    except services.TransitionError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _render_show(_case_or_404(case_id), checklist=form, status=400)
    db.session.commit()
    flash(_("Checklist saved."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


# Routes on this blueprint kept in their own module (repeat petitions).
from mediation.cases import repeat_views  # noqa: E402,F401

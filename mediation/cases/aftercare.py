"""The case page's hearings, their outcomes and the case's follow-up visits: a blueprint of its
own (routes under /cases/<id>/…) and the template globals the case page's partials use
(templates/hearings/_case_hearings.html, templates/cases/_followups.html).

Views load, check, call a service (mediation.hearings.outcomes, mediation.cases.followups) and
commit once; a refused input re-renders the case page (400) with the error at its field.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mediation.auth.access import require_visible
from mediation.auth.permissions import editor_required
from mediation.cases import followups
from mediation.cases.views import _case_or_404, _render_show
from mediation.db import id_or_none
from mediation.extensions import db
from mediation.hearings import outcomes
from mediation.hearings.models import OUTCOME_RESULTS, PUBLISHED_LAYER, Hearing
from mediation.hearings.queries import in_force
from mediation.timeutil import local_today, parse_day

bp = Blueprint("aftercare", __name__, url_prefix="/cases")


@bp.app_template_global("case_hearing_panel")
def _case_hearing_panel(case) -> dict:
    """Everything templates/hearings/_case_hearings.html shows."""
    hearings = [h for h in outcomes.case_hearings(case.id)
                if h.layer == PUBLISHED_LAYER or (h.plan_run is not None
                                                  and h.plan_run.status == "succeeded")]
    holding = db.session.scalar(in_force(case_ids=[case.id]).limit(1))
    recorded = [h for h in hearings if h.outcome is not None]
    back_in_planning = (holding is None and bool(recorded)
                        and outcomes.sends_back(max(recorded, key=lambda h: h.starts_at))
                        and case.status in ("accepted", "in_handling"))
    return {
        "hearings": hearings, "members": outcomes.ordered_members,
        "can_record": outcomes.can_record, "back_in_planning": back_in_planning,
        "results": OUTCOME_RESULTS, "result_labels": outcomes.RESULT_LABELS,
        "role_labels": outcomes.ROLE_LABELS, "status_labels": outcomes.HEARING_STATUS_LABELS,
        "error": g.get("outcome_error"),
    }


@bp.app_template_global("case_followup_panel")
def _case_followup_panel(case) -> dict:
    """Everything templates/cases/_followups.html shows."""
    today = local_today()
    items = followups.followups_of(case)
    return {"visits": items, "today": today, "can_schedule": followups.can_schedule(case),
            "overdue": sum(f.is_overdue(today) for f in items),
            "error": g.get("followup_error")}


def _date(name: str) -> date | None:
    try:
        return parse_day(request.form.get(name, ""))
    except ValueError:
        return None


def _yes_no(name: str) -> bool | None:
    return {"yes": True, "no": False}.get(request.form.get(name, ""))


def _refused(case_id: int, key: str, target_id, exc):
    db.session.rollback()
    g.setdefault(key, {"id": target_id, "field": exc.field, "message": str(exc.message),
                       "form": request.form})
    flash(str(exc.message), "error")
    return _render_show(_case_or_404(case_id), status=400)


@bp.route("/<int:case_id>/hearings/<int:hearing_id>/outcome", methods=["POST"])
@editor_required
def outcome(case_id: int, hearing_id: int):
    case = _case_or_404(case_id)
    hearing = require_visible(db.session.get(Hearing, hearing_id))
    if hearing.case_id != case.id:
        abort(404)
    try:
        outcomes.record_outcome(
            hearing, result=request.form.get("result"),
            present_ids=[i for i in map(id_or_none, request.form.getlist("present")) if i is not None],
            petitioner_present=request.form.get("petitioner_present") == "1",
            agreement=_yes_no("agreement"), minutes=request.form.get("minutes"),
            user=current_user)
    except outcomes.OutcomeError as exc:
        return _refused(case_id, "outcome_error", hearing_id, exc)
    db.session.commit()
    flash(_("Outcome recorded: %(result)s.",
            result=outcomes.RESULT_LABELS[hearing.outcome.result]), "success")
    return redirect(url_for("cases.show", case_id=case.id) + "#hearings")


@bp.route("/<int:case_id>/followups", methods=["POST"])
@editor_required
def schedule_followup(case_id: int):
    case = _case_or_404(case_id)
    try:
        followups.schedule(case, due_on=_date("due_on"), visitor=request.form.get("visitor"),
                           user=current_user)
    except followups.FollowUpError as exc:
        return _refused(case_id, "followup_error", None, exc)
    db.session.commit()
    flash(_("Follow-up visit scheduled."), "success")
    return redirect(url_for("cases.show", case_id=case.id) + "#followups")


@bp.route("/<int:case_id>/followups/<int:followup_id>", methods=["POST"])
@editor_required
def complete_followup(case_id: int, followup_id: int):
    case = _case_or_404(case_id)
    item = db.session.get(followups.FollowUp, followup_id)
    if item is None or item.case_id != case.id:
        abort(404)
    try:
        followups.complete(item, done_on=_date("done_on"), result=request.form.get("result"),
                           satisfied=_yes_no("satisfied"), user=current_user)
    except followups.FollowUpError as exc:
        return _refused(case_id, "followup_error", followup_id, exc)
    db.session.commit()
    flash(_("Follow-up visit recorded."), "success")
    return redirect(url_for("cases.show", case_id=case.id) + "#followups")

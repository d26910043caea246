"""Planning pages: start and follow runs, review a proposal, edit hearings, publish, re-plan.

Views stay thin: every decision is in runs.py, review.py, publish.py and edits.py.
"""

from __future__ import annotations

import json
import re
from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

import scheduler
from mediation.auth.access import can_see, can_see_region, require_visible
from mediation.auth.permissions import can_edit, editor_required, region_scope, signed_in
from mediation.cases.models import Case, case_region_ids
from mediation.cases.services import region_choices
from mediation.centres.labels import session_name
from mediation.centres.models import HearingSession, Room
from mediation.db import bounded_int, id_or_none
from mediation.extensions import db
from mediation.hearings.models import PUBLISHED_LAYER
from mediation.planner_words import run_error_text, violation_texts
from mediation.planning import edits, publish, review
from mediation.planning.forms import DeclineForm, MoveForm, ReplaceForm, RunForm, VersionForm
from mediation.planning.labels import run_status as run_status_label
from mediation.planning.models import PlanRun
from mediation.planning.runs import (
    PlanningError,
    RunRequest,
    cancel_run,
    reap_stale_runs,
    start_run,
)
from mediation.planning.services import published_schedule, recent_runs
from mediation.roster.models import ExpertiseArea, Person
from mediation.timeutil import parse_day

bp = Blueprint("planning", __name__, url_prefix="/planning")

CANDIDATES_SHOWN = 40  # of those who fit, and of those refused, on the candidates page


def _run_or_404(run_id: int) -> PlanRun:
    run = db.session.get(PlanRun, run_id)
    if run is None:
        abort(404)
    return run


def _version(form) -> int | None:
    """The hearing version the page was showing; None (refused by `edits`) when missing."""
    try:
        return bounded_int(form.version.data)
    except (TypeError, ValueError):
        return None


@bp.route("/")
@signed_in
def index():
    reap_stale_runs()
    db.session.commit()
    form = RunForm()
    form.region.choices = region_choices()
    form.prefill()
    broken = edits.broken_published(region_ids=region_scope(current_user))
    return _index_page(form, broken=broken)


def _index_page(form: RunForm, status: int = 200, broken=()):
    """The planning page: the runs this user may see, the run form, hearings to re-plan."""
    runs = [r for r in recent_runs() if can_see(current_user, r)]
    return render_template("planning/index.html", runs=runs, form=form, broken=broken), status


@bp.route("/runs", methods=["POST"])
@editor_required
def start():
    form = RunForm()
    form.region.choices = region_choices()
    if not form.validate_on_submit():
        return _index_page(form, 400)
    refs = [r for r in re.split(r"[\s,;，、]+", form.cases.data or "") if r]
    case_ids = list(db.session.scalars(sa.select(Case.id).where(Case.reference.in_(refs))))
    if form.scope.data == "cases" and len(case_ids) != len(set(refs)):
        known = set(db.session.scalars(sa.select(Case.reference).where(Case.reference.in_(refs))))
        form.cases.errors.append(_("Unknown case references: %(refs)s",
                                   refs=", ".join(r for r in refs if r not in known)))
        return _index_page(form, 400)
    scope = region_scope(current_user)
    if scope is not None and (
        form.scope.data == "all" or (form.scope.data == "region" and form.region.data not in scope)
        or (form.scope.data == "cases"
            and not all(can_see_region(current_user, r) for r in case_region_ids(case_ids)))
    ):
        flash(_("You plan for your own regions only: choose one of them, or cases in them."),
              "error")
        return _index_page(form, 403)
    req = RunRequest(form.start.data, form.end.data, scope=form.scope.data,
                     region_id=form.region.data, case_ids=case_ids,
                     time_limit=form.time_limit.data,
                     release_published=form.release_published.data,
                     base_run_id=int(form.base_run.data) if form.base_run.data else None)
    try:
        run = start_run(req, current_user)
        db.session.commit()
    except PlanningError as exc:
        flash(str(exc), "error")
        return _index_page(form, exc.status)
    return redirect(url_for("planning.show_run", run_id=run.id))


@bp.route("/runs/<int:run_id>")
@signed_in
def show_run(run_id: int):
    reap_stale_runs()
    db.session.commit()
    run = _visible_run_or_404(run_id)
    if run.active or run.status in ("failed", "cancelled"):
        return render_template("planning/progress.html", run=run, form=VersionForm())
    hearings = review.run_hearings(run, region_scope(current_user))
    week = request.args.get("week", type=parse_day)
    changes = publish.diff(run) if run.status == "succeeded" else []
    load_rows = review.loads(hearings)
    experts = db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(Person.active))
    return render_template(
        "planning/review.html", run=run, grid=review.grid(run, hearings, week),
        unscheduled=review.unscheduled(run), loads=load_rows,
        histogram=review.load_histogram(load_rows, experts or 0), words=review.in_words(run),
        fairness=review.fairness_words(run),
        changes=changes, change_counts=publish.summary(changes), form=VersionForm(),
        hearing_count=len(hearings))


@bp.route("/runs/<int:run_id>/status.json")
@signed_in
def run_status(run_id: int):
    reap_stale_runs()
    db.session.commit()
    run = _visible_run_or_404(run_id)
    progress = run.progress or {}
    return jsonify({
        "id": run.id, "status": run.status, "status_label": run_status_label(run.status),
        "active": run.active,
        "elapsed": progress.get("elapsed", 0), "time_limit": run.time_limit_seconds,
        "objective": progress.get("objective"), "bound": progress.get("bound"),
        "scheduled": progress.get("scheduled"), "error": run_error_text(run.error) or None,
        "url": url_for("planning.show_run", run_id=run.id),
    })


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@editor_required
def cancel(run_id: int):
    run = _visible_run_or_404(run_id)
    VersionForm().validate_on_submit() or abort(400)
    try:
        running = run.status == "running"
        cancel_run(run, current_user)
        db.session.commit()
        flash(_("Stopping: the best plan found so far will be kept for you to review.")
              if running else _("Cancelled before it started."), "info")
    except PlanningError as exc:
        flash(str(exc), "error")
    return redirect(url_for("planning.show_run", run_id=run.id))


@bp.route("/runs/<int:run_id>/publish", methods=["GET"])
@editor_required
def publish_confirm(run_id: int):
    """Before publishing: what changes, how many emails go out, and a confirm button."""
    run = _visible_run_or_404(run_id)
    if run.status != "succeeded":
        flash(_("Run #%(id)d cannot be published: it is %(status)s.", id=run.id,
                status=run.status), "error")
        return redirect(url_for("planning.show_run", run_id=run.id), 303)
    return render_template("planning/publish.html", run=run, preview=publish.preview(run),
                           form=VersionForm())


@bp.route("/runs/<int:run_id>/publish", methods=["POST"])
@editor_required
def publish_view(run_id: int):
    run = _visible_run_or_404(run_id)
    VersionForm().validate_on_submit() or abort(400)
    back = redirect(url_for("planning.show_run", run_id=run.id), 303)
    if not can_see(current_user, run):
        flash(_("This plan includes cases outside your regions; an administrator or a "
                "coordinator of every region must publish it."), "error")
        return back
    confirmed = request.form.get("confirm")
    if run.status == "succeeded" and confirmed != publish.preview(run).fingerprint:
        if confirmed:
            flash(_("The plan or the published schedule changed since you looked: check the "
                    "changes again before publishing."), "warning")
        return redirect(url_for("planning.publish_confirm", run_id=run.id), 303)
    try:
        counts = publish.publish_run(run, current_user)
        db.session.commit()
    except PlanningError as exc:
        flash(str(exc), "error")
        return back
    except sa.exc.IntegrityError:
        db.session.rollback()
        flash(_("This plan conflicts with hearings published meanwhile. Run the plan again."),
              "error")
        return back
    flash(_("Published: %(new)d new, %(moved)d moved, %(panel)d with a changed panel, "
            "%(cancelled)d cancelled.", **counts), "success")
    return redirect(url_for("planning.show_run", run_id=run.id))


@bp.route("/runs/<int:run_id>/plan.json")
@signed_in
def export_run(run_id: int):
    run = _visible_run_or_404(run_id)
    if run.status not in ("succeeded", "published"):
        abort(404)
    plan = review.run_plan(run, region_scope(current_user))
    body = json.dumps(scheduler.plan_to_dict(plan), ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="plan-{run.id}.json"'})


@bp.route("/schedule")
@signed_in
def schedule():
    """The published schedule, week by week, filtered by centre and person (all in the query
    string, so a filtered week can be bookmarked and shared)."""
    week = request.args.get("week", type=_day)
    centre_id = request.args.get("centre", type=int)
    person = (request.args.get("person") or "").strip()[:100]
    data = published_schedule(week, region_scope(current_user), centre_id, person)
    filters = {k: v for k, v in (("centre", centre_id), ("person", person)) if v}
    return render_template("planning/schedule.html", filters=filters, centre_id=centre_id,
                           person=person, **data)


# --- hearings --------------------------------------------------------------------------------


def _hearing_or_404(hearing_id: int):
    try:
        hearing = edits.load_hearing(hearing_id)
    except PlanningError:
        abort(404)
    return require_visible(hearing)


def _visible_run_or_404(run_id: int) -> PlanRun:
    """A run the user may see (auth.access; planning.services.run_region_ids)."""
    return require_visible(_run_or_404(run_id))


def _hearing_page(hearing):
    """The hearing page; a refused move comes back with its input in the query string."""
    move_form = MoveForm(formdata=None)
    move_form.room.choices = [(r.id, f"{r.centre.name} / {r.name}") for r in
                              db.session.scalars(sa.select(Room).where(Room.active)
                                                 .order_by(Room.centre_id, Room.code))]
    move_form.session.choices = [(s.id, session_name(s)) for s in db.session.scalars(
        sa.select(HearingSession).order_by(HearingSession.position))]
    move_form.room.data = request.args.get("room", type=int) or hearing.room_id
    move_form.date.data = request.args.get("date", type=_day) or hearing.date
    move_form.session.data = request.args.get("session", type=int) or hearing.session_id
    decline_form = DeclineForm()
    decline_form.person.choices = [(m.person_id, m.person.name) for m in hearing.members]
    run = db.session.get(PlanRun, hearing.layer) if hearing.layer != PUBLISHED_LAYER else None
    editable = can_edit() and hearing.status != "cancelled"
    slots = edits.free_slots(hearing) if editable else []
    return render_template("planning/hearing.html", hearing=hearing, run=run, slots=slots,
                           move_form=move_form, form=VersionForm(), decline_form=decline_form,
                           move_open=bool(request.args.get("date")),
                           published=hearing.layer == PUBLISHED_LAYER)


def _day(value: str) -> date:
    return parse_day(value)


def _refused(hearing_id: int, exc: PlanningError | None = None, *, errors=(), keep=None):
    """A refused edit (Post/Redirect/Get): nothing changed; the reasons are flashed and the
    browser goes back to the hearing page (303), with the move it asked for in the query
    string (`keep`), so a reload never re-posts."""
    db.session.rollback()
    if isinstance(exc, edits.RuleBroken):
        errors = violation_texts(exc.violations)
    elif exc is not None:
        errors = [str(exc)]
    flash(Markup("<strong>%s</strong><ul class=\"mb-0\">%s</ul>") % (
        _("Not changed:"), Markup("").join(Markup("<li>%s</li>") % e for e in errors[:12])), "error")
    return redirect(url_for("planning.show_hearing", hearing_id=hearing_id, **(keep or {})), 303)


@bp.route("/hearings/<int:hearing_id>")
@signed_in
def show_hearing(hearing_id: int):
    return _hearing_page(_hearing_or_404(hearing_id))


@bp.route("/hearings/<int:hearing_id>/candidates")
@signed_in
def candidates(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    role = request.args.get("role", "expert")
    person = db.session.get(Person, request.args.get("person", type=int) or 0)
    try:
        ranked = edits.candidates(hearing, person, role)
    except PlanningError as exc:
        return _refused(hearing_id, exc)
    fits = [(p, c) for p, c in ranked if c.fits]
    refused = [(p, c) for p, c in ranked if not c.fits]
    return render_template("planning/candidates.html", hearing=hearing, person=person, role=role,
                           fits=fits[:CANDIDATES_SHOWN], fits_count=len(fits),
                           refused=refused[:CANDIDATES_SHOWN], refused_count=len(refused),
                           areas={a.code: a.display_name(get_locale()) for a in
                                  db.session.scalars(sa.select(ExpertiseArea))},
                           form=ReplaceForm())


@bp.route("/hearings/<int:hearing_id>/pin", methods=["POST"])
@editor_required
def pin(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    form = VersionForm()
    form.validate_on_submit() or abort(400)
    try:
        edits.set_pinned(hearing, not hearing.pinned, _version(form), current_user)
        db.session.commit()
    except PlanningError as exc:
        return _refused(hearing_id, exc)
    flash(_("Pinned: the next plan keeps this hearing.") if hearing.pinned
          else _("Unpinned."), "success")
    return redirect(url_for("planning.show_hearing", hearing_id=hearing_id))


@bp.route("/hearings/<int:hearing_id>/move", methods=["POST"])
@editor_required
def move(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    form = MoveForm()
    keep = {k: request.form.get(k) for k in ("room", "date", "session") if request.form.get(k)}
    if not form.validate_on_submit():
        return _refused(hearing_id, errors=[f"{form[name].label.text}: {error}"
                                            for name, errs in form.errors.items()
                                            for error in errs], keep=keep)
    room = db.session.get(Room, form.room.data)
    session = db.session.get(HearingSession, form.session.data)
    if room is None or session is None:
        return _refused(hearing_id, errors=[_("Choose a room and a session.")], keep=keep)
    try:
        edits.move(hearing, room, form.date.data, session, _version(form), current_user)
        db.session.commit()
    except PlanningError as exc:
        return _refused(hearing_id, exc, keep=keep)
    flash(_("Hearing moved."), "success")
    return redirect(url_for("planning.show_hearing", hearing_id=hearing_id))


@bp.route("/hearings/<int:hearing_id>/replace", methods=["POST"])
@editor_required
def replace_person(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    form = ReplaceForm()
    form.validate_on_submit() or abort(400)
    old_id, new_id = id_or_none(form.old.data), id_or_none(form.new.data)
    old = db.session.get(Person, old_id) if old_id is not None else None
    new = db.session.get(Person, new_id) if new_id is not None else None
    if new is None:
        abort(400)
    try:
        edits.replace_person(hearing, old, new, form.role.data, _version(form), current_user)
        db.session.commit()
    except PlanningError as exc:
        return _refused(hearing_id, exc)
    flash(_("%(name)s is now on this hearing.", name=new.name), "success")
    return redirect(url_for("planning.show_hearing", hearing_id=hearing_id))


@bp.route("/hearings/<int:hearing_id>/remove", methods=["POST"])
@editor_required
def remove(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    layer = hearing.layer
    form = VersionForm()
    form.validate_on_submit() or abort(400)
    try:
        edits.remove(hearing, _version(form), current_user, form.reason.data or "")
        db.session.commit()
    except PlanningError as exc:
        return _refused(hearing_id, exc)
    if layer == PUBLISHED_LAYER:
        flash(_("Hearing cancelled; its attendees are told."), "success")
        return redirect(url_for("planning.show_hearing", hearing_id=hearing_id))
    flash(_("Hearing removed from the proposal."), "success")
    return redirect(url_for("planning.show_run", run_id=layer))


@bp.route("/hearings/<int:hearing_id>/decline", methods=["POST"])
@editor_required
def decline(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    form = DeclineForm()
    form.validate_on_submit() or abort(400)
    person = db.session.get(Person, form.person.data or 0)
    if person is None:
        abort(400)
    try:
        edits.decline(hearing, person, form.reason.data or "", current_user)
        db.session.commit()
    except PlanningError as exc:
        return _refused(hearing_id, exc)
    flash(_("Recorded: %(name)s will not be planned on this case again. Re-plan around it to "
            "find a replacement.", name=person.name), "success")
    return redirect(url_for("planning.show_hearing", hearing_id=hearing_id))


@bp.route("/hearings/<int:hearing_id>/replan", methods=["POST"])
@editor_required
def replan(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    VersionForm().validate_on_submit() or abort(400)
    try:
        run = edits.replan_around([hearing], current_user)
        db.session.commit()
    except PlanningError as exc:
        return _refused(hearing_id, exc)
    return redirect(url_for("planning.show_run", run_id=run.id))

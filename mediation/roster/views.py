"""Roster pages: people, their availability, expertise areas and organisations. Views are thin:
load, check, validate, call a service, commit once."""

from __future__ import annotations

import calendar
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from mediation import signals
from mediation.auth.access import can_change
from mediation.auth.models import User
from mediation.auth.permissions import (
    EDITORS,
    editor_required,
    role_required,
    signed_in,
)
from mediation.centres.labels import session_name
from mediation.centres.models import CentreDate, HearingSession
from mediation.extensions import db
from mediation.regions.models import Region
from mediation.roster.forms import (
    WEEKDAY_CHOICES,
    AliasForm,
    ExpertiseAreaForm,
    LeaderForm,
    MergeForm,
    OrganisationForm,
    ParentForm,
    PersonForm,
    TeamForm,
    UnavailabilityForm,
    choices,
)
from mediation.roster.labels import expertise_name
from mediation.roster.models import ExpertiseArea, Leader, Organisation, Person, Unavailability
from mediation.roster.services import (
    ALL_WEEKDAYS,
    RosterError,
    add_organisation_alias,
    create_organisation,
    filter_people,
    find_organisation,
    later_market_days,
    leaders,
    merge_organisations,
    remove_unavailability,
    save_expertise_area,
    save_leader,
    save_person,
    search_organisations,
    set_active,
    set_organisation_parent,
    set_reception_team,
    team_names,
    toggle_unavailability,
)
from mediation.timeutil import parse_day, parse_month

bp = Blueprint("roster", __name__, url_prefix="/roster")


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value and value > 0 else None


@bp.route("/")
@signed_in
def index():
    role = request.args.get("role") if request.args.get("role") in ("expert", "counsellor") else None
    active = request.args.get("active") if request.args.get("active") in (
        "active", "inactive") else None
    q = request.args.get("q", "")[:200]
    expertise_id, region_id = _int_arg("expertise"), _int_arg("region")
    page = filter_people(q, role, expertise_id, region_id, active,
                         request.args.get("page", 1, type=int))
    filters = {"q": q, "role": role or "", "expertise": expertise_id or "",
               "region": region_id or "", "active": active or ""}
    return render_template("roster/index.html", page=page, q=q, role=role, active=active,
                           expertise_id=expertise_id, region_id=region_id, filters=filters,
                           areas=_areas(), regions=_regions())


def _areas() -> list[ExpertiseArea]:
    return list(db.session.scalars(sa.select(ExpertiseArea).order_by(ExpertiseArea.code)))


def _regions() -> list[Region]:
    return list(db.session.scalars(sa.select(Region).order_by(Region.code)))


def _person_or_404(person_id: int) -> Person:
    return db.session.get(Person, person_id) or abort(404)


def _person_form(person: Person | None) -> PersonForm:
    form = PersonForm(obj=None, person_id=person.id if person else None)
    form.expertise_ids.choices = choices((a.id, expertise_name(a)) for a in _areas())
    indent = {"city": 0, "county": 1, "town": 2, "village": 3}
    form.region_ids.choices = choices((r.id, "\u2003" * indent.get(r.level, 0) + r.name)
                                      for r in _regions())
    if request.method == "GET":
        if person is None:
            form.is_expert.data = True
            form.active.data = True
            form.available_weekdays.data = [1, 2, 3, 4, 5]
            form.locale.data = current_app.config["BABEL_DEFAULT_LOCALE"]
        else:
            for key in ("code", "name", "email", "phone", "title", "is_expert", "is_counsellor",
                        "max_hearings", "max_per_day", "active", "notes", "locale"):
                getattr(form, key).data = getattr(person, key)
            form.expertise_ids.data = [a.id for a in person.expertise]
            form.region_ids.data = [r.id for r in person.regions]
            form.organisation_names.data = "\n".join(o.name for o in person.organisations)
            form.available_weekdays.data = person.available_weekdays or ALL_WEEKDAYS
    return form


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    return _edit(None)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(person_id: int):
    return _edit(_person_or_404(person_id))


def _edit(person: Person | None):
    form = _person_form(person)
    if form.validate_on_submit():
        try:
            person = save_person(person, form.data_for_service())
        except RosterError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Saved %(code)s.", code=person.code), "ok")
            return redirect(url_for("roster.show", person_id=person.id))
    return render_template("roster/form.html", form=form, person=person), (
        422 if form.errors else 200)


def _month(arg: str | None) -> date:
    try:
        return parse_month(arg or "")
    except ValueError:
        today = date.today()
        return date(today.year, today.month, 1)


def _sessions() -> list[HearingSession]:
    return list(db.session.scalars(
        sa.select(HearingSession).order_by(HearingSession.position, HearingSession.starts_at)))


def _unavailability_form() -> UnavailabilityForm:
    form = UnavailabilityForm()
    form.session.choices = choices([("", _("The whole day"))]
                                   + [(s.code, session_name(s)) for s in _sessions()])
    return form


@bp.route("/<int:person_id>")
@signed_in
def show(person_id: int):
    person = _person_or_404(person_id)
    first = _month(request.args.get("month"))
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    marks: dict[date, list[Unavailability]] = {}
    for u in person.unavailability:
        marks.setdefault(u.date, []).append(u)
    prev_month = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    next_month = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return render_template(
        "roster/show.html", person=person, weeks=weeks, first=first, marks=marks,
        prev_month=prev_month, next_month=next_month, form=_unavailability_form(),
        weekday_names=_weekday_names(), page_sections=_page_sections(person),
    )


def _page_sections(person: Person) -> list:
    """Sections higher features add to the person page (`signals.person_page_sections`)."""
    return [html for _receiver, html in signals.person_page_sections.send(person) if html]


def _weekday_names() -> dict[int, str]:
    return {n: str(label) for n, label in WEEKDAY_CHOICES}


@bp.route("/<int:person_id>/active", methods=["POST"])
@editor_required
def toggle_active(person_id: int):
    person = _person_or_404(person_id)
    # CSRFProtect checks every POST before the view runs.
    set_active(person, request.form.get("active") == "1")
    db.session.commit()
    flash(_("%(code)s is now active.", code=person.code) if person.active
          else _("%(code)s is now inactive: kept on record, not planned.", code=person.code), "ok")
    return redirect(url_for("roster.show", person_id=person.id))


@bp.route("/<int:person_id>/unavailability", methods=["POST"])
@editor_required
def unavailability(person_id: int):
    person = _person_or_404(person_id)
    form = _unavailability_form()
    month = request.form.get("month", "")
    if form.validate_on_submit():
        try:
            day = parse_day(request.form.get("date", ""))
        except ValueError:
            flash(_("Choose a day in the calendar."), "error")
        else:
            session = None
            if form.session.data:
                session = db.session.scalar(
                    sa.select(HearingSession).where(HearingSession.code == form.session.data))
            try:
                outcome = toggle_unavailability(person, day, session, form.reason.data)
            except RosterError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(_("Marked %(day)s unavailable.", day=format_date(day)) if outcome == "added"
                      else _("Cleared %(day)s.", day=format_date(day)), "ok")
            month = day.strftime("%Y-%m")
    else:
        flash(_("Could not change the calendar: %(errors)s",
                errors="; ".join(e for errs in form.errors.values() for e in errs)), "error")
    return redirect(url_for("roster.show", person_id=person.id, month=month or None) + "#calendar")


@bp.route("/<int:person_id>/unavailability/<int:entry_id>/delete", methods=["POST"])
@editor_required
def delete_unavailability(person_id: int, entry_id: int):
    person = _person_or_404(person_id)
    entry = db.session.get(Unavailability, entry_id)
    if entry is None or entry.person_id != person.id:
        abort(404)
    remove_unavailability(entry)
    db.session.commit()
    flash(_("Removed."), "ok")
    return redirect(url_for("roster.show", person_id=person.id) + "#calendar")


# --- expertise areas ------------------------------------------------------------------------


@bp.route("/expertise", methods=["GET", "POST"])
@role_required(*EDITORS, methods=("POST",))
def expertise():
    form = ExpertiseAreaForm(prefix="new")
    if request.method == "POST":
        editor_required(lambda: None)()
        if form.validate_on_submit():
            try:
                save_expertise_area(None, form.code.data, form.name_en.data, form.name_zh.data)
            except RosterError as exc:
                db.session.rollback()
                form.code.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Added %(code)s.", code=form.code.data), "ok")
                return redirect(url_for("roster.expertise"))
    areas = _areas()
    edit_forms = {a.id: ExpertiseAreaForm(prefix=f"a{a.id}", obj=a, formdata=None) for a in areas}
    return render_template("roster/expertise.html", form=form, areas=areas,
                           edit_forms=edit_forms), (422 if form.errors else 200)


@bp.route("/expertise/<int:area_id>", methods=["POST"])
@editor_required
def rename_expertise(area_id: int):
    area = db.session.get(ExpertiseArea, area_id) or abort(404)
    form = ExpertiseAreaForm(prefix=f"a{area.id}")
    if form.validate_on_submit():
        try:
            save_expertise_area(area, form.code.data, form.name_en.data, form.name_zh.data)
        except RosterError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Saved %(code)s.", code=area.code), "ok")
    else:
        flash("; ".join(str(e) for errs in form.errors.values() for e in errs), "error")
    return redirect(url_for("roster.expertise"))


# --- organisations --------------------------------------------------------------------------


def _org_or_none(name: str | None) -> Organisation | None:
    return find_organisation(name) if name and name.strip() else None


@bp.route("/organisations", methods=["GET", "POST"])
@role_required(*EDITORS, methods=("POST",))
def organisations():
    form = OrganisationForm()
    if request.method == "POST":
        editor_required(lambda: None)()
        if form.validate_on_submit():
            parent = _org_or_none(form.parent.data)
            if form.parent.data and parent is None:
                form.parent.errors.append(_("No organisation has this name or alias."))
            else:
                try:
                    org = create_organisation(form.name.data, parent)
                except RosterError as exc:
                    db.session.rollback()
                    form.name.errors.append(str(exc))
                else:
                    db.session.commit()
                    flash(_("Added %(name)s.", name=org.name), "ok")
                    return redirect(url_for("roster.organisation", org_id=org.id))
    q = request.args.get("q", "")[:200]
    page = search_organisations(q, request.args.get("page", 1, type=int))
    return render_template("roster/organisations.html", page=page, q=q, form=form), (
        422 if form.errors else 200)


def _org_page(org: Organisation, status: int = 200, **forms):
    members = list(db.session.scalars(
        sa.select(Person).where(Person.organisations.any(Organisation.id == org.id))
        .order_by(Person.code)))
    children = list(db.session.scalars(
        sa.select(Organisation).where(Organisation.parent_id == org.id)
        .order_by(Organisation.name)))
    forms.setdefault("alias_form", AliasForm())
    forms.setdefault("merge_form", MergeForm())
    forms.setdefault("parent_form", ParentForm(data={"parent": org.parent.name
                                                     if org.parent else ""}))
    return render_template("roster/organisation.html", org=org, members=members,
                           children=children, **forms), status


@bp.route("/organisations/<int:org_id>")
@signed_in
def organisation(org_id: int):
    return _org_page(db.session.get(Organisation, org_id) or abort(404))


@bp.route("/organisations/<int:org_id>/aliases", methods=["POST"])
@editor_required
def add_alias(org_id: int):
    org = db.session.get(Organisation, org_id) or abort(404)
    form = AliasForm()
    if form.validate_on_submit():
        try:
            add_organisation_alias(org, form.alias.data)
        except RosterError as exc:
            db.session.rollback()
            form.alias.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Alias added."), "ok")
            return redirect(url_for("roster.organisation", org_id=org.id))
    return _org_page(org, 422, alias_form=form)


@bp.route("/organisations/<int:org_id>/parent", methods=["POST"])
@editor_required
def set_parent(org_id: int):
    org = db.session.get(Organisation, org_id) or abort(404)
    form = ParentForm()
    if form.validate_on_submit():
        parent = _org_or_none(form.parent.data)
        if form.parent.data and parent is None:
            form.parent.errors.append(_("No organisation has this name or alias."))
        else:
            try:
                set_organisation_parent(org, parent)
            except RosterError as exc:
                db.session.rollback()
                form.parent.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Saved."), "ok")
                return redirect(url_for("roster.organisation", org_id=org.id))
    return _org_page(org, 422, parent_form=form)


@bp.route("/organisations/<int:org_id>/merge", methods=["POST"])
@editor_required
def merge(org_id: int):
    org = db.session.get(Organisation, org_id) or abort(404)
    form = MergeForm()
    if form.validate_on_submit():
        duplicate = _org_or_none(form.duplicate.data)
        if duplicate is None:
            form.duplicate.errors.append(_("No organisation has this name or alias."))
        elif not can_change(current_user, duplicate):  # its cases move: all must be in scope
            form.duplicate.errors.append(_("This is shared with regions outside yours: a "
                                           "coordinator of every region must change it."))
        else:
            try:
                name = duplicate.name
                merge_organisations(org, duplicate)
            except RosterError as exc:
                db.session.rollback()
                form.duplicate.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Merged %(dup)s into %(name)s.", dup=name, name=org.name), "ok")
                return redirect(url_for("roster.organisation", org_id=org.id))
    return _org_page(org, 422, merge_form=form)


# --- tour-reception ("6+N") team of a venue day --------------------------------------------------


@bp.route("/venue-days/<int:date_id>/team", methods=["GET", "POST"])
@editor_required
def venue_day_team(date_id: int):
    """The lead unit and the other units that go to a venue on its market day (巡回接访)."""
    entry = db.session.get(CentreDate, date_id) or abort(404)
    form = TeamForm()
    if request.method == "GET":
        form.lead_unit.data = entry.lead_organisation.name if entry.lead_organisation else ""
        form.other_units.data = "\n".join(o.name for o in entry.team_units)
    later = later_market_days(entry)
    if form.validate_on_submit():
        units = team_names(form.other_units.data)
        for day in [entry] + (later if form.later_too.data else []):
            set_reception_team(day, form.lead_unit.data, units)
        db.session.commit()
        flash(_("Reception team saved."), "success")
        return redirect(url_for("centres.show", centre_id=entry.centre_id))
    status = 422 if request.method == "POST" else 200
    return render_template("roster/venue_day_team.html", form=form, entry=entry,
                           later=len(later)), status


# --- responsible leaders (包案领导) ---------------------------------------------------------------


@bp.route("/leaders")
@signed_in
def leader_list():
    return render_template("roster/leaders.html", leaders=leaders())


def _leader_form(leader: Leader | None) -> LeaderForm:
    form = LeaderForm(leader_id=leader.id if leader else None)
    users = db.session.scalars(sa.select(User).order_by(User.name, User.email))
    form.user_id.choices = [(0, _("— none —"))] + [
        (u.id, f"{u.name} <{u.email}>" if u.name else u.email) for u in users]
    if request.method == "GET" and leader is not None:
        for key in ("code", "name", "post", "phone", "active"):
            getattr(form, key).data = getattr(leader, key)
        form.organisation.data = leader.organisation.name if leader.organisation else ""
        form.user_id.data = leader.user_id or 0
    return form


@bp.route("/leaders/new", methods=["GET", "POST"])
@editor_required
def new_leader():
    return _edit_leader(None)


@bp.route("/leaders/<int:leader_id>/edit", methods=["GET", "POST"])
@editor_required
def edit_leader(leader_id: int):
    return _edit_leader(db.session.get(Leader, leader_id) or abort(404))


def _edit_leader(leader: Leader | None):
    form = _leader_form(leader)
    if form.validate_on_submit():
        try:
            leader = save_leader(leader, form.data_for_service())
        except RosterError as exc:
            db.session.rollback()
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Saved %(code)s.", code=leader.code), "ok")
            return redirect(url_for("roster.leader_list"))
    return render_template("roster/leader_form.html", form=form, leader=leader), (
        422 if form.errors else 200)

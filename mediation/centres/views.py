"""Centre pages: centres, rooms, closures, market days, hearing sessions and the region tree.
Views are thin: load, check, validate, call a service, commit once."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from mediation.auth.access import regions_in_scope
from mediation.auth.permissions import (
    EDITORS,
    editor_required,
    region_scope,
    role_required,
    signed_in,
)
from mediation.centres.calendar_days import CalendarDay
from mediation.centres.forms import (
    LEVEL_LABELS,
    WEEKDAYS,
    CalendarDayForm,
    ClosureForm,
    MarketDaysForm,
    RegionForm,
    RoomForm,
    SessionForm,
    parse_lunar_days,
)
from mediation.centres.forms import CentreForm as _CentreForm
from mediation.centres.models import Centre, CentreDate, HearingSession, Room
from mediation.centres.official import OfficialCalendar, holiday_language, local_days
from mediation.centres.services import (
    add_centre_date,
    add_open_dates,
    add_region,
    centre_calendar,
    child_level,
    list_centres,
    list_regions,
    list_sessions,
    lunar_day_of,
    official_year,
    region_tree,
    remove_calendar_day,
    remove_centre_date,
    save_calendar_day,
    save_centre,
    save_room,
    save_session,
    set_room_active,
)
from mediation.centres.services import (
    market_days as generate_market_days,
)
from mediation.extensions import db
from mediation.regions.models import Region
from mediation.timeutil import local_today, year_or_none

bp = Blueprint("centres", __name__, url_prefix="/centres")


def _holiday_language() -> str:
    return holiday_language(str(get_locale() or ""))


def _centre_or_404(centre_id: int) -> Centre:
    return db.session.get(Centre, centre_id) or abort(404)


def _room_or_404(room_id: int) -> Room:
    return db.session.get(Room, room_id) or abort(404)


@bp.route("/")
@signed_in
def index():
    return render_template("centres/index.html", centres=list_centres(), sessions=list_sessions(),
                           levels=LEVEL_LABELS)


def _centre_data(form: _CentreForm) -> dict:
    return {"code": form.code.data, "name": form.name.data, "level": form.level.data,
            "region_id": form.region_id.data, "address": form.address.data,
            "open_weekdays": form.open_weekdays.data,
            "follows_official_calendar": form.follows_official_calendar.data,
            "active": form.active.data}


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    regions = regions_in_scope(list_regions())  # a region-limited user: theirs only
    form = _CentreForm(regions=regions)
    if request.method == "GET":
        form.open_weekdays.data = [1, 2, 3, 4, 5]
    if form.validate_on_submit():
        centre = save_centre(None, _centre_data(form))
        db.session.commit()
        flash(_("Centre %(name)s created.", name=centre.name), "success")
        return redirect(url_for("centres.show", centre_id=centre.id))
    status = 422 if request.method == "POST" else 200
    return render_template("centres/form.html", form=form, centre=None,
                           has_regions=bool(regions)), status


@bp.route("/<int:centre_id>")
@signed_in
def show(centre_id: int):
    centre = _centre_or_404(centre_id)
    return _show(centre, RoomForm(), ClosureForm())


def _show(centre: Centre, room_form, closure_form):
    """The centre page, with the year's holidays and substituted working days (`?year=`)."""
    year = year_or_none(request.args.get("year")) or local_today().year
    return render_template("centres/show.html", centre=centre, room_form=room_form,
                           closure_form=closure_form, levels=LEVEL_LABELS, calendar_year=year,
                           official_days=centre_calendar(centre, date(year, 1, 1),
                                                         date(year, 12, 31),
                                                         _holiday_language()))


@bp.route("/<int:centre_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(centre_id: int):
    centre = _centre_or_404(centre_id)
    form = _CentreForm(obj=centre, centre_id=centre.id,
                       regions=regions_in_scope(list_regions()))
    if form.validate_on_submit():
        save_centre(centre, _centre_data(form))
        db.session.commit()
        flash(_("Centre saved."), "success")
        return redirect(url_for("centres.show", centre_id=centre.id))
    status = 422 if request.method == "POST" else 200
    return render_template("centres/form.html", form=form, centre=centre,
                           has_regions=True), status


@bp.route("/<int:centre_id>/rooms", methods=["POST"])
@editor_required
def add_room(centre_id: int):
    centre = _centre_or_404(centre_id)
    form = RoomForm()
    if form.validate_on_submit():
        save_room(centre, None, {"code": form.code.data, "name": form.name.data,
                                 "capacity": form.capacity.data, "active": True})
        db.session.commit()
        flash(_("Room added."), "success")
        return redirect(url_for("centres.show", centre_id=centre.id))
    return _show(centre, form, ClosureForm(formdata=None)), 422


@bp.route("/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@editor_required
def edit_room(room_id: int):
    room = _room_or_404(room_id)
    form = RoomForm(obj=room, room_id=room.id)
    if form.validate_on_submit():
        save_room(room.centre, room, {"code": form.code.data, "name": form.name.data,
                                      "capacity": form.capacity.data,
                                      "active": form.active.data})
        db.session.commit()
        flash(_("Room saved."), "success")
        return redirect(url_for("centres.show", centre_id=room.centre_id))
    status = 422 if request.method == "POST" else 200
    return render_template("centres/room_form.html", form=form, room=room), status


@bp.route("/rooms/<int:room_id>/active", methods=["POST"])
@editor_required
def room_active(room_id: int):
    room = _room_or_404(room_id)
    set_room_active(room, request.form.get("active") == "1")
    db.session.commit()
    return redirect(url_for("centres.show", centre_id=room.centre_id))


@bp.route("/<int:centre_id>/closures", methods=["POST"])
@editor_required
def add_closure(centre_id: int):
    centre = _centre_or_404(centre_id)
    form = ClosureForm()
    if form.validate_on_submit():
        add_centre_date(centre, form.date.data, "closed", form.note.data)
        db.session.commit()
        flash(_("Closure recorded."), "success")
        return redirect(url_for("centres.show", centre_id=centre.id))
    return _show(centre, RoomForm(formdata=None), form), 422


@bp.route("/dates/<int:date_id>/delete", methods=["POST"])
@editor_required
def delete_date(date_id: int):
    entry = db.session.get(CentreDate, date_id) or abort(404)
    centre_id = entry.centre_id
    remove_centre_date(entry)
    db.session.commit()
    flash(_("Date removed."), "success")
    return redirect(url_for("centres.show", centre_id=centre_id))


@bp.route("/<int:centre_id>/market-days", methods=["GET", "POST"])
@editor_required
def market_days(centre_id: int):
    """Generate market days over a period by cycle (every Nth day, days of the month by last
    digit, lunar days): the first POST previews, `confirm` saves."""
    centre = _centre_or_404(centre_id)
    form = MarketDaysForm()
    dates = None
    if form.validate_on_submit():
        lunar = parse_lunar_days(form.lunar_days.data) if form.cycle.data == "lunar" else ()
        dates = generate_market_days(form.start.data, form.end.data, form.cycle.data,
                                     every=form.every.data, digits=form.digits.data,
                                     lunar=tuple(lunar))
        if request.form.get("confirm") == "1":
            added = add_open_dates(centre, dates, form.note.data)
            db.session.commit()
            flash(_("%(n)s market days added.", n=added), "success")
            return redirect(url_for("centres.show", centre_id=centre.id))
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("centres/market_days.html", centre=centre, form=form,
                           dates=dates, lunar_day_of=lunar_day_of, weekdays=dict(WEEKDAYS),
                           official=official_preview(dates)), status


def official_preview(dates: list[date] | None) -> dict[date, str]:
    """The holidays and substituted working days among previewed dates (shown beside them)."""
    if not dates:
        return {}
    calendar = OfficialCalendar()
    return {d: k for d in dates if (k := calendar.kind(d))}


# --- the official calendar (local additions: administrators) ---------------------------------


@bp.route("/calendar", methods=["GET", "POST"])
@role_required("admin", methods=("POST",))
def official_calendar():
    """Statutory holidays and substituted working days (调休) of a year, and the local additions."""
    year = year_or_none(request.args.get("year")) or local_today().year
    form = CalendarDayForm()
    if request.method == "POST":
        return _save_calendar_day_view(form, year)
    return render_template("centres/calendar.html", year=year, days=official_year(year, _holiday_language()),
                           form=form, local=local_calendar_days(year), weekdays=dict(WEEKDAYS))


@role_required("admin")
def _save_calendar_day_view(form: CalendarDayForm, year: int):
    if form.validate_on_submit():
        save_calendar_day(form.date.data, form.kind.data, form.note.data)
        db.session.commit()
        flash(_("Calendar day saved."), "success")
        return redirect(url_for("centres.official_calendar", year=form.date.data.year))
    return render_template("centres/calendar.html", year=year, days=official_year(year, _holiday_language()),
                           form=form, local=local_calendar_days(year), weekdays=dict(WEEKDAYS)), 422


@bp.route("/calendar/<int:day_id>/delete", methods=["POST"])
@role_required("admin")
def delete_calendar_day(day_id: int):
    entry = db.session.get(CalendarDay, day_id) or abort(404)
    year = entry.date.year
    remove_calendar_day(entry)
    db.session.commit()
    flash(_("Date removed."), "success")
    return redirect(url_for("centres.official_calendar", year=year))


def local_calendar_days(year: int) -> list[CalendarDay]:
    return sorted(local_days(date(year, 1, 1), date(year, 12, 31)).values(), key=lambda d: d.date)


# --- hearing sessions (administrators) --------------------------------------------------------


@bp.route("/sessions", methods=["GET", "POST"])
@role_required("admin", methods=("POST",))
def sessions():
    form = SessionForm()
    if request.method == "POST":
        return _save_session_view(None, form)
    return render_template("centres/sessions.html", sessions=list_sessions(), form=form)


@role_required("admin")
def _save_session_view(session: HearingSession | None, form: SessionForm):
    if form.validate_on_submit():
        save_session(session, {"code": form.code.data, "name": form.name.data,
                               "starts_at": form.starts_at.data, "ends_at": form.ends_at.data,
                               "position": form.position.data})
        db.session.commit()
        flash(_("Session saved."), "success")
        return redirect(url_for("centres.sessions"))
    if session is None:
        return render_template("centres/sessions.html", sessions=list_sessions(), form=form), 422
    return render_template("centres/session_form.html", form=form, session=session), 422


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit_session(session_id: int):
    session = db.session.get(HearingSession, session_id) or abort(404)
    form = SessionForm(obj=session, session_id=session.id)
    if request.method == "POST":
        return _save_session_view(session, form)
    return render_template("centres/session_form.html", form=form, session=session)


# --- regions -----------------------------------------------------------------------------------


@bp.route("/regions", methods=["GET", "POST"])
@role_required(*EDITORS, methods=("POST",))
def regions():
    form = RegionForm(regions=regions_in_scope(list_regions()),
                      top=region_scope(current_user) is None)
    if request.method == "GET" and request.args.get("parent", type=int):
        form.parent_id.data = request.args.get("parent", type=int)
    if request.method == "POST":
        return _add_region_view(form)
    return render_template("centres/regions.html", tree=region_tree(), form=form,
                           child_level=child_level)


@editor_required
def _add_region_view(form: RegionForm):
    if form.validate_on_submit():
        parent = db.session.get(Region, form.parent_id.data) if form.parent_id.data else None
        region = add_region(form.code.data, form.name.data, parent)
        db.session.commit()
        flash(_("Region %(name)s added.", name=region.name), "success")
        return redirect(url_for("centres.regions"))
    return render_template("centres/regions.html", tree=region_tree(), form=form,
                           child_level=child_level), 422

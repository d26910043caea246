"""The person page's "busy times from their own calendar" box: set or clear the address, sync
now. Roster sits below availability, so the box is a template global (`person_busy_box`) the
roster page calls. Views are thin."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mediation.auth.access import can_see
from mediation.auth.permissions import can_edit, editor_required
from mediation.availability.services import (
    ERROR_WORDS,
    AvailabilityError,
    busy_of,
    clashes,
    mask_url,
    set_calendar_url,
    source_of,
    sync_source,
)
from mediation.extensions import db
from mediation.roster.models import Person
from mediation.timeutil import local_today

bp = Blueprint("availability", __name__, url_prefix="/availability")

# How far ahead the person page lists imported busy sessions.
SHOWN_DAYS = 42


@bp.app_template_global("person_busy_box")
def person_busy_box(person: Person) -> dict:
    """What the person page shows of the imported calendar: the source (masked address,
    checks, error in words), the busy sessions of the next weeks and the clashing hearings."""
    source = source_of(person)
    today = local_today()
    return {
        "person": person,
        "source": source,
        "masked": mask_url(source.url) if source else "",
        "error": ERROR_WORDS.get(source.error_code, "") if source and source.error_code else "",
        "busy": busy_of(person, today, today + timedelta(days=SHOWN_DAYS)) if source else [],
        "days": SHOWN_DAYS,
        "clashes": [c for c in clashes(today, person=person) if can_see(current_user, c.hearing)]
        if source else [],
        "editable": can_edit(),
    }


def _person_or_404(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    return person


def _back(person: Person):
    return redirect(url_for("roster.show", person_id=person.id) + "#busy-calendar")


@bp.route("/people/<int:person_id>/url", methods=["POST"])
@editor_required
def set_url(person_id: int):
    person = _person_or_404(person_id)
    raw = "" if request.form.get("clear") else request.form.get("url", "")
    try:
        source = set_calendar_url(person, raw)
    except AvailabilityError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(person)
    db.session.commit()
    flash(_("Calendar address saved.") if source else _("Calendar address removed."), "success")
    return _back(person)


@bp.route("/people/<int:person_id>/sync", methods=["POST"])
@editor_required
def sync(person_id: int):
    person = _person_or_404(person_id)
    source = source_of(person)
    if source is None:
        flash(_("No calendar address is set."), "error")
        return _back(person)
    sync_source(source)
    db.session.commit()
    if source.status == "ok":
        flash(_("Calendar imported: %(n)s busy sessions.", n=len(source.busy)), "success")
    else:
        flash(_("Calendar import failed: %(reason)s", reason=ERROR_WORDS.get(source.error_code, "")),
              "error")
    return _back(person)

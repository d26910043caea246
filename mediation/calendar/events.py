"""One hearing as a VEVENT, for feeds and invites alike.

Privacy (issue #6): an event carries the hearing reference, the reader's role, the time, the place
and a link to the app, and nothing else from the case: no party, no title, no description.
"""

from __future__ import annotations

from datetime import datetime

import icalendar
from flask_babel import gettext as _

from mediation.calendar.ical import address, utc
from mediation.calendar.links import hearing_url
from mediation.hearings.models import Hearing


def role_label(role: str | None) -> str:
    return {"chair": _("chair"), "member": _("panel member"),
            "counsellor": _("psychological counsellor")}.get(role or "", "")


def summary(hearing: Hearing, role: str | None = None) -> str:
    reference = hearing.case.reference
    if role:
        return _("Hearing %(reference)s (%(role)s)", reference=reference, role=role_label(role))
    return _("Hearing %(reference)s", reference=reference)


def location(hearing: Hearing) -> str:
    """Centre, room and the centre's street address (what a map app can find)."""
    centre = hearing.room.centre
    parts = [centre.name, hearing.room.name]
    if centre.address:
        parts.append(centre.address)
    return ", ".join(parts)


def description(hearing: Hearing, role: str | None = None, *, removed: bool = False,
                page_url: str | None = None) -> str:
    lines = [_("Hearing %(reference)s", reference=hearing.case.reference)]
    if role:
        lines.append(_("Your role: %(role)s", role=role_label(role)))
    if hearing.status == "cancelled":
        lines.append(_("This hearing is cancelled."))
    elif removed:
        lines.append(_("You no longer attend this hearing."))
    if page_url:
        lines.append(_("Details, confirm or decline: %(url)s", url=page_url))
    else:
        lines.append(_("Details (sign-in required): %(url)s", url=hearing_url(hearing.uid)))
    return "\n".join(lines)


def last_modified(hearing: Hearing) -> datetime:
    """When what attendees see last changed (mediation.hearings.lifecycle), never a pin or
    another internal change; rows written before it was kept fall back to `updated_at`."""
    return hearing.last_modified_at or hearing.updated_at


def vevent(hearing: Hearing, *, dtstamp: datetime, role: str | None = None,
           organizer: tuple[str, str] | None = None,
           attendee: tuple[str, str] | None = None,
           status: str | None = None, compact: bool = False,
           page_url: str | None = None, rsvp: bool = False) -> icalendar.Event:
    """The event for `hearing`. `organizer` is (name, email); `attendee` is (email, role).
    `status` overrides the hearing's ("" leaves STATUS out, as an uninvitation must).
    `compact` (room, centre and coordinator feeds, thousands of events under Google's 1 MB)
    leaves out DESCRIPTION, which repeats the reference and the URL, the optional CREATED, and
    LAST-MODIFIED, which in a feed equals DTSTAMP. `page_url`: the attendee's own page
    (person feeds and invites link there instead of the sign-in page). `rsvp`: the attendee is
    asked to answer (RSVP=TRUE: calendar apps mail an iMIP REPLY to the ORGANIZER)."""
    cancelled = hearing.status == "cancelled"
    if status is None:
        status = "CANCELLED" if cancelled else "CONFIRMED"
    event = icalendar.Event()
    event.add("UID", hearing.uid)
    event.add("SEQUENCE", hearing.sequence)
    event.add("DTSTAMP", utc(dtstamp))
    event.add("DTSTART", utc(hearing.starts_at))
    event.add("DTEND", utc(hearing.ends_at))
    event.add("SUMMARY", summary(hearing, role))
    event.add("LOCATION", location(hearing))
    if not compact:
        event.add("DESCRIPTION", description(hearing, role,
                                             removed=status == "CANCELLED" and not cancelled,
                                             page_url=page_url))
    event.add("URL", page_url or hearing_url(hearing.uid), parameters={"VALUE": "URI"})
    if status:
        event.add("STATUS", status)
    # A cancelled hearing no longer makes anyone busy.
    event.add("TRANSP", "TRANSPARENT" if cancelled or status == "CANCELLED" else "OPAQUE")
    if not compact:
        event.add("CREATED", utc(hearing.created_at))
    if not compact:  # in a feed DTSTAMP is the same moment
        event.add("LAST-MODIFIED", utc(last_modified(hearing)))
    if organizer is not None:
        name, email = organizer
        event.add("ORGANIZER", address(email, name))
    if attendee is not None:
        email, ical_role = attendee
        event.add("ATTENDEE", address(email, cutype="INDIVIDUAL", role=ical_role,
                                      partstat="NEEDS-ACTION",
                                      rsvp="TRUE" if rsvp else "FALSE"))
    return event

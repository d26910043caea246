"""One hearing as a VEVENT, for feeds and invites alike.

Privacy (issue #6): an event carries the hearing reference, the reader's role, the time, the place
and a link to the app, and nothing else from the case: no party, no title, no description.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from mediation.calendar.ical import Component, utc
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
    return f"{hearing.room.centre.name}, {hearing.room.name}"


def description(hearing: Hearing, role: str | None = None) -> str:
    lines = [_("Hearing %(reference)s", reference=hearing.case.reference)]
    if role:
        lines.append(_("Your role: %(role)s", role=role_label(role)))
    if hearing.status == "cancelled":
        lines.append(_("This hearing is cancelled."))
    lines.append(_("Details (sign-in required): %(url)s", url=hearing_url(hearing.uid)))
    return "\n".join(lines)


def last_modified(hearing: Hearing) -> datetime:
    """When what attendees see last changed (mediation.hearings.lifecycle), never a pin or
    another internal change; rows written before it was kept fall back to `updated_at`."""
    return hearing.last_modified_at or hearing.updated_at


def vevent(hearing: Hearing, *, dtstamp: datetime, role: str | None = None,
           organizer: tuple[str, str] | None = None,
           attendee: tuple[str, str] | None = None) -> Component:
    """The event for `hearing`. `organizer` is (name, email); `attendee` is (email, role)."""
    event = Component("VEVENT")
    event.add("UID", hearing.uid)
    event.add("SEQUENCE", str(hearing.sequence))
    event.add("DTSTAMP", utc(dtstamp))
    event.add("DTSTART", utc(hearing.starts_at))
    event.add("DTEND", utc(hearing.ends_at))
    event.text("SUMMARY", summary(hearing, role))
    event.text("LOCATION", location(hearing))
    event.text("DESCRIPTION", description(hearing, role))
    event.add("URL", hearing_url(hearing.uid), ("VALUE", "URI"))
    event.add("STATUS", "CANCELLED" if hearing.status == "cancelled" else "CONFIRMED")
    event.add("TRANSP", "OPAQUE")
    event.add("CREATED", utc(hearing.created_at))
    event.add("LAST-MODIFIED", utc(last_modified(hearing)))
    if organizer is not None:
        name, email = organizer
        event.add("ORGANIZER", f"mailto:{email}", ("CN", name))
    if attendee is not None:
        email, ical_role = attendee
        event.add("ATTENDEE", f"mailto:{email}", ("CUTYPE", "INDIVIDUAL"), ("ROLE", ical_role),
                  ("PARTSTAT", "NEEDS-ACTION"), ("RSVP", "FALSE"))
    return event

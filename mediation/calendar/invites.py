"""iMIP invites (RFC 6047 / iTIP RFC 5546): one email per attendee when a hearing is published,
changed or cancelled, queued in the outbox inside the publisher's transaction.

Messages are rendered when queued, in the attendee's language, so each carries the hearing as it
was at that SEQUENCE; `mediation.calendar.mail.deliver_pending` sends them later, outside any web
request.
"""

from __future__ import annotations

from collections.abc import Iterable
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import formataddr, make_msgid, parseaddr

from flask import current_app
from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _

from mediation.calendar.events import location, role_label, vevent
from mediation.calendar.ical import PRODID, Component
from mediation.calendar.links import hearing_url
from mediation.calendar.models import OutboxMessage
from mediation.db import now_utc
from mediation.extensions import db
from mediation.hearings.models import PUBLISHED_LAYER, Hearing
from mediation.roster.models import Person
from mediation.timeutil import to_local

KINDS = ("published", "updated", "cancelled")
# What status the hearing must have for each kind: a mismatch is a caller's bug, caught early.
EXPECTED_STATUS = {"published": "published", "updated": "published", "cancelled": "cancelled"}
ICAL_ROLES = {"chair": "CHAIR", "member": "REQ-PARTICIPANT", "counsellor": "REQ-PARTICIPANT"}


def queue_invites(hearing: Hearing, *, kind: str,
                  previous_attendee_ids: Iterable[int] = ()) -> list[OutboxMessage]:
    """Queue the invites for a published hearing that was just `kind` ("published", "updated",
    "cancelled"). Call inside the publishing transaction after the hearing is flushed (its
    SEQUENCE already raised); this adds outbox rows to the session and flushes, never commits.

    "updated": people in `previous_attendee_ids` who no longer attend get a CANCEL, attendees a
    REQUEST. "cancelled": every attendee gets a CANCEL.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if hearing.layer != PUBLISHED_LAYER:
        raise ValueError(f"hearing {hearing.id} is a proposal (layer {hearing.layer}): "
                         "only published hearings send invites")
    if hearing.status != EXPECTED_STATUS[kind]:
        raise ValueError(f"a {kind!r} invite needs a {EXPECTED_STATUS[kind]} hearing; "
                         f"hearing {hearing.id} is {hearing.status}")
    now = now_utc()
    members = list(hearing.members)
    messages: list[OutboxMessage] = []
    if kind == "updated":
        current = {m.person_id for m in members}
        for person_id in sorted(set(previous_attendee_ids) - current):
            person = db.session.get(Person, person_id)
            if person is not None:
                messages.append(_queue(hearing, person, None, "CANCEL", "removed", now))
    method = "CANCEL" if kind == "cancelled" else "REQUEST"
    for member in members:
        messages.append(_queue(hearing, member.person, member.role, method, kind, now))
    db.session.flush()
    return messages


def _queue(hearing: Hearing, person: Person, role: str | None, method: str, reason: str,
           now) -> OutboxMessage:
    locale = person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        subject, message = build_message(hearing, person, role, method, reason, now)
    row = OutboxMessage(
        hearing=hearing, person=person, reason=reason, method=method,
        uid=hearing.uid, sequence=hearing.sequence, recipient=person.email or None,
        subject=subject, message=message, status="pending", attempts=0, next_attempt_at=now,
        created_at=now,
    )
    if not person.email:
        # Nobody to send to: visible on the outbox page instead of silently skipped.
        row.status = "failed"
        row.next_attempt_at = None
        row.last_error = f"{person.code} has no email address"
    db.session.add(row)
    return row


def organizer() -> tuple[str, str]:
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    return name or _("Mediation scheduling"), address


def build_message(hearing: Hearing, person: Person, role: str | None, method: str, reason: str,
                  now) -> tuple[str, str]:
    """(subject, whole message) in the current locale."""
    reference = hearing.case.reference
    when = _when(hearing)
    subject = {
        "published": _("Hearing %(reference)s on %(when)s", reference=reference, when=when),
        "updated": _("Changed: hearing %(reference)s on %(when)s", reference=reference,
                     when=when),
        "cancelled": _("Cancelled: hearing %(reference)s on %(when)s", reference=reference,
                       when=when),
        "removed": _("No longer attending: hearing %(reference)s on %(when)s",
                     reference=reference, when=when),
    }[reason]
    org_name, org_address = organizer()

    event = vevent(hearing, dtstamp=now, role=role, organizer=(org_name, org_address),
                   attendee=(person.email or "", ICAL_ROLES.get(role or "", "REQ-PARTICIPANT")))
    if method == "CANCEL":
        # For the recipient the event is gone, whether the hearing was cancelled or they left it.
        for prop in event.props:
            if prop.name == "STATUS":
                prop.value = "CANCELLED"
    calendar = Component("VCALENDAR")
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    calendar.children.append(event)
    ics = calendar.to_bytes()

    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = formataddr((org_name, org_address))
    msg["To"] = person.email or "undisclosed-recipients:;"
    msg["Subject"] = subject
    msg["Date"] = rfc2822_date(now)
    msg["Message-ID"] = make_msgid(domain=org_address.rpartition("@")[2] or "mediation")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_text(hearing, role, reason), charset="utf-8", cte="quoted-printable")
    msg.add_alternative(ics, maintype="text", subtype="calendar", cte="base64",
                        params={"method": method, "charset": "utf-8"})
    for part in msg.iter_parts():
        del part["MIME-Version"]
    return subject, msg.as_string()


def _when(hearing: Hearing) -> str:
    start = to_local(hearing.starts_at)
    # CLDR puts a narrow no-break space before AM/PM; a plain one keeps subjects plain ASCII.
    return f"{format_date(start, 'medium')} {format_time(start, 'short')}".replace("\u202f", " ")


def _text(hearing: Hearing, role: str | None, reason: str) -> str:
    reference = hearing.case.reference
    role_name = role_label(role)
    opening = {
        "published": _("You are invited to hearing %(reference)s as %(role)s.",
                       reference=reference, role=role_name),
        "updated": _("Hearing %(reference)s has changed. You attend as %(role)s.",
                     reference=reference, role=role_name),
        "cancelled": _("Hearing %(reference)s is cancelled.", reference=reference),
        "removed": _("You no longer attend hearing %(reference)s.", reference=reference),
    }[reason]
    start, end = to_local(hearing.starts_at), to_local(hearing.ends_at)
    lines = [
        opening,
        "",
        _("When: %(day)s, %(start)s to %(end)s (%(zone)s)", day=format_date(start, "full"),
          start=format_time(start, "short"), end=format_time(end, "short"),
          zone=current_app.config["MEDIATION_TIMEZONE"]),
        _("Where: %(place)s", place=location(hearing)),
        _("Details (sign-in required): %(url)s", url=hearing_url(hearing.uid)),
        "",
        _("The attached calendar invitation updates your calendar app: it replaces earlier "
          "versions of this hearing."),
        "",
    ]
    return "\n".join(lines)

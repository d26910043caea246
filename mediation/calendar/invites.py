"""iMIP invites (RFC 6047 / iTIP RFC 5546): one email per attendee when a hearing is published,
changed or cancelled, queued in the outbox inside the publisher's transaction.

Messages are rendered when queued, in the attendee's language, so each carries the hearing as it
was at that SEQUENCE; `mediation.calendar.mail.deliver_pending` sends them later, outside any web
request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import formataddr, make_msgid, parseaddr

import icalendar
from flask import current_app
from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _
from markupsafe import escape

from mediation import emails
from mediation.attendance.services import link_for_messages
from mediation.calendar.events import location, role_label, summary, vevent
from mediation.calendar.ical import new_calendar, to_bytes
from mediation.calendar.links import hearing_url, person_page_url
from mediation.calendar.models import INVALID_ADDRESS, NO_ADDRESS, OutboxMessage
from mediation.db import now_utc
from mediation.extensions import db
from mediation.hearings.lifecycle import seen
from mediation.hearings.models import PUBLISHED_LAYER, Hearing
from mediation.roster.models import Person
from mediation.timeutil import to_local
from mediation.web import timezone_name

KINDS = ("published", "updated", "cancelled")
# What status the hearing must have for each kind: a mismatch is a caller's bug, caught early.
EXPECTED_STATUS = {"published": "published", "updated": "published", "cancelled": "cancelled"}
ICAL_ROLES = {"chair": "CHAIR", "member": "REQ-PARTICIPANT", "counsellor": "REQ-PARTICIPANT"}
log = logging.getLogger(__name__)


def attendee_view(seen: dict | None, person_id: int) -> tuple | None:
    """What one attendee's invite shows of a hearing, from a `seen` fingerprint
    (mediation.hearings.lifecycle): time, place and their own role. The other members' names
    are not in invites, so a change of someone else leaves this person's view as it was."""
    if not seen:
        return None
    roles = [role for pid, role in seen.get("members", []) if pid == person_id]
    return (seen.get("starts_at"), seen.get("ends_at"), seen.get("centre"), seen.get("room"),
            seen.get("address"), roles[0] if roles else None)


def queue_invites(hearing: Hearing, *, kind: str, previous_attendee_ids: Iterable[int] = (),
                  before: dict | None = None) -> list[OutboxMessage]:
    """Queue the invites for a published hearing that was just `kind` ("published", "updated",
    "cancelled"). Call inside the publishing transaction after the hearing is flushed (its
    SEQUENCE already raised); this adds outbox rows to the session and flushes, never commits.

    "updated" (RFC 5546): people in `previous_attendee_ids` who no longer attend are uninvited
    (a CANCEL naming them); new attendees get an invitation; attendees whose own view changed
    (time, place, their role: see `attendee_view`, compared with `before`, what attendees saw
    before the change) get the update, with the old time and place; the others get nothing.
    Without `before` every remaining attendee gets the update.
    "cancelled": every attendee gets a CANCEL.
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
    members = {m.person_id: m for m in hearing.members}
    messages: list[OutboxMessage] = []
    for person_id, role, method, reason in recipients(
            kind, [(m.person_id, m.role) for m in hearing.members], previous_attendee_ids,
            before, seen(hearing) if kind == "updated" else None):
        member = members.get(person_id)
        person = member.person if member is not None else db.session.get(Person, person_id)
        if person is not None:
            messages.append(_queue(hearing, person, role, method, reason, now,
                                   before=before if kind == "updated" else None))
    db.session.flush()
    return messages


def recipients(kind: str, members: Iterable[tuple[int, str]],
               previous_attendee_ids: Iterable[int] = (), before: dict | None = None,
               now_seen: dict | None = None) -> list[tuple[int, str | None, str, str]]:
    """Who gets which message when a published hearing is `kind` (see `queue_invites`): a list
    of (person id, role or None, method, reason). `members` are (person id, role) after the
    change; `now_seen` is what attendees see after it (`lifecycle.seen`), for "updated". Pure:
    `queue_invites` queues exactly these, and the publish preview counts them."""
    members = list(members)
    if kind == "cancelled":
        return [(pid, role, "CANCEL", "cancelled") for pid, role in members]
    if kind == "published":
        return [(pid, role, "REQUEST", "published") for pid, role in members]
    previous = set(previous_attendee_ids)
    current = {pid for pid, _role in members}
    out: list[tuple[int, str | None, str, str]] = [
        (pid, None, "CANCEL", "removed") for pid in sorted(previous - current)]
    for pid, role in members:
        if pid not in previous:
            reason = "published"  # new to this hearing: an invitation, not a change
        elif before is not None and (attendee_view(before, pid) == attendee_view(now_seen, pid)):
            continue  # nothing this attendee sees has changed
        else:
            reason = "updated"
        out.append((pid, role, "REQUEST", reason))
    return out


def count_invites(_sender=None, *, changes: Iterable[dict], **_: object) -> int:
    """Subscriber of `signals.invites_preview`: how many emails `recipients` would queue for
    these changes (dicts with the arguments of `recipients`); nothing is queued."""
    return sum(len(recipients(**change)) for change in changes)


def _queue(hearing: Hearing, person: Person, role: str | None, method: str, reason: str,
           now, *, before: dict | None = None) -> OutboxMessage:
    locale = person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        subject, message = build_message(hearing, person, role, method, reason, now,
                                         before=before)
    recipient = emails.deliverable(person.email)
    row = OutboxMessage(
        hearing=hearing, person=person, reason=reason, method=method,
        uid=hearing.uid, sequence=hearing.sequence, recipient=recipient,
        subject=subject, message=message, status="pending", attempts=0, next_attempt_at=now,
        created_at=now,
    )
    if recipient is None:
        # Nobody to send to: visible on the outbox page (and the home page's failed emails)
        # instead of silently skipped. An address stored before addresses were checked, that
        # is not one valid address, is never put in a header: the publish or cancel goes on.
        # The reason is stored as a code and worded when shown, in the reader's language.
        row.status = "failed"
        row.next_attempt_at = None
        if person.email:
            log.warning("invite not sent: %s has an invalid stored email address", person.code)
            row.last_error = INVALID_ADDRESS
        else:
            row.last_error = NO_ADDRESS
    db.session.add(row)
    return row


def organizer() -> tuple[str, str]:
    """(name, address) of the ORGANIZER: MAIL_FROM's name, and the reply address (calendar apps
    send the attendee's iMIP REPLY there; `mediation mail fetch-replies` reads it)."""
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    return name or _("Mediation scheduling"), reply_address()


def reply_address() -> str:
    """MEDIATION_REPLY_ADDRESS, else MAIL_FROM's address."""
    configured = current_app.config.get("MEDIATION_REPLY_ADDRESS")
    if configured:
        return parseaddr(configured)[1] or configured
    return parseaddr(current_app.config["MAIL_FROM"])[1]


def sender() -> tuple[str, str]:
    """(name, address) of the From header: MAIL_FROM."""
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    return name or _("Mediation scheduling"), address


def invite_calendar(hearing: Hearing, person: Person, role: str | None, method: str,
                    reason: str, now) -> bytes:
    """The iTIP message (METHOD REQUEST or CANCEL) for one attendee, as bytes."""
    org_name, org_address = organizer()
    # RFC 5546 §3.2.5: a CANCEL that uninvites some attendees must not carry STATUS:CANCELLED
    # (that would cancel the event for everyone); a cancelled hearing carries it.
    status = "" if reason == "removed" else None
    event = vevent(hearing, dtstamp=now, role=role, organizer=(org_name, org_address),
                   attendee=(emails.deliverable(person.email) or "",
                             ICAL_ROLES.get(role or "", "REQ-PARTICIPANT")),
                   status=status, page_url=page_url_of(person), rsvp=method == "REQUEST")
    if method == "REQUEST":
        alarm = icalendar.Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("TRIGGER", timedelta(days=-1))
        alarm.add("DESCRIPTION", summary(hearing, role))
        event.add_component(alarm)
    calendar = new_calendar(method=method)
    calendar.add_component(event)
    return to_bytes(calendar)


def build_message(hearing: Hearing, person: Person, role: str | None, method: str, reason: str,
                  now, *, before: dict | None = None) -> tuple[str, str]:
    """(subject, whole message) in the current locale.

    The message is multipart/mixed, as the CalConnect iMIP guidance recommends: a
    multipart/alternative of plain text, HTML and the `text/calendar; method=…` part, then the
    same calendar as an `invite.ics` attachment for mail programs that show no invitations."""
    reference = hearing.case.reference
    when = _when(hearing.starts_at)
    subject = {
        "published": _("Hearing %(reference)s on %(when)s", reference=reference, when=when),
        "updated": _("Changed: hearing %(reference)s on %(when)s", reference=reference,
                     when=when),
        "cancelled": _("Cancelled: hearing %(reference)s on %(when)s", reference=reference,
                       when=when),
        "removed": _("No longer attending: hearing %(reference)s on %(when)s",
                     reference=reference, when=when),
    }[reason]
    org_name, org_address = sender()
    ics = invite_calendar(hearing, person, role, method, reason, now)
    lines = _lines(hearing, role, reason, before, page_url=page_url_of(person))

    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = formataddr((org_name, org_address))
    # Only one valid address ever reaches a header (mediation.emails): a stored value with a
    # line break or a second address would inject headers or recipients.
    msg["To"] = emails.deliverable(person.email) or "undisclosed-recipients:;"
    if method == "REQUEST":
        # Answers (and the calendar app's REPLY) go to the mailbox the app reads.
        msg["Reply-To"] = formataddr((org_name, reply_address()))
    msg["Subject"] = subject
    msg["Date"] = rfc2822_date(now)
    msg["Message-ID"] = make_msgid(domain=org_address.rpartition("@")[2] or "mediation")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(lines) + "\n", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(_html(subject, lines), subtype="html", charset="utf-8",
                        cte="quoted-printable")
    msg.add_alternative(ics, maintype="text", subtype="calendar", cte="base64",
                        params={"method": method, "charset": "utf-8"})
    msg.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics",
                       cte="base64")
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]
    return subject, msg.as_string()


def _when(starts_at) -> str:
    start = to_local(starts_at)
    # Times on the 24-hour clock in every language (CLDR's English "short" is 2:00 PM).
    return f"{format_date(start, 'medium')} {format_time(start, 'HH:mm')}".replace("\u202f", " ")


def _span(starts_at, ends_at) -> str:
    start, end = to_local(starts_at), to_local(ends_at)
    # The zone as the reader's language names it ("中国（上海）时间"), not its identifier.
    return _("%(day)s, %(start)s to %(end)s, %(zone)s", day=format_date(start, "full"),
             start=format_time(start, "HH:mm"), end=format_time(end, "HH:mm"),
             zone=timezone_name())


def _previously(before: dict | None) -> str | None:
    """The old time and place of an updated hearing, from the `seen` fingerprint."""
    if not before or not before.get("starts_at"):
        return None
    place = ", ".join(p for p in (before.get("centre"), before.get("room"), before.get("address"))
                      if p)
    span = _span(datetime.fromisoformat(before["starts_at"]),
                 datetime.fromisoformat(before["ends_at"]))
    return _("Previously: %(when)s, %(place)s", when=span, place=place)


def page_url_of(person: Person) -> str | None:
    """The person's own page (made if they never had a link), else None (link revoked)."""
    token = link_for_messages(person)
    return person_page_url(token) if token else None


def _lines(hearing: Hearing, role: str | None, reason: str, before: dict | None,
           page_url: str | None = None) -> list[str]:
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
    lines = [
        opening,
        "",
        _("When: %(when)s", when=_span(hearing.starts_at, hearing.ends_at)),
        _("Where: %(place)s", place=location(hearing)),
    ]
    if reason == "updated":
        old = _previously(before)
        if old:
            lines.append(old)
    lines += [
        _("Details, confirm or decline: %(url)s", url=page_url) if page_url else
        _("Details (sign-in required): %(url)s", url=hearing_url(hearing.uid)),
        "",
        _("Open the attached invitation to add the hearing to your calendar app.")
        if reason == "published" else
        _("The attached calendar invitation updates your calendar app: it replaces earlier "
          "versions of this hearing."),
    ]
    return lines


def _html(title: str, lines: list[str]) -> str:
    body = "".join(f"<p>{escape(line)}</p>" if line else "" for line in lines)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"</head><body>{body}</body></html>\n")

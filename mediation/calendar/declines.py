"""Coordinators are told by email when someone declines a hearing on their own page (or by an
emailed reply): a plain message queued in the outbox like the invites (method NOTICE, reason
"declined"), for the coordinators who see the case's region and the administrators."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import formataddr, make_msgid

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from mediation.auth.access import can_see_region
from mediation.auth.models import User
from mediation.calendar.invites import _span, _when, sender
from mediation.calendar.links import absolute
from mediation.calendar.models import OutboxMessage
from mediation.db import now_utc
from mediation.extensions import db
from mediation.hearings.models import Hearing
from mediation.roster.models import Person


def recipients(hearing: Hearing) -> list[User]:
    users = db.session.scalars(sa.select(User).where(
        User.active, User.role.in_(("admin", "coordinator"))).order_by(User.id))
    region_id = hearing.case.region_id
    return [u for u in users if u.role == "admin" or can_see_region(u, region_id)]


def queue_decline_notices(hearing: Hearing, person: Person, reason: str) -> list[OutboxMessage]:
    now = now_utc()
    out = []
    for user in recipients(hearing):
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            subject, message = _message(hearing, person, reason, user, now)
        row = OutboxMessage(hearing=hearing, person=person, reason="declined", method="NOTICE",
                            uid=hearing.uid, sequence=hearing.sequence, recipient=user.email,
                            subject=subject, message=message, status="pending", attempts=0,
                            next_attempt_at=now, created_at=now)
        db.session.add(row)
        out.append(row)
    db.session.flush()
    return out


def _message(hearing: Hearing, person: Person, reason: str, user: User, now) -> tuple[str, str]:
    reference = hearing.case.reference
    subject = _("Declined: %(name)s, hearing %(reference)s on %(when)s", name=person.name,
                reference=reference, when=_when(hearing.starts_at))
    page = absolute("planning.show_hearing", public=True, hearing_id=hearing.id)
    lines = [
        _("%(name)s (%(code)s) declined hearing %(reference)s.", name=person.name,
          code=person.code, reference=reference),
        _("Reason: %(reason)s", reason=reason or "-"),
        _("When: %(when)s", when=_span(hearing.starts_at, hearing.ends_at)),
        "",
        _("A repair proposal was started: review and publish it from the hearing's page: "
          "%(url)s", url=page),
    ]
    org_name, org_address = sender()
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = formataddr((org_name, org_address))
    msg["To"] = user.email
    msg["Subject"] = subject
    msg["Date"] = rfc2822_date(now)
    msg["Message-ID"] = make_msgid(domain=org_address.rpartition("@")[2] or "mediation")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(lines) + "\n", charset="utf-8", cte="quoted-printable")
    return subject, msg.as_string()

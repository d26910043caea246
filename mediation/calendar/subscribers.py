"""The calendar listens to the hearings' signals: invites are queued in the same transaction as
the change, and delivery is asked for once that transaction commits."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mediation import worker
from mediation.calendar.declines import queue_decline_notices
from mediation.calendar.invites import queue_invites
from mediation.calendar.mail import deliver_pending
from mediation.calendar.removals import note_attendees

log = logging.getLogger(__name__)

_MAIL_DUE = "mediation.calendar.mail_due"


def _queued(hearing, kind: str, previous_attendee_ids, before=None) -> None:
    queue_invites(hearing, kind=kind, previous_attendee_ids=previous_attendee_ids or (),
                  before=before)
    session = sa.inspect(hearing).session
    if session is not None:
        session.info[_MAIL_DUE] = True


def on_published(hearing, *, previous_attendee_ids=(), **_: object) -> None:
    _queued(hearing, "published", previous_attendee_ids)


def on_changed(hearing, *, previous_attendee_ids=(), before=None, **_: object) -> None:
    present = {m.person_id for m in hearing.members}
    note_attendees(hearing.id, set(previous_attendee_ids or ()) - present, present)
    _queued(hearing, "updated", previous_attendee_ids, before)


def on_cancelled(hearing, *, previous_attendee_ids=(), **_: object) -> None:
    _queued(hearing, "cancelled", previous_attendee_ids)


def on_declined(hearing, *, person, reason="", channel="coordinator", **_: object) -> None:
    """Someone declined on their page or by email: tell the coordinators (a coordinator who
    recorded it knows already)."""
    if channel == "coordinator":
        return
    queue_decline_notices(hearing, person, reason)
    session = sa.inspect(hearing).session
    if session is not None:
        session.info[_MAIL_DUE] = True


def after_commit(session: Session) -> None:
    """Invites were committed: ask the background worker to send them (retried periodically
    too, so a queue that is down never undoes a publication)."""
    if not session.info.pop(_MAIL_DUE, False):
        return
    try:
        worker.submit("mail.deliver")
    except Exception:
        log.warning("could not queue mail delivery", exc_info=True)


def after_rollback(session: Session) -> None:
    session.info.pop(_MAIL_DUE, None)


def deliver_task() -> None:
    """`mail.deliver` (periodic): send what is due (deliver_pending commits per message)."""
    deliver_pending()

"""Replies from calendar apps (issue #13 point 3): the iMIP REPLY that Gmail, Outlook or Apple
Mail sends when an attendee presses Yes / No / Maybe in an invite (RSVP=TRUE) reaches the
ORGANIZER address (MEDIATION_REPLY_ADDRESS); this reads that mailbox over IMAP and applies each
answer exactly like the expert's page does (mediation.attendance.services.respond,
channel "email").

A reply is applied only when its UID is a published hearing, its attendee (or, failing that, its
sender) is a member of that hearing, and its SEQUENCE is the hearing's current one; anything else
is ignored and logged with the reason, never applied. Every message read is marked handled
(\\Seen; applied ones are moved to IMAP_DONE_MAILBOX when one is set, ignored ones stay) so it is
not read twice; malformed mail never stops the fetch. One transaction per reply.
"""

from __future__ import annotations

import contextlib
import email
import fcntl
import imaplib
import logging
import os
import re
import ssl
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.utils import parseaddr

import icalendar
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from mediation import emails
from mediation.attendance.services import AttendanceError, latest_answers, respond
from mediation.extensions import db
from mediation.hearings.models import PUBLISHED_LAYER, Hearing
from mediation.roster.models import Person

log = logging.getLogger(__name__)

PARTSTATS = {"ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "tentative"}
CALENDAR_TYPES = {"text/calendar", "application/ics", "text/x-vcalendar", "application/ical"}


@dataclass
class Outcome:
    """What became of one reply (one VEVENT), or of a message that holds none."""

    applied: bool
    reason: str  # "accepted"/"declined"/"tentative" when applied, else why it was ignored
    detail: str = ""


@dataclass
class FetchResult:
    configured: bool = True
    busy: bool = False
    messages: int = 0
    applied: Counter = field(default_factory=Counter)
    ignored: Counter = field(default_factory=Counter)
    errors: int = 0

    def as_dict(self) -> dict:
        return {"configured": self.configured, "busy": self.busy, "messages": self.messages,
                "applied": sum(self.applied.values()), "applied_by_answer": dict(self.applied),
                "ignored": sum(self.ignored.values()), "ignored_by_reason": dict(self.ignored),
                "errors": self.errors}


# --- parsing --------------------------------------------------------------------------------


def _mailto(value) -> str:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return emails.key(text.strip())


def calendar_parts(message: Message) -> list[icalendar.Calendar]:
    """The parsable calendars in `message` (text/calendar parts and .ics attachments)."""
    found = []
    seen: set[bytes] = set()
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = (part.get_filename() or "").lower()
        if part.get_content_type() not in CALENDAR_TYPES and not filename.endswith(".ics"):
            continue
        payload = part.get_payload(decode=True)
        if not payload or payload in seen:  # the same calendar inline and attached
            continue
        seen.add(payload)
        try:
            found.append(icalendar.Calendar.from_ical(payload))
        except (ValueError, KeyError, IndexError) as exc:
            log.warning("reply: unreadable calendar part (%s)", exc)
    return found


def _members(hearing: Hearing) -> dict[str, Person]:
    return {emails.key(m.person.email): m.person for m in hearing.members if m.person.email}


def _sequence(event) -> int | None:
    raw = event.get("SEQUENCE")
    if raw is None:
        return 0  # RFC 5545 §3.8.7.4: absent means 0
    try:
        return int(str(raw).strip())
    except ValueError:
        return None


def _attendees(event) -> list:
    value = event.get("ATTENDEE")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _comment(event) -> str:
    value = event.get("COMMENT")
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return re.sub(r"\s+", " ", str(value or "")).strip()


def apply_event(event, sender: str) -> Outcome:
    """Check one VEVENT of a REPLY and apply it (flushes; the caller commits or rolls back)."""
    uid = str(event.get("UID") or "").strip()
    hearing = db.session.scalar(sa.select(Hearing).where(
        Hearing.uid == uid, Hearing.layer == PUBLISHED_LAYER)) if uid else None
    if hearing is None:
        return Outcome(False, "unknown-uid", f"UID {uid!r}")
    members = _members(hearing)
    attendees = _attendees(event)
    if len(attendees) != 1:
        return Outcome(False, "not-one-attendee", f"{len(attendees)} attendees")
    attendee = _mailto(attendees[0])
    person = members.get(attendee)
    if person is None:
        person = members.get(sender)
        if person is None:
            return Outcome(False, "not-on-hearing",
                           f"{attendee or '-'} (from {sender or '-'}) on {hearing.uid}")
        log.warning("reply for %s: attendee %s is not on the hearing; applied to the sender %s",
                    hearing.uid, attendee, sender)
    elif sender and sender != attendee:
        log.warning("reply for %s: sent by %s for attendee %s", hearing.uid, sender, attendee)
    partstat = str(attendees[0].params.get("PARTSTAT", "")).upper()
    response = PARTSTATS.get(partstat)
    if response is None:
        return Outcome(False, "unsupported-partstat", f"{partstat or '-'} from {person.code}")
    sequence = _sequence(event)
    if sequence is None or sequence > hearing.sequence:
        return Outcome(False, "unknown-sequence",
                       f"SEQUENCE {event.get('SEQUENCE')!s} on {hearing.uid} "
                       f"(current {hearing.sequence})")
    if sequence < hearing.sequence:
        return Outcome(False, "stale-sequence",
                       f"SEQUENCE {sequence} < {hearing.sequence} on {hearing.uid} "
                       f"from {person.code}")
    latest = latest_answers([hearing.id], person.id).get((hearing.id, person.id))
    if latest is not None and latest.response == response:
        return Outcome(False, "already-answered", f"{person.code} {response} on {hearing.uid}")
    reason = _comment(event)
    if response == "declined" and not reason:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            reason = _("Declined from a calendar app.")
    try:
        respond(hearing, person, response, reason, channel="email")
    except AttendanceError as exc:
        return Outcome(False, "refused", f"{person.code} on {hearing.uid}: {exc}")
    return Outcome(True, response, f"{person.code} on {hearing.uid}")


def handle_message(raw: bytes) -> list[Outcome]:
    """Every reply in one message, each applied and committed on its own (or rolled back)."""
    try:
        message = email.message_from_bytes(raw, policy=policy.compat32)
        sender = emails.key(parseaddr(str(message.get("From", "")))[1].strip())
        calendars = calendar_parts(message)
    except Exception as exc:  # noqa: BLE001 - malformed mail never stops the fetch
        return [Outcome(False, "malformed", str(exc))]
    if not calendars:
        return [Outcome(False, "not-a-calendar-reply",
                        f"from {sender or '-'}: {str(message.get('Subject', ''))[:80]!r}")]
    replies = [c for c in calendars if str(c.get("METHOD", "")).strip().upper() == "REPLY"]
    if not replies:
        methods = ",".join(str(c.get("METHOD", "-")) for c in calendars)
        return [Outcome(False, "not-a-reply", f"METHOD {methods} from {sender or '-'}")]
    outcomes = []
    for calendar in replies:
        events = calendar.walk("VEVENT")
        if not events:
            outcomes.append(Outcome(False, "malformed", f"no VEVENT from {sender or '-'}"))
        for event in events:
            try:
                outcome = apply_event(event, sender)
            except Exception as exc:  # noqa: BLE001 - one bad reply does not stop the others
                db.session.rollback()
                log.exception("reply from %s could not be applied", sender)
                outcome = Outcome(False, "error", str(exc))
            else:
                if outcome.applied:
                    db.session.commit()
                else:
                    db.session.rollback()
            outcomes.append(outcome)
    return outcomes


# --- the mailbox ----------------------------------------------------------------------------


def _connect(config) -> imaplib.IMAP4:
    host, port, timeout = config["IMAP_HOST"], config["IMAP_PORT"], config["IMAP_TIMEOUT"]
    if config["IMAP_SSL"]:
        conn = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(),
                                 timeout=timeout)
    else:
        conn = imaplib.IMAP4(host, port, timeout=timeout)
        if config["IMAP_STARTTLS"]:
            try:
                conn.starttls(ssl.create_default_context())
            except BaseException:
                conn.shutdown()
                raise
    try:
        conn.login(config["IMAP_USERNAME"], config["IMAP_PASSWORD"])
    except BaseException:
        conn.shutdown()
        raise
    return conn


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ensure_mailbox(conn: imaplib.IMAP4, mailbox: str) -> None:
    status, data = conn.list('""', _quote(mailbox))
    if status == "OK" and any(item for item in data if item):
        return
    status, data = conn.create(_quote(mailbox))
    if status != "OK" and b"ALREADYEXISTS" not in b" ".join(d for d in data if d):
        raise imaplib.IMAP4.error(f"cannot create {mailbox!r}: {data!r}")


def _mark_handled(conn: imaplib.IMAP4, uid: bytes, done: str) -> None:
    conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")
    if not done:
        return
    status, _data = conn.uid("MOVE", uid, _quote(done))
    if status != "OK":  # a server without MOVE (RFC 6851)
        conn.uid("COPY", uid, _quote(done))
        conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
        conn.expunge()


# pg_try_advisory_lock key of the reply fetch ("mediation.calendar.replies").
LOCK_KEY = 0x6D656469_7265706C


@contextlib.contextmanager
def fetch_lock() -> Iterator[bool]:
    """One reader of the reply mailbox at a time across processes (every web process's ticker,
    workers, the command): a PostgreSQL advisory lock, or with SQLite a lock file in the
    instance folder. Yields False when another process holds it."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            got = bool(conn.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"),
                                   {"key": LOCK_KEY}))
            try:
                yield got
            finally:
                if got:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                conn.rollback()
        return
    os.makedirs(current_app.instance_path, exist_ok=True)
    path = os.path.join(current_app.instance_path, "imap-replies.lock")
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fetch_replies(limit: int = 200) -> FetchResult:
    """Read unseen messages in IMAP_MAILBOX and apply the calendar replies among them. Without
    IMAP_HOST nothing is read (result.configured is False); while another process reads the
    mailbox, nothing is read either (result.busy)."""
    config = current_app.config
    result = FetchResult()
    if not config.get("IMAP_HOST"):
        log.info("replies: IMAP_HOST is not set; no mailbox to read")
        result.configured = False
        return result
    with fetch_lock() as got:
        if not got:
            log.info("replies: another process is reading the mailbox")
            result.busy = True
            return result
        _fetch(config, result, limit)
    return result


def _fetch(config, result: FetchResult, limit: int) -> None:
    conn = _connect(config)
    try:
        done = config.get("IMAP_DONE_MAILBOX") or ""
        if done:
            _ensure_mailbox(conn, done)
        status, data = conn.select(_quote(config["IMAP_MAILBOX"]))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open {config['IMAP_MAILBOX']!r}: {data!r}")
        status, data = conn.uid("SEARCH", None, "UNSEEN")
        uids = data[0].split() if status == "OK" and data and data[0] else []
        for uid in uids[:limit]:
            status, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in data if isinstance(item, tuple)), None)
            if status != "OK" or raw is None:
                log.warning("replies: message %s could not be read", uid.decode())
                continue
            result.messages += 1
            outcomes = handle_message(raw)
            for outcome in outcomes:
                if outcome.applied:
                    result.applied[outcome.reason] += 1
                    log.info("reply applied: %s (%s)", outcome.reason, outcome.detail)
                elif outcome.reason == "error":
                    result.errors += 1
                else:
                    result.ignored[outcome.reason] += 1
                    log.warning("reply ignored: %s (%s)", outcome.reason, outcome.detail)
            if any(o.reason == "error" for o in outcomes):
                continue  # left unseen: read again next time (the database may be back)
            # Applied: out of the way, in the done mailbox. Ignored: left where a person reading
            # the mailbox finds it (a question written to the reply address), marked seen.
            _mark_handled(conn, uid, done if any(o.applied for o in outcomes) else "")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()


_last_fetch: dict[str, float] = {}


def fetch_task() -> None:
    """`mail.fetch_replies` (periodic): read the reply mailbox when IMAP_HOST is set, at most
    once every IMAP_INTERVAL_SECONDS (the worker ticks more often)."""
    config = current_app.config
    if not config.get("IMAP_HOST"):
        return
    now = time.monotonic()
    last = _last_fetch.get(config["IMAP_HOST"])
    if last is not None and now - last < config["IMAP_INTERVAL_SECONDS"]:
        return
    _last_fetch[config["IMAP_HOST"]] = now
    result = fetch_replies()
    if result.messages:
        log.info("replies fetched: %s", result.as_dict())

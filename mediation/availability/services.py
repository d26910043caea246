"""Calendar addresses, syncing them into imported busy sessions, and what they now block.

Services flush; the caller (view, CLI command, worker task) commits. `sync_source` fetches
before it writes anything and replaces a source's rows only after a successful parse, so a
failure (unreachable, too large, not a calendar…) keeps the last good import and records why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from mediation.availability.expand import NotACalendar, SessionTimes, busy_sessions
from mediation.availability.fetch import FetchError, check_scheme, fetch
from mediation.availability.models import CalendarSource, ImportedBusy
from mediation.centres.models import HearingSession
from mediation.db import now_utc
from mediation.extensions import db
from mediation.hearings.models import Hearing, HearingMember
from mediation.hearings.queries import current_published
from mediation.roster.models import Person
from mediation.timeutil import local_today, local_zone

# At most this many sources per worker tick (the ticker also runs the other periodic tasks).
SOURCES_PER_TICK = 10

ERROR_WORDS = {
    "unreachable": _l("The calendar address could not be reached."),
    "timeout": _l("The calendar server did not answer in time."),
    "too_large": _l("The calendar file is too large."),
    "not_calendar": _l("The address did not return a calendar file that could be read."),
    "http_status": _l("The calendar server refused the request."),
    "private_address": _l("The address leads to a private or local network address, which is "
                          "not allowed."),
    "bad_scheme": _l("Only http and https addresses can be used."),
    "redirects": _l("The address redirects too many times."),
}


class AvailabilityError(ValueError):
    """Input refused; the message is for the user."""


def mask_url(url: str | None) -> str:
    """The address as shown anywhere: scheme and host only (the path is the secret)."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def normalise_url(raw: str) -> str:
    """A calendar address as stored: trimmed, webcal:// as https:// (what it means); only
    http and https with a host are accepted."""
    url = (raw or "").strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    if len(url) > 2000:
        raise AvailabilityError(_l("Calendar address: at most 2000 characters."))
    if any(c.isspace() for c in url):
        raise AvailabilityError(_l("Calendar address: spaces are not allowed."))
    # Non-ASCII characters in the path or query are sent percent-encoded.
    url = quote(url, safe=":/?#[]@!$&'()*+,;=%~")
    try:
        check_scheme(url)
    except FetchError:
        raise AvailabilityError(_l("Calendar address: only http, https (or webcal) addresses "
                                   "with a host name can be used.")) from None
    return url


def source_of(person: Person) -> CalendarSource | None:
    return db.session.scalar(sa.select(CalendarSource).where(CalendarSource.person_id == person.id))


def set_calendar_url(person: Person, raw: str | None) -> CalendarSource | None:
    """Set (or, with an empty address, remove) a person's calendar address. A new address
    starts afresh: the import of the old one is dropped, the next sync fetches in full. For the
    coordinator's person page, the command line and, later, the expert's own page."""
    if not (raw or "").strip():
        clear_calendar_url(person)
        return None
    url = normalise_url(raw)
    source = source_of(person)
    if source is None:
        source = CalendarSource(person_id=person.id, url=url, status="never")
        db.session.add(source)
    elif source.url != url:
        _drop_rows(source)
        source.url = url
        source.etag = source.last_modified = source.window_start = None
        source.checked_at = source.last_success_at = None
        source.status, source.error_code, source.error_detail = "never", None, None
        source.events_count = None
    db.session.flush()
    return source


def clear_calendar_url(person: Person) -> bool:
    source = source_of(person)
    if source is None:
        return False
    _drop_rows(source)
    db.session.delete(source)
    db.session.flush()
    return True


def _drop_rows(source: CalendarSource) -> None:
    if source.id is not None:
        db.session.execute(sa.delete(ImportedBusy).where(ImportedBusy.source_id == source.id))
        db.session.expire(source, ["busy"])


def _settings() -> dict:
    c = current_app.config
    return {"timeout": c["MEDIATION_CALENDAR_TIMEOUT"], "max_bytes": c["MEDIATION_CALENDAR_MAX_BYTES"],
            "allow_private": c["MEDIATION_CALENDAR_ALLOW_PRIVATE"]}


def sync_source(source: CalendarSource, today: date | None = None) -> CalendarSource:
    """Fetch and import one source now; records the outcome on it (status, error)."""
    now = now_utc()
    today = today or local_today()
    end = today + timedelta(days=current_app.config["MEDIATION_CALENDAR_WINDOW_DAYS"])
    # Conditional only when the stored import covers today's window: on a new day the window
    # has moved and the file must be expanded again, changed or not.
    conditional = source.window_start == today and source.status == "ok"
    source.checked_at = now
    try:
        fetched = fetch(source.url, etag=source.etag if conditional else None,
                        last_modified=source.last_modified if conditional else None,
                        **_settings())
        if fetched.not_modified:
            return _succeeded(source, now)
        sessions = [SessionTimes(s.id, s.starts_at, s.ends_at)
                    for s in db.session.scalars(sa.select(HearingSession))]
        expansion = busy_sessions(fetched.body or b"", sessions, today, end, local_zone())
    except FetchError as exc:
        return _failed(source, exc.code, exc.detail)
    except NotACalendar as exc:
        return _failed(source, "not_calendar", str(exc))
    _drop_rows(source)
    db.session.flush()
    db.session.add_all(
        ImportedBusy(source_id=source.id, person_id=source.person_id, date=b.date,
                     session_id=b.session_id, starts_at=b.starts_at, ends_at=b.ends_at)
        for b in expansion.busy)
    source.etag = (fetched.etag or "")[:500] or None
    source.last_modified = (fetched.last_modified or "")[:100] or None
    source.window_start = today
    source.events_count = expansion.events
    return _succeeded(source, now)


def _succeeded(source: CalendarSource, now: datetime) -> CalendarSource:
    source.status, source.error_code, source.error_detail = "ok", None, None
    source.last_success_at = now
    db.session.flush()
    return source


def _failed(source: CalendarSource, code: str, detail: str) -> CalendarSource:
    source.status, source.error_code, source.error_detail = "error", code, (detail or "")[:500]
    db.session.flush()
    return source


def sync_person(person: Person) -> CalendarSource | None:
    source = source_of(person)
    return sync_source(source) if source is not None else None


def sources(person: Person | None = None) -> list[CalendarSource]:
    stmt = sa.select(CalendarSource).join(Person).options(selectinload(CalendarSource.person))
    if person is not None:
        stmt = stmt.where(CalendarSource.person_id == person.id)
    return list(db.session.scalars(stmt.order_by(Person.code)))


def sync_due_task() -> int:
    """Worker task: sync the sources not checked for MEDIATION_CALENDAR_INTERVAL_MINUTES
    (a few per tick). Each is claimed first (a conditional update, committed), so two
    processes never fetch the same one, and committed on its own. Returns how many ran."""
    now = now_utc()
    cutoff = now - timedelta(minutes=current_app.config["MEDIATION_CALENDAR_INTERVAL_MINUTES"])
    due = sa.or_(CalendarSource.checked_at.is_(None), CalendarSource.checked_at < cutoff)
    ids = list(db.session.scalars(
        sa.select(CalendarSource.id).join(Person).where(due, Person.active)
        .order_by(CalendarSource.checked_at.is_not(None), CalendarSource.checked_at)
        .limit(SOURCES_PER_TICK)))
    db.session.commit()
    done = 0
    for source_id in ids:
        claimed = db.session.execute(
            sa.update(CalendarSource).where(CalendarSource.id == source_id, due)
            .values(checked_at=now)).rowcount
        db.session.commit()
        if not claimed:
            continue
        source = db.session.get(CalendarSource, source_id)
        if source is None:
            continue
        sync_source(source)
        db.session.commit()
        done += 1
    return done


# --- reading the imports ------------------------------------------------------------------------


def busy_by_person(start: date, end: date) -> dict[int, set[tuple[date, str]]]:
    """Imported busy sessions from `start` to `end` (inclusive): person id → {(date, session
    code)} (what the planner's scenario adds to each person's unavailability)."""
    rows = db.session.execute(
        sa.select(ImportedBusy.person_id, ImportedBusy.date, HearingSession.code)
        .join(HearingSession, HearingSession.id == ImportedBusy.session_id)
        .where(ImportedBusy.date >= start, ImportedBusy.date <= end))
    out: dict[int, set[tuple[date, str]]] = {}
    for person_id, day, code in rows:
        out.setdefault(person_id, set()).add((day, code))
    return out


def busy_of(person: Person, start: date, end: date) -> list[ImportedBusy]:
    return list(db.session.scalars(
        sa.select(ImportedBusy).where(ImportedBusy.person_id == person.id,
                                      ImportedBusy.date >= start, ImportedBusy.date <= end)
        .options(selectinload(ImportedBusy.session))
        .join(HearingSession, HearingSession.id == ImportedBusy.session_id)
        .order_by(ImportedBusy.date, HearingSession.starts_at)))


@dataclass(frozen=True)
class Clash:
    """A current published hearing that a member's imported calendar now says they are busy at."""

    hearing: Hearing
    person: Person
    role: str


def clashes(today: date | None = None, person: Person | None = None) -> list[Clash]:
    """Current published hearings from today on where a member is busy by an import ('needs
    attention'): the hearing, the person and their role, by date."""
    today = today or local_today()
    stmt = (
        current_published(start=today, person_id=person.id if person else None)
        .join(HearingMember, HearingMember.hearing_id == Hearing.id)
        .join(ImportedBusy, sa.and_(ImportedBusy.person_id == HearingMember.person_id,
                                    ImportedBusy.date == Hearing.date,
                                    ImportedBusy.session_id == Hearing.session_id))
        .join(Person, Person.id == HearingMember.person_id)
        .add_columns(Person, HearingMember.role)
        .options(selectinload(Hearing.case), selectinload(Hearing.session))
        .order_by(Hearing.date, Hearing.id, Person.code)
    )
    if person is not None:
        stmt = stmt.where(HearingMember.person_id == person.id)
    return [Clash(h, p, role) for h, p, role in db.session.execute(stmt)]

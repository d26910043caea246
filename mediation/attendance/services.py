"""The expert's own page: signed, revocable links per person, the hearings a page shows, and
answers (confirm, tentative, decline) with what a decline sets going.

Links are kept like feed tokens (mediation.calendar.services): a random seed per row, the token
HMAC-SHA256(server key, seed) under its own domain string, only the token's hash stored. A
decline is a declared conflict (planning.edits.decline), told to the coordinators (calendar, by
`signals.hearing_declined`), and starts a repair proposal at once (planning.edits.replan_around:
the declined seat alone when someone fits). Everything flushes; the view or command commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from mediation import secret_links
from mediation.attendance.models import CHANNELS, RESPONSES, HearingResponse, PersonLink
from mediation.audit.services import record
from mediation.centres.models import Room
from mediation.db import now_utc
from mediation.extensions import db
from mediation.hearings.models import PUBLISHED_LAYER, Hearing, HearingMember
from mediation.hearings.queries import in_schedule
from mediation.planning import edits
from mediation.planning.models import PlanRun
from mediation.planning.publish import diff, publish_run, summary
from mediation.planning.runs import PlanningError
from mediation.roster.models import Person

log = logging.getLogger(__name__)

# Page links follow the secret-link scheme (mediation.secret_links) in their own domain.
DOMAIN = b"mediation.attendance.person-page.v1"
hash_token = secret_links.hash_token
# How far back the page lists past hearings.
RECENT_DAYS = 30


class AttendanceError(ValueError):
    """An answer that cannot be recorded; the message says why, for people."""


# --- links ----------------------------------------------------------------------------------


def live_link(person: Person) -> PersonLink | None:
    return db.session.scalar(sa.select(PersonLink).where(
        PersonLink.person_id == person.id, PersonLink.revoked_at.is_(None)))


def token_of(row: PersonLink | None) -> str | None:
    """The link's token, or None (revoked, or SECRET_KEY changed since: only a rotation gives
    one the app can show)."""
    if row is None or not row.live:
        return None
    return secret_links.token_of(DOMAIN, row.seed, row.token_hash)


def _new_link(person: Person, by) -> PersonLink:
    seed, token_hash = secret_links.new_seed(DOMAIN)
    row = PersonLink(person_id=person.id, seed=seed, token_hash=token_hash,
                     created_at=now_utc(), created_by_id=getattr(by, "id", None))
    db.session.add(row)
    db.session.flush()
    return row


def _audit(action: str, row: PersonLink, person: Person, by) -> None:
    # Explicit values: the seed and hash stay out of the audit log.
    record(action, row, summary=person.code, before={},
           after={"person": person.code, "created_at": row.created_at.isoformat(),
                  "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None},
           user=by)


def ensure_link(person: Person, by=None) -> PersonLink:
    """The person's live page link, made now if there is none (audited)."""
    row = live_link(person)
    if row is None:
        row = _new_link(person, by)
        _audit("attendance.link_created", row, person, by)
    return row


def rotate_link(person: Person, by=None) -> PersonLink:
    """A new link; the old one stops working at once (audited)."""
    old = live_link(person)
    if old is not None:
        old.revoked_at, old.revoked_by_id = now_utc(), getattr(by, "id", None)
        db.session.flush()  # the live-link unique index must see the old one revoked first
    row = _new_link(person, by)
    _audit("attendance.link_rotated", row, person, by)
    return row


def revoke_link(person: Person, by=None) -> bool:
    """Revoke the link (audited); False if there was none."""
    old = live_link(person)
    if old is None:
        return False
    old.revoked_at, old.revoked_by_id = now_utc(), getattr(by, "id", None)
    _audit("attendance.link_revoked", old, person, by)
    db.session.flush()
    return True


def link_for_messages(person: Person) -> str | None:
    """The token invites and personal feed events link to: the live link; one is made for a
    person who never had any, but never behind a coordinator's revocation."""
    row = live_link(person)
    if row is None:
        ever = db.session.scalar(sa.select(sa.func.count()).select_from(PersonLink)
                                 .where(PersonLink.person_id == person.id))
        if ever:
            return None
        row = ensure_link(person)
    return token_of(row)


def current_link_token(person: Person) -> str | None:
    """The live link's token without making one (feeds are read on GET requests)."""
    return token_of(live_link(person))


def person_by_token(token: str) -> Person | None:
    """The person of a live link, or None (unknown, revoked, malformed, inactive person): the
    page answers all of them with the same 404."""
    if not secret_links.well_formed(token):
        return None
    row = db.session.scalar(sa.select(PersonLink).where(
        PersonLink.token_hash == hash_token(token), PersonLink.revoked_at.is_(None)))
    if row is None or row.person is None or not row.person.active:
        return None
    return row.person


# --- the page -------------------------------------------------------------------------------


@dataclass
class PageHearing:
    hearing: Hearing
    role: str
    chair: Person | None
    others: list[Person]  # the other members (not the chair, not this person)
    answer: HearingResponse | None
    upcoming: bool
    begun: bool


def page_hearings(person: Person, now: datetime | None = None) -> list[PageHearing]:
    """The person's published hearings, upcoming first (soonest first), then the recent past
    (latest first). Only what the page shows is loaded: no party, title or description."""
    now = now or now_utc()
    since = now - timedelta(days=RECENT_DAYS)
    rows = db.session.execute(
        sa.select(Hearing, HearingMember.role)
        .join(HearingMember, HearingMember.hearing_id == Hearing.id)
        .where(HearingMember.person_id == person.id, in_schedule(),
               Hearing.layer == PUBLISHED_LAYER, Hearing.status == "published",
               Hearing.ends_at >= since)
        .options(selectinload(Hearing.members).selectinload(HearingMember.person),
                 selectinload(Hearing.room).selectinload(Room.centre),
                 selectinload(Hearing.session))
        .order_by(Hearing.starts_at, Hearing.id)).all()
    answers = latest_answers([h.id for h, _r in rows], person_id=person.id)
    out = []
    for hearing, role in rows:
        chair = next((m.person for m in hearing.members if m.role == "chair"), None)
        others = [m.person for m in hearing.members
                  if m.person_id != person.id and m.role != "chair"]
        out.append(PageHearing(hearing, role, chair, others,
                               answers.get((hearing.id, person.id)), hearing.ends_at >= now,
                               hearing.starts_at <= now))
    upcoming = [p for p in out if p.upcoming]
    past = sorted((p for p in out if not p.upcoming), key=lambda p: p.hearing.starts_at,
                  reverse=True)
    return upcoming + past


def person_hearing(person: Person, hearing_id: int) -> Hearing | None:
    """One published hearing `person` is on (else None: the same 404 as a foreign one)."""
    hearing = db.session.get(Hearing, hearing_id)
    if (hearing is None or hearing.layer != PUBLISHED_LAYER or hearing.status != "published"
            or person.id not in {m.person_id for m in hearing.members}):
        return None
    return hearing


def latest_answers(hearing_ids: list[int], person_id: int | None = None
                   ) -> dict[tuple[int, int], HearingResponse]:
    """The latest answer per (hearing, person)."""
    if not hearing_ids:
        return {}
    query = sa.select(HearingResponse).where(HearingResponse.hearing_id.in_(hearing_ids))
    if person_id is not None:
        query = query.where(HearingResponse.person_id == person_id)
    out: dict[tuple[int, int], HearingResponse] = {}
    for row in db.session.scalars(query.order_by(HearingResponse.at, HearingResponse.id)):
        out[(row.hearing_id, row.person_id)] = row
    return out


# --- answers --------------------------------------------------------------------------------


def record_answer(hearing: Hearing, person: Person, response: str, reason: str = "",
                  channel: str = "page", by=None) -> HearingResponse:
    """Keep one answer (no side effects): the latest per person counts."""
    if response not in RESPONSES:
        raise AttendanceError(str(_l("Unknown answer.")))
    if channel not in CHANNELS:
        raise AttendanceError(f"unknown channel {channel!r}")
    row = HearingResponse(hearing_id=hearing.id, person_id=person.id, response=response,
                          reason=(reason or "").strip() or None, channel=channel, at=now_utc(),
                          recorded_by_id=getattr(by, "id", None))
    db.session.add(row)
    db.session.flush()
    record(f"attendance.{response}", row, user=by, after={"response": response, "channel": channel},
           summary=f"{hearing.case.reference} {person.code}")
    return row


def respond(hearing: Hearing, person: Person, response: str, reason: str = "",
            channel: str = "page", now: datetime | None = None) -> HearingResponse:
    """An answer from the person (their page, or later an emailed reply). A decline needs a
    reason; it declares the conflict (recorded as an answer by the `hearing_declined`
    subscriber), tells the coordinators, and starts a repair proposal at once."""
    if response not in RESPONSES:
        raise AttendanceError(str(_l("Unknown answer.")))
    if person.id not in {m.person_id for m in hearing.members}:
        raise AttendanceError(str(_l("You do not attend this hearing.")))
    if hearing.status != "published" or hearing.layer != PUBLISHED_LAYER:
        raise AttendanceError(str(_l("This hearing is no longer planned.")))
    if edits.has_begun(hearing, now):
        raise AttendanceError(str(_l("This hearing has already begun.")))
    if response != "declined":
        return record_answer(hearing, person, response, reason, channel)
    if not (reason or "").strip():
        raise AttendanceError(str(_l("Reason: say why you cannot attend.")))
    try:
        edits.decline(hearing, person, reason, channel=channel)
    except PlanningError as exc:
        raise AttendanceError(str(exc)) from None
    row = latest_answers([hearing.id], person.id)[(hearing.id, person.id)]
    start_repair(row, now=now)
    return row


def on_declined(hearing, *, person, reason="", channel="coordinator", user=None,
                **_: object) -> None:
    """Subscriber of `signals.hearing_declined`: keep the decline as an answer."""
    record_answer(hearing, person, "declined", reason, channel, by=user)


def start_repair(answer: HearingResponse, user=None, now: datetime | None = None
                 ) -> PlanRun | None:
    """The repair proposal of a decline: fills only the declined seat when someone fits, else a
    repair run (planning.edits.replan_around). Published at once when
    MEDIATION_AUTO_PUBLISH_REPAIRS is set and the proposal is ready."""
    try:
        run = edits.replan_around([answer.hearing], user, now=now)
    except PlanningError as exc:
        log.warning("no repair for hearing %s: %s", answer.hearing_id, exc)
        return None
    answer.repair_run_id = run.id
    db.session.flush()
    auto_publish(run)
    return run


def auto_publish(run: PlanRun, user=None) -> bool:
    """Publish a decline's repair proposal when the setting says so and it is ready. A proposal
    that would cancel a hearing (nobody could be found) always waits for a coordinator."""
    if not current_app.config.get("MEDIATION_AUTO_PUBLISH_REPAIRS") or run.status != "succeeded":
        return False
    if summary(diff(run))["cancelled"]:
        return False
    publish_run(run, user)
    return True


def on_run_finished(run, *, status=None, **_: object) -> None:
    """Subscriber of `signals.run_finished`: a decline's repair run that finished in the
    background is published when MEDIATION_AUTO_PUBLISH_REPAIRS is set."""
    if status != "succeeded" or not current_app.config.get("MEDIATION_AUTO_PUBLISH_REPAIRS"):
        return
    started_by_decline = db.session.scalar(sa.select(sa.func.count()).select_from(HearingResponse)
                                           .where(HearingResponse.repair_run_id == run.id))
    if started_by_decline and auto_publish(run):
        db.session.commit()


# --- for coordinators -----------------------------------------------------------------------


@dataclass
class HearingAnswers:
    """What the hearing page shows: who confirmed, who declined (and why)."""

    total: int
    confirmed: int
    answers: dict[int, HearingResponse]  # person id → latest answer

    def of(self, person_id: int) -> HearingResponse | None:
        return self.answers.get(person_id)

    @property
    def declined(self) -> list[HearingResponse]:
        return [a for a in self.answers.values() if a.response == "declined"]


def hearing_answers(hearing: Hearing) -> HearingAnswers:
    members = {m.person_id for m in hearing.members}
    latest = {pid: row for (_hid, pid), row in latest_answers([hearing.id]).items()}
    current = {pid: row for pid, row in latest.items() if pid in members}
    confirmed = sum(1 for row in current.values() if row.response == "accepted")
    return HearingAnswers(len(members), confirmed, current)


def needing_attention(user_can_see, now: datetime | None = None) -> list[HearingResponse]:
    """Declines still open: the decliner is still on an upcoming published hearing (no repair
    published yet), latest answer first; `user_can_see(hearing)` keeps the user's regions."""
    now = now or now_utc()
    rows = db.session.scalars(
        sa.select(HearingResponse).join(Hearing, Hearing.id == HearingResponse.hearing_id)
        .join(HearingMember, sa.and_(HearingMember.hearing_id == Hearing.id,
                                     HearingMember.person_id == HearingResponse.person_id))
        .where(HearingResponse.response == "declined", Hearing.status == "published",
               Hearing.layer == PUBLISHED_LAYER, Hearing.starts_at > now)
        .order_by(HearingResponse.at.desc(), HearingResponse.id.desc()))
    out, seen = [], set()
    for row in rows:
        key = (row.hearing_id, row.person_id)
        if key in seen:
            continue
        seen.add(key)
        latest = latest_answers([row.hearing_id], row.person_id).get(key)
        if latest is row and user_can_see(row.hearing):
            out.append(row)
    return out

"""The life of a hearing, in one place: proposals are made, moved, re-staffed, pinned, dropped;
published hearings are published, changed and cancelled.

This module is the only code that changes a hearing's slot, people, pin or status. It owns
SEQUENCE and LAST-MODIFIED: each published hearing stores `seen`, what its attendees see (time,
place names and address, each person's role, status). Whenever a published hearing is saved here
`seen` is recomputed and, only if it differs, SEQUENCE rises, `last_modified_at` is set and a
signal goes out (`hearing_changed` or `hearing_cancelled`; `hearing_published` for a new one).
A pin, or any change attendees cannot see, changes neither. Everything flushes; the caller
commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from mediation import signals
from mediation.centres.models import HearingSession, Room
from mediation.db import now_utc
from mediation.extensions import db
from mediation.hearings.models import PUBLISHED_LAYER, Hearing, HearingMember
from mediation.hearings.queries import current_published
from mediation.roster.models import Person
from mediation.timeutil import local_to_utc


def seen(h: Hearing) -> dict:
    """What an attendee of `h` sees: the fingerprint SEQUENCE follows (JSON-ready)."""
    room = h.room if h.room is not None else db.session.get(Room, h.room_id)
    session = h.session if h.session is not None else db.session.get(HearingSession, h.session_id)
    return {
        "date": h.date.isoformat(), "session": session.code,
        "starts_at": h.starts_at.isoformat(), "ends_at": h.ends_at.isoformat(),
        "room_id": room.id, "room": room.name, "centre": room.centre.name,
        "address": room.centre.address,
        "members": sorted([m.person_id, m.role] for m in h.members),
        "status": h.status,
    }


@dataclass(frozen=True)
class Before:
    """A published hearing as its attendees knew it, taken before a change."""

    seen: dict | None
    sequence: int
    attendee_ids: frozenset[int]

    def payload(self) -> dict:
        return {**(self.seen or {}), "sequence": self.sequence}


def before(h: Hearing) -> Before:
    """Take before changing `h`: what attendees saw (stored, else computed now)."""
    stored = h.seen if h.seen is not None else seen(h) if h.layer == PUBLISHED_LAYER else None
    return Before(stored, h.sequence, frozenset(m.person_id for m in h.members))


def settle(h: Hearing, was: Before) -> bool:
    """After a change of a published hearing: if what attendees see differs from `was`, raise
    SEQUENCE, set LAST-MODIFIED and tell subscribers. Returns whether it did."""
    db.session.flush()
    if h.layer != PUBLISHED_LAYER:
        return False
    now_seen = seen(h)
    if now_seen == was.seen:
        return False
    h.sequence = was.sequence + 1
    h.seen = now_seen
    h.last_modified_at = now_utc()
    db.session.flush()
    signal = signals.hearing_cancelled if h.status == "cancelled" else signals.hearing_changed
    signal.send(h, previous_attendee_ids=set(was.attendee_ids), before=was.payload())
    return True


# --- proposals ------------------------------------------------------------------------------


def new_proposal(*, case, room: Room, day: date, session: HearingSession, run,
                 members: Iterable[tuple[Person, str]], pinned: bool = False) -> Hearing:
    """A hearing in `run`'s proposal (layer = run id)."""
    h = Hearing(case=case, room=room, date=day, session=session, plan_run=run,
                status="proposed", layer=run.id, pinned=pinned,
                starts_at=local_to_utc(day, session.starts_at),
                ends_at=local_to_utc(day, session.ends_at))
    h.members = [HearingMember(person=p, role=role) for p, role in members]
    db.session.add(h)
    return h


def record_fixed(*, case, room: Room, day: date, session: HearingSession,
                 members: Iterable[tuple[Person, str]]) -> Hearing:
    """A hearing imported as already held in the schedule of record (a scenario's `fixed`):
    published and pinned, with no invites (it was announced elsewhere)."""
    h = Hearing(case=case, room=room, date=day, session=session, status="published",
                pinned=True, starts_at=local_to_utc(day, session.starts_at),
                ends_at=local_to_utc(day, session.ends_at))
    h.members = [HearingMember(person=p, role=role) for p, role in members]
    db.session.add(h)
    db.session.flush()
    h.seen = seen(h)
    return h


def drop_proposal(h: Hearing) -> None:
    if h.layer == PUBLISHED_LAYER:
        raise ValueError(f"hearing {h.id} is published: cancel it instead")
    db.session.delete(h)


# --- changes of a proposal or a published hearing ---------------------------------------------


def move(h: Hearing, room: Room, day: date, session: HearingSession) -> bool:
    """Move to another room, date or session. Returns whether attendees were told."""
    was = before(h)
    h.room, h.date, h.session = room, day, session
    h.starts_at = local_to_utc(day, session.starts_at)
    h.ends_at = local_to_utc(day, session.ends_at)
    return settle(h, was)


def restaff(h: Hearing, seat: HearingMember | None, person: Person) -> bool:
    """Put `person` in `seat` (keeping its role), or in the empty counsellor seat."""
    was = before(h)
    if seat is not None:
        role = seat.role
        h.members.remove(seat)
        db.session.flush()
    else:
        role = "counsellor"
    h.members.append(HearingMember(person=person, role=role))
    return settle(h, was)


def set_pinned(h: Hearing, pinned: bool) -> None:
    """Pin or unpin: the planner's business only, so attendees see nothing change."""
    h.pinned = pinned
    db.session.flush()


def cancel(h: Hearing, at: datetime | None = None) -> bool:
    """Cancel a published hearing; it stays in the schedule so calendars remove it."""
    if h.layer != PUBLISHED_LAYER:
        raise ValueError(f"hearing {h.id} is a proposal: drop it instead")
    was = before(h)
    h.status, h.cancelled_at = "cancelled", at or now_utc()
    return settle(h, was)


# --- publishing -------------------------------------------------------------------------------


def publish_proposal(h: Hearing, at: datetime | None = None) -> None:
    """A proposal enters the schedule of record with its random UID, SEQUENCE 0."""
    at = at or now_utc()
    h.layer, h.status, h.published_at, h.sequence = PUBLISHED_LAYER, "published", at, 0
    db.session.flush()
    h.seen = seen(h)
    h.last_modified_at = at
    db.session.flush()
    signals.hearing_published.send(h, previous_attendee_ids=set(), before=None)


def take_proposals(pairs: list[tuple[Hearing, Hearing]], run_id: int,
                   spent: Iterable[Hearing] = ()) -> None:
    """Published hearings take the place and people of their proposals, keeping row and UID;
    the proposals (and the `spent` ones matching an unchanged hearing) are deleted.

    The published ones leave the booking indexes for a moment (status cancelled inside the
    transaction only), so two hearings can swap slots without tripping the constraints."""
    targets = []
    for published, proposal in pairs:
        targets.append((published, before(published), proposal.room_id, proposal.date,
                        proposal.session_id, proposal.starts_at, proposal.ends_at,
                        proposal.pinned, [(m.person_id, m.role) for m in proposal.members]))
        published.status = "cancelled"
    db.session.flush()
    for proposal in [p for _, p in pairs] + list(spent):
        db.session.delete(proposal)
    db.session.flush()
    for h, was, room_id, day, session_id, starts, ends, pinned, members in targets:
        h.members.clear()
        db.session.flush()
        h.room_id, h.date, h.session_id, h.starts_at, h.ends_at = (room_id, day, session_id,
                                                                   starts, ends)
        h.status, h.pinned, h.plan_run_id = "published", pinned or h.pinned, run_id
        db.session.flush()
        db.session.expire(h, ["room", "session"])
        h.members.extend(HearingMember(person_id=p, role=r) for p, r in members)
        settle(h, was)


# --- places -----------------------------------------------------------------------------------


def place_changed(sender, *, room_ids: Iterable[int], centre_id: int | None = None,
                  **_: object) -> int:
    """Subscriber of `signals.place_changed`: every current published hearing in those rooms
    whose visible place changed gets SEQUENCE + 1 and `hearing_changed`. Returns how many."""
    ids = list(room_ids)
    if not ids:
        return 0
    count = 0
    for h in db.session.scalars(current_published(room_ids=ids).order_by(Hearing.id)):
        db.session.refresh(h, ["room"])
        if h.seen is None:  # stored before `seen` existed: the place is all we know changed
            was = Before({"unknown": True}, h.sequence, frozenset(m.person_id for m in h.members))
        else:
            was = before(h)
        count += settle(h, was)
    return count


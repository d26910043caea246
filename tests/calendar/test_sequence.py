"""SEQUENCE, LAST-MODIFIED and DTSTAMP follow what attendees see, nothing else.

Only public entry points are used (centres' room form service, planning's pin, the feed URL),
so these tests run unchanged against code from before mediation.hearings.lifecycle existed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from mediation import signals
from mediation.calendar.models import OutboxMessage
from mediation.calendar.services import ensure_token, token_of
from mediation.centres.services import save_centre, save_room
from mediation.hearings import lifecycle
from mediation.planning import edits
from mediation.planning.models import Hearing
from tests.calendar import factories as cf
from tests.calendar.checks import escaped, location_of, parse_message, parts, props


@pytest.fixture
def published(db, calendar_config):
    chair, member = cf.person(locale="en"), cf.person(locale="en")
    hearing = cf.hearing(day=date(2026, 12, 10), members=[(chair, "chair"), (member, "member")])
    token = token_of(ensure_token("person", chair))
    # Published a while ago, so that a change now shows in second-precision timestamps.
    then = datetime(2026, 11, 1, tzinfo=UTC)
    columns = {c.key for c in sa.inspect(Hearing).columns}
    db.session.execute(sa.update(Hearing.__table__).where(Hearing.__table__.c.id == hearing.id)
                       .values({k: then for k in ("updated_at", "last_modified_at")
                                if k in columns}))
    db.session.commit()
    db.session.expire_all()
    return {"hearing": hearing, "chair": chair, "member": member, "token": token}


def _feed(client, token: str) -> bytes:
    response = client.get(f"/feeds/{token}.ics")
    assert response.status_code == 200
    return response.get_data()


def _outbox(db) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_renaming_a_room_raises_sequence_and_tells_every_attendee(db, client, published):
    hearing, room = published["hearing"], published["hearing"].room
    before = _feed(client, published["token"])
    assert props(before, "SEQUENCE") == ["0"]
    assert props(before, "LOCATION") == [escaped(location_of(room))]
    modified = props(before, "LAST-MODIFIED")

    save_room(room.centre, room, {"code": room.code, "name": "Blue Room",
                                  "capacity": room.capacity, "active": True})
    db.session.commit()

    db.session.expire_all()
    assert hearing.sequence == 1
    invites = _outbox(db)
    assert sorted((m.person_id, m.reason, m.method, m.sequence) for m in invites) == sorted(
        (p.id, "updated", "REQUEST", 1) for p in (published["chair"], published["member"]))
    after = _feed(client, published["token"])
    assert props(after, "LOCATION") == [escaped(location_of(room))]
    assert "Blue Room" in props(after, "LOCATION")[0]
    assert props(after, "SEQUENCE") == ["1"]
    assert props(after, "LAST-MODIFIED") != modified
    assert props(after, "DTSTAMP") != props(before, "DTSTAMP")


def test_moving_a_centre_address_raises_sequence(db, client, published):
    hearing = published["hearing"]
    centre = hearing.room.centre
    save_centre(centre, {"code": centre.code, "name": centre.name, "level": centre.level,
                         "region_id": centre.region_id, "address": "1 New Street",
                         "open_weekdays": centre.open_weekdays, "active": centre.active})
    db.session.commit()
    db.session.expire_all()
    assert hearing.sequence == 1
    assert {m.reason for m in _outbox(db)} == {"updated"}


def test_an_unchanged_room_save_changes_nothing(db, client, published):
    hearing, room = published["hearing"], published["hearing"].room
    before = _feed(client, published["token"])
    save_room(room.centre, room, {"code": room.code, "name": room.name, "capacity": 99,
                                  "active": True})
    db.session.commit()
    db.session.expire_all()
    assert hearing.sequence == 0 and _outbox(db) == []
    assert _feed(client, published["token"]) == before


def test_pinning_changes_neither_sequence_nor_last_modified_nor_the_feed(db, client, published):
    hearing = published["hearing"]
    before = _feed(client, published["token"])
    edits.set_pinned(hearing, True, hearing.version, None)
    db.session.commit()
    db.session.expire_all()
    assert hearing.pinned and hearing.sequence == 0
    after = _feed(client, published["token"])
    assert after == before  # SEQUENCE, DTSTAMP and LAST-MODIFIED included
    assert _outbox(db) == []


def test_a_rename_sends_hearing_changed_with_what_attendees_saw_before(db, published):
    hearing, room = published["hearing"], published["hearing"].room
    hearing.seen = lifecycle.seen(hearing)  # as publishing leaves it
    db.session.commit()
    old_name = room.name
    received = []

    def listener(sender, **payload):
        received.append((sender, payload))

    with signals.hearing_changed.connected_to(listener):
        save_room(room.centre, room, {"code": room.code, "name": "Green Room",
                                      "capacity": room.capacity, "active": True})
        db.session.commit()
    assert len(received) == 1
    sender, payload = received[0]
    assert sender is hearing
    assert payload["previous_attendee_ids"] == {published["chair"].id, published["member"].id}
    assert payload["before"]["room"] == old_name and payload["before"]["sequence"] == 0
    assert hearing.seen["room"] == "Green Room" and hearing.sequence == 1
    # Saving again with the same name is no visible change: nothing more happens.
    with signals.hearing_changed.connected_to(listener):
        save_room(room.centre, room, {"code": room.code, "name": "Green Room",
                                      "capacity": room.capacity + 1, "active": True})
        db.session.commit()
    assert len(received) == 1 and hearing.sequence == 1


def test_replacing_one_member_invites_the_newcomer_uninvites_the_leaver_and_spares_the_rest(
        db, client, published):
    """Issue #13 "Done when": the other members get no mail; the new member gets an
    invitation; the decliner gets a cancellation (RFC 5546 §3.2.5: no STATUS:CANCELLED)."""
    hearing, chair, member = published["hearing"], published["chair"], published["member"]
    newcomer = cf.person(locale="en")
    seat = next(m for m in hearing.members if m.person_id == member.id)
    assert lifecycle.restaff(hearing, seat, newcomer)
    db.session.commit()
    invites = {m.person_id: m for m in _outbox(db)}
    assert set(invites) == {member.id, newcomer.id}  # nothing for the chair
    assert (invites[member.id].method, invites[member.id].reason) == ("CANCEL", "removed")
    assert (invites[newcomer.id].method, invites[newcomer.id].reason) == ("REQUEST", "published")
    ics = parts(parse_message(invites[member.id].message))["text/calendar"][0]
    assert props(ics, "METHOD") == ["CANCEL"] and props(ics, "STATUS") == []
    assert chair.id not in invites

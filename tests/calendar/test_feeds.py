"""Subscription feeds: content to the letter of RFC 5545, HTTP caching, tokens, scopes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from mediation.calendar.models import FeedToken
from mediation.calendar.services import (
    ensure_token,
    find_by_token,
    hash_token,
    revoke_token,
    rotate_token,
    token_of,
)
from mediation.planning.models import Hearing, HearingMember, PlanRun
from tests import factories as f
from tests.calendar import factories as cf
from tests.calendar.checks import check_calendar, escaped, location_of, props, unfold
from tests.calendar.conftest import BASE_URL


def _path(token: str) -> str:
    return f"/feeds/{token}.ics"


def _person_feed(db, person) -> str:
    token = token_of(ensure_token("person", person))
    db.session.commit()
    return token


@pytest.fixture
def panel(db, calendar_config):
    chair, member = cf.person(locale="en"), cf.person(locale="en")
    counsellor = cf.person(counsellor=True, expert=False)
    first = cf.hearing(day=date(2026, 12, 1), members=[(chair, "chair"), (member, "member"),
                                                       (counsellor, "counsellor")])
    second = cf.hearing(day=date(2026, 12, 2), members=[(chair, "member")])
    db.session.commit()
    return {"chair": chair, "member": member, "counsellor": counsellor, "first": first,
            "second": second}


def test_personal_feed_is_a_valid_calendar_with_everything_rfc5545_asks(db, client, panel):
    token = _person_feed(db, panel["chair"])
    response = client.get(_path(token))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "Set-Cookie" not in response.headers
    data = response.get_data()
    ical, vcal = check_calendar(data)

    chair = panel["chair"]
    assert props(data, "NAME") == props(data, "X-WR-CALNAME") == [
        f"Mediation hearings ({chair.code})"]
    assert props(data, "REFRESH-INTERVAL") == ["PT1H"]
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in unfold(data)
    assert props(data, "X-PUBLISHED-TTL") == ["PT1H"]
    events = ical.walk("VEVENT")
    first, second = panel["first"], panel["second"]
    assert [str(e["UID"]) for e in events] == [first.uid, second.uid]
    assert [str(e["SUMMARY"]) for e in events] == [
        f"Hearing {first.case.reference} (chair)", f"Hearing {second.case.reference} (panel member)"]
    # 09:00 in Shanghai is 01:00 UTC.
    assert events[0].decoded("DTSTART") == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert events[0].decoded("DTEND") == datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    # LOCATION carries the street address, so a map app finds the centre (issue #13).
    assert first.room.centre.address
    assert str(events[0]["LOCATION"]) == location_of(first.room)
    assert f"LOCATION:{escaped(location_of(first.room))}" in unfold(data)
    assert str(events[0]["STATUS"]) == "CONFIRMED" and int(events[0]["SEQUENCE"]) == 0
    # DTSTAMP is the hearing's last change, not the time of the request.
    assert events[0].decoded("DTSTAMP") == first.last_modified_at.replace(microsecond=0)
    assert str(events[0]["URL"]) == f"{BASE_URL}/calendar/hearings/{first.uid}"
    assert [e.uid.value for e in vcal.vevent_list] == [first.uid, second.uid]


def test_feed_shows_only_the_schedule_of_record_and_only_the_persons_hearings(db, client, panel):
    other = cf.person()
    cf.hearing(day=date(2026, 12, 3), members=[(other, "chair")])
    run = PlanRun(horizon_start=date(2026, 12, 1), horizon_end=date(2026, 12, 31), status="succeeded")
    db.session.add(run)
    db.session.flush()
    # A proposal (layer = run id) with the chair in it: not in any feed until published.
    session = cf.session_block()
    proposal = Hearing(case=cf.private_case(), room=f.centre().rooms[0], date=date(2026, 12, 4),
                       session=session, starts_at=datetime(2026, 12, 4, 1, tzinfo=UTC),
                       ends_at=datetime(2026, 12, 4, 4, tzinfo=UTC), layer=run.id,
                       status="proposed")
    db.session.add(proposal)
    db.session.flush()
    db.session.add(HearingMember(hearing_id=proposal.id, date=proposal.date,
                                 session_id=session.id, layer=run.id, status="proposed",
                                 person_id=panel["chair"].id, role="chair"))
    db.session.commit()
    data = client.get(_path(_person_feed(db, panel["chair"]))).get_data()
    check_calendar(data)
    assert props(data, "UID") == [panel["first"].uid, panel["second"].uid]


def test_empty_feed_is_still_valid(db, client, calendar_config):
    person = cf.person()
    db.session.commit()
    data = client.get(_path(_person_feed(db, person))).get_data()
    ical, _vcal = check_calendar(data)
    assert ical.walk("VEVENT") == []
    assert props(data, "X-WR-CALNAME")


def test_cancelled_hearings_stay_cancelled_for_30_days_then_leave(db, client, calendar_config):
    person = cf.person()
    now = datetime.now(UTC)
    recent = cf.hearing(day=date(2026, 12, 7), members=[(person, "chair")], status="cancelled",
                        cancelled_at=now - timedelta(days=29))
    old = cf.hearing(day=date(2026, 12, 8), members=[(person, "chair")], status="cancelled",
                     cancelled_at=now - timedelta(days=31))
    # Long past (beyond MEDIATION_FEED_PAST_DAYS) published hearings leave the feed too.
    past_day = (now - timedelta(days=400)).date()
    cf.hearing(day=past_day, members=[(person, "member")])
    db.session.commit()
    data = client.get(_path(_person_feed(db, person))).get_data()
    ical, _ = check_calendar(data)
    events = ical.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [recent.uid]
    assert str(events[0]["STATUS"]) == "CANCELLED" and int(events[0]["SEQUENCE"]) == 1
    assert old.uid not in data.decode()


def test_unchanged_data_gives_identical_bytes_and_304(db, client, panel):
    path = _path(_person_feed(db, panel["chair"]))
    first = client.get(path)
    second = client.get(path)
    assert first.get_data() == second.get_data()
    etag = first.headers["ETag"]
    assert etag == second.headers["ETag"] and etag.startswith('"')
    assert first.headers["Last-Modified"] == second.headers["Last-Modified"]

    not_modified = client.get(path, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    assert not_modified.headers["ETag"] == etag
    assert not_modified.headers["Cache-Control"] == "private, no-cache"
    weak = client.get(path, headers={"If-None-Match": f"W/{etag}, \"other\""})
    assert weak.status_code == 304
    since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3).
    stale = client.get(path, headers={"If-None-Match": '"stale"',
                                      "If-Modified-Since": first.headers["Last-Modified"]})
    assert stale.status_code == 200 and stale.get_data() == first.get_data()
    earlier = client.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    assert earlier.status_code == 200


def test_moving_a_hearing_updates_it_in_place(db, client, panel):
    path = _path(_person_feed(db, panel["chair"]))
    before = client.get(path)
    hearing = db.session.get(Hearing, panel["first"].id)
    cf.move(hearing, days=7)
    db.session.commit()
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    old_cal, _ = check_calendar(before.get_data())
    new_cal, _ = check_calendar(after.get_data())
    old_event = next(e for e in old_cal.walk("VEVENT") if str(e["UID"]) == hearing.uid)
    new_event = next(e for e in new_cal.walk("VEVENT") if str(e["UID"]) == hearing.uid)
    assert int(new_event["SEQUENCE"]) > int(old_event["SEQUENCE"])
    assert new_event.decoded("DTSTART") - old_event.decoded("DTSTART") == timedelta(days=7)
    assert new_event.decoded("DTSTAMP") >= old_event.decoded("DTSTAMP")
    # Cancelling keeps the same UID with STATUS:CANCELLED and a higher SEQUENCE.
    cf.cancel(hearing)
    db.session.commit()
    cancelled, _ = check_calendar(client.get(path).get_data())
    event = next(e for e in cancelled.walk("VEVENT") if str(e["UID"]) == hearing.uid)
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) > int(new_event["SEQUENCE"])


def test_unknown_revoked_and_malformed_tokens_get_404(db, client, panel):
    person = panel["chair"]
    old = _person_feed(db, person)
    assert client.get(_path(old)).status_code == 200
    new = token_of(rotate_token("person", person))
    db.session.commit()
    assert new != old and len(new) == 43
    assert client.get(_path(old)).status_code == 404  # dead at once
    assert client.get(_path(new)).status_code == 200
    assert revoke_token("person", person)
    db.session.commit()
    assert client.get(_path(new)).status_code == 404
    assert client.get(_path("A" * 43)).status_code == 404
    assert client.get(_path("short")).status_code == 404
    assert client.get("/feeds/" + "%2e" * 10 + ".ics").status_code == 404
    # Audited, without the token.
    from mediation.audit.models import AuditEntry

    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries if e.action.startswith("calendar.")] == [
        "calendar.feed_created", "calendar.feed_rotated", "calendar.feed_revoked"]
    # Neither the token nor what it is made from reaches the audit log.
    seeds = db.session.scalars(sa.select(FeedToken.seed)).all()
    log = " ".join(f"{e.summary} {e.before} {e.after}" for e in entries)
    assert old not in log and new not in log
    assert not any(seed in log for seed in seeds)


def test_only_the_hash_of_a_token_is_stored(db, panel):
    token = _person_feed(db, panel["chair"])
    row = db.session.scalar(sa.select(FeedToken))
    assert row.token_hash == hash_token(token)
    dump = " ".join(str(v) for v in db.session.execute(sa.select(FeedToken.__table__)).one())
    assert token not in dump
    # 256 bits: 43 URL-safe base64 characters.
    assert len(token) == 43 and find_by_token(token).id == row.id


def test_a_changed_server_key_keeps_links_working_but_unshowable(app, db, client, panel,
                                                                monkeypatch):
    token = _person_feed(db, panel["chair"])
    monkeypatch.setitem(app.config, "SECRET_KEY", "another key")
    row = db.session.scalar(sa.select(FeedToken))
    assert token_of(row) is None
    assert client.get(_path(token)).status_code == 200


def test_room_and_centre_feeds(db, client, calendar_config):
    centre = f.centre()
    room = centre.rooms[0]
    from mediation.centres.models import Room

    second_room = Room(code=f"{centre.code}-R2", name="Room 2", capacity=5, centre=centre)
    db.session.add(second_room)
    db.session.flush()
    in_room = cf.hearing(day=date(2026, 12, 1), room=room, members=[(cf.person(), "chair")])
    in_second = cf.hearing(day=date(2026, 12, 1), room=second_room)
    elsewhere = cf.hearing(day=date(2026, 12, 1))
    room_token = token_of(ensure_token("room", room))
    centre_token = token_of(ensure_token("centre", centre))
    db.session.commit()
    room_data = client.get(_path(room_token)).get_data()
    check_calendar(room_data)
    assert props(room_data, "UID") == [in_room.uid]
    assert props(room_data, "SUMMARY") == [f"Hearing {in_room.case.reference}"]
    assert props(room_data, "X-WR-CALNAME") == [f"Mediation hearings: {centre.name}\\, Room 1"]
    centre_data = client.get(_path(centre_token)).get_data()
    check_calendar(centre_data)
    assert set(props(centre_data, "UID")) == {in_room.uid, in_second.uid}
    assert elsewhere.uid not in centre_data.decode()


def test_coordinator_feed_covers_their_regions_and_below(db, client, make_user, calendar_config):
    county = f.region(level="county")
    town = f.region(level="town", parent=county)
    other = f.region(level="county")
    below = cf.hearing(day=date(2026, 12, 1), case=cf.private_case(reg=town))
    at = cf.hearing(day=date(2026, 12, 2), case=cf.private_case(reg=county))
    outside = cf.hearing(day=date(2026, 12, 3), case=cf.private_case(reg=other))
    limited, _ = make_user("coordinator")
    limited.regions = [county]
    everyone, _ = make_user("coordinator")
    limited_token = token_of(ensure_token("coordinator", limited))
    everyone_token = token_of(ensure_token("coordinator", everyone))
    db.session.commit()
    data = client.get(_path(limited_token)).get_data()
    check_calendar(data)
    assert props(data, "UID") == [below.uid, at.uid]
    data = client.get(_path(everyone_token)).get_data()
    check_calendar(data)
    assert props(data, "UID") == [below.uid, at.uid, outside.uid]
    # A coordinator who loses the role (or the account) loses the feed at once.
    limited.role = "viewer"
    db.session.commit()
    assert client.get(_path(limited_token)).status_code == 404
    everyone.active = False
    db.session.commit()
    assert client.get(_path(everyone_token)).status_code == 404


def test_viewers_cannot_have_a_coordinator_feed(db, make_user):
    from mediation.calendar.services import FeedError

    viewer, _ = make_user("viewer")
    with pytest.raises(FeedError):
        ensure_token("coordinator", viewer)


def test_chinese_feed_folds_without_splitting_characters(db, client, calendar_config):
    person = cf.person(locale="zh_Hans_CN")
    centre = f.centre()
    centre.name = "宁安镇矛盾纠纷调处化解中心" * 3
    centre.rooms[0].name = "第一调解室"
    hearing = cf.hearing(day=date(2026, 12, 1), room=centre.rooms[0],
                         members=[(person, "counsellor")])
    db.session.commit()
    data = client.get(_path(_person_feed(db, person))).get_data()
    check_calendar(data)
    assert props(data, "LOCATION") == [escaped(location_of(centre.rooms[0]))]
    assert "第一调解室" in props(data, "LOCATION")[0]
    assert props(data, "UID") == [hearing.uid]

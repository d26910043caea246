"""The rendered-feed cache (mediation.calendar.feeds.cached_feed): an unchanged feed is served
from the cache with one data query, and every change a feed's bytes depend on shows at once,
including changes that leave the hearing row itself untouched."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from mediation.calendar import feeds
from mediation.calendar.services import ensure_token, token_of
from mediation.planning.models import HearingMember
from tests import factories as f
from tests.calendar import factories as cf
from tests.calendar.checks import check_calendar, props


def _get(client, token: str) -> bytes:
    response = client.get(f"/feeds/{token}.ics")
    assert response.status_code == 200
    return response.get_data()


def _statements(db, action) -> list[str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return seen


def test_unchanged_feed_is_served_from_the_cache_with_few_queries(db, client, calendar_config,
                                                                 monkeypatch):
    chair = cf.person(locale="en")
    for day in (1, 2, 3, 4):
        cf.hearing(day=date(2026, 12, day), members=[(chair, "chair"), (cf.person(), "member")])
    token = token_of(ensure_token("person", chair))
    db.session.commit()
    first = _get(client, token)
    renders = []
    real = feeds.render_feed
    monkeypatch.setattr(feeds, "render_feed", lambda *a, **kw: renders.append(1) or real(*a, **kw))
    statements = _statements(db, lambda: _get(client, token))
    assert renders == []  # no event was written again
    # Token, person (language and calendar name), one data query; no per-event loading.
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 3, selects
    assert _get(client, token) == first


def test_changes_outside_the_hearing_row_reach_the_feed_at_once(db, client, calendar_config):
    chair = cf.person(locale="en")
    hearing = cf.hearing(day=date(2026, 12, 1), members=[(chair, "member")])
    token = token_of(ensure_token("person", chair))
    db.session.commit()
    seen = [_get(client, token)]

    def changed() -> bytes:
        db.session.commit()
        data = _get(client, token)
        check_calendar(data)
        assert data != seen[-1]
        seen.append(data)
        return data

    hearing.room.name = "Blue room"
    assert "Blue room" in props(changed(), "LOCATION")[0]
    hearing.room.centre.name = "Harbour centre"
    assert props(changed(), "LOCATION")[0].startswith("Harbour centre")
    hearing.case.reference = "REF-RENAMED-1"
    assert "REF-RENAMED-1" in props(changed(), "SUMMARY")[0]
    member = db.session.scalar(sa.select(HearingMember).where(
        HearingMember.hearing_id == hearing.id, HearingMember.person_id == chair.id))
    member.role = "chair"
    assert "(chair)" in props(changed(), "SUMMARY")[0]
    chair.locale = "zh_Hans_CN"
    changed()
    chair.code = "P-RENAMED"
    assert "P-RENAMED" in props(changed(), "X-WR-CALNAME")[0]


def test_each_feed_kind_is_cached_per_token_and_selection(db, client, make_user, calendar_config):
    centre = f.centre()
    room = centre.rooms[0]
    in_room = cf.hearing(day=date(2026, 12, 1), room=room)
    elsewhere = cf.hearing(day=date(2026, 12, 1))
    room_token = token_of(ensure_token("room", room))
    centre_token = token_of(ensure_token("centre", centre))
    admin, _ = make_user("admin")
    admin_token = token_of(ensure_token("coordinator", admin))
    db.session.commit()
    for _ in range(2):  # the second round comes from the cache
        assert props(_get(client, room_token), "UID") == [in_room.uid]
        assert props(_get(client, centre_token), "UID") == [in_room.uid]
        assert set(props(_get(client, admin_token), "UID")) == {in_room.uid, elsewhere.uid}
    later = cf.hearing(day=date(2026, 12, 2), room=room)
    db.session.commit()
    assert props(_get(client, room_token), "UID") == [in_room.uid, later.uid]
    assert props(_get(client, centre_token), "UID") == [in_room.uid, later.uid]

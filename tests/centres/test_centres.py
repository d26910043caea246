"""Centres, rooms, closures, market days, sessions and regions through their pages."""

from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa

from mediation.audit.models import AuditEntry
from mediation.centres.models import Centre, CentreDate, HearingSession, Room
from mediation.centres.services import CentreError, every_nth_day
from mediation.regions.models import Region
from tests import factories
from tests.conftest import csrf_token, sign_in


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_every_nth_day():
    assert every_nth_day(date(2026, 12, 1), date(2026, 12, 16), 5) == [
        date(2026, 12, 1), date(2026, 12, 6), date(2026, 12, 11), date(2026, 12, 16)]
    assert every_nth_day(date(2026, 12, 1), date(2026, 12, 1), 3) == [date(2026, 12, 1)]
    with pytest.raises(CentreError):
        every_nth_day(date(2026, 12, 2), date(2026, 12, 1), 1)
    with pytest.raises(CentreError):
        every_nth_day(date(2026, 12, 1), date(2026, 12, 9), 0)


def test_create_and_edit_centre(signed_in, db):
    region = factories.region("c1", level="county")
    db.session.commit()
    token = csrf_token(signed_in, "/centres/new")
    response = signed_in.post("/centres/new", data={
        "csrf_token": token, "code": "CC1", "name": "County centre", "level": "county",
        "region_id": region.id, "address": "1 Main St", "open_weekdays": ["1", "3"],
        "active": "y"})
    assert response.status_code == 302
    centre = db.session.scalar(sa.select(Centre).where(Centre.code == "CC1"))
    assert centre.open_weekdays == [1, 3] and centre.region_id == region.id
    response = signed_in.post(f"/centres/{centre.id}/edit", data={
        "csrf_token": token, "code": "CC1", "name": "Renamed", "level": "county",
        "region_id": region.id, "open_weekdays": ["1"], "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Centre, centre.id).name == "Renamed"
    assert _count(db, AuditEntry) >= 2


def test_invalid_centre_shows_errors_beside_fields_and_saves_nothing(signed_in, db):
    region = factories.region("c1")
    factories.centre(region)  # takes code c<n>
    db.session.commit()
    taken = db.session.scalar(sa.select(Centre.code))
    token = csrf_token(signed_in, "/centres/new")
    response = signed_in.post("/centres/new", data={
        "csrf_token": token, "code": taken, "name": "", "level": "county",
        "region_id": region.id})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="code-error"' in html and 'id="name-error"' in html
    assert 'id="open_weekdays-error"' in html
    assert _count(db, Centre) == 1


def test_market_day_venue_may_have_no_weekdays(signed_in, db):
    region = factories.region("t1", level="town")
    db.session.commit()
    token = csrf_token(signed_in, "/centres/new")
    response = signed_in.post("/centres/new", data={
        "csrf_token": token, "code": "V1", "name": "Market", "level": "venue",
        "region_id": region.id, "active": "y"})
    assert response.status_code == 302


def test_rooms_add_edit_deactivate_and_capacity(signed_in, db):
    centre = factories.centre()
    db.session.commit()
    token = csrf_token(signed_in, f"/centres/{centre.id}")
    bad = signed_in.post(f"/centres/{centre.id}/rooms", data={
        "csrf_token": token, "code": "R9", "name": "Small", "capacity": "0"})
    assert bad.status_code == 422 and 'id="capacity-error"' in bad.get_data(as_text=True)
    assert _count(db, Room) == 1
    ok = signed_in.post(f"/centres/{centre.id}/rooms", data={
        "csrf_token": token, "code": "R9", "name": "Small", "capacity": "4"})
    assert ok.status_code == 302
    room = db.session.scalar(sa.select(Room).where(Room.code == "R9"))
    edit = signed_in.post(f"/centres/rooms/{room.id}/edit", data={
        "csrf_token": token, "code": "R9", "name": "Bigger", "capacity": "8", "active": "y"})
    assert edit.status_code == 302
    signed_in.post(f"/centres/rooms/{room.id}/active", data={"csrf_token": token, "active": "0"})
    db.session.expire_all()
    room = db.session.get(Room, room.id)
    assert (room.name, room.capacity, room.active) == ("Bigger", 8, False)


def test_closures_and_market_days_preview_then_save(signed_in, db):
    centre = factories.centre()
    db.session.commit()
    token = csrf_token(signed_in, f"/centres/{centre.id}")
    bad = signed_in.post(f"/centres/{centre.id}/closures", data={"csrf_token": token,
                                                                "date": "not a date"})
    assert bad.status_code == 422 and _count(db, CentreDate) == 0
    ok = signed_in.post(f"/centres/{centre.id}/closures", data={
        "csrf_token": token, "date": "2026-12-25", "note": "Holiday"})
    assert ok.status_code == 302
    form = {"csrf_token": token, "start": "2026-12-01", "end": "2026-12-16", "every": "5"}
    preview = signed_in.post(f"/centres/{centre.id}/market-days", data={**form, "confirm": "0"})
    html = preview.get_data(as_text=True)
    assert "2026-12-06" in html and "2026-12-16" in html
    assert _count(db, CentreDate) == 1
    saved = signed_in.post(f"/centres/{centre.id}/market-days", data={**form, "confirm": "1"})
    assert saved.status_code == 302
    db.session.expire_all()
    centre = db.session.get(Centre, centre.id)
    assert centre.open_dates == [date(2026, 12, d) for d in (1, 6, 11, 16)]
    assert centre.closed_dates == [date(2026, 12, 25)]
    assert centre.is_open_on(date(2026, 12, 6))  # a Sunday market day
    bad = signed_in.post(f"/centres/{centre.id}/market-days", data={
        **form, "end": "2026-11-01", "confirm": "1"})
    assert bad.status_code == 422 and 'id="end-error"' in bad.get_data(as_text=True)


def test_sessions_need_an_admin(client, make_user, db):
    coordinator, password = make_user("coordinator")
    sign_in(client, coordinator.email, password)
    token = csrf_token(client, "/centres/sessions")
    data = {"csrf_token": token, "code": "am", "name": "Morning", "starts_at": "09:00",
            "ends_at": "12:00", "position": "1"}
    assert client.post("/centres/sessions", data=data).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    admin, password = make_user("admin")
    sign_in(client, admin.email, password)
    token = csrf_token(client, "/centres/sessions")
    bad = client.post("/centres/sessions", data={**data, "csrf_token": token,
                                                 "ends_at": "08:00"})
    assert bad.status_code == 422 and _count(db, HearingSession) == 0
    assert client.post("/centres/sessions", data={**data, "csrf_token": token}).status_code == 302
    session = db.session.scalar(sa.select(HearingSession))
    assert (session.starts_at, session.ends_at) == (time(9), time(12))
    edit = client.post(f"/centres/sessions/{session.id}/edit", data={
        **data, "csrf_token": token, "ends_at": "11:30"})
    assert edit.status_code == 302


def test_regions_tree_and_add_below(signed_in, db):
    token = csrf_token(signed_in, "/centres/regions")
    assert signed_in.post("/centres/regions", data={
        "csrf_token": token, "parent_id": "0", "code": "city", "name": "City"}).status_code == 302
    city = db.session.scalar(sa.select(Region).where(Region.code == "city"))
    assert city.level == "city"
    assert signed_in.post("/centres/regions", data={
        "csrf_token": token, "parent_id": str(city.id), "code": "city.c0",
        "name": "County"}).status_code == 302
    county = db.session.scalar(sa.select(Region).where(Region.code == "city.c0"))
    assert county.level == "county" and county.parent_id == city.id
    dup = signed_in.post("/centres/regions", data={
        "csrf_token": token, "parent_id": "0", "code": "city", "name": "Again"})
    assert dup.status_code == 422 and _count(db, Region) == 2
    html = signed_in.get("/centres/regions").get_data(as_text=True)
    assert html.index("City") < html.index("County")


def test_viewer_reads_but_cannot_post(client, make_user, db):
    centre = factories.centre()
    db.session.commit()
    user, password = make_user("viewer")
    sign_in(client, user.email, password)
    assert client.get("/centres/").status_code == 200
    assert client.get(f"/centres/{centre.id}").status_code == 200
    assert client.get("/centres/regions").status_code == 200
    token = csrf_token(client, "/centres/")
    room = centre.rooms[0]
    for path in ("/centres/new", f"/centres/{centre.id}/edit", f"/centres/{centre.id}/rooms",
                 f"/centres/rooms/{room.id}/edit", f"/centres/rooms/{room.id}/active",
                 f"/centres/{centre.id}/closures", f"/centres/{centre.id}/market-days",
                 "/centres/sessions", "/centres/regions"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path

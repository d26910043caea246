"""Issue #12 point 2: centres follow the official calendar by default.

A centre open on weekdays is closed on statutory holidays and open on substituted working days
(调休) and local additions, unless it opts out; the scenario export (and so the planner) uses it.
"""

from __future__ import annotations

import json
from datetime import date

import scheduler
from mediation.centres import services
from mediation.centres.models import Centre
from mediation.exchange.services import export_scenario
from tests import factories
from tests.conftest import csrf_token, sign_in

NEW_YEAR = date(2027, 1, 1)          # Friday, statutory holiday
NATIONAL_DAY = date(2026, 10, 1)     # Thursday, statutory holiday
WORKED_SATURDAY = date(2026, 10, 10)  # substituted working day


def _open_by_rule_8(centre: dict, day: date) -> bool:
    iso = day.isoformat()
    return iso in centre["open_dates"] or (
        day.isoweekday() in centre["open_weekdays"] and iso not in centre["closed_dates"])


def test_a_weekday_centre_follows_the_official_calendar(db):
    centre = factories.centre()
    assert centre.follows_official_calendar
    assert not centre.is_open_on(NEW_YEAR) and not centre.is_open_on(NATIONAL_DAY)
    assert centre.is_open_on(WORKED_SATURDAY)
    assert centre.is_open_on(date(2026, 10, 9)) and not centre.is_open_on(date(2026, 10, 17))
    # An explicit opening (a market day) or closure still wins.
    services.add_centre_date(centre, NEW_YEAR, "open", "Market day")
    services.add_centre_date(centre, WORKED_SATURDAY, "closed", "Repairs")
    assert centre.is_open_on(NEW_YEAR) and not centre.is_open_on(WORKED_SATURDAY)


def test_opting_out_keeps_the_plain_weekdays(db):
    centre = factories.centre()
    centre.follows_official_calendar = False
    assert centre.is_open_on(NEW_YEAR) and not centre.is_open_on(WORKED_SATURDAY)


def test_local_additions_open_and_close_centres(db):
    centre = factories.centre()
    services.save_calendar_day(date(2026, 11, 14), "workday", "Make-up day")
    services.save_calendar_day(date(2026, 11, 17), "holiday", "County festival")
    assert centre.is_open_on(date(2026, 11, 14)) and not centre.is_open_on(date(2026, 11, 17))


def test_scenario_export_over_new_year_shows_no_centre_open_but_the_opted_out(db, runner,
                                                                               tmp_path):
    factories.session_block()
    follows = factories.centre()
    weekend = factories.centre(weekdays=(1, 2, 3, 4, 5, 6, 7))
    market = factories.centre(weekdays=(1, 2, 3, 4, 5))
    market.follows_official_calendar = False
    venue = factories.centre(weekdays=())
    services.add_open_dates(venue, [date(2026, 12, 31), date(2027, 1, 3)])
    db.session.commit()
    out = tmp_path / "scenario.json"
    result = runner.invoke(args=["scenario", "export", str(out), "--from", "2026-12-28",
                                 "--to", "2027-01-08"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    scheduler.scenario_from_dict(data)  # the planner reads it
    centres = {c["id"]: c for c in data["centres"]}
    open_new_year = {code for code, c in centres.items() if _open_by_rule_8(c, NEW_YEAR)}
    assert open_new_year == {market.code}
    assert _open_by_rule_8(centres[follows.code], date(2026, 12, 31))
    assert _open_by_rule_8(centres[venue.code], date(2027, 1, 3))
    assert not _open_by_rule_8(centres[weekend.code], NEW_YEAR)
    assert _open_by_rule_8(centres[weekend.code], date(2027, 1, 2))


def test_scenario_export_opens_substituted_working_days(db):
    follows = factories.centre()
    db.session.flush()
    scenario = export_scenario(date(2026, 9, 28), date(2026, 10, 11), timezone="Asia/Shanghai")
    c = {c.id: c for c in scenario.centres}[follows.code]
    assert WORKED_SATURDAY in c.open_dates
    assert {date(2026, 10, d) for d in (1, 2, 5, 6, 7)} <= set(c.closed_dates)
    for day in (date(2026, 9, 28 + i) for i in range(3)):
        assert day not in c.closed_dates


def test_centre_page_shows_holidays_and_the_flag_can_be_turned_off(signed_in, db):
    centre = factories.centre()
    db.session.commit()
    html = signed_in.get(f"/centres/{centre.id}?year=2026").get_data(as_text=True)
    assert "2026-10-01" in html and "2026-10-10" in html
    token = csrf_token(signed_in, f"/centres/{centre.id}/edit")
    resp = signed_in.post(f"/centres/{centre.id}/edit", data={
        "csrf_token": token, "code": centre.code, "name": centre.name, "level": "county",
        "region_id": centre.region_id, "open_weekdays": ["1", "2", "3", "4", "5"],
        "active": "y"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Centre, centre.id).follows_official_calendar


def test_administrators_enter_local_additions_on_the_calendar_page(client, make_user, db):
    admin, password = make_user("admin")
    sign_in(client, admin.email, password)
    html = client.get("/centres/calendar?year=2026").get_data(as_text=True)
    assert "2026-10-10" in html and "National Day" in html
    token = csrf_token(client, "/centres/calendar?year=2026")
    bad = client.post("/centres/calendar?year=2026", data={"csrf_token": token, "date": "x",
                                                           "kind": "holiday"})
    assert bad.status_code == 422
    ok = client.post("/centres/calendar?year=2026", data={
        "csrf_token": token, "date": "2026-11-17", "kind": "holiday", "note": "County festival"})
    assert ok.status_code == 302
    assert not factories.centre().is_open_on(date(2026, 11, 17))
    assert "County festival" in client.get("/centres/calendar?year=2026").get_data(as_text=True)


def test_only_administrators_enter_local_additions(signed_in, db):
    token = csrf_token(signed_in, "/centres/calendar")
    resp = signed_in.post("/centres/calendar", data={"csrf_token": token, "date": "2026-11-17",
                                                     "kind": "holiday"})
    assert resp.status_code == 403


def test_holiday_names_follow_the_language_and_venues_skip_the_table(signed_in, db):
    centre, venue = factories.centre(), factories.centre(weekdays=())
    db.session.commit()
    zh = signed_in.get(f"/centres/{centre.id}?year=2026",
                       headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    en = signed_in.get(f"/centres/{centre.id}?year=2026",
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "国庆节" in zh and "National Day" in en
    assert 'id="official-heading"' not in signed_in.get(f"/centres/{venue.id}").get_data(
        as_text=True)

"""Issue #12 point 3: market-day cycles (every N days, days of the month by last digit, lunar
days), previewed before saving, and the "6+N" reception team of a venue day."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from mediation.centres import services
from mediation.centres.models import Centre, CentreDate
from mediation.roster.models import Organisation
from mediation.roster.services import (
    get_or_create_organisation,
    merge_organisations,
    set_reception_team,
)
from tests import factories
from tests.conftest import csrf_token


def test_days_by_last_digit():
    dec = date(2026, 12, 1), date(2026, 12, 31)
    assert [d.day for d in services.market_days(*dec, "digits", digits="147")] == \
        [1, 4, 7, 11, 14, 17, 21, 24, 27, 31]
    assert [d.day for d in services.market_days(*dec, "digits", digits="258")] == \
        [2, 5, 8, 12, 15, 18, 22, 25, 28]
    assert [d.day for d in services.market_days(*dec, "digits", digits="50")] == \
        [5, 10, 15, 20, 25, 30]
    assert [d.day for d in services.market_days(date(2027, 2, 1), date(2027, 2, 28), "digits",
                                                digits="369")] == [3, 6, 9, 13, 16, 19, 23, 26]
    with pytest.raises(services.CentreError):
        services.market_days(*dec, "digits", digits="12")


def test_lunar_days():
    # Lunar New Year 2027 (正月初一) is 6 February 2027: lunar 1st, 11th, 21st of 正月.
    assert services.lunar_day_of(date(2027, 2, 6)) == 1
    assert services.market_days(date(2027, 2, 1), date(2027, 2, 28), "lunar",
                                lunar=(1, 11, 21)) == [date(2027, 2, d) for d in (6, 16, 26)]
    days = services.market_days(date(2026, 1, 1), date(2026, 12, 31), "lunar", lunar=(3, 13, 23))
    assert 34 <= len(days) <= 39 and all(services.lunar_day_of(d) in (3, 13, 23) for d in days)
    with pytest.raises(services.CentreError):
        services.market_days(date(2027, 2, 1), date(2027, 2, 28), "lunar", lunar=(31,))


def test_every_nth_day_still_works():
    assert services.market_days(date(2026, 12, 1), date(2026, 12, 16), "every", every=5) == \
        [date(2026, 12, d) for d in (1, 6, 11, 16)]


def _venue(db) -> Centre:
    venue = factories.centre(weekdays=())
    venue.level = "venue"
    db.session.commit()
    return venue


def test_preview_then_save_a_digit_cycle_and_a_lunar_cycle(signed_in, db):
    venue = _venue(db)
    url = f"/centres/{venue.id}/market-days"
    token = csrf_token(signed_in, url)
    form = {"csrf_token": token, "cycle": "digits", "digits": "147", "start": "2026-12-01",
            "end": "2026-12-31", "lunar_days": "", "every": ""}
    preview = signed_in.post(url, data={**form, "confirm": "0"}).get_data(as_text=True)
    assert "2026-12-04" in preview and "2026-12-31" in preview and "2026-12-05" not in preview
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CentreDate)) == 0
    assert signed_in.post(url, data={**form, "confirm": "1"}).status_code == 302
    lunar = {**form, "cycle": "lunar", "start": "2027-02-01", "end": "2027-02-28",
             "lunar_days": "1, 11, 21"}
    preview = signed_in.post(url, data={**lunar, "confirm": "0"}).get_data(as_text=True)
    assert "2027-02-06" in preview and "2027-02-16" in preview and "2027-02-26" in preview
    assert signed_in.post(url, data={**lunar, "confirm": "1"}).status_code == 302
    bad = signed_in.post(url, data={**lunar, "lunar_days": "1, 40", "confirm": "0"})
    assert bad.status_code == 422 and 'id="lunar_days-error"' in bad.get_data(as_text=True)
    db.session.expire_all()
    opened = db.session.get(Centre, venue.id).open_dates
    assert len(opened) == 13 and date(2027, 2, 16) in opened and date(2026, 12, 31) in opened


def test_reception_team_by_organisation_record(db):
    venue = _venue(db)
    town = get_or_create_organisation("Ning'an Town Government", ["宁安镇人民政府"])
    services.add_open_dates(venue, [date(2026, 12, 1), date(2026, 12, 4)])
    first = venue.dates[0]
    set_reception_team(first, "宁安镇人民政府", ["County Petition Bureau", "County Court",
                                           "County Court", "Judicial Office"])
    assert first.lead_organisation == town  # by alias, not a new record
    assert [o.name for o in first.team_units] == ["County Court", "County Petition Bureau",
                                                  "Judicial Office"]
    court = db.session.scalar(sa.select(Organisation).where(Organisation.name == "County Court"))
    dup = get_or_create_organisation("Ning'an Court (dup)")
    set_reception_team(venue.dates[1], "Ning'an Court (dup)", ["Judicial Office"])
    merge_organisations(court, dup)  # the team follows the kept record
    db.session.expire_all()
    second = db.session.get(CentreDate, venue.dates[1].id)
    assert second.lead_organisation.name == "County Court"
    assert [o.name for o in second.team_units] == ["Judicial Office"]


def test_team_page_records_and_the_venue_page_shows_it(signed_in, db):
    venue = _venue(db)
    services.add_open_dates(venue, [date(2026, 12, 1), date(2026, 12, 4), date(2026, 12, 7)])
    db.session.commit()
    entry = venue.dates[0]
    url = f"/roster/venue-days/{entry.id}/team"
    assert signed_in.get(url).status_code == 200
    token = csrf_token(signed_in, url)
    resp = signed_in.post(url, data={"csrf_token": token, "lead_unit": "Town Government",
                                     "other_units": "Petition Bureau\nCourt\nPolice Station",
                                     "later_too": "y"})
    assert resp.status_code == 302
    html = signed_in.get(f"/centres/{venue.id}").get_data(as_text=True)
    assert html.count("Town Government") == 3 and "Court, Petition Bureau, Police Station" in html

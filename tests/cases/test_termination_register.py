"""The termination register (终结库): terminated cases, searchable by reference, name, ID number
and respondent (aliases too), filtered, exported without formula injection, region-scoped, and
linked from the intake warning."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from mediation.cases import services
from mediation.cases.services import transition
from tests.cases.conftest import register
from tests.conftest import csrf_token, sign_in

REASON = "=HYPERLINK(\"http://evil\",\"click\") demands explained three times"


def _terminate(case, world, reason=REASON, today=date(2026, 11, 20)):
    case.status = "opinion_given"
    case.accepted_on = date(2026, 11, 3)
    services.update_checklist(case, {p: True for p, _ in services.CHECKLIST}, world.user)
    transition(case, "terminate", world.user, today=today, reason=reason)


def _world_with_register(db, world):
    wang = register(world, respondents=["宁安镇人民政府"])  # by alias: Ning'an Town Government
    _terminate(wang, world)
    other = register(world, region_id=world.other_county.id, title="Land compensation",
                     category="land_compensation",
                     parties=[services.PartyData(name="Li Na", id_number="360102198001011111")])
    _terminate(other, world, reason="Policy explained", today=date(2025, 6, 1))
    open_case = register(world, title="Still open", parties=[
        services.PartyData(name="Zhao Lei", id_number="360102197001012222")])
    db.session.commit()
    return wang, other, open_case


def test_the_register_lists_terminated_cases_with_search_and_filters(db, world, client):
    wang, other, open_case = _world_with_register(db, world)
    sign_in(client, world.user.email, "correct horse battery")

    def refs(**params):
        html = client.get("/cases/termination-register/", query_string=params).get_data(
            as_text=True)
        return {c.reference for c in (wang, other, open_case)
                if f'id="case-{c.id}"' in html}, html

    found, html = refs()
    assert found == {wang.reference, other.reference}
    assert "Wang Fang" in html and "demands explained three times" in html
    assert "Ning&#39;an Town Government" in html or "Ning'an Town Government" in html
    assert refs(q="宁安镇人民政府")[0] == {wang.reference}  # respondent alias
    assert refs(q="360102199001011234")[0] == {wang.reference}  # ID number
    assert refs(q="li na")[0] == {other.reference}  # name, any case
    assert refs(q=other.reference)[0] == {other.reference}
    assert refs(year=2025)[0] == {other.reference}
    assert refs(category="unpaid_wages")[0] == {wang.reference}
    assert refs(region=world.county.id)[0] == {wang.reference}  # the county and below


def test_viewers_see_no_names_and_cannot_search_by_them(db, world, client, make_user):
    wang, _other, _open = _world_with_register(db, world)
    viewer, password = make_user("viewer")
    sign_in(client, viewer.email, password)
    html = client.get("/cases/termination-register/").get_data(as_text=True)
    assert wang.reference in html and "Wang Fang" not in html
    html = client.get("/cases/termination-register/?q=360102199001011234").get_data(
        as_text=True)
    assert f'id="case-{wang.id}"' not in html
    csv_text = client.get("/cases/termination-register/export.csv").get_data(as_text=True)
    assert wang.reference in csv_text and "Wang Fang" not in csv_text


def test_a_region_limited_user_sees_only_their_regions(db, world, client, make_user):
    wang, other, _open = _world_with_register(db, world)
    limited, password = make_user("coordinator")
    limited.regions = [world.other_county]
    db.session.commit()
    sign_in(client, limited.email, password)
    html = client.get("/cases/termination-register/").get_data(as_text=True)
    assert f'id="case-{other.id}"' in html and f'id="case-{wang.id}"' not in html
    csv_text = client.get("/cases/termination-register/export.csv").get_data(as_text=True)
    assert other.reference in csv_text and wang.reference not in csv_text


def test_exports_neutralise_formulas(db, world, client):
    wang, other, _open = _world_with_register(db, world)
    sign_in(client, world.user.email, "correct horse battery")
    response = client.get("/cases/termination-register/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and "Wang Fang" in text
    response = client.get("/cases/termination-register/export.xlsx?year=2026")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == wang.reference
    assert any(isinstance(v, str) and v.startswith("'=HYPERLINK") for v in rows[1])
    assert client.get("/cases/termination-register/export.pdf").status_code == 404


def test_intake_warns_of_a_terminated_repeat_and_links_to_the_register_entry(db, world, client):
    wang, _other, _open = _world_with_register(db, world)
    sign_in(client, world.user.email, "correct horse battery")
    token = csrf_token(client, "/cases/new")
    response = client.post("/cases/new", data={
        "csrf_token": token, "title": "Wages again", "category": "unpaid_wages",
        "region_id": world.village.id, "attendees": 1, "priority": 3,
        "respondents": "Ning'an Town Government",
        "parties-0-kind": "person", "parties-0-name": "Wang Fang",
        "parties-0-id_number": "360102199001011234"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "termination register" in html and wang.reference in html
    assert f"/cases/termination-register/?q={wang.reference}#case-{wang.id}" in html

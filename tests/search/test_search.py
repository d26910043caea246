"""The one search box (issue #12 point 5): cases by reference, party name and ID number (editors
only; with spaces or a lower-case x; audited), respondents by any alias (organisation record → its
cases), people of the roster, hearings by case reference or date; region-scoped; grouped; capped.

Before this there was no such search, and the case list's box (reference, title, party name)
found nothing by ID number or by a respondent's alias."""

from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa

from mediation.audit.models import AuditEntry
from mediation.cases import services as cases
from mediation.cases.services import PartyData
from mediation.planning.models import Hearing
from mediation.roster.services import get_or_create_organisation
from mediation.search import services
from mediation.timeutil import local_to_utc
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def world(db, make_user, app):
    county = factories.region("county-a", "county")
    other = factories.region("county-b", "county")
    get_or_create_organisation("Ning'an Town Government", ["宁安镇人民政府"])
    coordinator, password = make_user("coordinator", name="Chen Jing")
    with app.test_request_context():
        first = cases.register_case({
            "title": "Land compensation", "category": "land_compensation",
            "region_id": county.id, "respondents": ["宁安镇人民政府"],
            "parties": [PartyData(name="Wang Fang", id_number="36010219900101123X",
                                  phone="13800000001")],
        }, coordinator, today=date(2026, 11, 2)).case
        second = cases.register_case({
            "title": "Wages", "category": "unpaid_wages", "region_id": other.id,
            "respondents": ["Hengda Construction Co."],
            "parties": [PartyData(name="Li Qiang", id_number="110101198001010011")],
        }, coordinator, today=date(2026, 11, 3)).case
    expert = factories.person(code="E0026", name="Zhou Ming")
    centre = factories.centre(county)
    session = factories.session_block()
    hearing = Hearing(case=first, room=centre.rooms[0], date=date(2026, 12, 7), session=session,
                      starts_at=local_to_utc(date(2026, 12, 7), time(9)),
                      ends_at=local_to_utc(date(2026, 12, 7), time(12)), status="published")
    db.session.add(hearing)
    db.session.commit()
    return dict(county=county, other=other, first=first, second=second, expert=expert,
                hearing=hearing, coordinator=coordinator, password=password)


def _refs(results, kind="cases"):
    return [c.reference for c in results.groups[kind].items]


@pytest.mark.parametrize("q", ["36010219900101123X", "360102 19900101123x", "3601021990"])
def test_id_number_finds_the_case_for_editors_only(db, world, q):
    assert _refs(services.search(q, personal=True)) == [world["first"].reference]
    assert _refs(services.search(q, personal=False)) == []


def test_id_number_search_is_audited(db, world, app):
    with app.test_request_context():
        services.search("360102 19900101123x", personal=True)
    db.session.commit()
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "case.personal_details.search"))
    assert entry is not None and world["first"].reference in entry.summary


@pytest.mark.parametrize("q", ["宁安镇", "Ning'an Town", "ning'an town government"])
def test_respondent_alias_finds_the_organisation_and_its_cases(db, world, q):
    results = services.search(q, personal=False)
    assert _refs(results) == [world["first"].reference]
    assert [o.name for o in results.groups["organisations"].items] == ["Ning'an Town Government"]


def test_reference_party_person_and_hearing(db, world):
    first = world["first"]
    assert _refs(services.search(first.reference.lower(), personal=False)) == [first.reference]
    assert _refs(services.search("li qiang", personal=False)) == [world["second"].reference]
    people = services.search("E0026", personal=False).groups["people"].items
    assert [p.name for p in people] == ["Zhou Ming"]
    assert [p.code for p in services.search("zhou", personal=False).groups["people"].items] == [
        "E0026"]
    by_date = services.search("2026-12-07", personal=False).groups["hearings"].items
    by_ref = services.search(first.reference, personal=False).groups["hearings"].items
    assert by_date == [world["hearing"]] == by_ref


def test_wildcards_are_literal(db, world):
    assert services.search("%", personal=True).total_shown == 0
    assert services.search("_", personal=True).total_shown == 0


def test_capped_with_more_and_paged_by_kind(db, world, monkeypatch):
    for n in range(12):
        factories.person(code=f"X{n:02d}", name=f"Expert {n}")
    db.session.commit()
    monkeypatch.setattr(services, "PAGE_SIZE", 5)
    overview = services.search("Expert", personal=False).groups["people"]
    assert len(overview.items) == services.OVERVIEW_LIMIT and overview.more
    page3 = services.search("Expert", personal=False, kind="people", page=3)
    assert [p.code for p in page3.groups["people"].items] == ["X10", "X11"]
    assert not page3.groups["people"].more and list(page3.groups) == ["people"]


def test_page_region_scope_and_personal_details(db, world, client, make_user):
    sign_in(client, world["coordinator"].email, world["password"])
    html = client.get("/search?q=360102+19900101123x").get_data(as_text=True)
    assert world["first"].reference in html and 'id="search-cases"' in html
    html = client.get("/search?q=" + "宁安镇").get_data(as_text=True)
    assert "Ning&#39;an Town Government" in html and world["first"].reference in html
    client.post("/logout", data={"csrf_token": _token(client)})
    viewer, password = make_user("viewer")
    sign_in(client, viewer.email, password)
    html = client.get("/search?q=36010219900101123X").get_data(as_text=True)
    assert world["first"].reference not in html and 'id="search-empty"' in html
    client.post("/logout", data={"csrf_token": _token(client)})
    limited, password = make_user("coordinator")
    limited.regions = [world["other"]]
    db.session.commit()
    sign_in(client, limited.email, password)
    html = client.get("/search?q=2026-12-07").get_data(as_text=True)
    assert 'id="search-hearings"' not in html
    html = client.get("/search?q=QS-2026").get_data(as_text=True)
    assert world["second"].reference in html and world["first"].reference not in html


def test_search_box_in_the_top_bar_and_chinese(db, world, client):
    sign_in(client, world["coordinator"].email, world["password"])
    html = client.get("/cases/").get_data(as_text=True)
    assert 'role="search"' in html and 'action="/search"' in html
    client.post("/language/zh_Hans_CN", data={"csrf_token": _token(client), "next": "/"})
    html = client.get("/search?q=E0026").get_data(as_text=True)
    assert "查询" in html and "专家库人员" in html


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/")

"""In a real browser: the top-bar search box finds a case by ID number (typed with spaces and a
lower-case x) and by a respondent's alias; a possible repeat is confirmed, another dismissed."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from mediation.cases import services as cases
from mediation.cases.services import PartyData
from mediation.roster.services import get_or_create_organisation
from tests import factories
from tests.conftest import browser_sign_in


def test_search_box_and_possible_repeat_decisions(page, db, make_user, app):
    user, password = make_user("coordinator", name="Chen Jing")
    county = factories.region("bs-county", "county")
    get_or_create_organisation("Ning'an Town Government", ["宁安镇人民政府"])
    wang = [PartyData(name="Wang Fang", id_number="36010219900101123X")]
    with app.test_request_context():
        first = cases.register_case({"title": "Wages", "category": "unpaid_wages",
                                     "region_id": county.id, "respondents": ["宁安镇人民政府"],
                                     "parties": wang}, user, today=date(2026, 11, 2)).case
        second = cases.register_case({"title": "Wages again", "category": "unpaid_wages",
                                      "region_id": county.id, "respondents": [],
                                      "parties": wang}, user, today=date(2026, 11, 9)).case
    db.session.commit()

    page.goto("/")
    browser_sign_in(page, user.email, password)
    box = page.locator("header form[role=search] input[name=q]")
    box.fill("360102 19900101123x")
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    found = page.locator("#search-cases")
    assert first.reference in found.inner_text() and second.reference in found.inner_text()

    box = page.locator("header form[role=search] input[name=q]")
    box.fill("宁安镇")
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    assert "Ning'an Town Government" in page.locator("#search-organisations").inner_text()
    page.locator("#search-cases").get_by_role("link", name=first.reference).click()
    page.wait_for_url(f"**/cases/{first.id}")

    page.goto(f"/cases/{second.id}")
    warning = page.locator(".warning", has_text="Possibly a repeat of")
    assert first.reference in warning.inner_text()
    warning.get_by_role("button", name="Confirm as a repeat").click()  # no reason: refused
    assert page.url.endswith(f"/cases/{second.id}")
    warning.get_by_label("Reason").fill("same wage claim, new respondent named by mistake")
    warning.get_by_role("button", name="Confirm as a repeat").click()
    page.wait_for_load_state()
    assert f"Confirmed as a repeat of {first.reference}." in page.get_by_role(
        "status").first.inner_text()
    assert page.locator(".warning", has_text="Possibly a repeat of").count() == 0
    assert first.reference in page.locator("#repeat-warning").inner_text()
    assert "Possible repeat confirmed" in page.locator(".timeline").inner_text()

    with app.test_request_context():
        third = cases.register_case({"title": "Pension", "category": "unpaid_wages",
                                     "region_id": county.id, "respondents": ["Other Co"],
                                     "parties": wang}, user, today=date(2026, 11, 20)).case
    db.session.commit()
    page.goto(f"/cases/{third.id}")
    warning = page.locator(".warning", has_text=f"Possibly a repeat of {first.reference}")
    warning.get_by_label("Reason").fill("a different matter")
    warning.get_by_role("button", name="Dismiss").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status").first).to_contain_text("dismissed")
    assert "Possible repeat dismissed" in page.locator(".timeline").inner_text()

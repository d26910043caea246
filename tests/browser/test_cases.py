"""The cases area in a real browser: register with two parties, see a repeat flagged, accept."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.conftest import browser_sign_in


def _register(page, region_id: int, title: str, second_party: str | None = None) -> None:
    page.goto("/cases/new")
    page.fill("#title", title)
    page.select_option("#category", "unpaid_wages")
    page.select_option("#region_id", str(region_id))
    page.fill("#respondents", "宁安镇人民政府")
    page.fill("#parties-0-name", "Wang Fang")
    page.fill("#parties-0-id_number", "360102199001011234")
    page.fill("#parties-0-phone", "13800000001")
    if second_party:
        page.get_by_role("button", name="Add another party").click()
        page.fill("#parties-1-name", second_party)
        page.fill("#parties-1-phone", "13900000002")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))


def test_register_repeat_and_accept(page, db, make_user):
    user, password = make_user("coordinator", name="Chen Jing")
    town = factories.region("bt-town", "town")
    factories.region("bt-village", "village", parent=town)
    from mediation.roster.services import get_or_create_organisation

    get_or_create_organisation("Ning'an Town Government", ["宁安镇人民政府"])
    db.session.commit()

    page.goto("/cases/")
    browser_sign_in(page, user.email, password)
    _register(page, town.id, "Wages owed at the bridge site", second_party="Li Qiang")
    expect(page.get_by_role("status").first).to_have_text(re.compile(r"^Case QS-"))
    parties = page.locator(".parties-table tbody tr")
    expect(parties).to_have_count(2)
    assert "Li Qiang" in parties.nth(1).inner_text()
    first_ref = page.locator("h1").inner_text().split(" · ")[0]

    _register(page, town.id, "Wages still owed")
    warning = page.locator("#repeat-warning")
    assert "Possible repeat petition" in warning.inner_text()
    assert first_ref in warning.inner_text()
    assert page.locator(".facts").get_by_text("4", exact=True).count() >= 1  # priority 3 → 4

    page.locator("#action-accept summary").click()
    page.locator("#action-accept").get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status").first).to_contain_text("Accept: done.")
    assert page.locator(".facts .status").inner_text() == "accepted"
    assert "Accept" in page.locator(".timeline").inner_text()

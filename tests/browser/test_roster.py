"""The roster and conflicts in a real browser: add an expert, declare a conflict, see it listed."""

import re

from playwright.sync_api import expect

from tests import factories as f
from tests.conftest import browser_sign_in


def test_create_expert_and_declare_a_conflict(page, make_user, db):
    case = f.case(reference="QS-2026-0042", title="Unpaid wages at the brick works")
    db.session.commit()
    user, password = make_user("coordinator")
    page.goto("/roster/")
    browser_sign_in(page, user.email, password)

    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Code").fill("E-777")
    page.get_by_label("Name", exact=True).fill("Zhao Min")
    page.get_by_label("Organisations").fill("宁安镇人民政府")
    page.get_by_label("Maximum hearings per day").fill("1")
    page.get_by_role("button", name="Save").click()
    assert page.locator("h1").inner_text().startswith("E-777 · Zhao Min")
    assert page.get_by_text("宁安镇人民政府").count() >= 1

    # The calendar works as plain buttons: mark a day of the shown month unavailable.
    page.locator("table.month button.day").nth(10).click()
    expect(page.get_by_role("status").first).to_have_text(re.compile(r"^Marked"))

    page.get_by_role("link", name="Declare a conflict").click()
    page.get_by_label("Case reference").fill(case.reference)
    page.get_by_label("Soft: allowed, penalised and shown").check()
    page.get_by_label("Reason", exact=True).fill("Advised the petitioner last year")
    page.get_by_role("button", name="Record the conflict").click()

    page.wait_for_url("**/conflicts/**")
    row = page.locator("table.conflicts tbody tr", has_text="E-777")
    expect(row).to_have_count(1)
    assert "Advised the petitioner last year" in row.inner_text()
    assert case.reference in row.inner_text()

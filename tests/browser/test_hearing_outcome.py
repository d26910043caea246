"""A hearing's outcome in a real browser: the coordinator records it on the case page and sees
it listed, then the panel's opinion form offers that hearing's panel."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from mediation.timeutil import local_today
from tests import factories
from tests.conftest import browser_sign_in
from tests.hearings.helpers import published_hearing


def test_record_an_outcome_on_the_case_page(page, db, make_user):
    user, password = make_user("coordinator", name="Chen Jing")
    county = factories.region("bo-county")
    case = factories.case(county, status="in_handling", accepted_on=date(2026, 11, 2),
                          registered_on=date(2026, 11, 1))
    panel = [factories.person(name=f"Expert {n}") for n in "ABC"]
    hearing = published_hearing(case, people=panel, day=local_today() - timedelta(days=1))
    db.session.commit()

    page.goto(f"/cases/{case.id}")
    browser_sign_in(page, user.email, password)
    page.wait_for_url(re.compile(rf"/cases/{case.id}"))
    row = page.locator(f"#hearing-{hearing.id}")
    assert "Expert A (chair)" in row.inner_text()
    form = page.locator(f"#outcome-{hearing.id}")
    form.get_by_label("held").check()
    form.get_by_label("agreement reached").check()
    form.get_by_label("Expert C (member)").uncheck()
    form.get_by_label("Minutes").fill("Both sides agreed on the back pay.")
    form.get_by_role("button", name="Save the outcome").click()
    page.wait_for_url(re.compile(r"#hearings$"))
    expect(page.get_by_role("status").first).to_contain_text("Outcome recorded: held.")
    outcome = page.locator(f"#hearing-{hearing.id} .outcome").inner_text()
    assert "held" in outcome and "agreement reached" in outcome
    assert "present: 3 of 4 members" in outcome
    assert "Both sides agreed on the back pay." in outcome
    opinion = page.locator("#action-give_opinion")
    opinion.locator("summary").click()
    assert "Members of the hearing panel." in opinion.inner_text()
    assert "Schedule a follow-up visit" in page.locator("#followups").inner_text()

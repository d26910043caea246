"""In a real browser: the home page's work list fits a phone and a laptop, and one click on an
item opens the page where it is dealt with."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mediation.cases.followups import FollowUp
from tests.conftest import browser_sign_in
from tests.planning.conftest import TODAY, world  # noqa: F401

FITS = """el => {
  const box = el.getBoundingClientRect();
  return {right: box.right, scroll: el.scrollWidth, client: el.clientWidth,
          page: document.documentElement.clientWidth};
}"""


@pytest.mark.parametrize("width", [390, 1366])
def test_the_work_list_fits_and_leads_to_the_case(page, db, world, width):  # noqa: F811
    late = world.cases[1]
    late.due_by = TODAY - timedelta(days=3)
    late.title = "Unpaid wages at the brick works, three seasons, forty-two workers"
    db.session.add(FollowUp(case_id=world.cases[2].id, due_on=TODAY - timedelta(days=1),
                            visitor="Letters and visits officer"))
    db.session.commit()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/")
    browser_sign_in(page, world.user.email, "correct horse battery")
    page.goto("/?lang=en")
    work = page.locator("#work-list")
    assert page.locator("#work-overdue").is_visible() and page.locator("#work-followups").count()
    fit = work.evaluate(FITS)
    assert fit["scroll"] <= fit["client"] and fit["right"] <= fit["page"] + 0.5, fit
    page.locator("#work-overdue").get_by_role("link", name=late.reference).click()
    page.wait_for_url(f"**/cases/{late.id}")
    assert late.reference in page.locator("main").inner_text()

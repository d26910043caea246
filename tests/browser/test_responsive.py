"""The main pages on a phone (390 px) and an office laptop (1366 px), in both languages, on the
demo data: no page is wider than the window, the areas fold behind the menu button on a phone
and open when it is tapped, and the browser reports no blocked (CSP) resource.

Pages other engineers are reworking right now are listed in OTHERS: if one of them overflows,
the test is marked xfail naming it, while an overflow on any other page fails.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mediation.cases.models import Case
from mediation.demo.services import load_demo
from mediation.hearings.models import PUBLISHED_LAYER, Hearing
from mediation.roster.models import Person
from mediation.timeutil import local_today
from tests.conftest import browser_sign_in

WIDTHS = (390, 1366)
HEIGHT = {390: 844, 1366: 768}
# Pages whose templates belong to other engineers of issue #14 (planning, home, calendar,
# conflicts): an overflow there is reported, not counted against the shell.
OTHERS = {"home", "schedule", "hearing", "conflicts", "calendars"}


def _paths(db) -> dict[str, str]:
    first = lambda model: db.session.scalar(sa.select(model.id).order_by(model.id).limit(1))  # noqa: E731
    hearing = db.session.scalar(sa.select(Hearing.id).where(Hearing.layer == PUBLISHED_LAYER)
                                .order_by(Hearing.id).limit(1))
    return {
        "home": "/",
        "dashboard": "/dashboard/",
        "cases": "/cases/",
        "case": f"/cases/{first(Case)}",
        "roster": "/roster/",
        "person": f"/roster/{first(Person)}",
        "centres": "/centres/",
        "schedule": "/planning/schedule",
        "hearing": f"/planning/hearings/{hearing}",
        "conflicts": "/conflicts/",
        "calendars": "/calendar/feeds",
        "imports": "/imports/",
        "search": "/search?q=QS-2026",
    }


def _use_language(page, code: str) -> None:
    """Press the language switch unless the page is already in that language."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/")
    switch = page.locator(f"form[action='/language/{code}'] button")
    if switch.count():
        switch.click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if code == "zh_Hans_CN" else "en")


def _width(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_main_pages_fit_a_phone_and_a_laptop(page, db, language):
    demo = load_demo(today=local_today())
    db.session.commit()
    paths = _paths(db)
    blocked = []
    page.on("console", lambda m: blocked.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text else None)
    page.goto("/login")
    browser_sign_in(page, demo.admin_email, demo.admin_password)
    _use_language(page, language)

    too_wide = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT[width]})
        for name, path in paths.items():
            response = page.goto(path)
            assert response.status == 200, (name, path, response.status)
            scroll, window = _width(page)
            if scroll > window:
                too_wide[(name, width)] = scroll
    assert not blocked, blocked
    ours = {k: v for k, v in too_wide.items() if k[0] not in OTHERS}
    assert not ours, f"wider than the window ({language}): {ours}"
    if too_wide:
        pytest.xfail(f"pages of other engineers wider than the window ({language}): {too_wide}")


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_phone_menu_folds_the_areas_and_opens_when_tapped(page, make_user, language):
    user, password = make_user("admin")
    page.goto("/login")
    browser_sign_in(page, user.email, password)
    _use_language(page, language)
    cases = "案件" if language == "zh_Hans_CN" else "Cases"

    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/cases/")
    toggler = page.locator("button.navbar-toggler")
    assert not toggler.is_visible()
    assert page.get_by_role("link", name=cases, exact=True).is_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/cases/")
    assert toggler.is_visible() and toggler.get_attribute("aria-expanded") == "false"
    link = page.locator("#main-nav").get_by_role("link", name=cases, exact=True)
    assert not link.is_visible()
    assert not page.locator("#main-nav input[type=search]").is_visible()
    toggler.click()
    link.wait_for(state="visible")
    assert toggler.get_attribute("aria-expanded") == "true"
    assert page.locator("#main-nav input[type=search]").is_visible()
    assert _width(page)[0] <= 390
    link.click()
    page.wait_for_url("**/cases/")

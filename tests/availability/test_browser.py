"""The person page's calendar box in a real browser: paste the address, sync, see busy times."""

from __future__ import annotations

from datetime import time, timedelta

from playwright.sync_api import expect

from mediation.timeutil import local_today
from tests import factories as F
from tests.availability import ics
from tests.conftest import browser_sign_in


def test_set_the_address_and_sync_now(page, make_user, db, ics_server, allow_private):
    F.session_block("am", time(9), time(12))
    F.session_block("pm", time(14), time(17, 30))
    person = F.person(code="E0026", name="Li Wei")
    db.session.commit()
    today = local_today()
    url = ics_server.serve("/secret-abc123/basic.ics", ics.all_day(today + timedelta(days=3), 1))
    user, password = make_user("coordinator")
    page.goto(f"/roster/{person.id}")
    browser_sign_in(page, user.email, password)

    box = page.locator("#busy-calendar")
    box.get_by_label("Calendar address").fill(url)
    box.get_by_role("button", name="Save address").click()
    expect(page.get_by_role("status").first).to_have_text("Calendar address saved.")
    page.locator("#busy-calendar").get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("status").first).to_have_text("Calendar imported: 2 busy sessions.")
    text = page.locator("#busy-calendar").inner_text()
    assert "http://127.0.0.1/…" in text and "secret-abc123" not in text
    assert text.count("all-day event") == 2

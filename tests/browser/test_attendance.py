"""Issue #13, "Done when": an expert with no account, from the invite on a 390 px phone screen,
sees the hearing with the centre's address and declines it; the coordinator sees the decline and
publishes a repair that kept the slot and the other two members; the other two get no mail, the
new member an invitation, the decliner a cancellation."""

from __future__ import annotations

import email
import re
from email import policy

import sqlalchemy as sa
from playwright.sync_api import expect

from mediation.calendar.models import OutboxMessage
from mediation.planning.models import Hearing
from mediation.planning.publish import publish_run
from tests import factories as F
from tests.calendar.factories import SECRET_NAME, SECRET_TITLE
from tests.conftest import browser_sign_in
from tests.planning.conftest import planned, world  # noqa: F401

PAGE_LINK = re.compile(r"https?://\S+/p/[A-Za-z0-9_-]{43}")


def _invite_link(db, hearing: Hearing, person) -> str:
    invite = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.hearing_id == hearing.id, OutboxMessage.person_id == person.id,
        OutboxMessage.reason == "published"))
    text = email.message_from_string(invite.message, policy=policy.default) \
        .get_body(("plain",)).get_content()
    return PAGE_LINK.search(text).group(0)


def test_expert_declines_on_a_phone_and_the_repair_keeps_slot_and_others(
        page, browser, live_server, app, _web_app, db, world, planned, monkeypatch):  # noqa: F811
    for target in (app, _web_app):
        monkeypatch.setitem(target.config, "MEDIATION_BASE_URL", live_server)
    publish_run(planned, world.user)
    # Someone free who fits any seat: the plan the solver chose varies with the machine's load,
    # and in some plans nobody of the seven fits the declined seat (then a repair run moves the
    # hearing instead, which is test_planning's case, not this one).
    spare = F.person(code="E9", name="Expert 9", email="e9@example.org")
    spare.expertise = list({e for p in world.experts for e in p.expertise})
    db.session.commit()
    h = db.session.scalars(sa.select(Hearing).where(Hearing.layer == 0)
                           .order_by(Hearing.id)).first()
    slot = (h.room_id, h.date, h.session_id)
    leaving = next(m.person for m in h.members if m.role == "member")
    staying = {m.person_id for m in h.members} - {leaving.id}
    link = _invite_link(db, h, leaving)

    # The expert, on a phone, no account, no cookies.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        expert = phone.new_page()
        expert.goto(link)
        assert "/login" not in expert.url
        card = expert.locator(f"#h{h.id}")
        assert h.room.centre.address in card.inner_text()
        assert h.case.reference in card.inner_text()
        body = expert.content()
        assert SECRET_TITLE not in body and SECRET_NAME not in body
        for party in h.case.parties:
            assert party.name not in body
        # Phone first: nothing wider than the screen.
        assert expert.evaluate("document.documentElement.scrollWidth") <= 390
        expert.get_by_role("link", name="English").click()
        card = expert.locator(f"#h{h.id}")
        card.get_by_text("I cannot attend").click()
        card.get_by_label("Reason (required)").fill("Surgery that week")
        card.get_by_role("button", name="Decline this hearing").click()
        expert.locator("#answer-done").wait_for()
        assert "You declined." in expert.locator(f"#h{h.id}").inner_text()
    finally:
        phone.close()

    # The coordinator: the decline on the home page and the hearing page; publish the repair.
    page.goto("/")
    browser_sign_in(page, world.user.email, "correct horse battery")
    page.goto("/?lang=en")
    attention = page.locator("#declines-attention")
    assert h.case.reference in attention.inner_text()
    attention.get_by_role("link", name=re.compile(h.case.reference)).click()
    row = page.locator(f'tr[data-person="{leaving.code}"]')
    assert row.get_attribute("data-answer") == "declined"
    assert "Surgery that week" in page.locator("#hearing-answers").inner_text()
    page.locator("#hearing-answers").get_by_role("link", name="repair proposal").click()
    changes = page.locator("#changes tbody tr")
    expect(changes).to_have_count(1)  # waits for the page, which a busy machine parses late
    assert changes.first.get_attribute("data-kind") == "panel"
    page.get_by_role("link", name="Publish this plan").click()  # first: what will change
    page.wait_for_url(re.compile(r"/planning/runs/\d+/publish$"))
    page.get_by_role("button", name="Publish now").click()
    page.get_by_role("status").first.wait_for()

    db.session.expire_all()
    h = db.session.get(Hearing, h.id)
    assert (h.room_id, h.date, h.session_id) == slot
    members = {m.person_id for m in h.members}
    assert staying <= members and leaving.id not in members and len(members) == len(staying) + 1
    mail = {m.person_id: (m.method, m.reason) for m in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.hearing_id == h.id,
                                       OutboxMessage.sequence == h.sequence))}
    [newcomer] = members - staying
    assert mail == {newcomer: ("REQUEST", "published"), leaving.id: ("CANCEL", "removed")}

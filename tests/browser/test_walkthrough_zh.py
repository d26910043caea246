"""The whole coordinator's walkthrough in a Chinese browser, on the demo data (issue #14, first
"Done when"): register a case → accept it → plan it → review the run → edit the proposed hearing
(a ranked free slot, then another panel member) → publish through the confirmation page → the
emails → the day comes, record the outcome → the dashboard.

The browser is a Chinese one (locale zh-CN, so Accept-Language: zh-CN; nobody presses the
language switch), and the test clicks by the Chinese names of buttons and labels. Every page it
lands on (after every POST too, so every flash) must pass the checks of tests/test_every_page.py
(no catalogue message in English, no English phrase, no raw code), carry Chinese at all, and not
scroll sideways at 390 and 1366 px. The problems of the whole walk are collected and listed together. A screenshot of
each page at 390 px goes to $WALKTHROUGH_SHOTS (else the test's temporary folder).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from mediation.demo.services import load_demo
from mediation.hearings.models import PUBLISHED_LAYER, Hearing
from mediation.regions.models import Region
from mediation.roster.models import Person
from mediation.timeutil import local_today
from tests.browser.test_case_life import _act, _the_day_comes, fill_new_case
from tests.browser.test_planning import _follow_run
from tests.conftest import browser_sign_in
from tests.test_every_page import CHINESE, chinese_problems, data_pattern, raw_codes, visible_text

CASE_PAGE = re.compile(r"/cases/(\d+)$")
RUN_PAGE = re.compile(r"/planning/runs/(\d+)$")
HEARING_PAGE = re.compile(r"/planning/hearings/(\d+)$")
WIDTHS = {1366: 768, 390: 844}


class Walk:
    """Checks each page the walk lands on and keeps every problem with its step and URL."""

    def __init__(self, page, shots: Path):
        self.page = page
        self.shots = shots
        self.codes = raw_codes()
        # The records' own words as the demo made them; what the walk adds is Chinese, so an
        # English text the app stores along the way (and shows) is not taken for a record's.
        self.data = data_pattern(self.codes)
        self.problems: list[tuple[str, str, str]] = []
        self.steps: list[str] = []

    def check(self, step: str, flash: str | None = None) -> None:
        """The page as it stands (after its scripts ran): in Chinese, no English, no codes,
        no sideways scrolling. `flash`: a flashed message that must be on it."""
        page = self.page
        page.wait_for_load_state()
        self.steps.append(step)
        name = f"{len(self.steps):02d}-{step.replace(' ', '-')}"
        url = page.url
        html = page.content()
        problem = lambda text: self.problems.append((step, url, text))  # noqa: E731
        lang = page.locator("html").get_attribute("lang")
        if lang != "zh-CN":
            problem(f"html lang is {lang!r}")
        if not CHINESE.search(visible_text(html)):
            problem("no Chinese on the page")
        found = chinese_problems(html, self.codes, self.data, urlsplit(url).path)
        for text in found:
            problem(text)
        if found:  # the page as checked, next to its screenshot
            (self.shots / f"{name}.html").write_text(html)
        flashes = page.locator(".flash").all_inner_texts()
        for text in flashes:
            if not CHINESE.search(text):
                problem(f"flash not in Chinese: {text}")
        if flash is not None and not any(flash in text for text in flashes):
            problem(f"expected the flash {flash!r}, saw {flashes}")
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            scroll, window = page.evaluate("[document.documentElement.scrollWidth,"
                                           " window.innerWidth]")
            if scroll > window:
                problem(f"scrolls sideways at {width} px: {scroll} px wide")
            if width == 390:
                page.screenshot(path=self.shots / f"{name}.png", full_page=True)
        page.set_viewport_size({"width": 1366, "height": 768})

    def report(self) -> str:
        return "\n".join(f"[{step}] {url}: {text}" for step, url, text in self.problems)


def _first_hearing_of_run(page) -> None:
    """Open the run's first hearing, turning the weeks until one shows."""
    for _week in range(8):
        links = page.locator("#grid a.hearing")
        if links.count():
            links.first.click()
            page.wait_for_url(HEARING_PAGE)
            return
        page.locator("#next-week").click()
        page.wait_for_load_state()
    raise AssertionError("the run's grid shows no hearing")


def _replace_a_panel_member(page, walk: Walk) -> bool:
    """Put the top candidate in the first panel seat that has one (on the demo some seats have
    nobody who fits); each candidates page is checked. False if no seat had a candidate."""
    hearing_url = page.url
    seats = page.locator("#members a[href*='candidates'][href*='role=expert']").evaluate_all(
        "links => links.map(a => a.href)")
    for href in seats:
        page.goto(href)
        walk.check("candidates")
        top = page.locator("#candidates tr.fits")
        if top.count():
            joining = top.first.get_attribute("data-person")
            top.first.get_by_role("button", name="选择").click()
            page.wait_for_url(HEARING_PAGE)
            walk.check("member replaced", flash="已加入此评议会")
            assert joining in page.locator("#members tr[data-person]").evaluate_all(
                "rows => rows.map(r => r.dataset.person)")
            return True
    page.goto(hearing_url)
    return False


@pytest.mark.browser_locale("zh-CN")
def test_a_chinese_coordinator_walks_through_without_english_or_codes(page, db, tmp_path):
    shots = Path(os.environ.get("WALKTHROUGH_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    today = local_today()
    demo = load_demo(today=today)
    db.session.commit()
    town = db.session.scalar(sa.select(Region).where(Region.code == "qs.dh.na"))
    page.set_viewport_size({"width": 1366, "height": 768})
    walk = Walk(page, shots)

    # 1. Sign in (the login page is Chinese already) and register a case.
    page.goto("/cases/new")
    walk.check("login")
    browser_sign_in(page, demo.coordinator_email, demo.coordinator_password)
    page.goto("/cases/new")
    walk.check("register")
    assert page.get_by_label("标题").count() == 1  # the form's labels are Chinese
    fill_new_case(page, town.id, "宁安大桥工地拖欠工资", "大口镇人民政府")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(CASE_PAGE)
    walk.check("registered")
    case_id = int(CASE_PAGE.search(page.url).group(1))
    reference = page.locator("h1").inner_text().split(" · ")[0]

    # 2. Accept it.
    _act(page, "accept", "受理")
    walk.check("accepted")
    assert page.locator(".facts .status").inner_text() == "已受理"

    # 3. Plan this case over the next four weeks; watch the run, then review it.
    page.goto("/planning/")
    walk.check("planning")
    page.get_by_label("起始日期").fill((today + timedelta(days=1)).isoformat())
    page.get_by_label("截止日期").fill((today + timedelta(days=28)).isoformat())
    page.fill("#time_limit", "5")
    page.locator("input[name=scope][value=cases]").check()
    page.fill("#cases", reference)
    page.get_by_role("button", name="开始排期").click()
    page.wait_for_url(RUN_PAGE)
    walk.check("run in progress")
    run_id = _follow_run(page, timeout_ms=120_000, ready="待审核")
    walk.check("run review")

    # 4. Edit the proposal: move the hearing to the best free slot, then change a panel member.
    _first_hearing_of_run(page)
    walk.check("hearing")
    slot = page.locator("#free-slots li").first
    day = slot.get_attribute("data-date")
    slot.get_by_role("button", name="调整至此").click()
    page.wait_for_url(HEARING_PAGE)
    walk.check("hearing moved", flash="评议会已调整。")
    proposal_id = int(HEARING_PAGE.search(page.url).group(1))
    db.session.expire_all()
    assert db.session.get(Hearing, proposal_id).date.isoformat() == day
    replaced = _replace_a_panel_member(page, walk)

    # One of the panel has no email address on the roster: publishing says so on the outbox page.
    db.session.expire_all()
    chair = next(m.person for m in db.session.get(Hearing, proposal_id).members
                 if m.role == "chair")
    db.session.execute(sa.update(Person).where(Person.id == chair.id).values(email=None))
    db.session.commit()

    # 5. Publish, through the page that says what changes and how many emails go out.
    page.goto(f"/planning/runs/{run_id}")
    walk.check("run before publishing")
    page.get_by_role("link", name="发布此排期方案").click()
    page.wait_for_url(re.compile(r"/planning/runs/\d+/publish$"))
    walk.check("publish confirmation")
    with page.expect_navigation(url=RUN_PAGE, timeout=180_000):
        page.get_by_role("button", name="立即发布").click(no_wait_after=True)
    walk.check("published", flash="已发布")
    hearing = db.session.scalar(sa.select(Hearing).where(
        Hearing.case_id == case_id, Hearing.layer == PUBLISHED_LAYER,
        Hearing.status == "published"))
    assert hearing is not None and hearing.date.isoformat() == day

    # 6. The home page and the emails: the chair's invite could not go out, said in Chinese.
    page.goto("/")
    walk.check("home")
    page.goto("/calendar/outbox?status=failed")
    walk.check("failed emails")
    assert chair.code in page.locator("table.outbox").inner_text()

    # 7. The day comes: record the outcome.
    _the_day_comes(db, hearing.id)
    page.goto(f"/cases/{case_id}")
    walk.check("case on the hearing day")
    form = page.locator(f"#outcome-{hearing.id}")
    form.get_by_label("已召开", exact=True).check()
    form.get_by_label("达成协议", exact=True).check()
    form.get_by_label("会议记录").fill("双方同意，拖欠工资三十日内付清。")
    form.get_by_role("button", name="保存结果").click()
    page.wait_for_load_state()
    walk.check("outcome recorded")
    outcome = page.locator(f"#hearing-{hearing.id} .outcome").inner_text()
    assert "已召开" in outcome and "达成协议" in outcome

    # 8. The dashboard.
    page.goto("/dashboard/")
    walk.check("dashboard")

    assert len(walk.steps) >= 17 - (0 if replaced else 2)
    assert walk.problems == [], "\n" + walk.report()

"""Planning in a real browser, on the demo data: plan a month and watch it, pin a hearing, swap a
panel member, publish; then an expert declines, re-plan around it, and only that hearing changes."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from mediation.demo.services import load_demo
from mediation.hearings.queries import current_published
from mediation.planning.models import PUBLISHED_LAYER, Hearing, PlanRun
from tests.conftest import browser_sign_in

RUN_PAGE = re.compile(r"/planning/runs/(\d+)$")
HEARING_PAGE = re.compile(r"/planning/hearings/(\d+)$")


def _read(page, script: str):
    """`script`'s value on the progress page; None when the page reloads into the review while
    it runs (the run ended: on a busy machine the reload can come during the read, and
    Playwright then raises "Execution context was destroyed")."""
    try:
        return page.evaluate(script)
    except PlaywrightError as error:
        if "Execution context was destroyed" in str(error):
            return None
        raise


def _elapsed(page) -> float | None:
    """The progress page's elapsed seconds; None once the page has turned into the review (a
    fast run can end between finding the progress block and reading it)."""
    text = _read(page, "() => document.getElementById('run-elapsed')?.textContent ?? null")
    return None if text is None else float(text)


def _cancel_shown(page) -> bool | None:
    """Whether the progress page shows its cancel button; None once the page has turned into
    the review (read in one go: a fast run can end between two separate reads)."""
    return _read(
        page,
        "() => { if (!document.getElementById('run-progress')) return null;"
        " const button = document.querySelector('#cancel-form button');"
        " return !!button && button.getClientRects().length > 0; }")


def _follow_run(page, timeout_ms: int = 60_000, ready: str = "ready for review") -> int:
    """On a run's progress page: see it move, then wait for the page to turn into the review
    (whose status reads `ready`: the succeeded run's label in the page's language)."""
    page.wait_for_url(RUN_PAGE)
    run_id = int(RUN_PAGE.search(page.url).group(1))
    if page.locator("#run-progress").count():
        assert _cancel_shown(page) is not False
        first = _elapsed(page)
        # The script polls the status: elapsed grows and the bar follows it.
        if first is not None:
            page.wait_for_function(
                "(first) => { const e = document.getElementById('run-elapsed');"
                " const bar = document.getElementById('run-bar');"
                " return !e || (parseFloat(e.textContent) > first && bar.value > 0); }",
                arg=first, timeout=timeout_ms)
    # The page reloads by itself once the run ends.
    page.locator("#run-summary").wait_for(timeout=timeout_ms)
    assert page.locator("#run-status").inner_text() == ready  # succeeded
    return run_id


def _snapshot(h: Hearing) -> tuple:
    return (h.uid, h.sequence, h.room_id, h.date, h.session_id,
            sorted((m.person_id, m.role) for m in h.members))


def _published(db) -> dict[int, Hearing]:
    """The published hearings from tomorrow on: the plan's horizon (the demo's past hearings,
    held or not, are not the plan's business)."""
    db.session.expire_all()
    tomorrow = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    return {h.id: h for h in db.session.scalars(
        sa.select(Hearing).where(Hearing.layer == PUBLISHED_LAYER, Hearing.status == "published",
                                 Hearing.date >= tomorrow))}


def _declinable(db, exclude: set[int]):
    """A published hearing and a panel member someone else could replace (on the demo some
    seats have nobody: then re-planning must move or drop the hearing, not what we test here)."""
    from mediation.planning import edits

    for h in sorted(_published(db).values(), key=lambda h: (h.date, h.id)):
        if h.id in exclude:
            continue
        for m in h.members:
            if m.role == "member" and any(c.fits for _p, c in edits.candidates(h, m.person,
                                                                               "expert")):
                return h, m.person
    raise AssertionError("no published hearing has a replaceable panel member")


def test_plan_adjust_publish_and_replan_on_the_demo(page, db):
    started = time.monotonic()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the planner plans from today on
    demo = load_demo(today=today)
    db.session.commit()

    page.goto("/planning/")
    browser_sign_in(page, demo.coordinator_email, demo.coordinator_password)
    page.goto("/planning/")

    # 1. Plan the next five weeks with a short time limit and watch it finish.
    page.fill("#start", (today + timedelta(days=1)).isoformat())
    page.fill("#end", (today + timedelta(days=37)).isoformat())
    page.fill("#time_limit", "8")
    page.get_by_role("button", name="Start planning").click()
    run_id = _follow_run(page)
    run = db.session.get(PlanRun, run_id)
    assert run.status == "succeeded" and run.scheduled_count > 2
    assert page.locator("#diff .badge.change-new").inner_text() == f"{run.scheduled_count} new"

    # 2. Open a hearing and pin it.
    #    Take the first whose page offers a free slot to move it to (2b): which hearings have
    #    one depends on the plan, and the plan on how much CPU the search got.
    links = page.locator("#grid a.hearing")
    if links.count() < 2:
        page.locator("#next-week").click()
    expect(links.first).to_be_visible()
    choices = links.evaluate_all(
        "links => links.map(a => [a.getAttribute('href'), a.dataset.case])")
    pinned_ref = None
    for href, ref in choices:
        page.goto(href)
        page.locator("#move").wait_for()
        if page.locator("#free-slots li").count():
            pinned_ref = ref
            break
    assert pinned_ref is not None, "no hearing of the first week has a free slot to move to"
    pinned_id = int(HEARING_PAGE.search(page.url).group(1))
    page.locator("#pin-form button").click()
    page.wait_for_url(HEARING_PAGE)
    expect(page.get_by_role("status").first).to_contain_text("Pinned: the next plan keeps this hearing.")
    assert page.locator("#hearing-pinned").inner_text() == "yes"

    # 2b. A move the rules refuse (yesterday) comes back to the hearing page with the reason
    #     (Post/Redirect/Get: reloading is a plain GET); a suggested free slot moves it at once.
    page.locator("#move-other summary").click()
    page.fill("#move-form input[name=date]", (today - timedelta(days=1)).isoformat())
    page.locator("#move-form button").click()
    page.wait_for_url(re.compile(r"/planning/hearings/\d+\?"))
    assert "Not changed:" in page.locator("main").inner_text()
    assert page.reload().status == 200
    slot = page.locator("#free-slots li").first
    day = slot.get_attribute("data-date")
    slot.get_by_role("button").click()
    page.wait_for_url(HEARING_PAGE)
    expect(page.get_by_role("status").first).to_contain_text("Hearing moved.")
    db.session.expire_all()
    assert db.session.get(Hearing, pinned_id).date.isoformat() == day

    # 3. Open another hearing and put the top candidate in a panel member's seat. On the demo
    #    some seats have nobody who fits (expertise, travel, load): take the first that has.
    page.goto(f"/planning/runs/{run_id}")
    hearing_links = page.locator(f"#grid a.hearing:not([data-case='{pinned_ref}'])").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    top = leaving = None
    for href in hearing_links:
        page.goto(href)
        seats = page.locator("#members tr", has_text="panel member").evaluate_all(
            "rows => rows.map(r => [r.dataset.person, r.querySelector('a[href*=candidates]').href])")
        for person, replace_href in seats:
            page.goto(replace_href)
            if page.locator("#candidates tr.fits").count():
                top, leaving = page.locator("#candidates tr.fits").first, person
                break
        if top is not None:
            break
    assert top is not None, "no panel seat on the first week has a candidate who fits"
    swapped_id = int(re.search(r"/planning/hearings/(\d+)/candidates", page.url).group(1))
    joining = top.get_attribute("data-person")
    top.get_by_role("button", name="Choose").click()
    page.wait_for_url(HEARING_PAGE)
    expect(page.get_by_role("status").first).to_contain_text("is now on this hearing.")
    people = page.locator("#members tr[data-person]").evaluate_all(
        "rows => rows.map(r => r.dataset.person)")
    assert joining in people and leaving not in people

    # 4. Publish.
    page.goto(f"/planning/runs/{run_id}")
    _publish(page)
    expect(page.get_by_role("status").first).to_contain_text("Published:")
    before = {h.id: _snapshot(h) for h in _published(db).values()}
    assert len(before) == run.scheduled_count
    assert {pinned_id, swapped_id} <= set(before)
    assert _published(db)[pinned_id].pinned

    # 5. On a published hearing, an expert declines: re-plan around it.
    target, declined = _declinable(db, exclude={pinned_id, swapped_id})
    page.goto(f"/planning/hearings/{target.id}")
    page.select_option("#person", str(declined.id))
    page.fill("#decline-form textarea", "Abroad that week.")
    page.locator("#decline-form").get_by_role("button", name="Record").click()
    page.wait_for_url(HEARING_PAGE)
    expect(page.get_by_role("status").first).to_contain_text(f"Recorded: {declined.name}")
    page.get_by_role("button", name="Re-plan around this").click()
    repair_id = _follow_run(page)
    assert repair_id != run_id
    # Its diff: exactly one changed hearing, that one; nothing new, nothing cancelled.
    changes = page.locator("#changes tbody tr")
    expect(changes).to_have_count(1)
    assert changes.first.get_attribute("data-case") == target.case.reference
    assert changes.first.get_attribute("data-kind") in ("panel", "moved")
    assert f"{declined.name} leaves" in changes.first.inner_text()
    counts = page.locator("#diff .counts").inner_text()
    assert "0 new" in counts and "0 cancelled" in counts

    # 6. Publish it: the hearing keeps its UID, its SEQUENCE rises, the expert is off it, and
    #    every other published hearing is exactly as it was.
    _publish(page)
    expect(page.get_by_role("status").first).to_contain_text("Published:")
    after = _published(db)
    assert set(after) == set(before)
    changed = after[target.id]
    assert changed.uid == before[target.id][0]
    assert changed.sequence == before[target.id][1] + 1
    assert declined.id not in {m.person_id for m in changed.members}
    assert len([m for m in changed.members if m.role in ("chair", "member")]) == 3
    for hid, snap in before.items():
        if hid != target.id:
            assert _snapshot(after[hid]) == snap, hid
    assert time.monotonic() - started < 90


def _publish(page) -> None:
    """Publish the run on the page. Publishing the demo's plan (about 70 hearings and 240 invites
    rendered in each attendee's language) takes several seconds, far more on a busy machine, so
    the wait is for the page that follows, not Playwright's 10-second default for a click."""
    page.get_by_role("link", name="Publish this plan").click()
    page.wait_for_url(re.compile(r"/planning/runs/\d+/publish$"))
    assert re.search(r"\d+ emails? will go out|No email will go out",
                     page.locator("#publish-emails").inner_text())
    with page.expect_navigation(url=RUN_PAGE, timeout=180_000):
        page.get_by_role("button", name="Publish now").click(no_wait_after=True)


def test_the_schedule_fits_a_week_at_1366_and_is_a_list_by_day_at_390(page, db):
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    demo = load_demo(today=today)
    db.session.commit()
    hearings = list(db.session.scalars(current_published()))
    weeks = Counter(h.date - timedelta(days=h.date.weekday()) for h in hearings)
    week, count = weeks.most_common(1)[0]
    page.goto("/planning/schedule")
    browser_sign_in(page, demo.coordinator_email, demo.coordinator_password)

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/planning/schedule?week={week.isoformat()}")
    days = page.locator(".plan-grid th.day").evaluate_all("ths => ths.map(t => t.dataset.day)")
    assert len(days) >= 5 and {h.date.isoformat() for h in hearings if h.date - timedelta(
        days=h.date.weekday()) == week} <= set(days)
    # The whole week is on screen: the grid does not scroll inside its box, the page not at all.
    grid = page.locator(".plan-grid-wrap")
    assert grid.evaluate("e => e.scrollWidth <= e.clientWidth"), grid.evaluate(
        "e => [e.scrollWidth, e.clientWidth]")
    assert page.evaluate("document.querySelector('main').scrollWidth") <= 1366
    assert page.locator(".plan-grid th.room").first.evaluate(
        "e => getComputedStyle(e).position") == "sticky"
    assert page.locator(".plan-grid a.hearing").count() == count

    # A phone: the same week as a list, day by day; nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert not grid.is_visible() and page.locator(".plan-days").is_visible()
    assert page.locator(".plan-days a.hearing").count() == count
    assert page.evaluate("document.querySelector('main').scrollWidth") <= 390


def test_a_read_of_the_progress_page_during_its_reload_gives_none(page) -> None:
    """The progress page reloads itself into the review when the run ends; a read running then
    gives None (as when the page has already turned), not Playwright's "Execution context was
    destroyed" (which failed the Chinese walkthrough once, on a busy machine)."""
    page.goto("/login")
    reloading = "() => new Promise(() => { setTimeout(() => location.reload(), 50); })"
    assert _read(page, reloading) is None

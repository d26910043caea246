"""A case's whole life in a real browser, on the demo data (issue #12 "Done when"): register →
accept → plan → publish → hearing notice (a PDF that opens and holds the centre's address in
Chinese) → the hearing day comes → record the outcome → the panel's opinion → follow-up visit →
the checklist → resolve."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta

import sqlalchemy as sa

from mediation.cases.models import Case
from mediation.demo.services import load_demo
from mediation.hearings.models import PUBLISHED_LAYER, Hearing, HearingMember
from mediation.regions.models import Region
from mediation.timeutil import local_to_utc, local_today
from tests.conftest import browser_sign_in

RUN_PAGE = re.compile(r"/planning/runs/(\d+)$")
CASE_PAGE = re.compile(r"/cases/(\d+)")


def _pdf_text(data: bytes) -> str:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) reads the notice back"
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def _act(page, action: str, button: str, **fields: str) -> None:
    page.locator(f"#action-{action} summary").click()
    box = page.locator(f"#action-{action}")
    for selector, value in fields.items():
        box.locator(selector).fill(value)
    box.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def fill_new_case(page, region_id: int, title: str, respondent: str) -> None:
    """The new-case form: an unpaid-wages case with one petitioner (Wang Fang)."""
    page.fill("#title", title)
    page.select_option("#category", "unpaid_wages")
    page.select_option("#region_id", str(region_id))
    page.fill("#respondents", respondent)
    page.fill("#parties-0-name", "王芳")
    page.fill("#parties-0-id_number", "360102199001011234")
    page.fill("#parties-0-phone", "13800000001")


def _the_day_comes(db, hearing_id: int) -> None:
    """Time passes: the published hearing's session is now yesterday (the members' copies of the
    date follow by the composite foreign key's ON UPDATE CASCADE)."""
    h = db.session.get(Hearing, hearing_id)
    day = local_today() - timedelta(days=1)
    db.session.execute(sa.update(Hearing.__table__).where(Hearing.__table__.c.id == h.id).values(
        date=day, starts_at=local_to_utc(day, h.session.starts_at),
        ends_at=local_to_utc(day, h.session.ends_at)))
    db.session.commit()
    db.session.expire_all()
    assert all(m.date == day for m in db.session.scalars(
        sa.select(HearingMember).where(HearingMember.hearing_id == hearing_id)))


def test_a_case_from_registration_to_resolution(page, db):
    today = local_today()
    demo = load_demo(today=today)
    db.session.commit()
    town = db.session.scalar(sa.select(Region).where(Region.code == "qs.dh.na"))

    # 1. Register and accept.
    page.goto("/cases/new")
    browser_sign_in(page, demo.coordinator_email, demo.coordinator_password)
    page.goto("/cases/new")
    fill_new_case(page, town.id, "Wages owed at the Ning'an bridge site", "Dakou Town Government")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(CASE_PAGE)
    case_id = int(CASE_PAGE.search(page.url).group(1))
    reference = page.locator("h1").inner_text().split(" · ")[0]
    _act(page, "accept", "Accept")
    assert page.locator(".facts .status").inner_text() == "accepted"

    # 2. Plan this case alone and publish the plan.
    page.goto("/planning/")
    page.fill("#start", (today + timedelta(days=1)).isoformat())
    page.fill("#end", (today + timedelta(days=28)).isoformat())
    page.fill("#time_limit", "5")
    page.locator("input[name=scope][value=cases]").check()
    page.fill("#cases", reference)
    page.get_by_role("button", name="Start planning").click()
    page.wait_for_url(RUN_PAGE)
    page.locator("#run-summary").wait_for(timeout=120_000)
    assert page.locator("#run-status").inner_text() == "ready for review"  # succeeded
    page.get_by_role("link", name="Publish this plan").click()  # first: what will change
    page.wait_for_url(re.compile(r"/planning/runs/\d+/publish$"))
    with page.expect_navigation(url=RUN_PAGE, timeout=120_000):
        page.get_by_role("button", name="Publish now").click(no_wait_after=True)
    hearing = db.session.scalar(sa.select(Hearing).where(
        Hearing.case_id == case_id, Hearing.layer == PUBLISHED_LAYER,
        Hearing.status == "published"))
    assert hearing is not None, "the plan scheduled the case"
    address = hearing.room.centre.address
    assert re.search(r"[\u4e00-\u9fff]", address), address  # the demo's addresses are Chinese

    # 3. The case page lists the hearing; the hearing notice is a PDF with the address.
    page.goto(f"/cases/{case_id}")
    row = page.locator(f"#hearing-{hearing.id}")
    assert hearing.room.centre.name in row.inner_text()
    page.get_by_role("button", name=re.compile("Generate hearing notice")).click()
    page.wait_for_load_state()
    link = page.locator("#notices a", has_text="Download PDF").first
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    body = pdf.body()
    assert body.startswith(b"%PDF-")
    text = _pdf_text(body)
    assert "".join(address.split()) in text and reference in text and "王芳" in text

    # 4. The day comes: record the outcome (held, agreement reached).
    _the_day_comes(db, hearing.id)
    page.goto(f"/cases/{case_id}")
    form = page.locator(f"#outcome-{hearing.id}")
    form.get_by_label("held", exact=True).check()
    form.get_by_label("agreement reached").check()
    form.get_by_label("Minutes").fill("Back pay agreed, to be paid within 30 days.")
    form.get_by_role("button", name="Save the outcome").click()
    page.wait_for_load_state()
    outcome = page.locator(f"#hearing-{hearing.id} .outcome").inner_text()
    assert "held" in outcome and "agreement reached" in outcome

    # 5. The panel's opinion (the held hearing's three members are offered).
    assert page.locator(".facts .status").inner_text() == "in handling"  # by the publication
    _act(page, "give_opinion", "Record the panel's opinion")
    assert page.locator(".facts .status").inner_text() == "opinion given"

    # 6. A follow-up visit: scheduled, then done.
    page.locator("#followups summary", has_text="Schedule a follow-up visit").click()
    page.fill("#followups input[name=due_on]", (today + timedelta(days=7)).isoformat())
    page.fill("#followups input[name=visitor]", "Chen Jing")
    page.locator("#followups").get_by_role("button", name="Schedule").click()
    page.wait_for_load_state()
    page.locator("#followups summary", has_text="Record the visit").click()
    page.fill("#followups textarea[name=result]", "Paid in full; the petitioner is satisfied.")
    page.locator("#followups input[name=satisfied][value=yes]").check()
    page.locator("#followups").get_by_role("button", name="Save the visit").click()
    page.wait_for_load_state()
    assert "Paid in full" in page.locator("#followups").inner_text()

    # 7. "Three in place, one handled", then resolve with a reason.
    for select in page.locator("#checklist select").all():
        select.select_option("done")
    page.locator("#checklist").get_by_role("button").click()
    page.wait_for_load_state()
    _act(page, "resolve", "Close as resolved", **{
        "textarea": "Agreement carried out; confirmed at the follow-up."})
    assert page.locator(".facts .status").inner_text() == "resolved"
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.status == "resolved" and case.closed_on == today
    assert "Agreement carried out" in (case.closure_reason or "")

"""Attachments in a real browser: upload from the case page, see it listed, refuse an exe named
.pdf, delete with a reason. The responsible leader is chosen in the case form."""

from __future__ import annotations

import re

from mediation.roster.models import Leader
from tests import factories
from tests.attachments.test_attachments import EXE, PDF
from tests.conftest import browser_sign_in


def test_upload_list_refuse_and_delete(page, db, make_user, tmp_path):
    user, password = make_user("coordinator")
    case = factories.case(factories.region("bt-county"), reference="BT-1")
    db.session.add(Leader(code="L0001", name="Ma Hui", post="Deputy County Head", active=True))
    db.session.commit()
    good, bad = tmp_path / "协议.pdf", tmp_path / "evidence.pdf"
    good.write_bytes(PDF)
    bad.write_bytes(EXE)

    page.goto(f"/cases/{case.id}")
    browser_sign_in(page, user.email, password)
    page.goto(f"/cases/{case.id}")
    page.set_input_files("#attachments input[type=file]", str(good))
    page.fill("#attachments #note", "signed agreement")
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(r"#attachments$"))
    rows = page.locator(".attachments-table tbody tr")
    assert rows.count() == 1 and "协议.pdf" in rows.first.inner_text()
    assert "PDF document" in rows.first.inner_text()

    page.set_input_files("#attachments input[type=file]", str(bad))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_load_state()
    assert "application/x-msdownload" in page.locator("main").inner_text()
    assert page.locator(".attachments-table tbody tr").count() == 1

    page.locator(".attachments-table summary").first.click()
    page.locator(".attachments-table input[name=reason]").first.fill("wrong case")
    page.get_by_role("button", name="Delete the attachment").click()
    page.wait_for_load_state()
    assert page.locator(".attachments-table").count() == 0
    assert "No attachments." in page.locator("#attachments").inner_text()

    page.goto(f"/cases/{case.id}/edit")
    page.select_option("#responsible_leader_id", label="L0001 Ma Hui (Deputy County Head)")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/cases/{case.id}$"))
    assert "Ma Hui" in page.locator(".facts").inner_text()

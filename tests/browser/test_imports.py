"""Importing a roster CSV in a real browser: a bad row is shown and nothing is written; once
fixed, the file imports."""

import sqlalchemy as sa
from playwright.sync_api import expect

from mediation.roster.models import Person
from tests.conftest import browser_sign_in

BAD = "code,name,max_per_day\nE-1,Zhao Min,1\nE-2,王丽,two\n"
GOOD = "code,name,max_per_day\nE-1,Zhao Min,1\nE-2,王丽,2\n"


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person))


def test_import_roster_with_a_bad_row_then_fixed(page, make_user, db, tmp_path, monkeypatch):
    from mediation.imports import views

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    monkeypatch.setattr(views, "_upload_dir", lambda: uploads)
    user, password = make_user("coordinator")
    page.goto("/imports/")
    browser_sign_in(page, user.email, password)
    page.goto("/imports/")

    bad = tmp_path / "roster.csv"
    bad.write_text(BAD, encoding="utf-8-sig")
    page.get_by_label("The file contains").select_option("people")
    page.get_by_label("File (CSV in UTF-8 or GB18030, or XLSX)").set_input_files(str(bad))
    page.get_by_role("button", name="Preview import").click()

    errors = page.locator("#row-errors tbody tr")
    expect(errors).to_have_count(1)
    assert errors.first.inner_text().split("\t")[:2] == ["3", "max_per_day"]
    assert "must be a whole number" in errors.first.inner_text()
    assert page.locator("#confirm-import").count() == 0
    assert _count(db) == 0

    page.get_by_role("link", name="Back to imports").click()
    good = tmp_path / "roster-fixed.csv"
    good.write_text(GOOD, encoding="utf-8")
    page.get_by_label("File (CSV in UTF-8 or GB18030, or XLSX)").set_input_files(str(good))
    page.get_by_role("button", name="Preview import").click()
    assert "2 created, 0 updated" in page.locator("#import-summary").inner_text()
    page.get_by_role("button", name="Import these rows").click()
    page.wait_for_url("**/imports/?kind=people")
    expect(page.get_by_role("status").first).to_contain_text("2 created, 0 updated")
    db.session.expire_all()
    assert _count(db) == 2

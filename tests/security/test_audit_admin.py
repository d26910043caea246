"""The audit log (automatic column diffs, explicit entries, the admin viewer) and the account
administration pages; the password policy."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from mediation.audit import views
from mediation.audit.labels import ACTION_AREAS, OBJECT_TYPES
from mediation.audit.models import AuditEntry
from mediation.auth.models import User
from mediation.auth.services import AccountError, authenticate, create_user, update_user
from mediation.extensions import db as ext_db
from mediation.roster.models import Organisation
from tests import factories as f
from tests.conftest import csrf_token, sign_in


def _entries(db, **where):
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return db.session.scalars(stmt).all()


def test_every_change_is_recorded_with_before_and_after(db):
    org = Organisation(name="County Bureau")
    db.session.add(org)
    db.session.commit()
    [insert] = _entries(db, object_type="organisations", action="row.insert")
    assert insert.after["name"] == "County Bureau" and insert.object_id == str(org.id)
    org.name = "County Labour Bureau"
    db.session.commit()
    [update] = _entries(db, object_type="organisations", action="row.update")
    assert update.before == {"name": "County Bureau"}
    assert update.after == {"name": "County Labour Bureau"}
    db.session.delete(org)
    db.session.commit()
    [delete] = _entries(db, object_type="organisations", action="row.delete")
    assert delete.before["name"] == "County Labour Bureau"
    # A rolled-back change leaves no entry.
    db.session.add(Organisation(name="Never saved"))
    db.session.flush()
    db.session.rollback()
    assert len(_entries(db, object_type="organisations")) == 3


def test_private_fields_and_secrets_are_not_copied(db):
    case = f.case()
    db.session.commit()
    case.parties[0].phone = "13800000000"
    db.session.commit()
    [entry] = _entries(db, object_type="parties", action="row.update")
    assert entry.after == {"phone": "[redacted]"} and entry.before == {"phone": None}
    user = create_user("a@example.org", "a long enough secret")
    db.session.commit()
    text = str([(e.before, e.after) for e in _entries(db, object_type="users")])
    assert "argon2" not in text and user.password_hash not in text


def test_explicit_entry_stands_for_the_change(db, make_user):
    admin, _ = make_user("admin")
    viewer, _ = make_user("viewer")
    region = f.region(code="north")
    db.session.commit()
    update_user(viewer, name="Li", role="coordinator", active=True, regions=[region], by=admin)
    db.session.commit()
    entries = _entries(db, object_type="users", object_id=str(viewer.id))
    assert [e.action for e in entries][-1] == "user.update"
    last = entries[-1]
    assert last.before["role"] == "viewer" and last.after["role"] == "coordinator"
    assert last.after["regions"] == ["north"]
    assert not [e for e in entries if e.action == "row.update"]


def test_web_changes_are_attributed(db, signed_in):
    token = csrf_token(signed_in, "/roster/organisations")
    response = signed_in.post("/roster/organisations",
                              data={"csrf_token": token, "name": "Township Office"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.role == "coordinator"))
    entries = _entries(db, object_type="organisations")
    assert entries and all(e.user_id == user.id and e.remote_addr == "127.0.0.1"
                           for e in entries)


def test_audit_viewer_is_for_admins_and_filters(db, client, make_user):
    admin, password = make_user("admin")
    coordinator, _ = make_user("coordinator")
    for n in range(60):
        db.session.add(Organisation(name=f"Org {n:02d}"))
    db.session.commit()
    sign_in(client, admin.email, password)
    page = client.get("/admin/audit/?type=organisations")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "60 entries" in html and "Page 1 of 3" in html
    assert "Org 59" in html and "Org 00" not in html  # newest first
    assert "Org 00" in client.get("/admin/audit/?type=organisations&page=3").get_data(
        as_text=True)
    html = client.get(f"/admin/audit/?user={admin.id}&action=user.sign_in").get_data(
        as_text=True)
    assert "1 entries" in html
    html = client.get("/admin/audit/?action=user.&start=2000-01-01&end=2000-01-02").text
    assert "0 entries" in html
    assert "Org 00" not in client.get("/admin/audit/?start=not-a-date&id=999999").text


def test_admin_manages_accounts(db, client, make_user):
    admin, password = make_user("admin")
    region = f.region(code="south")
    db.session.commit()
    sign_in(client, admin.email, password)
    token = csrf_token(client, "/admin/users/new")
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "email": "new@example.org", "password": "password12345",
        "role": "coordinator", "active": "y"})
    assert response.status_code == 422 and "too common" in response.text
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "email": "new@example.org", "password": "lantern orbit gravel",
        "name": "Zhou Min", "role": "coordinator", "region_ids": [str(region.id)],
        "active": "y"})
    assert response.status_code == 302, response.text
    user = db.session.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert user.regions == [region] and user.role == "coordinator"
    # Change the role, then deactivate: the user can no longer sign in.
    response = client.post(f"/admin/users/{user.id}", data={
        "csrf_token": token, "name": "Zhou Min", "role": "viewer"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (user.role, user.active, user.regions) == ("viewer", False, [])
    assert authenticate("new@example.org", "lantern orbit gravel") is None
    # Reset the password: shown once; it works.
    response = client.post(f"/admin/users/{user.id}/reset-password", data={"csrf_token": token})
    new_password = re.search(r'id="new-password">([^<]+)<', response.text).group(1)
    update_user(user, name="", role="viewer", active=True, regions=[])
    db.session.commit()
    assert authenticate("new@example.org", new_password) is not None
    # The last administrator cannot demote or deactivate themselves.
    response = client.post(f"/admin/users/{admin.id}", data={
        "csrf_token": token, "role": "viewer", "active": "y"})
    assert response.status_code == 422 and "last active administrator" in response.text
    actions = {e.action for e in _entries(db, object_type="users")}
    assert {"user.create", "user.update", "user.password_reset"} <= actions


@pytest.mark.parametrize("password", [
    "password1234", "123456789012", "qwertyuiopasdf", "aaaaaaaaaaaaaaa", "abcdefghijklmnop",
    "1qaz2wsx3edc", "iloveyou1234", "x" * 1025,
])
def test_common_or_predictable_passwords_are_refused(db, password):
    with pytest.raises(AccountError, match="^password:"):
        create_user("p@example.org", password)


def test_password_containing_the_email_is_refused(db):
    with pytest.raises(AccountError, match="too common"):
        create_user("zhangwei@example.org", "zhangwei@example.org")
    assert create_user("zhangwei@example.org", "lantern orbit gravel")


def test_audit_filters_speak_words_and_paging_holds_past_the_end(db, client, make_user):
    admin, password = make_user("admin")
    for n in range(3):
        db.session.add(Organisation(name=f"Org {n:02d}"))
    db.session.commit()
    sign_in(client, admin.email, password)
    html = client.get("/admin/audit/").get_data(as_text=True)
    # The object type and action filters offer words, the table names stay in the values.
    assert '<option value="organisations">Organisations</option>' in html
    assert '<option value="user.">User accounts and sign-ins</option>' in html
    assert ">organisations<" not in html and ">user.sign_in<" not in html
    # Every table the log can name has words.
    assert set(ext_db.metadata.tables) - {"audit_log"} <= set(OBJECT_TYPES)
    # Paging: the pager macro, and a page past the end shows the last page (not a 404 or 500).
    views_per_page = views.PER_PAGE
    try:
        views.PER_PAGE = 2
        first = client.get("/admin/audit/?type=organisations").get_data(as_text=True)
        assert "Org 02" in first and "Org 00" not in first and "page=2" in first
        past = client.get("/admin/audit/?type=organisations&page=50")
        assert past.status_code == 200 and "Org 00" in past.text and "Org 02" not in past.text
    finally:
        views.PER_PAGE = views_per_page


def test_every_recorded_action_area_has_words():
    """Each area of the actions the code records (record("area.…"), _audit("area.…")) has a
    label for the audit filter, so the filter never shows a code."""
    import re
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "mediation"
    pattern = re.compile(r'(?:record|_audit|_after_change)\((?:[a-z_]+, )?f?"([a-z_]+)\.')
    areas = {m for path in source.rglob("*.py") for m in pattern.findall(path.read_text())}
    assert {"case", "attendance", "import", "calendar", "hearing"} <= areas
    assert areas <= set(ACTION_AREAS), areas - set(ACTION_AREAS)

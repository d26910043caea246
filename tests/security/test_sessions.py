"""Sessions that end: a `session` cookie copied before a sign-out, a new password, a role
change, a deactivation or an administrator's "end sessions" is refused afterwards."""

from __future__ import annotations

import sqlalchemy as sa

from mediation.audit.models import AuditEntry
from mediation.auth.models import User
from mediation.auth.services import set_password, update_user
from tests.conftest import csrf_token, sign_in

PASSWORD = "correct horse battery"


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.value
    return cookie.value


def _replay(client, cookie: str, path: str = "/cases/"):
    """What someone holding a copy of the cookie gets: a fresh browser with only that cookie."""
    thief = client.application.test_client()
    thief.set_cookie("session", cookie)
    return thief, thief.get(path)


def _refused(response) -> None:
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"].startswith("/login")


def _signed_in(client, user):
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    assert client.get("/cases/").status_code == 200
    return _session_cookie(client)


def _admin(client, make_user):
    admin, _password = make_user("admin")
    browser = client.application.test_client()
    assert sign_in(browser, admin.email, PASSWORD).status_code == 302
    return admin, browser


def test_a_cookie_copied_before_sign_out_is_refused_after_it(client, make_user):
    user, _password = make_user("coordinator")
    cookie = _signed_in(client, user)
    _thief, response = _replay(client, cookie)
    assert response.status_code == 200  # the copy works while the session lasts
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    thief, response = _replay(client, cookie)
    _refused(response)
    # The refusal does not hand back a refreshed session: the next request is refused too.
    _refused(thief.get("/cases/"))
    assert "Sign in" in thief.get("/login").get_data(as_text=True)


def test_signing_out_ends_the_other_sessions_too(client, make_user):
    user, _password = make_user("coordinator")
    other = client.application.test_client()
    _signed_in(other, user)
    _signed_in(client, user)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _refused(other.get("/cases/"))


def test_a_cookie_is_refused_after_an_administrator_resets_the_password(client, make_user, db):
    user, _password = make_user("coordinator")
    cookie = _signed_in(client, user)
    _admin_user, admin = _admin(client, make_user)
    page = f"/admin/users/{user.id}"
    response = admin.post(f"{page}/reset-password", data={"csrf_token": csrf_token(admin, page)})
    assert response.status_code == 200
    _thief, response = _replay(client, cookie)
    _refused(response)
    _refused(client.get("/cases/"))  # the user's own browser signs in again, too


def test_a_cookie_is_refused_after_a_password_change(client, make_user, db):
    user, _password = make_user("coordinator")
    cookie = _signed_in(client, user)
    set_password(db.session.get(User, user.id), "an entirely new passphrase here")
    db.session.commit()
    _thief, response = _replay(client, cookie)
    _refused(response)


def test_a_cookie_is_refused_after_a_role_change_or_deactivation(client, make_user, db):
    user, _password = make_user("coordinator")
    cookie = _signed_in(client, user)
    _admin_user, admin = _admin(client, make_user)
    page = f"/admin/users/{user.id}"
    response = admin.post(page, data={"csrf_token": csrf_token(admin, page), "name": "",
                                      "role": "viewer", "active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    _thief, response = _replay(client, cookie)
    _refused(response)

    # Signed in again as a viewer; the administrator then takes the account's access away.
    cookie = _signed_in(client, user)
    response = admin.post(page, data={"csrf_token": csrf_token(admin, page), "name": "",
                                      "role": "viewer"})  # "May sign in" unticked
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).active
    _thief, response = _replay(client, cookie)
    _refused(response)


def test_changing_only_the_name_keeps_sessions(client, make_user, db):
    user, _password = make_user("coordinator")
    cookie = _signed_in(client, user)
    update_user(db.session.get(User, user.id), name="Li Na", role="coordinator", active=True,
                regions=[])
    db.session.commit()
    _thief, response = _replay(client, cookie)
    assert response.status_code == 200


def test_the_administrator_ends_a_users_sessions(client, make_user, db):
    user, _password = make_user("coordinator")
    cookie = _signed_in(client, user)
    admin_user, admin = _admin(client, make_user)
    page = f"/admin/users/{user.id}"
    html = admin.get(page).get_data(as_text=True)
    assert f'action="/admin/users/{user.id}/end-sessions"' in html
    assert "End all sessions" in html
    response = admin.post(f"{page}/end-sessions", data={"csrf_token": csrf_token(admin, page)})
    assert response.status_code == 302 and response.headers["Location"] == page
    assert "signed out everywhere" in admin.get(page).get_data(as_text=True)
    _thief, response = _replay(client, cookie)
    _refused(response)
    _refused(client.get("/cases/"))
    [entry] = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "user.sessions_ended")).all()
    assert entry.object_type == "users" and entry.object_id == str(user.id)
    assert entry.user_id == admin_user.id and entry.summary == user.email
    # The audit log shows it in words.
    assert "sessions ended" in admin.get("/admin/audit/").get_data(as_text=True)
    # The user signs in again normally.
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    assert client.get("/cases/").status_code == 200


def test_ending_ones_own_sessions_keeps_the_current_one(client, make_user, db):
    admin_user, admin = _admin(client, make_user)
    elsewhere = client.application.test_client()
    assert sign_in(elsewhere, admin_user.email, PASSWORD).status_code == 302
    page = f"/admin/users/{admin_user.id}"
    response = admin.post(f"{page}/end-sessions", data={"csrf_token": csrf_token(admin, page)})
    assert response.status_code == 302
    assert admin.get(page).status_code == 200
    _refused(elsewhere.get("/cases/"))


def test_only_administrators_end_sessions(client, make_user):
    user, _password = make_user("coordinator")
    _signed_in(client, user)
    response = client.post(f"/admin/users/{user.id}/end-sessions",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 403

"""Sign-in: argon2id, CSRF, sign-in required everywhere but login, safe redirects, the CLI."""

import pytest

from mediation.auth.models import User
from mediation.auth.services import AccountError, authenticate, create_user
from tests.conftest import csrf_token, sign_in

AREAS = ["/", "/cases/", "/roster/", "/centres/", "/planning/"]


def test_passwords_are_hashed_with_argon2id(db):
    user = create_user("Ada@Example.org", "a long enough secret")
    assert user.email == "ada@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough secret" not in user.password_hash
    assert authenticate("ADA@example.org", "a long enough secret") is user
    assert authenticate("ada@example.org", "wrong password here") is None
    assert authenticate("nobody@example.org", "a long enough secret") is None


def test_production_hashing_is_argon2id_at_rfc_9106_low_memory_cost():
    """The suite hashes cheaply (conftest); the app itself uses RFC 9106's low-memory profile."""
    from mediation.auth import services

    assert services.PRODUCTION_HASHER.hash("a long enough secret").startswith(
        "$argon2id$v=19$m=65536,t=3,p=4$")


def test_signing_in_rehashes_a_password_made_with_other_parameters(db, monkeypatch):
    from mediation.auth import services

    user = create_user("ada@example.org", "a long enough secret")
    db.session.commit()
    assert "$m=65536,t=3,p=4$" not in user.password_hash  # the suite's cheap hash
    monkeypatch.setattr(services, "_hasher", services.PRODUCTION_HASHER)
    assert authenticate("ada@example.org", "a long enough secret") is user
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert authenticate("ada@example.org", "a long enough secret") is user


@pytest.mark.parametrize(
    ("email", "password", "role", "field"),
    [
        ("not-an-email", "a long enough secret", "viewer", "email"),
        ("a@example.org", "short", "viewer", "password"),
        ("a@example.org", "a long enough secret", "superuser", "role"),
    ],
)
def test_bad_account_data_names_the_field(db, email, password, role, field):
    with pytest.raises(AccountError, match=f"^{field}:"):
        create_user(email, password, role=role)


def test_duplicate_email_is_refused(db):
    create_user("a@example.org", "a long enough secret")
    with pytest.raises(AccountError, match="already exists"):
        create_user("A@example.org", "another long secret")


@pytest.mark.parametrize("path", AREAS)
def test_every_area_requires_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_page_is_public_and_has_csrf(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)


def test_sign_in_then_every_area_renders(client, make_user, db):
    user, password = make_user("viewer")
    response = sign_in(client, user.email, password)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    for path in AREAS:
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        for area in ("Cases", "Roster", "Centres", "Planning"):
            assert area in html
        assert page.headers["Cache-Control"] == "no-store"
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_wrong_password_is_refused_without_saying_which_part(client, make_user):
    user, _ = make_user()
    response = sign_in(client, user.email, "not the password")
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_inactive_user_cannot_sign_in(client, make_user, db):
    user, password = make_user()
    user.active = False
    db.session.commit()
    assert sign_in(client, user.email, password).status_code == 401


def test_post_without_csrf_token_is_rejected(client, make_user):
    user, password = make_user()
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_next_redirect_stays_on_site(client, make_user):
    user, password = make_user()
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/phish",
        data={"email": user.email, "password": password, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client)
    response = client.post(
        "/login?next=/cases/?q=x",
        data={"email": user.email, "password": password, "csrf_token": token},
    )
    assert response.headers["Location"] == "/cases/?q=x"


def test_logout_needs_post_with_csrf(signed_in):
    assert signed_in.get("/logout").status_code == 405
    assert signed_in.post("/logout").status_code == 400
    assert signed_in.get("/").status_code == 200
    response = signed_in.post("/logout", data={"csrf_token": csrf_token(signed_in, "/")})
    assert response.status_code == 302
    assert signed_in.get("/").status_code == 302


def test_language_switch(signed_in):
    token = csrf_token(signed_in, "/")
    response = signed_in.post("/language/en", data={"csrf_token": token, "next": "/cases/"})
    assert response.headers["Location"] == "/cases/"
    assert signed_in.post("/language/xx", data={"csrf_token": token}).status_code == 404


def test_cli_creates_a_user_with_password_from_stdin(runner, db):
    result = runner.invoke(
        args=["users", "create", "Boss@Example.org", "--role", "admin", "--password-stdin"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.org" in result.output
    user = db.session.scalar(db.select(User).filter_by(email="boss@example.org"))
    assert user.role == "admin" and authenticate("boss@example.org", "a long enough secret")


def test_cli_reports_bad_input_and_saves_nothing(runner, db):
    result = runner.invoke(args=["users", "create", "x@example.org", "--password-stdin"], input="short\n")
    assert result.exit_code != 0
    assert "password: must be at least 12 characters" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_unknown_page_is_a_friendly_404(signed_in):
    response = signed_in.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)

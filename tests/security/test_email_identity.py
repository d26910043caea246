"""One identity per account: every spelling of an address is the same account, for sign-up,
sign-in and the login throttle (mediation.emails)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mediation import emails
from mediation.auth.models import User
from mediation.auth.services import AccountError, create_user
from tests.conftest import csrf_token

PASSWORD = "correct horse battery"
IDEOGRAPHIC_STOP = "coord2@example\u3002org"  # 。
FULL_WIDTH_E = "coord2@\uff45xample.org"  # ｅ


def _attempt(client, email, password, address="10.0.0.1"):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("typed", [
    "coord2@example.org", "Coord2@EXAMPLE.ORG", "  coord2@example.org ", IDEOGRAPHIC_STOP,
    FULL_WIDTH_E, "\uff43oord2@example.org", "coord2@example\uff0eorg",
])
def test_every_spelling_has_one_normal_form(typed):
    assert emails.normalise(typed) == "coord2@example.org"
    assert emails.key(typed) == "coord2@example.org"


def test_domains_go_through_idna():
    assert emails.normalise("Li@M\u00dcNCHEN.de") == "li@m\u00fcnchen.de"
    assert emails.normalise("li@xn--mnchen-3ya.de") == "li@m\u00fcnchen.de"


@pytest.mark.parametrize("bad", [
    "x@example.org\r\nBcc: victim@evil.example", "a@example.org, attacker@evil.example",
    "a@example.org; b@example.org", "Wang Li <wang@example.org>", "a\x00@example.org",
    "a@exa\u200bmple.org", "a b@example.org", "no-at-sign", "a@@example.org", "a@b@c.org",
    "a\u2028b@example.org", "@example.org", "a@", "a@localhost",
])
def test_anything_but_one_bare_address_is_refused(bad):
    with pytest.raises(emails.EmailError):
        emails.normalise(bad)
    assert emails.deliverable(bad) is None and not emails.is_valid(bad)


def test_the_refusals_say_why():
    with pytest.raises(emails.EmailError, match="control characters"):
        emails.normalise("x@example.org\r\nBcc: victim@evil.example")
    with pytest.raises(emails.EmailError, match="one email address only"):
        emails.normalise("a@example.org, attacker@evil.example")


def test_a_locked_account_stays_locked_however_the_address_is_typed(client, make_user):
    user, password = make_user(email="coord2@example.org")
    for _ in range(5):
        assert _attempt(client, "coord2@example.org", "wrong password, really").status_code == 401
    # The right password, with an ideographic full stop in the domain, from another address.
    response = _attempt(client, IDEOGRAPHIC_STOP, password, address="10.9.9.9")
    assert response.status_code == 429
    assert "Too many failed sign-ins for this account" in response.get_data(as_text=True)
    assert _attempt(client, FULL_WIDTH_E, password, address="10.9.9.8").status_code == 429


def test_failures_in_any_spelling_count_against_the_same_account(client, make_user):
    user, password = make_user(email="coord2@example.org")
    for typed in ("coord2@example.org", FULL_WIDTH_E, FULL_WIDTH_E, "COORD2@example.org",
                  IDEOGRAPHIC_STOP):
        assert _attempt(client, typed, "wrong password, really").status_code == 401
    assert _attempt(client, "coord2@example.org", password, address="10.9.9.9").status_code == 429


def test_one_account_per_address_whatever_the_spelling(db):
    create_user("coord2@example.org", PASSWORD)
    db.session.commit()
    for spelling in ("\uff43oord2@example.org", FULL_WIDTH_E, IDEOGRAPHIC_STOP):
        with pytest.raises(AccountError) as refused:
            create_user(spelling, PASSWORD)
        assert refused.value.field == "email"
    db.session.rollback()
    assert db.session.scalars(sa.select(User.email)).all() == ["coord2@example.org"]


def test_the_stored_address_is_the_normal_form_on_every_write(db):
    user = create_user("\uff23oord3@EXAMPLE\u3002org", PASSWORD)
    assert user.email == "coord3@example.org"
    user.email = "Coord3@Example.org"  # any write, not only the services
    assert user.email == "coord3@example.org"
    with pytest.raises(emails.EmailError):
        user.email = "a@example.org, b@example.org"
    db.session.rollback()


def test_signing_in_with_another_spelling_reaches_the_account(client, make_user):
    user, password = make_user(email="coord4@example.org")
    assert _attempt(client, "\uff43oord4@example\u3002org", password).status_code == 302

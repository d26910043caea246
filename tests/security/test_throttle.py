"""Login throttling: per account and per address, 429 with a clear message, shared by every
server process (database store; Redis when REDIS_URL is set)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import redis
import sqlalchemy as sa

from mediation import create_app
from mediation.audit.models import AuditEntry
from mediation.auth import throttle
from mediation.auth.models import LoginFailure
from tests.conftest import TEST_CONFIG, csrf_token

REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def _attempt(client, email, password, address="10.0.0.1"):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_account_is_throttled_after_five_failures_then_429(client, make_user, db):
    user, password = make_user()
    for _ in range(5):
        assert _attempt(client, user.email, "wrong password, really").status_code == 401
    # Even the right password is refused now, before it is checked, from any address.
    response = _attempt(client, user.email, password, address="10.9.9.9")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins for this account" in response.get_data(as_text=True)
    # The store keeps digests only: no email or address in clear.
    keys = db.session.scalars(sa.select(LoginFailure.key)).all()
    assert keys and all(len(k) == 64 and user.email not in k for k in keys)


def test_success_clears_the_account_count(client, make_user):
    user, password = make_user()
    for _ in range(4):
        _attempt(client, user.email, "wrong password, really")
    assert _attempt(client, user.email, password).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    for _ in range(4):
        assert _attempt(client, user.email, "wrong password, really").status_code == 401


def test_address_is_throttled_across_accounts(app, client, make_user):
    app.config["MEDIATION_LOGIN_ADDRESS_LIMIT"] = 3  # the test app and the client's share nothing
    client.application.config["MEDIATION_LOGIN_ADDRESS_LIMIT"] = 3
    try:
        for n in range(3):
            assert _attempt(client, f"nobody{n}@example.org", "wrong password, really",
                            address="10.1.1.1").status_code == 401
        response = _attempt(client, "someone@example.org", "wrong password, really",
                            address="10.1.1.1")
        assert response.status_code == 429
        assert "from your network address" in response.get_data(as_text=True)
        # Another address is not affected.
        assert _attempt(client, "someone@example.org", "wrong password, really",
                        address="10.2.2.2").status_code == 401
    finally:
        client.application.config["MEDIATION_LOGIN_ADDRESS_LIMIT"] = 20
        app.config["MEDIATION_LOGIN_ADDRESS_LIMIT"] = 20


def test_failures_from_another_process_count(client, make_user, _database_url):
    """A second server process (its own interpreter, engine and connections) records
    failures; this process then refuses the account: the store is shared."""
    user, password = make_user()
    script = textwrap.dedent(f"""
        from mediation import create_app
        from mediation.auth import throttle
        app = create_app({{"DATABASE_URL": {_database_url!r}, "SECRET_KEY": "x",
                          "TESTING": True}})
        with app.test_request_context():
            keys = throttle.keys_for({user.email!r}, "10.7.7.7")
            for _ in range(5):
                throttle.failed(keys)
    """)
    env = dict(os.environ, REDIS_URL="")
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=60)
    response = _attempt(client, user.email, password, address="10.8.8.8")
    assert response.status_code == 429


@pytest.fixture
def redis_app(_database_url, app):
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis at {REDIS_TEST_URL} is unreachable: {exc}")
        pytest.skip(f"Redis at {REDIS_TEST_URL} is unreachable: {exc}")
    connection.flushdb()
    web = create_app({"DATABASE_URL": _database_url, **TEST_CONFIG, "REDIS_URL": REDIS_TEST_URL})
    yield web
    connection.flushdb()
    with web.app_context():
        from mediation.extensions import db

        db.engine.dispose()


def test_redis_store_throttles_and_expires(redis_app, make_user, db):
    user, password = make_user()
    client = redis_app.test_client()
    for _ in range(5):
        assert _attempt(client, user.email, "wrong password, really").status_code == 401
    assert _attempt(client, user.email, password).status_code == 429
    # Counted in Redis (database 7), not in the database.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    keys = connection.keys(throttle.REDIS_PREFIX + "*")
    assert len(keys) == 2
    assert all(0 < connection.ttl(k) <= 900 for k in keys)
    # When the window has passed (the keys expire), sign-in works again.
    for k in keys:
        connection.pexpire(k, 1)
    import time

    time.sleep(0.05)
    assert _attempt(client, user.email, password).status_code == 302


def test_redis_is_shared_between_processes(redis_app, make_user):
    user, password = make_user()
    script = textwrap.dedent(f"""
        from mediation import create_app
        from mediation.auth import throttle
        app = create_app({{"DATABASE_URL": "sqlite://", "SECRET_KEY": "x", "TESTING": True,
                          "REDIS_URL": {REDIS_TEST_URL!r}}})
        with app.test_request_context():
            keys = throttle.keys_for({user.email!r}, "10.7.7.7")
            for _ in range(5):
                throttle.failed(keys)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert _attempt(redis_app.test_client(), user.email, password).status_code == 429


def test_unreadable_sign_ins_count_and_stop_filling_the_audit_log(app, client, db):
    """A sign-in with a NUL byte is refused before its form is read (400). Failed before: it was
    never counted, so one address could send them without end, each writing an audit entry."""
    for target in (app, client.application):
        target.config["MEDIATION_LOGIN_ADDRESS_LIMIT"] = 3
    try:
        for _ in range(6):
            assert _attempt(client, "coord\x00@example.org", "whatever",
                            address="10.3.3.3").status_code == 400
        db.session.expire_all()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "user.sign_in_failed")) == 3
        # The address has used its attempts: a readable sign-in from it is refused too.
        response = _attempt(client, "someone@example.org", "wrong password, really",
                            address="10.3.3.3")
        assert response.status_code == 429
    finally:
        for target in (app, client.application):
            target.config["MEDIATION_LOGIN_ADDRESS_LIMIT"] = 20

"""A lost database connection answers 503 with a retry hint, not 500 (issue #15, finding 11)."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from mediation import create_app
from mediation.extensions import db as _db
from tests.conftest import TEST_CONFIG, sign_in


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


@pytest.fixture
def down_app():
    """An app whose PostgreSQL is not there (a port nothing listens on)."""
    app = create_app({**TEST_CONFIG, "TESTING": False,
                      "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{_unused_port()}/x",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    yield app


def _signed_in_client(app):
    """A client whose session names a user: loading them is the request's first query."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"
        session["_fresh"] = True
    return client


def test_an_unreachable_database_answers_503_with_a_retry_hint(down_app):
    response = _signed_in_client(down_app).get("/cases/")
    assert response.status_code == 503, response.status_code
    assert response.headers["Retry-After"].isdigit()
    assert "The database cannot be reached just now" in response.get_data(as_text=True)


def test_the_503_page_is_in_the_reader_s_language(down_app):
    response = _signed_in_client(down_app).get("/cases/", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 503
    assert "数据库" in response.get_data(as_text=True)


@pytest.mark.postgresql_only
def test_a_connection_killed_mid_session_answers_503(app, db, make_user, backend, _database_url):
    """A signed-in user's connection is terminated by the server (pg_terminate_backend, as a
    restart or a failover does): that request answers 503, the next one works again."""
    assert backend == "postgresql"
    user, password = make_user("coordinator")
    # One connection in the pool, checked out by each request in turn.
    other = create_app({**TEST_CONFIG, "TESTING": False, "DATABASE_URL": _database_url,
                        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0}})
    try:
        client = other.test_client()
        assert sign_in(client, user.email, password).status_code == 302
        assert client.get("/cases/").status_code == 200
        with other.app_context():
            pid = _db.session.scalar(sa.text("SELECT pg_backend_pid()"))
            _db.session.remove()  # back to the pool: the next request gets this connection
        db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        db.session.commit()
        response = client.get("/cases/")
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert client.get("/cases/").status_code == 200  # the pool opened a new connection
    finally:
        with other.app_context():
            _db.engine.dispose()

"""The migration to sessions that end and emails in one normal form: existing addresses are
normalised; two accounts with one normal form keep the first, the other is deactivated."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from mediation import create_app
from mediation.extensions import db
from tests.test_migrations import scratch_postgres

BEFORE = "7b25e333486c"
NOW = "'2026-11-24 00:00:00+00:00'"


def _user(uid: int, email: str) -> str:
    return ("INSERT INTO users (id, email, name, password_hash, role, active, created_at,"
            f" updated_at) VALUES ({uid}, '{email}', '', 'x', 'coordinator', true, {NOW}, {NOW})")


def _person(pid: int, email: str) -> str:
    return ("INSERT INTO people (id, code, name, email, is_expert, is_counsellor, active,"
            f" locale, created_at, updated_at) VALUES ({pid}, 'P{pid}', 'P', '{email}', true,"
            f" false, true, 'en', {NOW}, {NOW})")


def _emails_upgrade(url: str) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade(revision=BEFORE)
        statements = [
            _user(1, "coord2@example.org"),
            _user(2, "\uff43oord2@example.org"),  # full-width c: the same address
            _user(3, "Wang.Li@\uff25xample.org"),
            _user(4, "not an address"),
            _person(1, "Li@EXAMPLE\u3002org"),
            _person(2, "a@example.org, attacker@evil.example"),
        ]
        with db.engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
        upgrade()
        with db.engine.connect() as conn:
            users = conn.execute(sa.text(
                "SELECT id, email, active, session_version FROM users ORDER BY id")).all()
            people = conn.execute(sa.text("SELECT id, email FROM people ORDER BY id")).all()
        assert [tuple(u) for u in users] == [
            (1, "coord2@example.org", True, 1),
            (2, "\uff43oord2@example.org", False, 2),  # kept as it was, deactivated
            (3, "wang.li@example.org", True, 1),
            (4, "not an address", True, 1),
        ]
        assert [tuple(p) for p in people] == [
            (1, "li@example.org"), (2, "a@example.org, attacker@evil.example")]
        downgrade(revision=BEFORE)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
        assert "session_version" not in columns
        db.engine.dispose()


def test_sqlite_emails_upgrade(tmp_path):
    _emails_upgrade(f"sqlite:///{tmp_path / 'emails.sqlite3'}")


@pytest.mark.postgres
def test_postgresql_emails_upgrade():
    with scratch_postgres("mediation_emails") as url:
        _emails_upgrade(url)

"""The migration to sessions that end and emails in one normal form: existing addresses are
normalised; two accounts with one normal form keep the first, the other is deactivated. Then the
outbox's reasons in words become codes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from mediation import create_app
from mediation.extensions import db
from tests.test_migrations import scratch_postgres

BEFORE = "7b25e333486c"
OUTBOX_BEFORE = "a5e7c0d41b29"
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


def _outbox_errors_upgrade(url: str) -> None:
    """The outbox's stored reasons in words become codes; the mail server's answers stay."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test"})
    errors = {
        1: ("P1 has no email address", "no_address"),
        2: ("P2: the stored address is not a valid email address, so this message is not sent;"
            " correct it on the person's page.", "invalid_address"),
        3: ("P3：所存邮箱地址无效，本邮件未发送；请在该人员页面更正邮箱地址。", "invalid_address"),
        4: ("PermanentFailure: no recipient address", "no_address"),
        5: ("PermanentFailure: the recipient is not one valid email address", "invalid_address"),
        6: ("PermanentFailure: 550 5.1.1 no such mailbox", "PermanentFailure: 550 5.1.1 no such"
            " mailbox"),
    }
    with app.app_context():
        upgrade(revision=OUTBOX_BEFORE)
        with db.engine.begin() as conn:
            for pid, (error, _code) in errors.items():
                conn.execute(sa.text(_person(pid, f"p{pid}@example.org")))
                conn.execute(sa.text(
                    "INSERT INTO outbox_messages (id, created_at, person_id, reason, method, uid,"
                    " sequence, subject, message, status, attempts, last_error) VALUES"
                    f" ({pid}, {NOW}, {pid}, 'published', 'REQUEST', 'u{pid}', 0, 's', 'm',"
                    " 'failed', 1, :error)"), {"error": error})
        upgrade()
        with db.engine.connect() as conn:
            stored = dict(conn.execute(sa.text(
                "SELECT id, last_error FROM outbox_messages")).all())
        assert stored == {pid: code for pid, (_error, code) in errors.items()}
        downgrade(revision=OUTBOX_BEFORE)
        with db.engine.connect() as conn:
            stored = dict(conn.execute(sa.text(
                "SELECT id, last_error FROM outbox_messages")).all())
        assert stored[1] == "P1 has no email address" and stored[4] == "P4 has no email address"
        assert stored[2] == errors[2][0] and stored[3] == errors[2][0].replace("P2", "P3")
        assert stored[6] == errors[6][0]
        db.engine.dispose()


def test_sqlite_outbox_errors_upgrade(tmp_path):
    _outbox_errors_upgrade(f"sqlite:///{tmp_path / 'outbox.sqlite3'}")


@pytest.mark.postgres
def test_postgresql_outbox_errors_upgrade():
    with scratch_postgres("mediation_outbox") as url:
        _outbox_errors_upgrade(url)

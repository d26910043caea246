"""Delivering the outbox: a real SMTP server, the .eml folder, retries, concurrent senders."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from mediation.calendar.invites import queue_invites
from mediation.calendar.mail import deliver_pending, retry_delay
from mediation.calendar.models import OutboxMessage
from tests.calendar import factories as cf
from tests.calendar.checks import check_calendar, parse_message, parts


def _queued(db, attendees: int = 2, hearings: int = 1) -> list[OutboxMessage]:
    messages = []
    for n in range(hearings):
        people = [(cf.person(locale="en"), "chair" if i == 0 else "member")
                  for i in range(attendees)]
        h = cf.hearing(day=date(2026, 12, 1) + timedelta(days=n), members=people)
        messages += queue_invites(h, kind="published")
    db.session.commit()
    return messages


def _all(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_invites_reach_a_real_smtp_server(db, smtp_server):
    messages = _queued(db)
    counts = deliver_pending()
    assert counts["sent"] == 2 and counts["retrying"] == counts["failed"] == 0
    assert len(smtp_server.messages) == 2
    received = {tuple(rcpt): (sender, raw) for sender, rcpt, raw in smtp_server.messages}
    for message in messages:
        sender, raw = received[(message.recipient,)]
        assert sender == "hearings@mediation.example.org"
        mail = parse_message(raw)
        assert mail["To"] == message.recipient
        ics, part = parts(mail)["text/calendar"]
        assert part.get_param("method") == "REQUEST"
        check_calendar(ics, method="REQUEST")
    for row in _all(db):
        assert row.status == "sent" and row.transport == "smtp" and row.attempts == 1
        assert row.sent_at is not None and row.next_attempt_at is None
    assert deliver_pending() == {"sent": 0, "retrying": 0, "failed": 0, "taken_by_another": 0}
    assert len(smtp_server.messages) == 2


def test_without_smtp_messages_become_eml_files(db, calendar_config):
    messages = _queued(db)
    counts = deliver_pending()
    assert counts["sent"] == 2
    folder = calendar_config["MEDIATION_OUTBOX_DIR"]
    for row in _all(db):
        assert row.transport == "file" and row.delivered_to.startswith(folder)
        with open(row.delivered_to, "rb") as fh:
            raw = fh.read()
        assert raw == row.message.encode()
        mail = parse_message(raw)
        check_calendar(parts(mail)["text/calendar"][0], method="REQUEST")
    assert len(messages) == 2


def test_failures_are_retried_with_backoff_then_given_up(app, db, calendar_config, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 9)  # nothing listens: connection refused
    monkeypatch.setitem(app.config, "MEDIATION_MAIL_MAX_ATTEMPTS", 3)
    _queued(db, attendees=1)
    before = datetime.now(UTC)
    assert deliver_pending()["retrying"] == 1
    (row,) = _all(db)
    assert row.status == "pending" and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at >= before + retry_delay(1)
    # Not due yet: nothing happens.
    assert deliver_pending()["retrying"] == 0 and _all(db)[0].attempts == 1
    for attempt in (2, 3):
        db.session.execute(sa.update(OutboxMessage).values(
            next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()
        outcome = deliver_pending()
        assert outcome["failed" if attempt == 3 else "retrying"] == 1
    (row,) = _all(db)
    assert row.status == "failed" and row.attempts == 3 and row.next_attempt_at is None
    assert retry_delay(2) == 2 * retry_delay(1) and retry_delay(40) == timedelta(hours=6)


def test_a_permanent_refusal_fails_at_once(db, smtp_server):
    smtp_server.reject = "550 5.1.1 No such user here"
    _queued(db, attendees=1)
    assert deliver_pending()["failed"] == 1
    (row,) = _all(db)
    assert row.status == "failed" and row.attempts == 1 and "550" in row.last_error


def test_a_temporary_refusal_is_retried_then_succeeds(db, smtp_server):
    smtp_server.reject = "451 4.3.0 Try again later"
    _queued(db, attendees=1)
    assert deliver_pending()["retrying"] == 1
    smtp_server.reject = None
    db.session.execute(sa.update(OutboxMessage).values(
        next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()
    assert deliver_pending()["sent"] == 1
    (row,) = _all(db)
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None
    assert len(smtp_server.messages) == 1


def test_a_stale_claim_is_taken_again(db, smtp_server):
    _queued(db, attendees=1)
    db.session.execute(sa.update(OutboxMessage).values(
        status="sending", claim="dead", claimed_at=datetime.now(UTC) - timedelta(hours=1),
        attempts=1))
    db.session.commit()
    assert deliver_pending()["sent"] == 1
    assert _all(db)[0].attempts == 2


def test_two_concurrent_senders_never_send_a_message_twice(app, db, smtp_server):
    messages = _queued(db, attendees=3, hearings=6)
    results, errors = [], []
    start = threading.Barrier(2)

    def sender():
        try:
            with app.app_context():
                start.wait()
                results.append(deliver_pending())
                from mediation.extensions import db as _db

                _db.session.remove()
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sum(r["sent"] for r in results) == len(messages) == 18
    recipients = [rcpt[0] for _s, rcpt, _raw in smtp_server.messages]
    assert sorted(recipients) == sorted(m.recipient for m in messages)  # each exactly once
    assert all(row.status == "sent" and row.attempts == 1 for row in _all(db))


def test_mail_send_command(db, runner, calendar_config):
    _queued(db, attendees=2)
    result = runner.invoke(args=["mail", "send", "--limit", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["delivered"]["sent"] == 1
    assert report["outbox"] == {"pending": 1, "sent": 1}


@pytest.mark.parametrize("limit", [0, -1])
def test_mail_send_rejects_a_bad_limit(runner, limit):
    assert runner.invoke(args=["mail", "send", "--limit", str(limit)]).exit_code == 2

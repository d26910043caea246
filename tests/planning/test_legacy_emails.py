"""An address stored before addresses were checked (legacy data) never breaks publishing or
cancelling: the invite to it is not sent, and shows as failed in the outbox."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from mediation import worker
from mediation.calendar.mail import deliver_pending
from mediation.calendar.models import INVALID_ADDRESS, OutboxMessage
from mediation.planning.models import PUBLISHED_LAYER, Hearing
from mediation.roster.models import Person
from tests.conftest import CSRF_RE, sign_in

PASSWORD = "correct horse battery"
LEGACY = ["x@example.org\r\nBcc: victim@evil.example", "a@example.org, attacker@evil.example"]


@pytest.fixture(autouse=True)
def _no_background_delivery(monkeypatch):
    """Messages stay queued until the test delivers them (no race with the worker thread)."""
    monkeypatch.setattr(worker, "submit", lambda *args, **kwargs: "in-process")


def _store_legacy_addresses(db, people) -> None:
    """Written past the validators, as an old import did."""
    for n, person in enumerate(people):
        db.session.execute(sa.update(Person).where(Person.id == person.id)
                           .values(email=LEGACY[n % 2]))
    db.session.commit()
    db.session.expire_all()


def _publish(client, run_id: int):
    html = client.get(f"/planning/runs/{run_id}/publish").get_data(as_text=True)
    return client.post(f"/planning/runs/{run_id}/publish", data={
        "csrf_token": CSRF_RE.search(html).group(1),
        "confirm": re.search(r'name="confirm" value="([^"]+)"', html).group(1)})


def _outbox(db, **where) -> list[OutboxMessage]:
    db.session.expire_all()
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(OutboxMessage, key) == value)
    return list(db.session.scalars(stmt))


def _assert_nothing_injected(db, legacy_ids: set[int]) -> None:
    messages = _outbox(db)
    assert messages
    for message in messages:
        assert "victim@evil.example" not in message.message
        assert "attacker@evil.example" not in message.message
        if message.person_id in legacy_ids:
            assert message.status == "failed" and message.recipient is None
            assert message.last_error == INVALID_ADDRESS
        else:
            assert message.status == "pending" and message.recipient


def test_publishing_a_plan_with_a_legacy_address_does_not_fail(db, client, world, planned):
    _store_legacy_addresses(db, world.experts + world.counsellors)
    assert sign_in(client, world.user.email, PASSWORD).status_code == 302
    response = _publish(client, planned.id)
    assert response.status_code == 302, response.get_data(as_text=True)
    published = db.session.scalars(sa.select(Hearing).where(
        Hearing.layer == PUBLISHED_LAYER)).all()
    assert published
    legacy = {p.id for p in world.experts + world.counsellors}
    _assert_nothing_injected(db, legacy)
    # The coordinator sees the failures: on the outbox page and in the home page's work list.
    outbox = client.get("/calendar/outbox?status=failed").get_data(as_text=True)
    assert "not a valid email address" in outbox


def test_cancelling_a_hearing_with_a_legacy_address_does_not_fail(db, client, world, planned):
    assert sign_in(client, world.user.email, PASSWORD).status_code == 302
    assert _publish(client, planned.id).status_code == 302
    hearing = db.session.scalars(sa.select(Hearing).where(
        Hearing.layer == PUBLISHED_LAYER).order_by(Hearing.id)).first()
    members = [m.person for m in hearing.members]
    _store_legacy_addresses(db, members[:2])
    before = len(_outbox(db))
    path = f"/planning/hearings/{hearing.id}"
    html = client.get(path).get_data(as_text=True)
    response = client.post(f"{path}/remove", data={"csrf_token": CSRF_RE.search(html).group(1),
                                                   "version": hearing.version})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Hearing, hearing.id).status == "cancelled"
    cancels = _outbox(db, method="CANCEL")
    assert len(cancels) == len(members) and len(_outbox(db)) == before + len(members)
    for message in cancels:
        assert "victim@evil.example" not in message.message
        assert "attacker@evil.example" not in message.message
    failed = {m.person_id for m in cancels if m.status == "failed"}
    assert failed == {p.id for p in members[:2]}


def test_a_message_queued_to_a_legacy_address_is_never_handed_to_the_server(db, client, world,
                                                                            planned):
    assert sign_in(client, world.user.email, PASSWORD).status_code == 302
    assert _publish(client, planned.id).status_code == 302
    first, *others = _outbox(db, status="pending")
    # Queued before addresses were checked: the recipient holds a second address.
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == first.id)
                       .values(recipient=LEGACY[1]))
    db.session.commit()
    result = deliver_pending()
    assert result["failed"] == 1 and result["sent"] == len(others)
    db.session.expire_all()
    message = db.session.get(OutboxMessage, first.id)
    assert message.status == "failed" and message.sent_at is None
    assert message.last_error == INVALID_ADDRESS

"""Closing a case: the "three in place, one handled" checklist (done / not applicable with a
reason, per point), a closure reason, and the hearings a closed case leaves behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mediation.calendar.models import OutboxMessage
from mediation.cases import services
from mediation.cases.services import TransitionError, transition
from mediation.hearings.models import Hearing
from mediation.timeutil import local_today
from tests.calendar import factories as cf


@pytest.fixture
def mail_config(app, monkeypatch):
    values = {"MEDIATION_BASE_URL": "https://mediation.example.org", "SMTP_HOST": None,
              "MAIL_FROM": "Hearings Office <hearings@mediation.example.org>"}
    for key, value in values.items():
        monkeypatch.setitem(app.config, key, value)


def _case_with_hearing(world, days: int = 7):
    case = cf.private_case(reg=world.village, status="opinion_given", opinion="support",
                           accepted_on=local_today() - timedelta(days=20))
    members = [(cf.person(), "chair"), (cf.person(), "member"), (cf.person(), "member")]
    h = cf.hearing(case=case, day=local_today() + timedelta(days=days), members=members)
    return case, h


def _complete(case, world):
    services.update_checklist(case, {name: {"state": "done"} for name, _ in services.CHECKLIST},
                              world.user)


def _cancels(db, h):
    return db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.hearing_id == h.id, OutboxMessage.method == "CANCEL")).all()


def test_terminating_cancels_the_published_hearings_and_sends_the_cancellations(
        db, world, mail_config):
    # Failed before: terminate did not send case_left_planning, so the hearing stayed
    # published and the experts kept their invites.
    case, h = _case_with_hearing(world)
    past = cf.hearing(case=case, day=local_today() - timedelta(days=3))
    _complete(case, world)
    transition(case, "terminate", world.user, reason="Demands beyond policy, explained twice")
    db.session.commit()
    db.session.refresh(h)
    assert h.status == "cancelled" and h.sequence == 1
    cancels = _cancels(db, h)
    assert len(cancels) == 3
    assert {m.recipient for m in cancels} == {m.person.email for m in h.members}
    db.session.refresh(past)
    assert past.status == "published"  # a hearing already held stays in the record


def test_resolving_cancels_future_published_hearings(db, world, mail_config):
    case, h = _case_with_hearing(world)
    _complete(case, world)
    transition(case, "resolve", world.user, reason="Wages paid in full")
    db.session.commit()
    assert db.session.get(Hearing, h.id).status == "cancelled"
    assert len(_cancels(db, h)) == 3


@pytest.mark.parametrize("action", ["terminate", "resolve"])
def test_closing_needs_every_point_settled_and_names_the_open_ones(db, world, action):
    # Failed before: terminate was accepted with 0 of 4 points ticked.
    case, _h = _case_with_hearing(world)
    with pytest.raises(TransitionError) as refused:
        transition(case, action, world.user, reason="Enough")
    message = str(refused.value.message)
    for _point, label in services.CHECKLIST:
        assert str(label) in message
    assert case.status == "opinion_given" and not case.in_termination_register
    services.update_checklist(case, {
        "demands_resolved": {"state": "done"},
        "unreasonable_explained": {"state": "not_applicable", "reason": "No such demand"},
        "hardship_relieved": {"state": "done"},
    }, world.user)
    with pytest.raises(TransitionError) as refused:
        transition(case, action, world.user, reason="Enough")
    message = str(refused.value.message)
    assert "Unlawful conduct" in message and "Hardship" not in message
    services.update_checklist(case, {name: {"state": "done"} for name, _ in services.CHECKLIST},
                              world.user)
    with pytest.raises(TransitionError, match="reason for closing"):
        transition(case, action, world.user, reason="  ")
    transition(case, action, world.user, reason="Enough")
    assert case.closure_reason == "Enough" and case.closed_on is not None
    assert case.in_termination_register == (action == "terminate")


def test_not_applicable_needs_a_reason_named_by_its_point(db, world):
    case, _h = _case_with_hearing(world)
    with pytest.raises(TransitionError, match="Hardship relieved"):
        services.update_checklist(case, {"hardship_relieved": {"state": "not_applicable"}},
                                  world.user)
    assert case.checklist_hardship_relieved_state == "open"  # nothing half-written
    services.update_checklist(case, {"hardship_relieved": {"state": "not_applicable",
                                                           "reason": "No hardship"}}, world.user)
    db.session.commit()
    points = {p.point: p for p in services.checklist(case)}
    assert points["hardship_relieved"].state == "not_applicable"
    assert points["hardship_relieved"].reason == "No hardship"
    assert points["demands_resolved"].state == "open"
    assert case.events[-1].action == "checklist" and case.events[-1].note == "1/4"


def test_the_database_refuses_not_applicable_without_a_reason(db, world):
    case, _h = _case_with_hearing(world)
    db.session.commit()
    case.checklist_unlawful_handled_state = "not_applicable"
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_terminate_from_the_case_page(db, world, client, mail_config):
    from tests.conftest import csrf_token, sign_in

    case, h = _case_with_hearing(world)
    db.session.commit()
    sign_in(client, world.user.email, "correct horse battery")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'name="checklist-hardship_relieved-state"' in page
    assert "Published hearings of this case from today on are cancelled" in page
    token = csrf_token(client, f"/cases/{case.id}")
    refused = client.post(f"/cases/{case.id}/actions/terminate",
                          data={"csrf_token": token, "terminate-reason": "Beyond policy"})
    assert refused.status_code == 409
    assert "Hardship relieved" in refused.get_data(as_text=True)
    data = {"csrf_token": token}
    for point, _label in services.CHECKLIST:
        data[f"checklist-{point}-state"] = "done"
    data["checklist-unlawful_handled-state"] = "not_applicable"
    data["checklist-unlawful_handled-reason"] = "No unlawful conduct"
    assert client.post(f"/cases/{case.id}/checklist", data=data).status_code == 302
    assert client.post(f"/cases/{case.id}/actions/terminate",
                       data={"csrf_token": token, "terminate-reason": "Beyond policy"}
                       ).status_code == 302
    db.session.expire_all()
    assert db.session.get(Hearing, h.id).status == "cancelled"
    assert len(_cancels(db, h)) == 3
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "No unlawful conduct" in page and "Beyond policy" in page
    assert "/cases/termination-register/?q=" in page

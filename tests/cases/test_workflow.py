"""The workflow service: every action allowed from its states and refused from the others."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mediation.audit.models import AuditEntry
from mediation.cases import services
from mediation.cases.models import CASE_STATUSES, PanelOpinion
from mediation.cases.services import TRANSITIONS, TransitionError, transition
from mediation.timeutil import local_today
from tests import factories
from tests.cases.conftest import register
from tests.hearings.helpers import published_hearing, with_outcome

TODAY = date(2026, 11, 2)
TODAY_LOCAL = local_today()


def _at(world, status: str, **kw):
    case = register(world, **kw)
    case.status = status
    if status not in ("registered",):
        case.accepted_on = TODAY
    return case


def _data_for(action: str, db, case=None) -> dict:
    if action == "not_accept":
        return {"redirect": "The people's court"}
    if action in ("resolve", "terminate"):
        return {"reason": "Demands settled"}
    if action in ("transfer", "refer", "reopen"):
        return {"note": "Referral / new facts"}
    if action == "extend":
        return {"days": 10, "reason": "Expert report pending"}
    if action == "give_opinion":
        hearing = with_outcome(case, "held")
        return {"opinions": [{"person_id": p.id, "opinion": "support"} for p in hearing.panel]}
    return {}


def _prepare(case, action: str):
    if action in ("resolve", "terminate"):
        for point, _label in services.CHECKLIST:
            setattr(case, f"checklist_{point}_state", "done")


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_action_allowed_and_refused(db, world, action):
    sources, target = TRANSITIONS[action]
    for status in CASE_STATUSES:
        case = _at(world, status)
        _prepare(case, action)
        data = _data_for(action, db, case)
        if status in sources:
            event = transition(case, action, world.user, today=TODAY, **data)
            assert case.status == (target or status)
            assert event.action == action and event.user_id == world.user.id
            assert event.from_status == status and event.at is not None
            assert db.session.scalar(sa.select(AuditEntry).where(
                AuditEntry.action == f"case.{action}", AuditEntry.object_id == str(case.id)))
        else:
            with pytest.raises(TransitionError):
                transition(case, action, world.user, today=TODAY, **data)
            assert case.status == status


def test_register_sets_acceptance_due_date_and_history(db, world):
    case = register(world, today=date(2026, 9, 16))
    assert case.status == "registered"
    assert case.reference == "QS-2026-0001"
    assert case.acceptance_due_on == date(2026, 10, 8)  # past National Day
    assert [e.action for e in case.events] == ["register"]
    assert register(world).reference == "QS-2026-0002"


def test_accept_computes_due_dates(db, world):
    case = register(world)
    transition(case, "accept", world.user, today=date(2026, 11, 3))
    assert case.accepted_on == date(2026, 11, 3)
    assert case.due_by == date(2026, 12, 3)  # 30 days, a Thursday
    assert case.handling_due_on == date(2027, 1, 4)  # 2 January is a Saturday; 1–3 Jan holiday


def test_not_accept_needs_a_redirect(db, world):
    case = register(world)
    with pytest.raises(TransitionError):
        transition(case, "not_accept", world.user, redirect="  ")
    transition(case, "not_accept", world.user, redirect="Labour arbitration committee")
    assert case.not_accepted_redirect == "Labour arbitration committee"


def test_opinion_is_the_majority_of_three_and_each_view_is_kept(db, world):
    case = _at(world, "in_handling")
    a, b, c = (factories.person() for _ in range(3))
    with_outcome(case, "held", people=[a, b, c])
    views = [{"person_id": a.id, "opinion": "support", "note": "fair"},
             {"person_id": b.id, "opinion": "explain"},
             {"person_id": c.id, "opinion": "support"}]
    transition(case, "give_opinion", world.user, opinions=views)
    assert case.opinion == "support" and case.status == "opinion_given"
    stored = db.session.scalars(sa.select(PanelOpinion).order_by(PanelOpinion.id)).all()
    assert [(p.person_id, p.opinion) for p in stored] == [
        (a.id, "support"), (b.id, "explain"), (c.id, "support")]
    assert stored[0].note == "fair" and stored[0].recorded_by_id == world.user.id


def test_opinion_without_majority_or_with_two_members_is_refused(db, world):
    case = _at(world, "in_handling")
    a, b, c = (factories.person() for _ in range(3))
    with_outcome(case, "held", people=[a, b, c])
    with pytest.raises(TransitionError, match="majority"):
        transition(case, "give_opinion", world.user, opinions=[
            {"person_id": a.id, "opinion": "support"}, {"person_id": b.id, "opinion": "explain"},
            {"person_id": c.id, "opinion": "not_support"}])
    with pytest.raises(TransitionError):
        transition(case, "give_opinion", world.user, opinions=[
            {"person_id": a.id, "opinion": "support"}, {"person_id": a.id, "opinion": "support"},
            {"person_id": c.id, "opinion": "support"}])
    assert case.status == "in_handling"


def test_opinion_needs_a_held_hearing(db, world):
    """The defect of issue #12: any three experts could give the opinion with no hearing."""
    case = _at(world, "in_handling")
    experts = [factories.person() for _ in range(3)]
    views = [{"person_id": p.id, "opinion": "support"} for p in experts]
    with pytest.raises(TransitionError, match="held"):
        transition(case, "give_opinion", world.user, opinions=views)
    # A published hearing not (yet) recorded as held is not enough either …
    published_hearing(case, people=experts)
    with pytest.raises(TransitionError, match="held"):
        transition(case, "give_opinion", world.user, opinions=views)
    # … nor an adjourned one.
    with_outcome(case, "adjourned", people=[factories.person() for _ in range(3)],
                 day=TODAY_LOCAL - timedelta(days=5))
    with pytest.raises(TransitionError, match="held"):
        transition(case, "give_opinion", world.user, opinions=views)
    assert case.status == "in_handling" and case.opinion is None


def test_opinion_only_from_the_panel_of_the_held_hearing(db, world):
    case = _at(world, "in_handling")
    panel = [factories.person() for _ in range(3)]
    outsider = factories.person()
    with_outcome(case, "held", people=panel)
    with pytest.raises(TransitionError, match="panel of the held hearing"):
        transition(case, "give_opinion", world.user, opinions=[
            {"person_id": p.id, "opinion": "support"} for p in (*panel[:2], outsider)])
    assert case.status == "in_handling"
    assert services.opinion_panel(case) == panel  # chair first: what the form offers
    transition(case, "give_opinion", world.user, opinions=[
        {"person_id": p.id, "opinion": v} for p, v in zip(panel, ("explain", "support", "support"),
                                                           strict=True)])
    assert case.opinion == "support"


def test_resolve_needs_the_complete_checklist(db, world):
    case = _at(world, "opinion_given")
    services.update_checklist(case, {"demands_resolved": True}, world.user)
    with pytest.raises(TransitionError, match="Three in place"):
        transition(case, "resolve", world.user, reason="Paid")
    services.update_checklist(case, {name: True for name, _ in services.CHECKLIST}, world.user)
    transition(case, "resolve", world.user, today=TODAY, reason="Paid")
    assert case.status == "resolved" and case.closed_on == TODAY
    assert case.closure_reason == "Paid"


def test_terminate_enters_the_register_and_reopen_needs_new_facts(db, world):
    case = _at(world, "opinion_given")
    services.update_checklist(case, {name: True for name, _ in services.CHECKLIST}, world.user)
    transition(case, "terminate", world.user, reason="Demands beyond policy")
    assert case.in_termination_register
    with pytest.raises(TransitionError):
        transition(case, "reopen", world.user, note="")
    transition(case, "reopen", world.user, note="New evidence of the contract")
    assert case.status == "in_handling" and not case.in_termination_register
    assert case.events[-1].note == "New evidence of the contract"


def test_transfer_leaves_statistics_with_a_referral_note(db, world):
    case = _at(world, "accepted")
    with pytest.raises(TransitionError):
        transition(case, "transfer", world.user)
    transition(case, "transfer", world.user, note="Law-and-litigation matter: court")
    assert case.status == "transferred" and not case.in_petition_statistics
    assert case.referral_note == "Law-and-litigation matter: court"


def test_extension_once_within_the_limit_moves_the_handling_date(db, world):
    case = register(world)
    transition(case, "accept", world.user, today=date(2026, 11, 3))
    before = case.handling_due_on
    with pytest.raises(TransitionError):
        transition(case, "extend", world.user, days=31, reason="too long")
    with pytest.raises(TransitionError):
        transition(case, "extend", world.user, days=10, reason="")
    transition(case, "extend", world.user, days=10, reason="Waiting for the land survey")
    assert case.extension_days == 10 and case.handling_due_on > before
    with pytest.raises(TransitionError, match="once"):
        transition(case, "extend", world.user, days=5, reason="again")


def test_escalation_raises_level_and_priority_up_to_five(db, world):
    case = register(world, priority=4)
    transition(case, "escalate", world.user)
    transition(case, "escalate", world.user)
    assert case.escalation_level == 2 and case.priority == 5


def test_unknown_action_is_refused(db, world):
    with pytest.raises(TransitionError):
        transition(register(world), "vanish", world.user)

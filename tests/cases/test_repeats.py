"""Repeat petitions at intake: same person (name + ID number or name + phone), same matter
(category + a shared respondent organisation, matched by record through aliases)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from mediation.cases import repeats, services
from mediation.cases.models import CaseLink
from mediation.cases.services import PartyData, transition
from tests.cases.conftest import intake_data, register


def test_same_id_number_and_matter_is_linked_and_raises_priority(db, world):
    first = register(world, today=date(2026, 10, 12))
    second = services.register_case(
        intake_data(
            world, parties=[PartyData(name="wang fang", id_number="360102 199001011234")]),
        world.user, today=date(2026, 11, 2))
    case = second.case
    assert second.repeats == [first]
    assert [link.earlier_case_id for link in case.earlier_links] == [first.id]
    assert case.repeat_count == 1 and case.priority == 4
    assert "repeat_detected" in [e.action for e in case.events]
    third = register(world, today=date(2026, 11, 20))
    assert third.repeat_count == 2
    assert {link.earlier_case_id for link in third.earlier_links} == {first.id, case.id}


def test_phone_match_through_an_organisation_alias(db, world):
    first = register(world, respondents=["Ning'an Town Government"],
                     parties=[PartyData(name="Li Qiang", phone="138-0000-0002")])
    second = register(world, respondents=["宁安镇人民政府"],
                      parties=[PartyData(name="Li Qiang", phone="13800000002")])
    assert [link.earlier_case for link in second.earlier_links] == [first]


def test_different_matter_or_person_is_not_flagged(db, world):
    register(world)
    other_category = register(world, category="medical_dispute")
    other_person = register(world, parties=[PartyData(name="Zhao Min",
                                                      id_number="360102199001019999")])
    same_name_only = register(world, parties=[PartyData(name="Wang Fang")])
    same_phone_other_name = register(world, parties=[PartyData(name="Zhao Min",
                                                               phone="13800000001")])
    for case in (other_category, other_person, same_name_only, same_phone_other_name):
        assert case.earlier_links == [] and case.repeat_count == 0 and case.priority == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseLink)) == 0


def test_same_id_number_is_the_same_person_whatever_the_name(db, world):
    first = register(world)
    second = register(world, parties=[PartyData(name="王芳", id_number="360102199001011234")])
    assert [(lk.earlier_case, lk.status) for lk in second.earlier_links] == [(first, "confirmed")]


def test_same_person_and_category_without_shared_respondent_is_a_possible_repeat(db, world):
    first = register(world)
    other_respondent = register(world, respondents=["Ning'an Town Government"])
    no_respondent = register(world, respondents=[])
    for case in (other_respondent, no_respondent):
        assert [(lk.earlier_case_id, lk.status) for lk in case.earlier_links if
                lk.earlier_case_id == first.id] == [(first.id, "possible")]
        assert case.repeat_count == 0 and case.priority == 3
        assert "possible_repeat" in [e.action for e in case.events]
    assert services.find_possible_repeats(no_respondent) == [first, other_respondent]


def test_confirming_a_possible_repeat_needs_a_reason_and_raises_priority(db, world):
    first = register(world)
    case = register(world, respondents=[])
    link = case.earlier_links[0]
    with pytest.raises(repeats.RepeatError):
        repeats.decide_possible(case, link.id, True, "  ", world.user)
    repeats.decide_possible(case, link.id, True, "same wage claim", world.user)
    assert link.status == "confirmed" and link.note == "same wage claim"
    assert case.repeat_count == 1 and case.priority == 4
    event = case.events[-1]
    assert (event.action, event.user_id) == ("repeat_confirmed", world.user.id)
    assert first.reference in event.note and "same wage claim" in event.note
    assert _audited(db, "case.repeat_confirmed")
    with pytest.raises(repeats.RepeatError):
        repeats.decide_possible(case, link.id, False, "again", world.user)


def test_dismissing_a_possible_repeat_keeps_it_dismissed(db, world):
    register(world)
    case = register(world, respondents=[])
    link = case.earlier_links[0]
    repeats.decide_possible(case, link.id, False, "different matter: pension", world.user)
    assert link.status == "dismissed" and case.repeat_count == 0 and case.priority == 3
    assert case.events[-1].action == "repeat_dismissed"
    assert _audited(db, "case.repeat_dismissed")
    assert repeats.confirmed_links(case) == [] and repeats.possible_links(case) == []


def test_link_and_unlink_by_reference_with_a_reason(db, world):
    first = register(world, parties=[PartyData(name="Li Qiang")])
    case = register(world, parties=[PartyData(name="Li Qiang")])
    assert case.earlier_links == []
    with pytest.raises(repeats.RepeatError):
        repeats.link_repeat(case, "NO-SUCH", "x", world.user)
    with pytest.raises(repeats.RepeatError):
        repeats.link_repeat(case, first.reference, "", world.user)
    with pytest.raises(repeats.RepeatError):
        repeats.link_repeat(case, case.reference, "x", world.user)
    link = repeats.link_repeat(case, first.reference.lower(), "same person, new ID card",
                               world.user)
    assert (link.status, link.reason) == ("confirmed", "manual")
    assert case.repeat_count == 1 and case.priority == 4
    assert case.events[-1].action == "repeat_linked"
    with pytest.raises(repeats.RepeatError):
        repeats.unlink_repeat(case, link.id, "", world.user)
    repeats.unlink_repeat(case, link.id, "linked by mistake", world.user)
    assert case.earlier_links == [] and case.repeat_count == 0
    assert case.events[-1].action == "repeat_unlinked"
    assert _audited(db, "case.repeat_linked") and _audited(db, "case.repeat_unlinked")


def test_link_refuses_a_case_the_user_may_not_see(db, world):
    first = register(world)
    case = register(world, category="medical_dispute")
    with pytest.raises(repeats.RepeatError):
        repeats.link_repeat(case, first.reference, "x", world.user, visible=lambda c: False)


def _audited(db, action: str) -> bool:
    from mediation.audit.models import AuditEntry

    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == action)) > 0


def test_terminated_earlier_case_gives_the_stronger_warning(db, world, client):
    first = register(world)
    first.status = "opinion_given"
    services.update_checklist(first, {p: True for p, _ in services.CHECKLIST}, world.user)
    transition(first, "terminate", world.user, reason="Demands beyond policy")
    intake = services.register_case(
        intake_data(world),
        world.user)
    assert intake.terminated_repeats == [first]
    db.session.commit()
    from tests.conftest import sign_in

    sign_in(client, world.user.email, "correct horse battery")
    html = client.get(f"/cases/{intake.case.id}").get_data(as_text=True)
    assert "Repeat of a case in the termination register." in html
    assert first.reference in html


def test_only_confirmed_repeats_count_against_one_time_resolution(db, world):
    from mediation.dashboard.services import DashboardFilters, metric_totals

    first = register(world, today=date(2026, 10, 1))
    first.status, first.closed_on = "resolved", date(2026, 10, 20)
    case = register(world, respondents=[], today=date(2026, 11, 2))
    db.session.flush()
    period = DashboardFilters(start=date(2026, 1, 1), end=date(2026, 12, 1))

    def resolved_once():
        figure = metric_totals(period, date(2026, 11, 29))["one_time_resolution"]
        return figure.numerator, figure.denominator

    assert resolved_once() == (1, 1)  # a possible repeat is not (yet) a repeat
    repeats.decide_possible(case, case.earlier_links[0].id, True, "same claim", world.user)
    assert resolved_once() == (0, 1)

"""Repeat petitions at intake: same person (name + ID number or name + phone), same matter
(category + a shared respondent organisation, matched by record through aliases)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from mediation.cases import services
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
    other_respondent = register(world, respondents=["Ning'an Town Government"])
    other_person = register(world, parties=[PartyData(name="Zhao Min",
                                                      id_number="360102199001011234")])
    same_name_only = register(world, parties=[PartyData(name="Wang Fang")])
    for case in (other_category, other_respondent, other_person, same_name_only):
        assert case.earlier_links == [] and case.repeat_count == 0 and case.priority == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseLink)) == 0


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

"""The cases area over HTTP: forms with messages beside fields, list filters, permissions."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from mediation.audit.models import AuditEntry
from mediation.cases import services
from mediation.cases.models import Case, Party
from mediation.cases.services import TransitionError, transition
from mediation.extensions import db as _db
from mediation.hearings import outcomes
from mediation.planning.models import Hearing, HearingMember
from mediation.roster.models import Organisation
from mediation.timeutil import local_to_utc, local_today
from tests import factories
from tests.cases.conftest import register
from tests.conftest import csrf_token, sign_in


def _form(world, token, **kw) -> dict:
    data = {
        "csrf_token": token, "title": "Wages owed for 2025", "category": "unpaid_wages",
        "region_id": str(world.village.id), "attendees": "2", "priority": "3",
        "respondents": "Hengda Construction Co.\nQingshan Transport Ltd",
        "parties-0-kind": "person", "parties-0-name": "Wang Fang",
        "parties-0-id_number": "360102199001011234", "parties-0-phone": "13800000001",
        "parties-0-address": "3 River Road", "parties-0-organisation": "",
        "submit": "Save",
    }
    data.update(kw)
    return data


def _coordinator(client, world):
    sign_in(client, world.user.email, "correct horse battery")
    return client


def test_register_a_case_with_two_parties_and_a_new_respondent(db, world, client):
    _coordinator(client, world)
    token = csrf_token(client, "/cases/new")
    response = client.post("/cases/new", data=_form(
        world, token, **{"parties-1-kind": "organisation", "parties-1-name": "Workers' group",
                         "parties-1-organisation": "宁安镇人民政府"}))
    assert response.status_code == 302, response.get_data(as_text=True)
    case = db.session.scalar(sa.select(Case))
    assert case.reference.startswith(f"QS-{local_today().year}-")
    assert [p.name for p in case.parties] == ["Wang Fang", "Workers' group"]
    assert case.parties[1].organisation == world.town_gov  # matched through the alias
    assert {o.name for o in case.respondents} == {"Hengda Construction Co.",
                                                  "Qingshan Transport Ltd"}
    assert db.session.scalar(sa.select(Organisation).where(
        Organisation.name == "Qingshan Transport Ltd")) is not None
    assert case.acceptance_due_on is not None
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "New organisation added: Qingshan Transport Ltd." in page
    assert "360102199001011234" in page  # editors see private data


def test_invalid_fields_get_messages_beside_them_and_nothing_is_saved(db, world, client):
    _coordinator(client, world)
    register(world, reference="QS-2026-0007")
    db.session.commit()
    token = csrf_token(client, "/cases/new")
    response = client.post("/cases/new", data=_form(
        world, token, title="", priority="9", reference="QS-2026-0007",
        **{"parties-0-name": "", "parties-0-phone": "not a phone"}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="title-error"' in html
    assert 'id="priority-error"' in html and "between 1 and 5" in html
    assert 'id="reference-error"' in html and "already has this reference" in html
    assert 'id="parties-0-name-error"' in html and "s name." in html
    assert 'id="parties-0-phone-error"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation).where(
        Organisation.name == "Qingshan Transport Ltd")) == 0


def test_no_party_is_refused(db, world, client):
    _coordinator(client, world)
    token = csrf_token(client, "/cases/new")
    response = client.post("/cases/new", data=_form(world, token, **{
        "parties-0-name": "", "parties-0-id_number": "", "parties-0-phone": "",
        "parties-0-address": ""}))
    assert response.status_code == 400
    assert "Add at least one party." in response.get_data(as_text=True)


def test_add_another_party_without_javascript(db, world, client):
    _coordinator(client, world)
    token = csrf_token(client, "/cases/new")
    data = _form(world, token, add_party="Add another party")
    del data["submit"]
    response = client.post("/cases/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="parties-1-name"' in html and 'value="Wang Fang"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_edit_keeps_party_ids_and_records_history(db, world, client):
    case = register(world)
    party_id = case.parties[0].id
    db.session.commit()
    _coordinator(client, world)
    html = client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert 'value="Wang Fang"' in html
    token = csrf_token(client, f"/cases/{case.id}/edit")
    response = client.post(f"/cases/{case.id}/edit", data=_form(
        world, token, title="New title", reference=case.reference,
        **{"parties-0-id": str(party_id)}))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.title == "New title" and case.parties[0].id == party_id
    assert case.events[-1].action == "edit"


def test_the_history_names_the_edited_fields_in_the_readers_language(db, world, client):
    """An edit's history note once listed the changed fields by their keys ("region_id, title")
    on a Chinese page; it names them as the case form does."""
    case = register(world)
    party_id = case.parties[0].id
    db.session.commit()
    _coordinator(client, world)
    token = csrf_token(client, f"/cases/{case.id}/edit")
    response = client.post(f"/cases/{case.id}/edit", data=_form(
        world, token, title="New title", reference=case.reference, priority="5",
        **{"parties-0-id": str(party_id)}))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).events[-1].note == \
        "attendees, priority, respondents, title"
    assert "Attendees, Priority, Respondent organisations, Title" in _timeline(client, case)
    _in_chinese(client)
    timeline = _timeline(client, case)
    assert "参会人数、优先级、被反映单位、标题" in timeline
    assert not any(key in timeline for key in ("attendees", "priority", "respondents", "title"))


def test_every_field_an_edit_can_change_has_a_label(db, world):
    assert set(services.FIELD_LABELS) == set(services._snapshot(register(world)))


def test_workflow_buttons_and_refused_transition(db, world, client):
    case = register(world)
    db.session.commit()
    _coordinator(client, world)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/cases/{case.id}/actions/accept" in html
    assert f"/cases/{case.id}/actions/resolve" not in html
    token = csrf_token(client, f"/cases/{case.id}")
    response = client.post(f"/cases/{case.id}/actions/accept", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "accepted"
    # accepting twice is refused with a clear message, not a server error
    response = client.post(f"/cases/{case.id}/actions/accept", data={"csrf_token": token})
    assert response.status_code == 409
    assert "is not possible while the case is accepted" in response.get_data(as_text=True)
    # a missing required field is shown beside the field
    response = client.post(f"/cases/{case.id}/actions/transfer", data={"csrf_token": token})
    assert response.status_code == 400
    assert 'id="transfer-note-error"' in response.get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/actions/nonsense", data={"csrf_token": token})
    assert response.status_code == 404


def test_checklist_then_resolve(db, world, client):
    case = register(world)
    case.status = "opinion_given"
    case.accepted_on = date(2026, 11, 3)
    db.session.commit()
    _coordinator(client, world)
    token = csrf_token(client, f"/cases/{case.id}")
    refused = client.post(f"/cases/{case.id}/actions/resolve",
                          data={"csrf_token": token, "resolve-reason": "Wages paid"})
    assert refused.status_code == 409
    assert "Unlawful conduct dealt with under the law" in refused.get_data(as_text=True)
    bad = client.post(f"/cases/{case.id}/checklist", data={
        "csrf_token": token, "checklist-hardship_relieved-state": "not_applicable"})
    assert bad.status_code == 400
    assert 'id="checklist-hardship_relieved-reason-error"' in bad.get_data(as_text=True)
    data = {"csrf_token": token, "checklist-demands_resolved-state": "done",
            "checklist-unreasonable_explained-state": "done",
            "checklist-hardship_relieved-state": "done",
            "checklist-unlawful_handled-state": "done"}
    assert client.post(f"/cases/{case.id}/checklist", data=data).status_code == 302
    assert client.post(f"/cases/{case.id}/actions/resolve",
                       data={"csrf_token": token}).status_code == 400  # no reason
    assert client.post(f"/cases/{case.id}/actions/resolve",
                       data={"csrf_token": token, "resolve-reason": "Wages paid"}
                       ).status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "resolved"


def _held_panel(world, members=None) -> tuple[Case, list]:
    """A case in handling whose hearing was held, and that hearing's three members."""
    case = register(world)
    case.status = "in_handling"
    case.accepted_on = date(2026, 11, 3)
    centre = factories.centre(world.county)
    session = factories.session_block()
    members = members or [factories.person() for _ in range(3)]
    day = date(2026, 11, 20)
    hearing = Hearing(case=case, room=centre.rooms[0], date=day, session=session,
                      starts_at=local_to_utc(day, time(9)), ends_at=local_to_utc(day, time(12)),
                      status="published")
    hearing.members = [HearingMember(person=p, role="chair" if i == 0 else "member")
                       for i, p in enumerate(members)]
    _db.session.add(hearing)
    _db.session.flush()
    outcomes.record_outcome(hearing, result="held", present_ids=[p.id for p in members],
                            petitioner_present=True, agreement=True, minutes=None, user=None)
    return case, members


def _give_opinion(client, case, members, views):
    token = csrf_token(client, f"/cases/{case.id}")
    data = {"csrf_token": token}
    for i, (p, view) in enumerate(zip(members, views, strict=True)):
        data[f"give_opinion-members-{i}-person_id"] = str(p.id)
        data[f"give_opinion-members-{i}-opinion"] = view
    return client.post(f"/cases/{case.id}/actions/give_opinion", data=data)


def _in_chinese(client):
    client.post("/language/zh_Hans_CN", data={"csrf_token": csrf_token(client, "/"), "next": "/"})


def _timeline(client, case) -> str:
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    return html.split('class="timeline"')[1].split("</ol>")[0]


def test_opinion_from_the_hearing_panel(db, world, client):
    case, members = _held_panel(world)
    db.session.commit()
    _coordinator(client, world)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Members of the hearing panel." in html
    response = _give_opinion(client, case, members, ("not_support", "explain", "explain"))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.opinion == "explain" and len(case.panel_opinions) == 3


def test_the_history_words_each_members_opinion_in_the_readers_language(db, world, client):
    """The history once listed each member's opinion as its code ("name: not_support, …") on a
    Chinese page. A name holding ": " or ", " does not confuse the wording."""
    members = [factories.person(name=n) for n in ("张伟", "Li, Na", "Dr: Wang")]
    case, members = _held_panel(world, members)
    db.session.commit()
    _coordinator(client, world)
    assert _give_opinion(client, case, members,
                         ("not_support", "explain", "explain")).status_code == 302
    assert "张伟: not support; Li, Na: explain; Dr: Wang: explain" in _timeline(client, case)
    _in_chinese(client)
    timeline = _timeline(client, case)
    assert "张伟：不予支持；Li, Na：解释说明；Dr: Wang：解释说明" in timeline
    assert "support" not in timeline and "explain" not in timeline


def test_viewer_reads_but_cannot_post_and_sees_no_private_data(db, world, client, make_user):
    case = register(world)
    db.session.commit()
    viewer, password = make_user("viewer")
    sign_in(client, viewer.email, password)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Wang Fang" in html
    assert "360102199001011234" not in html and "13800000001" not in html
    assert "/actions/accept" not in html
    token = csrf_token(client, f"/cases/{case.id}")
    assert client.post(f"/cases/{case.id}/actions/accept",
                       data={"csrf_token": token}).status_code == 403
    assert client.post(f"/cases/{case.id}/checklist", data={"csrf_token": token}).status_code == 403
    assert client.get("/cases/new").status_code == 403
    assert client.post("/cases/new", data=_form(world, token)).status_code == 403
    assert client.get(f"/cases/{case.id}/edit").status_code == 403
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "registered"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "case.accept")) == 0


def _refs(client, query: str) -> list[str]:
    html = client.get("/cases/" + query).get_data(as_text=True)
    return re.findall(r'<a href="/cases/\d+">([^<]+)</a>', html)


def test_list_filters_search_and_sort(db, world, client):
    today = local_today()
    factories.case(world.village, reference="A-1", title="Bridge wages", priority=2,
                       registered_on=today - timedelta(days=5),
                       acceptance_due_on=today - timedelta(days=1))
    factories.case(world.other_county, reference="B-2", title="Hospital bill",
                       category="medical_dispute", priority=5, needs_counsellor=True,
                       registered_on=today - timedelta(days=3),
                       acceptance_due_on=today + timedelta(days=2))
    factories.case(world.town, reference="C-3", title="Land", category="land_compensation",
                       status="in_handling", accepted_on=today, priority=4,
                       registered_on=today - timedelta(days=1),
                       due_by=today + timedelta(days=30), handling_due_on=today + timedelta(days=60),
                       parties=[Party(name="Zhou Lan")])
    d = factories.case(world.town, reference="D-4", title="Scheduled", status="accepted",
                       accepted_on=today, due_by=today + timedelta(days=20),
                       registered_on=today - timedelta(days=2))
    centre = factories.centre(world.county)
    session = factories.session_block()
    day = today + timedelta(days=10)
    db.session.add(Hearing(case=d, room=centre.rooms[0], date=day, session=session,
                           starts_at=local_to_utc(day, time(9)),
                           ends_at=local_to_utc(day, time(12))))
    db.session.commit()
    _coordinator(client, world)
    assert _refs(client, "") == ["C-3", "D-4", "B-2", "A-1"]  # newest registered first
    assert _refs(client, "?q=zhou") == ["C-3"]  # party name
    assert _refs(client, "?q=bridge") == ["A-1"]
    assert _refs(client, "?q=b-2") == ["B-2"]
    assert _refs(client, "?status=in_handling") == ["C-3"]
    assert _refs(client, "?category=medical_dispute") == ["B-2"]
    assert _refs(client, f"?region={world.county.id}&sort=reference") == ["A-1", "C-3", "D-4"]
    assert _refs(client, f"?region={world.town.id}&sort=reference") == ["A-1", "C-3", "D-4"]
    assert _refs(client, f"?region={world.village.id}") == ["A-1"]
    assert _refs(client, "?overdue=1") == ["A-1"]
    assert _refs(client, "?at_risk=1") == ["B-2"]
    assert _refs(client, "?needs_counsellor=1") == ["B-2"]
    assert _refs(client, "?unscheduled=1") == ["C-3"]
    assert _refs(client, "?sort=priority") == ["B-2", "C-3", "D-4", "A-1"]
    assert _refs(client, "?sort=due") == ["A-1", "B-2", "D-4", "C-3"]
    html = client.get("/cases/").get_data(as_text=True)
    assert "overdue" in html and "at risk" in html


def test_opinion_without_a_held_hearing_is_refused(db, world, client):
    case = register(world)
    case.status = "in_handling"
    case.accepted_on = date(2026, 11, 3)
    experts = [factories.person() for _ in range(3)]
    db.session.commit()
    _coordinator(client, world)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "No hearing held yet" in html
    assert experts[0].name not in html.split('id="action-give_opinion"')[1].split("</details>")[0]
    token = csrf_token(client, f"/cases/{case.id}")
    data = {"csrf_token": token}
    for i in range(3):
        data[f"give_opinion-members-{i}-person_id"] = "0"
        data[f"give_opinion-members-{i}-opinion"] = "support"
    response = client.post(f"/cases/{case.id}/actions/give_opinion", data=data)
    assert response.status_code == 400
    assert "Choose three members." in response.get_data(as_text=True)
    for i, p in enumerate(experts):
        data[f"give_opinion-members-{i}-person_id"] = str(p.id)
    response = client.post(f"/cases/{case.id}/actions/give_opinion", data=data)
    assert response.status_code == 400  # not among the choices: the form refuses them
    db.session.expire_all()
    assert db.session.get(Case, case.id).opinion is None


def test_accept_date_cannot_precede_registration(db, world):
    case = register(world, today=date(2026, 11, 2))
    with pytest.raises(TransitionError):
        transition(case, "accept", world.user, today=date(2026, 11, 5), on=date(2026, 11, 1))
    transition(case, "accept", world.user, today=date(2026, 11, 5), on=date(2026, 11, 4))
    assert case.accepted_on == date(2026, 11, 4)

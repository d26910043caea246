"""Repeat petitions on the case page over HTTP: the possible-repeat warning, confirm/dismiss with
a reason, link by reference and unlink; editors only, region-scoped."""

from __future__ import annotations

import sqlalchemy as sa

from mediation.cases.models import CaseEvent, CaseLink
from mediation.cases.services import PartyData
from tests.cases.conftest import register
from tests.conftest import csrf_token, sign_in


def _coordinator(client, world):
    sign_in(client, world.user.email, "correct horse battery")
    return client


def test_possible_repeat_is_shown_and_confirmed_with_a_reason(db, world, client):
    first = register(world)
    case = register(world, respondents=[])
    db.session.commit()
    link_id = case.earlier_links[0].id
    _coordinator(client, world)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"Possibly a repeat of {first.reference}" in html
    token = csrf_token(client, f"/cases/{case.id}")
    url = f"/cases/{case.id}/repeats/{link_id}/decide"
    refused = client.post(url, data={"csrf_token": token, "decision": "confirm", "reason": " "},
                          follow_redirects=True)
    assert "Give a reason." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CaseLink, link_id).status == "possible"
    done = client.post(url, data={"csrf_token": token, "decision": "confirm",
                                  "reason": "same wage claim"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert f"Confirmed as a repeat of {first.reference}." in html
    assert "Possible repeat confirmed" in html and "same wage claim" in html  # history
    db.session.expire_all()
    link = db.session.get(CaseLink, link_id)
    assert (link.status, link.note) == ("confirmed", "same wage claim")
    assert link.case.priority == 4 and link.case.repeat_count == 1


def test_dismiss_link_and_unlink(db, world, client):
    first = register(world)
    case = register(world, respondents=[])
    other = register(world, category="medical_dispute",
                     parties=[PartyData(name="Zhao Min")])
    db.session.commit()
    link_id = case.earlier_links[0].id
    _coordinator(client, world)
    token = csrf_token(client, f"/cases/{case.id}")
    client.post(f"/cases/{case.id}/repeats/{link_id}/decide",
                data={"csrf_token": token, "decision": "dismiss", "reason": "pension, not wages"})
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Possibly a repeat" not in html and "Possible repeat dismissed" in html
    response = client.post(f"/cases/{other.id}/repeats/link", data={
        "csrf_token": token, "reference": first.reference, "reason": "same family"},
        follow_redirects=True)
    assert f"Linked as a repeat of {first.reference}." in response.get_data(as_text=True)
    db.session.expire_all()
    new_link = db.session.scalar(sa.select(CaseLink).where(CaseLink.case_id == other.id))
    assert new_link.status == "confirmed"
    client.post(f"/cases/{other.id}/repeats/{new_link.id}/unlink",
                data={"csrf_token": token, "reason": "wrong family"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(CaseLink).where(CaseLink.case_id == other.id)) is None
    actions = list(db.session.scalars(sa.select(CaseEvent.action).where(
        CaseEvent.case_id == other.id)))
    assert actions[-2:] == ["repeat_linked", "repeat_unlinked"]


def test_viewer_cannot_decide_and_limited_coordinator_cannot_link_unseen_cases(
        db, world, client, make_user):
    first = register(world)
    case = register(world, respondents=[])
    outside = register(world, region_id=world.other_county.id)
    db.session.commit()
    viewer, password = make_user("viewer")
    sign_in(client, viewer.email, password)
    token = csrf_token(client, "/")
    response = client.post(f"/cases/{case.id}/repeats/{case.earlier_links[0].id}/decide",
                           data={"csrf_token": token, "decision": "confirm", "reason": "x"})
    assert response.status_code == 403
    limited, password = make_user("coordinator")
    limited.regions = [world.county]
    db.session.commit()
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, limited.email, password)
    token = csrf_token(client, "/")
    response = client.post(f"/cases/{case.id}/repeats/link", data={
        "csrf_token": token, "reference": outside.reference, "reason": "x"},
        follow_redirects=True)
    assert f"No case with the reference {outside.reference}." in response.get_data(as_text=True)
    assert client.post(f"/cases/{outside.id}/repeats/link", data={
        "csrf_token": token, "reference": first.reference, "reason": "x"}).status_code == 404

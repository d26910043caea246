"""Issue #12 point 9: the responsible leader (包案领导) is a record, not free text: roster pages,
the case form, the case and hearing pages, the leader and "my cases" filters, import/export.

Each test here failed before the change (no Leader model, `responsible_leader` was a string).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from mediation import spreadsheets
from mediation.cases import services as case_services
from mediation.cases.models import Case
from mediation.extensions import db
from mediation.imports import services as imports
from mediation.roster.models import Leader
from mediation.roster.services import find_leader, get_or_create_organisation, save_leader
from tests import factories as f
from tests.calendar import factories as cf
from tests.conftest import csrf_token, sign_in


def _leader(code: str, name: str, **kw) -> Leader:
    leader = Leader(code=code, name=name, active=kw.pop("active", True), **kw)
    db.session.add(leader)
    db.session.flush()
    return leader


def _signed_in(client, make_user, role="coordinator"):
    user, password = make_user(role)
    assert sign_in(client, user.email, password).status_code == 302
    return user


def test_roster_pages_add_and_edit_a_leader(db, client, make_user):
    _signed_in(client, make_user)
    org = get_or_create_organisation("Ning'an County Government")
    db.session.commit()
    token = csrf_token(client, "/roster/leaders/new")
    response = client.post("/roster/leaders/new", data={
        "csrf_token": token, "name": "Ma Hui", "post": "Deputy County Head",
        "organisation": "Ning'an County Government", "phone": "13700000001", "user_id": "0",
        "active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    leader = db.session.scalar(sa.select(Leader))
    assert (leader.code, leader.name, leader.post, leader.organisation_id, leader.phone) == (
        "L0001", "Ma Hui", "Deputy County Head", org.id, "13700000001")
    page = client.get("/roster/leaders").get_data(as_text=True)
    assert "L0001" in page and "Ma Hui" in page and "13700000001" in page
    # A second leader may not take the code; nothing is saved.
    response = client.post("/roster/leaders/new", data={
        "csrf_token": token, "code": "L0001", "name": "Other", "user_id": "0"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Leader)) == 1
    response = client.post(f"/roster/leaders/{leader.id}/edit", data={
        "csrf_token": token, "code": "L0001", "name": "Ma Hui", "post": "County Head",
        "user_id": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Leader, leader.id).post == "County Head"
    assert db.session.get(Leader, leader.id).active is False  # unticked


def test_viewers_see_leaders_without_phones_and_cannot_edit(db, client, make_user):
    _leader("L0001", "Ma Hui", phone="13700000001")
    db.session.commit()
    _signed_in(client, make_user, "viewer")
    page = client.get("/roster/leaders").get_data(as_text=True)
    assert "Ma Hui" in page and "13700000001" not in page
    assert client.get("/roster/leaders/new").status_code == 403


def test_case_form_sets_the_leader_and_pages_show_it(db, client, make_user):
    region = f.region("county-a")
    leader = _leader("L0007", "Zhou Lin", post="Deputy Mayor", phone="13700000002")
    inactive = _leader("L0008", "Retired Wu", active=False)
    case = f.case(region)
    db.session.commit()
    _signed_in(client, make_user)
    form = client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert "L0007 Zhou Lin (Deputy Mayor)" in form and "Retired Wu" not in form
    token = csrf_token(client, f"/cases/{case.id}/edit")
    response = client.post(f"/cases/{case.id}/edit", data={
        "csrf_token": token, "title": case.title, "category": case.category,
        "region_id": str(region.id), "attendees": "1", "priority": "3",
        "responsible_leader_id": str(leader.id), "parties-0-name": "Wang Fang",
        "parties-0-kind": "person"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).responsible_leader_id == leader.id
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Zhou Lin" in page and "Deputy Mayor" in page
    # An unknown or inactive leader is refused, naming the field; nothing changes.
    response = client.post(f"/cases/{case.id}/edit", data={
        "csrf_token": token, "title": case.title, "category": case.category,
        "region_id": str(region.id), "attendees": "1", "priority": "3",
        "responsible_leader_id": str(inactive.id), "parties-0-name": "Wang Fang",
        "parties-0-kind": "person"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Case, case.id).responsible_leader_id == leader.id


def test_hearing_page_shows_the_leader(db, client, make_user):
    leader = _leader("L0001", "Ma Hui", post="Deputy County Head")
    case = f.case(responsible_leader=leader)
    hearing = cf.hearing(day=date(2026, 12, 1), case=case, members=[(cf.person(), "chair")])
    db.session.commit()
    _signed_in(client, make_user, "viewer")
    page = client.get(f"/planning/hearings/{hearing.id}").get_data(as_text=True)
    assert 'id="hearing-leader"' in page and "Ma Hui" in page


def test_leader_and_my_cases_filters(db, client, make_user):
    me = _signed_in(client, make_user)
    mine = _leader("L0001", "Ma Hui", user_id=me.id)
    other = _leader("L0002", "Zhou Lin")
    region = f.region("county-a")
    a = f.case(region, reference="A-1", responsible_leader=mine)
    b = f.case(region, reference="B-1", responsible_leader=other)
    f.case(region, reference="C-1")
    db.session.commit()

    def refs(**filters) -> set[str]:
        stmt = case_services.case_list_statement(case_services.CaseFilters(**filters))
        return {c.reference for c in db.session.scalars(stmt)}

    assert refs(leader_id=other.id) == {b.reference}
    assert refs(mine=True, user_id=me.id) == {a.reference}
    assert refs(mine=True, user_id=None) == set()
    page = client.get("/cases/?mine=1").get_data(as_text=True)
    assert "A-1" in page and "B-1" not in page and "C-1" not in page
    assert 'name="mine"' in page  # the checkbox is offered to a linked account
    page = client.get(f"/cases/?leader={other.id}").get_data(as_text=True)
    assert "B-1" in page and "A-1" not in page


def test_import_by_code_or_name_and_export_writes_the_name(db):
    f.region("city.c0", level="city")
    leader = _leader("L0001", "Ma Hui")
    _leader("L0002", "Zhou Lin")
    db.session.commit()
    csv = ("reference,title,category,region,registered_on,accepted_on,responsible_leader\n"
           "C-1,Wages,unpaid_wages,city.c0,2026-11-02,2026-11-03,L0001\n"
           "C-2,Land,land_compensation,city.c0,2026-11-02,2026-11-03,Zhou Lin\n"
           "C-3,Other,other,city.c0,2026-11-02,2026-11-03,\n")
    report = imports.run_import("cases", imports.parse_table(csv.encode(), "c.csv"), apply=True)
    db.session.commit()
    assert report.applied and report.created == 3
    by_ref = {c.reference: c for c in db.session.scalars(sa.select(Case))}
    assert by_ref["C-1"].responsible_leader == leader
    assert by_ref["C-2"].responsible_leader.code == "L0002"
    assert by_ref["C-3"].responsible_leader is None
    header, rows = imports.export_rows("cases")
    column = header.index("responsible_leader")
    assert {r[0]: r[column] for r in rows} == {"C-1": "Ma Hui", "C-2": "Zhou Lin", "C-3": ""}
    # Re-importing the export changes nothing (the name finds the same record).
    again = imports.run_import("cases", imports.parse_table(
        spreadsheets.to_csv(header, rows), "c.csv"), apply=True)
    assert again.ok and (again.created, again.updated) == (0, 0)
    bad = ("reference,title,category,region,registered_on,accepted_on,responsible_leader\n"
           "C-9,X,other,city.c0,2026-11-02,2026-11-03,Nobody Known\n")
    report = imports.run_import("cases", imports.parse_table(bad.encode(), "c.csv"), apply=True)
    assert not report.ok and [e.column for e in report.errors] == ["responsible_leader"]
    assert "Nobody Known" in report.errors[0].message
    assert db.session.scalar(sa.select(Case).where(Case.reference == "C-9")) is None


def test_find_leader_and_save_leader(db):
    first = save_leader(None, {"name": "Ma Hui"})
    second = save_leader(None, {"name": "Zhou Lin", "code": "L0010"})
    third = save_leader(None, {"name": "Wu Gang"})
    assert (first.code, second.code, third.code) == ("L0001", "L0010", "L0011")
    assert find_leader("L0010") == second and find_leader("Ma Hui") == first
    assert find_leader("nobody") is None and find_leader("") is None

"""Roster: person form validation and round trip, calendar, organisations (aliases, merge)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from mediation.audit.models import AuditEntry
from mediation.cases.models import Party
from mediation.conflicts.models import Conflict
from mediation.roster.models import Organisation, Person
from mediation.roster.services import (
    find_organisation,
    get_or_create_organisation,
    merge_organisations,
)
from tests import factories as f
from tests.conftest import csrf_token, sign_in


def _person_data(client, **overrides):
    data = {
        "csrf_token": csrf_token(client, "/roster/new"), "code": "E-100", "name": "Li Wei",
        "email": "li.wei@example.org", "phone": "138 0000 0000", "title": "Professor",
        "is_expert": "y", "organisation_names": "宁安镇人民政府\nNew Law Firm",
        "max_hearings": "6", "max_per_day": "1", "available_weekdays": ["1", "3", "5"],
        "active": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _audit_actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_person_round_trip(db, signed_in):
    land, law = f.expertise("land"), f.expertise("law")
    town = f.region(level="town")
    ningan = get_or_create_organisation("Ning'an Town Government", ["宁安镇人民政府"])
    db.session.commit()
    data = _person_data(signed_in, expertise_ids=[str(land.id), str(law.id)],
                        region_ids=[str(town.id)])
    response = signed_in.post("/roster/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    p = db.session.scalar(sa.select(Person).where(Person.code == "E-100"))
    assert p.roles == ["expert"]
    assert [a.code for a in p.expertise] == ["land", "law"]
    # The alias resolved to the existing record; the unknown name was created.
    assert {o.name for o in p.organisations} == {"Ning'an Town Government", "New Law Firm"}
    assert ningan in p.organisations
    assert p.regions == [town]
    assert (p.max_hearings, p.max_per_day, p.available_weekdays) == (6, 1, [1, 3, 5])
    assert "person.create" in _audit_actions(db)

    # The edit form shows the stored values; all seven weekdays are stored as "every day".
    html = signed_in.get(f"/roster/{p.id}/edit").get_data(as_text=True)
    assert 'value="E-100"' in html and "Ning&#39;an Town Government" in html
    data = _person_data(signed_in, code="E-100", is_expert=None, is_counsellor="y",
                        available_weekdays=[str(d) for d in range(1, 8)], max_hearings="",
                        max_per_day="", organisation_names="")
    response = signed_in.post(f"/roster/{p.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    p = db.session.get(Person, p.id)
    assert p.roles == ["counsellor"]
    assert p.available_weekdays is None
    assert p.max_hearings is None and p.max_per_day is None
    assert p.organisations == [] and p.regions == []
    page = signed_in.get(f"/roster/{p.id}").get_data(as_text=True)
    assert "every day" in page and "anywhere" in page


def test_invalid_person_form_saves_nothing_and_explains(db, signed_in):
    f.person(code="TAKEN")
    db.session.commit()
    data = _person_data(signed_in, code="TAKEN", name="", email="not-an-email", is_expert=None,
                        max_hearings="-1", available_weekdays=None,
                        organisation_names="Brand New Org")
    response = signed_in.post("/roster/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in ("Another person already has this code.", "A name is required.",
                    "Enter a valid email address.", "Choose at least one role",
                    "Enter a number from 0 to 1000.", "Tick at least one weekday"):
        assert message in html
    assert 'aria-invalid="true"' in html
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1
    assert find_organisation("Brand New Org") is None


def test_calendar_marks_whole_days_and_sessions(db, signed_in):
    am = f.session_block("am")
    p = f.person()
    db.session.commit()
    page = signed_in.get(f"/roster/{p.id}?month=2026-12").get_data(as_text=True)
    assert 'name="date" value="2026-12-03"' in page
    token = csrf_token(signed_in, f"/roster/{p.id}")

    def click(day, session=""):
        return signed_in.post(f"/roster/{p.id}/unavailability",
                              data={"csrf_token": token, "date": day, "session": session,
                                    "reason": "Travelling"})

    assert click("2026-12-03").status_code == 302
    assert click("2026-12-04", "am").status_code == 302
    db.session.expire_all()
    entries = [(u.date, u.session_id, u.reason) for u in db.session.get(Person, p.id).unavailability]
    assert entries == [(date(2026, 12, 3), None, "Travelling"), (date(2026, 12, 4), am.id,
                                                                   "Travelling")]
    page = signed_in.get(f"/roster/{p.id}?month=2026-12").get_data(as_text=True)
    assert "2026-12-03 — unavailable all day" in page
    # A session on a day already out entirely is refused; clicking again clears.
    response = click("2026-12-03", "am")
    assert "Already unavailable the whole day." in signed_in.get(
        response.headers["Location"]).get_data(as_text=True)
    click("2026-12-03")
    db.session.expire_all()
    assert [u.date for u in db.session.get(Person, p.id).unavailability] == [date(2026, 12, 4)]
    assert _audit_actions(db).count("person.unavailability.add") == 2
    assert "person.unavailability.remove" in _audit_actions(db)


def test_deactivate_instead_of_delete_and_filters(db, signed_in):
    land = f.expertise("land")
    county = f.region(level="county")
    town = f.region(level="town", parent=county)
    a = f.person(code="A1", name="Anywhere")
    a.expertise = [land]
    b = f.person(code="B1", name="Town only")
    b.regions = [town]
    c = f.person(code="C1", name="Elsewhere")
    c.regions = [f.region(level="town")]
    db.session.commit()
    token = csrf_token(signed_in, f"/roster/{c.id}")
    assert signed_in.post(f"/roster/{c.id}/active",
                          data={"csrf_token": token, "active": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, c.id).active is False
    assert "person.deactivate" in _audit_actions(db)

    def codes(query):
        html = signed_in.get(f"/roster/?{query}").get_data(as_text=True)
        return [code for code in ("A1", "B1", "C1") if f">{code}</a>" in html]

    assert codes(f"expertise={land.id}") == ["A1"]
    assert codes(f"region={town.id}") == ["A1", "B1"]  # B1 serves it; A1 travels anywhere
    assert codes("active=inactive") == ["C1"]
    assert codes("active=active") == ["A1", "B1"]


def test_expertise_areas_add_and_rename(db, signed_in):
    token = csrf_token(signed_in, "/roster/expertise")
    response = signed_in.post("/roster/expertise", data={
        "csrf_token": token, "new-code": "housing", "new-name_en": "Housing"})
    assert response.status_code == 302
    response = signed_in.post("/roster/expertise", data={
        "csrf_token": token, "new-code": "housing", "new-name_en": "Again"})
    assert response.status_code == 422
    assert "already used" in response.get_data(as_text=True)
    area = db.session.scalar(sa.text("SELECT id FROM expertise_areas WHERE code = 'housing'"))
    response = signed_in.post(f"/roster/expertise/{area}", data={
        f"a{area}-code": "housing", f"a{area}-name_en": "Housing projects",
        f"a{area}-name_zh": "问题楼盘", "csrf_token": token})
    assert response.status_code == 302
    html = signed_in.get("/roster/expertise").get_data(as_text=True)
    assert "Housing projects" in html and "问题楼盘" in html
    assert _audit_actions(db)[-2:] == ["expertise.create", "expertise.update"]


def test_alias_matching_is_by_record(db):
    org = get_or_create_organisation("Ning'an Town Government", ["宁安镇人民政府"])
    assert find_organisation("宁安镇人民政府") is org
    assert find_organisation("  ning'AN   town government ") is org
    assert find_organisation("宁安镇人民政府").name == "Ning'an Town Government"
    assert get_or_create_organisation("宁安镇人民政府") is org
    assert find_organisation("Ning'an County Government") is None


def test_organisation_pages_add_alias_and_refuse_taken_alias(db, signed_in):
    org = get_or_create_organisation("Ning'an Town Government")
    other = get_or_create_organisation("Heping Town Government")
    db.session.commit()
    token = csrf_token(signed_in, f"/roster/organisations/{org.id}")
    response = signed_in.post(f"/roster/organisations/{org.id}/aliases",
                              data={"csrf_token": token, "alias": "宁安镇人民政府"})
    assert response.status_code == 302
    assert find_organisation("宁安镇人民政府").id == org.id
    response = signed_in.post(f"/roster/organisations/{org.id}/aliases",
                              data={"csrf_token": token, "alias": "Heping Town Government"})
    assert response.status_code == 422
    assert "merge the two records" in response.get_data(as_text=True)
    html = signed_in.get("/roster/organisations?q=宁安").get_data(as_text=True)
    assert "Ning&#39;an Town Government" in html and other.name not in html
    assert "organisation.alias" in _audit_actions(db)


def test_merge_moves_everything_to_the_kept_record(db, signed_in):
    keep = get_or_create_organisation("Ning'an Town Government")
    drop = get_or_create_organisation("宁安镇人民政府")
    child = get_or_create_organisation("Ning'an Land Office")
    child.parent = drop
    both, only_drop = f.person(), f.person()
    both.organisations = [keep, drop]
    only_drop.organisations = [drop]
    case = f.case(parties=[Party(name="Zhang San", organisation=drop)])
    case.respondents = [keep, drop]
    declared = Conflict(person=both, organisation=drop, kind="soft", reason="advised them")
    db.session.add(declared)
    db.session.commit()
    drop_id = drop.id
    token = csrf_token(signed_in, f"/roster/organisations/{keep.id}")
    response = signed_in.post(f"/roster/organisations/{keep.id}/merge",
                              data={"csrf_token": token, "duplicate": "宁安镇人民政府"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organisation, drop_id) is None
    keep = db.session.get(Organisation, keep.id)
    assert find_organisation("宁安镇人民政府") is keep
    assert db.session.get(Person, both.id).organisations == [keep]
    assert db.session.get(Person, only_drop.id).organisations == [keep]
    case = db.session.get(type(case), case.id)
    assert case.respondents == [keep]
    assert case.parties[0].organisation is keep
    assert db.session.get(Conflict, declared.id).organisation is keep
    assert db.session.get(Organisation, child.id).parent is keep
    assert "organisation.merge" in _audit_actions(db)


def test_merge_service_refuses_the_same_record(db):
    import pytest

    from mediation.roster.services import RosterError

    org = get_or_create_organisation("Ning'an Town Government")
    with pytest.raises(RosterError):
        merge_organisations(org, org)


def test_viewer_reads_but_cannot_post(db, client, make_user):
    p = f.person()
    org = get_or_create_organisation("Ning'an Town Government")
    db.session.commit()
    user, password = make_user("viewer")
    sign_in(client, user.email, password)
    for path in ("/roster/", f"/roster/{p.id}", "/roster/organisations",
                 f"/roster/organisations/{org.id}", "/roster/expertise"):
        assert client.get(path).status_code == 200, path
    assert client.get("/roster/new").status_code == 403
    token = csrf_token(client, "/roster/")
    for path in ("/roster/new", f"/roster/{p.id}/edit", f"/roster/{p.id}/active",
                 f"/roster/{p.id}/unavailability", "/roster/expertise", "/roster/organisations",
                 f"/roster/organisations/{org.id}/aliases", f"/roster/organisations/{org.id}/merge"):
        assert client.post(path, data={"csrf_token": token, "name": "X", "alias": "Y",
                                       "date": "2026-12-01"}).status_code == 403, path
    html = client.get(f"/roster/{p.id}").get_data(as_text=True)
    assert "Deactivate" not in html and 'name="date"' not in html

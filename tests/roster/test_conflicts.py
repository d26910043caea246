"""Conflicts: declared and found from organisations; waive, dismiss, audit, the case partial."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mediation.audit.models import AuditEntry
from mediation.cases.models import Party
from mediation.conflicts import views
from mediation.conflicts.models import Conflict
from mediation.conflicts.services import (
    ConflictError,
    automatic_findings,
    decide_automatic,
    declare_conflict,
    dismiss_conflict,
    exclusions_for_case,
    undecided_automatic_conflicts,
    waive_conflict,
)
from mediation.roster.services import get_or_create_organisation
from tests import factories as f
from tests.conftest import csrf_token, sign_in


@pytest.fixture
def world(db):
    """A county department supervising two town governments; a case against one of them."""
    dept = get_or_create_organisation("Ning'an County Natural Resources Bureau")
    town = get_or_create_organisation("Ning'an Town Government", ["宁安镇人民政府"])
    town.parent = dept
    sibling = get_or_create_organisation("Heping Town Government")
    sibling.parent = dept
    employer = get_or_create_organisation("Golden Harvest Property Co.")
    unrelated = get_or_create_organisation("Provincial University")
    case = f.case(parties=[Party(name="Wang Fang", organisation=employer)])
    case.respondents = [town]
    people = {
        "staff": f.person(code="STAFF", name="Works for the town"),
        "party_org": f.person(code="PARTY", name="Works for the party's employer"),
        "sibling": f.person(code="SIB", name="Works for the sibling town"),
        "parent": f.person(code="DEPT", name="Works for the department"),
        "free": f.person(code="FREE", name="Unrelated"),
    }
    # Membership chosen through the alias: matching is by record, not by text.
    people["staff"].organisations = [get_or_create_organisation("宁安镇人民政府")]
    people["party_org"].organisations = [employer]
    people["sibling"].organisations = [sibling]
    people["parent"].organisations = [dept]
    people["free"].organisations = [unrelated]
    db.session.commit()
    return {"case": case, "town": town, "dept": dept, "sibling": sibling, **people}


def _found(case):
    return {(x.person.code, x.kind, x.rule) for x in automatic_findings([case])}


def test_automatic_detection(world):
    assert _found(world["case"]) == {
        ("STAFF", "hard", "member"),
        ("PARTY", "hard", "member"),
        ("SIB", "waivable", "same_supervisor"),
        ("DEPT", "waivable", "parent_child"),
    }
    by_code = {x.person.code: x for x in automatic_findings([world["case"]])}
    staff = by_code["STAFF"]
    # Why: which organisation record, and the names it is known by.
    assert "Works for a respondent organisation" in staff.reason
    assert "Ning'an Town Government" in staff.reason and "宁安镇人民政府" in staff.reason
    assert "Same supervising department" in by_code["SIB"].reason
    assert "Ning'an County Natural Resources Bureau" in by_code["SIB"].reason
    assert "Belongs to a party's organisation" in by_code["PARTY"].reason


def test_child_of_respondent_is_waivable(db, world):
    office = get_or_create_organisation("Ning'an Town Land Office")
    office.parent = world["town"]
    world["free"].organisations = [office]
    db.session.commit()
    assert ("FREE", "waivable", "parent_child") in _found(world["case"])


def test_unrelated_person_has_no_conflict(world):
    assert "FREE" not in {x.person.code for x in exclusions_for_case(world["case"])}


def test_exclusions_list_declared_and_automatic_with_effective_kinds(db, world):
    case = world["case"]
    other = f.person(code="DECL")
    declare_conflict(other, "soft", "Advised the petitioner in 2025", case=case)
    declare_conflict(world["free"], "waivable", "Business ties", party=case.parties[0])
    db.session.commit()
    rows = {(x.person.code, x.source): x for x in exclusions_for_case(case)}
    assert rows[("DECL", "declared")].effective == "soft"
    assert rows[("FREE", "declared")].effective == "hard"
    assert "Business ties" in rows[("FREE", "declared")].reason
    assert rows[("STAFF", "automatic")].effective == "hard"
    assert rows[("SIB", "automatic")].kind == "waivable"
    assert rows[("SIB", "automatic")].effective == "hard"

    sib = rows[("SIB", "automatic")].finding
    decide_automatic(sib, "waive", "Different bureau, no contact with the case")
    dept = rows[("DEPT", "automatic")].finding
    decide_automatic(dept, "dismiss", "Left the bureau in 2019")
    db.session.commit()
    rows = {(x.person.code, x.source): x for x in exclusions_for_case(case)}
    assert rows[("SIB", "automatic")].effective == "soft"
    assert rows[("SIB", "automatic")].state == "waived"
    assert rows[("DEPT", "automatic")].effective is None
    audit = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "conflicts").order_by(AuditEntry.id)).all()
    assert audit[-2:] == ["conflict.waive", "conflict.dismiss"]
    # What the scenario export still has to add: undecided findings (hard for the planner).
    assert {x.person.code for x in undecided_automatic_conflicts([case])} == {"STAFF", "PARTY"}
    stored = db.session.scalars(sa.select(Conflict).where(Conflict.source == "automatic")).all()
    assert {(c.person.code, c.rule, c.basis_organisation_id) for c in stored} == {
        ("SIB", "same_supervisor", world["town"].id), ("DEPT", "parent_child", world["town"].id)}


def test_hard_can_never_be_waived(db, world):
    declared = declare_conflict(world["free"], "hard", "Near relative of the petitioner",
                                case=world["case"])
    with pytest.raises(ConflictError, match="never be waived"):
        waive_conflict(declared, "please")
    staff = next(x for x in automatic_findings([world["case"]]) if x.person.code == "STAFF")
    with pytest.raises(ConflictError, match="never be waived"):
        decide_automatic(staff, "waive", "please")
    # Membership is enforced by the planner from the organisations: it is corrected there.
    with pytest.raises(ConflictError, match="correct the person's organisations"):
        decide_automatic(staff, "dismiss", "wrong")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)
                             .where(Conflict.source == "automatic")) == 0


def test_waive_and_dismiss_declared_require_reasons_and_are_audited(db, world, make_user):
    user, _ = make_user("coordinator")
    c = declare_conflict(world["free"], "waivable", "Business ties", case=world["case"], user=user)
    with pytest.raises(ConflictError, match="reason is required"):
        waive_conflict(c, "   ", user)
    waive_conflict(c, "Ties ended in 2020", user)
    assert (c.waived_by_id, c.waiver_reason, c.effective_kind) == (user.id, "Ties ended in 2020",
                                                                    "soft")
    assert c.waived_at is not None
    with pytest.raises(ConflictError, match="already waived"):
        waive_conflict(c, "again", user)
    dismiss_conflict(c, "Declared by mistake", user)
    assert c.effective_kind is None and c.dismissed_by_id == user.id
    db.session.commit()
    actions = [(a.action, a.object_id, a.user_id) for a in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "conflicts").order_by(AuditEntry.id))]
    assert actions == [("conflict.declare", str(c.id), user.id),
                       ("conflict.waive", str(c.id), user.id),
                       ("conflict.dismiss", str(c.id), user.id)]


def test_declare_through_the_form(db, signed_in, world):
    case = world["case"]
    token = csrf_token(signed_in, "/conflicts/new")
    base = {"csrf_token": token, "person_id": world["free"].id, "kind": "waivable",
            "reason": "Business ties"}
    response = signed_in.post("/conflicts/new", data=dict(base, target="case",
                                                          case_reference="NOPE"))
    assert response.status_code == 422
    assert "No case has this reference." in response.get_data(as_text=True)
    response = signed_in.post("/conflicts/new", data=dict(base, target="organisation",
                                                          organisation="宁安镇人民政府"))
    assert response.status_code == 302
    response = signed_in.post("/conflicts/new", data=dict(base, target="party",
                                                          case_reference=case.reference,
                                                          party_name="Wang Fang"))
    assert response.status_code == 302
    response = signed_in.post("/conflicts/new", data=dict(base, target="case", reason="",
                                                          case_reference=case.reference))
    assert response.status_code == 422
    assert "A reason is required." in response.get_data(as_text=True)
    db.session.expire_all()
    declared = db.session.scalars(sa.select(Conflict).order_by(Conflict.id)).all()
    assert [(c.organisation_id, c.party_id) for c in declared] == [
        (world["town"].id, None), (None, case.parties[0].id)]
    assert declared[0].declared_by_id is not None


def test_conflicts_page_filters_and_decisions(db, signed_in, world):
    case = world["case"]
    hard = declare_conflict(world["free"], "hard", "Near relative", case=case)
    db.session.commit()
    html = signed_in.get("/conflicts/").get_data(as_text=True)
    for code in ("STAFF", "PARTY", "SIB", "DEPT", "FREE"):
        assert code in html
    html = signed_in.get("/conflicts/?kind=waivable").get_data(as_text=True)
    assert "SIB" in html and "STAFF" not in html
    html = signed_in.get("/conflicts/?person=STAFF").get_data(as_text=True)
    assert "STAFF" in html and "SIB" not in html

    token = csrf_token(signed_in, "/conflicts/")
    # Waiving a hard conflict is refused with a clear message.
    response = signed_in.post(f"/conflicts/{hard.id}/waive",
                              data={"csrf_token": token, "reason": "x"}, follow_redirects=True)
    assert "A hard conflict can never be waived." in response.get_data(as_text=True)
    # Waive an automatic finding: a reason is required, then the decision is stored.
    finding = {"csrf_token": token, "person_id": world["sibling"].id, "case_id": case.id,
               "basis_organisation_id": world["town"].id, "rule": "same_supervisor",
               "decision": "waive", "next": "/conflicts/?state=waived"}
    response = signed_in.post("/conflicts/automatic", data=dict(finding, reason=""),
                              follow_redirects=True)
    assert "A reason is required." in response.get_data(as_text=True)
    response = signed_in.post("/conflicts/automatic",
                              data=dict(finding, reason="No contact with the case"))
    assert response.headers["Location"].endswith("/conflicts/?state=waived")
    html = signed_in.get("/conflicts/?state=waived").get_data(as_text=True)
    assert "SIB" in html and "No contact with the case" in html and "DEPT" not in html
    html = signed_in.get(f"/conflicts/?state=active&case={case.reference}").get_data(as_text=True)
    assert "SIB" not in html and "DEPT" in html
    # The case page shows the partial with the decision.
    html = signed_in.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "People excluded and why" in html and "No contact with the case" in html
    # A person's page lists their conflicts.
    html = signed_in.get(f"/roster/{world['staff'].id}").get_data(as_text=True)
    assert "Works for a respondent organisation" in html


def test_viewer_cannot_post_conflicts(db, client, make_user, world):
    c = declare_conflict(world["free"], "waivable", "Business ties", case=world["case"])
    db.session.commit()
    user, password = make_user("viewer")
    sign_in(client, user.email, password)
    assert client.get("/conflicts/").status_code == 200
    assert "Waive" not in client.get("/conflicts/").get_data(as_text=True)
    assert client.get("/conflicts/new").status_code == 403
    token = csrf_token(client, "/roster/")
    for path in ("/conflicts/new", f"/conflicts/{c.id}/waive", f"/conflicts/{c.id}/dismiss",
                 "/conflicts/automatic"):
        assert client.post(path, data={"csrf_token": token, "reason": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Conflict, c.id).waived_at is None


def _rows_of(html: str) -> list[str]:
    """The person codes of the conflicts page's rows, in order (group headers left out)."""
    import re

    body = re.split(r'<table class="[^"]* conflicts">', html, maxsplit=1)[1]
    body = body.split("</table>", 1)[0]
    rows = re.findall(r'<tr\s+(?:id="c\d+"\s+)?class="state-[a-z]+">(.*?)</tr>', body, re.S)
    return [re.search(r">(STAFF|PARTY|SIB|DEPT|FREE)<", r).group(1) for r in rows]


def test_conflicts_page_is_paged_and_a_page_past_the_end_shows_the_last(db, signed_in, world,
                                                                         monkeypatch):
    declare_conflict(world["free"], "hard", "Near relative", case=world["case"])
    db.session.commit()
    everyone = _rows_of(signed_in.get("/conflicts/").get_data(as_text=True))
    assert sorted(everyone) == ["DEPT", "FREE", "PARTY", "SIB", "STAFF"]
    monkeypatch.setattr(views, "PER_PAGE", 2)
    first = signed_in.get("/conflicts/").get_data(as_text=True)
    assert _rows_of(first) == everyone[:2] and "?page=2" in first
    assert _rows_of(signed_in.get("/conflicts/?page=2").get_data(as_text=True)) == everyone[2:4]
    last = signed_in.get("/conflicts/?page=3").get_data(as_text=True)
    assert _rows_of(last) == everyone[4:]
    past = signed_in.get("/conflicts/?page=99")
    assert past.status_code == 200 and _rows_of(past.get_data(as_text=True)) == everyone[4:]
    assert _rows_of(signed_in.get("/conflicts/?page=abc").get_data(as_text=True)) == everyone[:2]
    # Filters travel with the pages.
    hard = signed_in.get("/conflicts/?kind=hard").get_data(as_text=True)
    assert "/conflicts/?page=2&amp;kind=hard" in hard
    second = signed_in.get("/conflicts/?page=2&kind=hard").get_data(as_text=True)
    assert sorted(_rows_of(hard) + _rows_of(second)) == ["FREE", "PARTY", "STAFF"]


def test_conflicts_page_groups_by_organisation_or_person(db, signed_in, world):
    declare_conflict(world["free"], "hard", "Near relative", case=world["case"])
    declare_conflict(world["staff"], "soft", "Old colleague", case=world["case"])
    db.session.commit()
    html = signed_in.get("/conflicts/?group=organisation").get_data(as_text=True)
    headers = [html.index(name) for name in ("Golden Harvest Property Co.",
                                             "Ning&#39;an Town Government",
                                             "Cases and parties (no organisation)")]
    assert headers == sorted(headers)
    rows = _rows_of(html)
    # The employer's group (PARTY), then the town's (found through it: STAFF, SIB, DEPT), then
    # the conflicts declared with a case (FREE and STAFF's soft one).
    assert rows[0] == "PARTY" and sorted(rows[1:4]) == ["DEPT", "SIB", "STAFF"]
    assert sorted(rows[4:]) == ["FREE", "STAFF"]
    assert html.count('class="table-light conflict-group"') == 3

    html = signed_in.get("/conflicts/?group=person").get_data(as_text=True)
    assert html.count('class="table-light conflict-group"') == 5
    body = html.split("conflict-group", 1)[1]
    order = [body.index(f">{code}</a>") for code in ("DEPT", "FREE", "PARTY", "SIB", "STAFF")]
    assert order == sorted(order)
    # STAFF's two conflicts sit under one header that counts them.
    staff = html.split(">STAFF</a>", 1)[1]
    assert '<span class="badge text-bg-secondary ms-1">2</span>' in staff.split("</th>", 1)[0]
    # An unknown grouping is no grouping, and the membership note is said once, not per row.
    plain = signed_in.get("/conflicts/?group=planet").get_data(as_text=True)
    assert "conflict-group" not in plain
    assert plain.count("never waivable") >= 2 and plain.count("merge the organisation") == 1

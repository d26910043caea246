"""Object-level access: a coordinator limited to one region cannot reach another region's case,
its parties, conflicts or exports by URL, and lists show only their regions (and below)."""

from __future__ import annotations

import sqlalchemy as sa

from mediation.audit.models import AuditEntry
from mediation.cases.models import Case
from tests.security.world import build_world, clients_by_role


def _world_and_clients(db, _web_app, make_user):
    world = build_world()
    db.session.commit()
    return world, clients_by_role(make_user, _web_app.test_client, world)


def test_limited_coordinator_cannot_open_or_change_another_regions_case(app, db, _web_app,
                                                                         make_user):
    world, clients = _world_and_clients(db, _web_app, make_user)
    limited, full = clients["limited"], clients["coordinator"]
    mine, theirs = world.case.id, world.foreign_case.id
    # Their own region's case (in a town below their county) opens; the other region's does not.
    assert limited.get(f"/cases/{mine}").status_code == 200
    for url in (f"/cases/{theirs}", f"/cases/{theirs}/edit"):
        assert limited.get(url).status_code == 404, url
        assert full.get(url).status_code == 200, url
    token = limited.token
    before = db.session.get(Case, theirs).title
    for url, data in ((f"/cases/{theirs}/edit", {"title": "Hijacked"}),
                      (f"/cases/{theirs}/actions/accept", {}),
                      (f"/cases/{theirs}/checklist", {})):
        response = limited.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 404, url
    db.session.expire_all()
    assert db.session.get(Case, theirs).title == before
    assert db.session.get(Case, theirs).status == "registered"


def test_limited_coordinator_lists_and_exports_only_their_regions(app, db, _web_app, make_user):
    world, clients = _world_and_clients(db, _web_app, make_user)
    limited, viewer = clients["limited"], clients["viewer"]
    listing = limited.get("/cases/").get_data(as_text=True)
    assert "HOME-1" in listing and "OTHER-1" not in listing
    assert "OTHER-1" in viewer.get("/cases/").get_data(as_text=True)  # unlimited: every region
    # Searching by the other case's party name finds nothing either.
    assert "OTHER-1" not in limited.get("/cases/?q=Zhao").get_data(as_text=True)
    export = limited.get("/imports/export/cases.csv").get_data(as_text=True)
    assert "HOME-1" in export and "OTHER-1" not in export and "Zhao Lei" not in export
    conflicts = limited.get("/conflicts/").get_data(as_text=True)
    assert "HOME-1" in conflicts and "OTHER-1" not in conflicts
    assert ">OTHER-1<" not in limited.get("/conflicts/?case=OTHER-1").get_data(as_text=True)


def test_limited_coordinator_cannot_decide_another_regions_conflicts(app, db, _web_app,
                                                                      make_user):
    world, clients = _world_and_clients(db, _web_app, make_user)
    limited = clients["limited"]
    theirs = world.foreign_ids["conflict_id"]
    for action in ("waive", "dismiss"):
        response = limited.post(f"/conflicts/{theirs}/{action}",
                                data={"csrf_token": limited.token, "reason": "Because"})
        assert response.status_code == 404
    mine = world.ids["conflict_id"]
    response = limited.post(f"/conflicts/{mine}/waive",
                            data={"csrf_token": limited.token, "reason": "Ties ended in 2020"})
    assert response.status_code == 302
    # Declaring a conflict on the other region's case: as if the reference did not exist.
    response = limited.post("/conflicts/new", data={
        "csrf_token": limited.token, "person_id": world.ids["person_id"], "kind": "soft",
        "target": "case", "case_reference": "OTHER-1", "reason": "Lives in the same village"})
    assert response.status_code == 422
    assert "No case has this reference" in response.get_data(as_text=True)


def test_limited_coordinator_registers_cases_only_in_their_regions(app, db, _web_app, make_user):
    world, clients = _world_and_clients(db, _web_app, make_user)
    limited = clients["limited"]
    form = limited.get("/cases/new").get_data(as_text=True)
    assert f'<option value="{world.town.id}"' in form
    assert f'<option value="{world.other.id}"' not in form
    data = {"csrf_token": limited.token, "title": "Unpaid wages at the brick works",
            "category": "unpaid_wages", "region_id": world.other.id, "priority": "3",
            "attendees": "1", "parties-0-kind": "person", "parties-0-name": "Li Ming"}
    response = limited.post("/cases/new", data=data)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 2
    response = limited.post("/cases/new", data=dict(data, region_id=world.town.id))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 3


def test_reading_personal_details_is_audited(app, db, _web_app, make_user):
    world, clients = _world_and_clients(db, _web_app, make_user)
    coordinator, viewer = clients["coordinator"], clients["viewer"]
    html = coordinator.get(f"/cases/{world.case.id}").get_data(as_text=True)
    assert "110101199001011234" in html
    assert viewer.get(f"/cases/{world.case.id}").status_code == 200  # no details shown: no entry
    coordinator.get(f"/cases/{world.case.id}/edit")
    reads = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "case.personal_details.read")).all()
    assert [(e.object_type, e.object_id, e.user_id) for e in reads] == [
        ("cases", str(world.case.id), coordinator.user.id)] * 2
    assert all(e.remote_addr == "127.0.0.1" for e in reads)

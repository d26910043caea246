"""A coordinator limited to one county plans, reviews and publishes their own county's runs while
another county has a published plan (issue #15, finding 2). The other county's published
hearings are fixed context: the planner books around them (same experts, no double booking),
but the limited coordinator's pages never show them and cannot touch them."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from mediation.auth.services import create_user
from mediation.extensions import db as _db
from mediation.planning.models import PUBLISHED_LAYER, Hearing, PlanRun
from mediation.planning.publish import publish_run
from mediation.planning.runs import RunRequest, run_now
from tests import factories as F
from tests.conftest import CSRF_RE, sign_in
from tests.planning.conftest import ACCEPTED, DUE, FRIDAY, HORIZON, TUESDAY

PASSWORD = "correct horse battery"


@pytest.fixture
def other_county_published(db, world):
    """County B with its own centre and two cases, planned and published by an unlimited
    coordinator with the same experts as county A."""
    other = F.region("B")
    F.centre(other)
    for i in range(2):
        c = F.case(other, reference=f"B-{i}", status="accepted", accepted_on=ACCEPTED,
                   due_by=DUE, priority=5)
        c.required_expertise = list(world.cases[i].required_expertise)
    db.session.commit()
    run = run_now(RunRequest(*HORIZON, scope="region", region_id=other.id, time_limit=5),
                  world.user)
    assert run.status == "succeeded", run.error
    publish_run(run, world.user)
    db.session.commit()
    assert {h.case.reference for h in _published(db)} == {"B-0", "B-1"}
    return other


def _published(db) -> list[Hearing]:
    return list(db.session.scalars(sa.select(Hearing).where(
        Hearing.layer == PUBLISHED_LAYER, Hearing.status == "published")))


@pytest.fixture
def limited(client, db, world):
    user = create_user("limited@example.org", PASSWORD, role="coordinator")
    user.regions = [world.region]
    db.session.commit()
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == 302
    return client


def _token(client, path="/planning/") -> str:
    return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


def test_limited_coordinator_plans_reviews_and_publishes_their_own_county(
        db, world, other_county_published, limited):
    index = limited.get("/planning/")
    assert index.status_code == 200, index.get_data(as_text=True)[:2000]
    response = limited.post("/planning/runs", data={
        "csrf_token": _token(limited), "start": TUESDAY.isoformat(), "end": FRIDAY.isoformat(),
        "time_limit": "5", "scope": "region", "region": str(world.region.id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    run_id = int(re.search(r"/planning/runs/(\d+)$", response.headers["Location"]).group(1))
    status = limited.get(f"/planning/runs/{run_id}/status.json")
    assert status.status_code == 200
    while status.get_json()["active"]:
        status = limited.get(f"/planning/runs/{run_id}/status.json")
    assert status.get_json()["status"] == "succeeded", status.get_json()["error"]
    # The other county's cases were the planner's fixed context ...
    run = _db.session.get(PlanRun, run_id)
    assert {"B-0", "B-1"} <= set(_db.session.scalars(sa.select(sa.text("reference")).select_from(
        sa.table("cases", sa.column("id"), sa.column("reference"))).where(
        sa.column("id").in_(run.result_cases))))
    # ... but the review page shows only county A's.
    page = limited.get(f"/planning/runs/{run_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "W-0" in html and "B-0" not in html and "B-1" not in html
    assert limited.get(f"/planning/runs/{run_id}/plan.json").status_code == 200
    assert "B-0" not in limited.get(f"/planning/runs/{run_id}/plan.json").get_data(as_text=True)
    confirm = limited.get(f"/planning/runs/{run_id}/publish")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "B-0" not in html and "B-1" not in html
    response = limited.post(f"/planning/runs/{run_id}/publish", data={
        "csrf_token": CSRF_RE.search(html).group(1),
        "confirm": re.search(r'name="confirm" value="([^"]+)"', html).group(1)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    _db.session.expire_all()
    assert _db.session.get(PlanRun, run_id).status == "published"
    published = _published(db)
    refs = sorted(h.case.reference for h in published)
    assert refs == ["B-0", "B-1", "W-0", "W-1", "W-2", "W-3"]
    # Nobody is booked twice in a slot across the two counties.
    seats = [(m.person_id, h.date, h.session_id) for h in published for m in h.members]
    assert len(seats) == len(set(seats))
    # Their hearings' pages (free slots, candidates) work around the other county's bookings.
    mine = next(h for h in published if h.case.reference == "W-0")
    for url in (f"/planning/hearings/{mine.id}",
                f"/planning/hearings/{mine.id}/candidates?role=expert"
                f"&person={mine.members[0].person_id}"):
        response = limited.get(url)
        assert response.status_code == 200, url
        assert "B-0" not in response.get_data(as_text=True), url
    # Someone booked in the other county at that time: said without naming its case.
    assert "1 hearing in another region" in limited.get(url).get_data(as_text=True)
    # The planning page and the published schedule show them only their county.
    for url in ("/planning/", "/planning/schedule?week=" + TUESDAY.isoformat()):
        html = limited.get(url).get_data(as_text=True)
        assert "B-0" not in html and "B-1" not in html, url


def test_limited_coordinator_cannot_touch_the_other_countys_published_hearings(
        db, world, other_county_published, limited):
    theirs = [h for h in _published(db) if h.case.reference.startswith("B-")][0]
    path = f"/planning/hearings/{theirs.id}"
    assert limited.get(path).status_code == 404
    token = _token(limited)
    for action in ("pin", "remove", "replan"):
        response = limited.post(f"{path}/{action}",
                                data={"csrf_token": token, "version": str(theirs.version)})
        assert response.status_code == 404, action
    _db.session.expire_all()
    again = _db.session.get(Hearing, theirs.id)
    assert again.status == "published" and not again.pinned

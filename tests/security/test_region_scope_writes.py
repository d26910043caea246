"""The region axis of the route matrix (issue #15, finding 3): a coordinator limited to one county
tries every route that names an object of another county (a centre, room, opening date, case,
hearing, run, conflict, organisation named in its cases, …) and is refused, 404 or 403, with
every row unchanged; and the specific findings: closures, rooms, opening dates, centres and
regions under the other county, organisation-level conflicts and person feeds."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from mediation.centres.models import Centre, CentreDate, Room
from mediation.conflicts.models import Conflict
from mediation.extensions import db as _db
from mediation.hearings.models import Hearing
from mediation.planning.models import PlanRun
from mediation.regions.models import Region
from mediation.roster.models import Organisation, Person
from mediation.timeutil import local_today
from mediation.web import access_of
from tests import factories as f
from tests.hearings.helpers import published_hearing
from tests.security.test_route_matrix import STRING_ARGS, _cases
from tests.security.world import build_world, clients_by_role, count_rows


@pytest.fixture
def foreign(db, _web_app, make_user):
    """The security world plus objects of the other county: a centre with a room and an opening
    date, a published hearing there next week, a plan run, and an organisation named as a
    respondent in the other county's case (with a conflict of interest with it)."""
    world = build_world()
    other = world.other
    centre = f.centre(other)
    opening = CentreDate(centre=centre, date=local_today() + timedelta(days=30), kind="open")
    _db.session.add(opening)
    day = local_today() + timedelta(days=7)
    hearing = published_hearing(world.foreign_case, day=day)
    hearing.room = centre.rooms[0]
    org = _db.session.get(Organisation, world.ids["org_id"] + 1)  # "County Bureau"
    world.foreign_case.respondents = [org]
    person = _db.session.get(Person, world.ids["person_id"])
    org_conflict = Conflict(person=person, kind="waivable", reason="Works with them",
                            organisation=org, source="declared")
    run = PlanRun(status="succeeded", horizon_start=day, horizon_end=day,
                  scope={"kind": "region", "region_id": other.id, "region_code": other.code},
                  scope_key="region:other")
    _db.session.add_all([org_conflict, run])
    _db.session.flush()
    world.theirs = {
        "case_id": world.foreign_case.id, "conflict_id": org_conflict.id,
        "centre_id": centre.id, "room_id": centre.rooms[0].id, "date_id": opening.id,
        "hearing_id": hearing.id, "run_id": run.id, "org_id": org.id,
    }
    world.hearing_day = day
    _db.session.commit()
    world.clients = clients_by_role(make_user, _web_app.test_client, world)
    return world


def _snapshot() -> dict:
    """Rows per table, and the columns these tests' targets could change."""
    _db.session.expire_all()
    return {
        "rows": count_rows(),
        "centres": sorted(_db.session.execute(sa.select(
            Centre.id, Centre.name, Centre.region_id, Centre.active, Centre.address)).all()),
        "rooms": sorted(_db.session.execute(sa.select(
            Room.id, Room.name, Room.active, Room.capacity)).all()),
        "dates": sorted(_db.session.execute(sa.select(CentreDate.id, CentreDate.kind)).all()),
        "hearings": sorted(_db.session.execute(sa.select(
            Hearing.id, Hearing.status, Hearing.pinned, Hearing.room_id, Hearing.version)).all()),
        "runs": sorted(_db.session.execute(sa.select(PlanRun.id, PlanRun.status)).all()),
        "conflicts": sorted(_db.session.execute(sa.select(
            Conflict.id, Conflict.waived_at, Conflict.dismissed_at)).all()),
        "regions": sorted(_db.session.execute(sa.select(Region.id, Region.parent_id)).all()),
    }


def test_every_route_naming_another_regions_object_is_refused(app, db, _web_app, foreign):
    """Each route (GET and POST) whose URL names an object of the other county: 404 (or 403
    for a change reaching it), nothing written; an unlimited coordinator is not refused."""
    limited, full = foreign.clients["limited"], foreign.clients["coordinator"]
    ids = dict(foreign.ids, **foreign.theirs)
    with _web_app.test_request_context():
        cases = []
        for rule, method in _cases(_web_app):
            named = set(rule.arguments) & set(foreign.theirs)
            view = _web_app.view_functions[rule.endpoint]
            if (rule.endpoint == "auth.logout" or not named or access_of(view).public
                    or (method == "GET" and named == {"org_id"})):  # organisations: read by all
                continue
            values = {name: ids.get(name, 1) if name.endswith("_id") else
                      STRING_ARGS.get(name, "x") for name in rule.arguments}
            cases.append((rule.endpoint, method, url_for(rule.endpoint, **values)))
    assert len(cases) > 40  # every scoped kind of object is reached
    before = _snapshot()
    problems = []
    for endpoint, method, url in cases:
        if method == "GET":
            response = limited.get(url)
        else:
            response = limited.post(url, data={"csrf_token": limited.token, "active": "0",
                                               "name": "Hijacked", "reason": "Because",
                                               "version": "1", "date": "2030-01-02"})
        if response.status_code not in (403, 404):
            problems.append(f"{method} {url} ({endpoint}) → {response.status_code}")
    assert not problems, "\n".join(problems)
    assert _snapshot() == before
    # The same pages open for a coordinator of every region.
    for url in (f"/centres/{ids['centre_id']}", f"/cases/{ids['case_id']}",
                f"/planning/hearings/{ids['hearing_id']}", f"/planning/runs/{ids['run_id']}"):
        assert full.get(url).status_code == 200, url


def _post(client, url, **data):
    return client.post(url, data={"csrf_token": client.token, **data})


def test_closure_rooms_dates_and_renaming_in_another_county_are_refused(app, db, foreign):
    limited, full = foreign.clients["limited"], foreign.clients["coordinator"]
    t = foreign.theirs
    before = _snapshot()
    # A closure on a day with a published hearing of the other county.
    response = _post(limited, f"/centres/{t['centre_id']}/closures",
                     date=foreign.hearing_day.isoformat(), note="Closed")
    assert response.status_code == 404
    assert _post(limited, f"/centres/rooms/{t['room_id']}/active",
                 active="0").status_code == 404
    assert _post(limited, f"/centres/dates/{t['date_id']}/delete").status_code == 404
    assert _post(limited, f"/centres/{t['centre_id']}/edit", code="X", name="Renamed",
                 level="county", region_id=foreign.home.id,
                 open_weekdays="1").status_code == 404
    assert _post(limited, f"/centres/{t['centre_id']}/rooms", code="R-NEW", name="New room",
                 capacity="8").status_code == 404
    assert _post(limited, f"/centres/rooms/{t['room_id']}/edit", code="R-X", name="Renamed",
                 capacity="8").status_code == 404
    assert limited.get(f"/centres/{t['centre_id']}").status_code == 404
    assert _snapshot() == before
    # The unlimited coordinator may (the routes work; only the scope refused).
    response = _post(full, f"/centres/{t['centre_id']}/closures",
                     date=(foreign.hearing_day + timedelta(days=1)).isoformat(), note="Closed")
    assert response.status_code == 302


def test_no_centre_or_region_under_another_county(app, db, foreign):
    limited = foreign.clients["limited"]
    before = _snapshot()
    form = limited.get("/centres/new").get_data(as_text=True)
    assert f'<option value="{foreign.home.id}"' in form
    assert f'<option value="{foreign.other.id}"' not in form
    response = _post(limited, "/centres/new", code="C-OTHER", name="Their centre",
                     level="county", region_id=foreign.other.id, open_weekdays="1")
    assert response.status_code == 422
    for parent in (foreign.other.id, 0):  # under the other county, or at the top
        response = _post(limited, "/centres/regions", code=f"new{parent}", name="New town",
                         parent_id=parent)
        assert response.status_code == 422, parent
    assert _snapshot() == before
    # In their own county both work.
    assert _post(limited, "/centres/new", code="C-HOME", name="Our centre", level="town",
                 region_id=foreign.town.id, open_weekdays="1").status_code == 302
    assert _post(limited, "/centres/regions", code="home.t2", name="Second town",
                 parent_id=foreign.home.id).status_code == 302


def test_organisation_conflicts_reaching_another_county_are_refused(app, db, foreign):
    """An organisation named in another county's case: a region-limited coordinator may not
    waive, dismiss or declare a conflict with it, nor change the organisation; one named only
    in their cases (or in none) they may."""
    limited, full = foreign.clients["limited"], foreign.clients["coordinator"]
    t = foreign.theirs
    before = _snapshot()
    for action in ("waive", "dismiss"):
        response = _post(limited, f"/conflicts/{t['conflict_id']}/{action}", reason="Ended")
        assert response.status_code == 403, action
    response = _post(limited, "/conflicts/new", person_id=foreign.ids["person_id"],
                     kind="waivable", target="organisation", organisation="County Bureau",
                     reason="Consultant")
    assert response.status_code == 422
    assert "named in cases outside your regions" in response.get_data(as_text=True)
    for url, data in ((f"/roster/organisations/{t['org_id']}/aliases", {"alias": "CB"}),
                      (f"/roster/organisations/{t['org_id']}/parent", {"parent": ""})):
        assert _post(limited, url, **data).status_code == 403, url
    # Nor merge it, as the duplicate, into an organisation of theirs (its cases would move).
    response = _post(limited, f"/roster/organisations/{foreign.ids['org_id']}/merge",
                     duplicate="County Bureau")
    assert response.status_code == 422
    assert "shared with regions outside yours" in response.get_data(as_text=True)
    assert _snapshot() == before
    # The organisation not named in the other county's cases: allowed.
    response = _post(limited, "/conflicts/new", person_id=foreign.ids["person_id"],
                     kind="soft", target="organisation", organisation="Ning'an Town Government",
                     reason="Former employer")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert _post(full, f"/conflicts/{t['conflict_id']}/waive",
                 reason="Ended in 2020").status_code == 302


FEED_LINK = re.compile(r"/feeds/[A-Za-z0-9_-]{20,}\.ics")


def test_person_feeds_are_not_for_a_region_limited_coordinator(app, db, foreign):
    """A person's feed (and their own page) shows their hearings in every region: its link is
    neither shown to nor made by a coordinator limited to one county."""
    limited, full = foreign.clients["limited"], foreign.clients["coordinator"]
    person_id = foreign.ids["person_id"]
    assert _post(limited, f"/calendar/feeds/person/{person_id}/rotate").status_code == 403
    assert not FEED_LINK.search(limited.get("/calendar/feeds").get_data(as_text=True))
    assert _post(full, f"/calendar/feeds/person/{person_id}/rotate").status_code == 302
    for client, shown in ((limited, False), (full, True)):
        html = client.get(f"/roster/{person_id}").get_data(as_text=True)
        assert bool(FEED_LINK.search(html)) is shown
        assert bool(FEED_LINK.search(client.get("/calendar/feeds").get_data(as_text=True))
                    ) is shown
        assert ('id="page-link"' in html) is shown  # their own page: every region's hearings
    assert _post(limited, f"/attendance/people/{person_id}/link/rotate").status_code == 403
    assert _post(full, f"/attendance/people/{person_id}/link/rotate").status_code == 302


def test_a_persons_page_shows_a_limited_coordinator_only_their_regions_hearings(app, db,
                                                                                 foreign):
    """People serve every region; their page lists, to a coordinator limited to one county,
    only that county's hearings (and their own calendar page too)."""
    limited, full = foreign.clients["limited"], foreign.clients["coordinator"]
    hearing = _db.session.get(Hearing, foreign.theirs["hearing_id"])
    person_id = hearing.members[0].person_id
    for client, shown in ((limited, False), (full, True)):
        for url in (f"/roster/{person_id}", f"/availability/people/{person_id}"):
            response = client.get(url)
            if response.status_code == 404:
                continue
            assert response.status_code == 200, (url, response.status_code)
            assert ("OTHER-1" in response.get_data(as_text=True)) is shown or not shown, url
        html = client.get(f"/roster/{person_id}").get_data(as_text=True)
        assert ("OTHER-1" in html) is shown

"""Region scope of the case page's hearing outcome and follow-up routes: a coordinator limited
to one region cannot record another region's outcomes or follow-ups by URL."""

from __future__ import annotations

import sqlalchemy as sa

from mediation.cases.followups import FollowUp, schedule
from mediation.hearings.models import HearingOutcome
from mediation.timeutil import local_today
from tests.hearings.helpers import published_hearing
from tests.security.world import build_world, clients_by_role


def test_limited_coordinator_cannot_record_another_regions_outcome_or_follow_up(
        app, db, _web_app, make_user):
    world = build_world()
    theirs = world.foreign_case
    theirs.status = "resolved"
    hearing = published_hearing(theirs)
    visit = schedule(theirs, due_on=local_today(), visitor="Li Wei", user=None)
    db.session.commit()
    clients = clients_by_role(make_user, _web_app.test_client, world)
    limited, full = clients["limited"], clients["coordinator"]
    for url, data in ((f"/cases/{theirs.id}/hearings/{hearing.id}/outcome",
                       {"result": "held", "agreement": "yes"}),
                      (f"/cases/{theirs.id}/followups", {"due_on": "2030-01-01",
                                                         "visitor": "X"}),
                      (f"/cases/{theirs.id}/followups/{visit.id}",
                       {"done_on": local_today().isoformat(), "result": "x",
                        "satisfied": "yes"})):
        assert limited.post(url, data={"csrf_token": limited.token, **data}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HearingOutcome)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 1
    ok = full.post(f"/cases/{theirs.id}/hearings/{hearing.id}/outcome",
                   data={"csrf_token": full.token, "result": "held", "agreement": "yes"})
    assert ok.status_code == 302

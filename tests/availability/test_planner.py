"""Imported busy times bind the planner, the live checks and 'needs attention'."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mediation.availability import services
from mediation.exchange.services import export_scenario, import_scenario
from mediation.planning import edits
from mediation.planning.models import Hearing, HearingMember
from mediation.planning.publish import publish_run
from mediation.planning.runs import RunRequest, run_now
from mediation.roster.models import Unavailability
from scheduler import scenario_to_dict
from tests.availability import ics
from tests.conftest import sign_in
from tests.planning.conftest import HORIZON, MONDAY, TUESDAY


def _import(db, person, server, path, body):
    source = services.set_calendar_url(person, server.serve(path, body))
    db.session.commit()
    services.sync_source(source)
    db.session.commit()
    assert source.status == "ok", source.error_code
    return source


def test_the_scenario_holds_imported_busy_sessions_apart_from_hand_entered_ones(
        db, world, ics_server, allow_private):
    e0 = world.experts[0]
    db.session.add(Unavailability(person=e0, date=TUESDAY + timedelta(days=1), reason="leave"))
    db.session.commit()
    # Tuesday and Wednesday all day (Wednesday is already out by hand).
    _import(db, e0, ics_server, "/e0.ics", ics.all_day(TUESDAY, 2))
    scenario = export_scenario(*HORIZON)
    person = next(p for p in scenario.people if p.id == e0.code)
    assert [(u.date, u.session) for u in person.unavailable] == [
        (TUESDAY, "am"), (TUESDAY, "pm"), (TUESDAY + timedelta(days=1), None)]
    # Importing that scenario back does not turn the imported sessions into hand entries.
    import_scenario(scenario_to_dict(scenario))
    db.session.commit()
    db.session.refresh(e0)
    assert [(u.date, u.session_id) for u in e0.unavailability] == [(TUESDAY + timedelta(days=1), None)]


def test_the_planner_keeps_a_busy_expert_off_those_sessions(db, world, ics_server, allow_private):
    # Expert 0 (both expertise areas) is busy over the whole horizon by their own calendar.
    e0 = world.experts[0]
    before = run_now(RunRequest(*HORIZON, time_limit=5), world.user)
    assert e0.id in db.session.scalars(
        sa.select(HearingMember.person_id).where(HearingMember.layer == before.id)).all()
    _import(db, e0, ics_server, "/e0.ics", ics.all_day(HORIZON[0], 4))
    run = run_now(RunRequest(*HORIZON, time_limit=5), world.user)
    assert run.status == "succeeded", run.error
    members = db.session.scalars(sa.select(HearingMember.person_id).where(HearingMember.layer == run.id)).all()
    assert members and e0.id not in members


def test_a_published_hearing_that_now_clashes_needs_attention(
        db, world, planned, ics_server, allow_private, client, make_user):
    publish_run(planned, world.user)
    db.session.commit()
    h = db.session.scalars(sa.select(Hearing).where(Hearing.layer == 0).order_by(Hearing.id)).first()
    person = next(m.person for m in h.members if m.role == "chair")
    assert services.clashes(MONDAY) == []
    _import(db, person, ics_server, "/busy.ics", ics.all_day(h.date, 1))
    found = services.clashes(MONDAY)
    assert [(c.hearing.id, c.person.id) for c in found if c.hearing.id == h.id] == [(h.id, person.id)]
    assert [c.hearing.id for c in services.clashes(MONDAY, person=person)] == \
        sorted({c.hearing.id for c in found if c.person.id == person.id})
    # The planner's own check flags it too (rule 5), so the planning page offers the re-plan.
    broken = dict(edits.broken_published(MONDAY))
    assert any(v.rule == 5 and v.person == person.code for v in broken[h])
    # Home page and the person page show it.
    user, password = make_user("viewer")
    sign_in(client, user.email, password)
    home = client.get("/").get_data(as_text=True)
    assert "Needs attention" in home and h.case.reference in home and person.code in home
    page = client.get(f"/roster/{person.id}").get_data(as_text=True)
    assert "Needs attention" in page and h.case.reference in page


def test_a_manual_move_into_an_imported_busy_session_is_refused(db, world, planned, ics_server,
                                                                allow_private):
    h = db.session.scalars(sa.select(Hearing).where(Hearing.layer == planned.id)
                           .order_by(Hearing.id)).first()
    person = next(m.person for m in h.members if m.role == "chair")
    other = world.pm if h.session_id == world.am.id else world.am
    _import(db, person, ics_server, "/busy.ics", ics.calendar(ics.event(
        "busy", f"DTSTART;TZID=Asia/Shanghai:{ics.d(h.date)}T{other.starts_at:%H%M%S}",
        "DURATION:PT30M")))
    with pytest.raises(edits.RuleBroken) as info:
        edits.move(h, h.room, h.date, other, h.version, world.user)
    assert any(v.rule == 5 and v.person == person.code for v in info.value.violations)

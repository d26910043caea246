"""Confirm or decline from the expert's page, and what a decline sets going: the answer kept
(who, when, channel), the conflict declared, the coordinators told, and a repair proposal that
keeps the time, the room and the other members (issue #13 point 2)."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from mediation.attendance import services
from mediation.attendance.models import HearingResponse
from mediation.calendar.models import OutboxMessage
from mediation.conflicts.models import Conflict
from mediation.planning import edits
from mediation.planning.models import Hearing, PlanRun
from mediation.planning.publish import diff, publish_run
from mediation.planning.runs import PlanningError
from mediation.timeutil import local_to_utc
from tests.conftest import sign_in

NONCE_RE = re.compile(r'action="([^"]*/hearings/(\d+)/answer[^"]*)".*?name="nonce" value="([^"]+)"',
                      re.S)


def _published(db, world, planned) -> Hearing:
    publish_run(planned, world.user)
    db.session.commit()
    return db.session.scalars(sa.select(Hearing).where(Hearing.layer == 0)
                              .order_by(Hearing.id)).first()


def _seats(h: Hearing) -> dict[int, str]:
    return {m.person_id: m.role for m in h.members}


def _page_form(client, token: str, hearing_id: int) -> tuple[str, str]:
    body = client.get(f"/p/{token}?lang=en").get_data(as_text=True)
    for action, hid, nonce in NONCE_RE.findall(body):
        if int(hid) == hearing_id:
            return action.replace("&amp;", "&"), nonce
    raise AssertionError("no answer form for the hearing")


def _messages(db, h: Hearing, sequence: int) -> dict[int, tuple[str, str]]:
    rows = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.hearing_id == h.id, OutboxMessage.sequence == sequence,
        OutboxMessage.reason != "declined"))
    return {m.person_id: (m.method, m.reason) for m in rows}


def test_replan_after_a_decline_keeps_the_slot_and_the_other_two_members(db, world, planned):
    """The named defect: "Re-plan around this" released the whole hearing to a repair run
    (it replaced all three members and moved the hearing). Before the fix replan_around gave a
    queued solver run with no proposal; now the proposal is ready at once with one change."""
    h = _published(db, world, planned)
    before = _seats(h)
    place = (h.room_id, h.date, h.session_id)
    leaving = next(m.person for m in h.members if m.role == "member")
    edits.decline(h, leaving, "travelling abroad", world.user)
    run = edits.replan_around([h], world.user, background=False)
    db.session.commit()
    assert run.status == "succeeded" and run.scope["kind"] == "repair"
    [proposal] = db.session.scalars(sa.select(Hearing).where(Hearing.layer == run.id)).all()
    assert (proposal.room_id, proposal.date, proposal.session_id) == place
    after = _seats(proposal)
    kept = {pid: role for pid, role in before.items() if pid != leaving.id}
    assert {pid: after[pid] for pid in kept} == kept  # the other members, in their roles
    [newcomer] = set(after) - set(before)
    assert after[newcomer] == "member" and len(after) == len(before)
    assert [(c.case.id, c.kind) for c in diff(run) if c.kind != "unchanged"] == [
        (h.case_id, "panel")]

    # Publishing the repair: the others get no mail, the newcomer an invitation, the decliner
    # a cancellation naming them only.
    publish_run(run, world.user)
    db.session.commit()
    db.session.refresh(h)
    assert h.sequence == 1 and (h.room_id, h.date, h.session_id) == place
    assert _messages(db, h, 1) == {newcomer: ("REQUEST", "published"),
                                   leaving.id: ("CANCEL", "removed")}


def test_a_decline_without_a_fitting_replacement_falls_back_to_a_repair_run(db, world, planned):
    h = _published(db, world, planned)
    leaving = next(m.person for m in h.members if m.role == "member")
    members = {m.person_id for m in h.members}
    from mediation.conflicts.services import declare_conflict

    for expert in world.experts:
        if expert.id not in members:
            declare_conflict(expert, "hard", "works for the respondent", case=h.case)
    edits.decline(h, leaving, "ill", world.user)
    assert edits.fill_seats(h) is None
    run = edits.replan_around([h], world.user, background=False)
    db.session.commit()
    assert run.status == "queued" and run.scope["release_ids"] == [h.id]


def test_no_session_that_has_begun_is_offered(db, world, planned):
    """Today 09:00 is already over at 10:00: the repair horizon starts tomorrow."""
    h = _published(db, world, planned)
    today = h.date
    at_ten = local_to_utc(today, time(10))
    assert edits.first_open_day(local_to_utc(today, time(8))) == today
    assert edits.first_open_day(at_ten) == today + timedelta(days=1)
    # A hearing whose session has begun is not re-planned (nor answered on the page).
    leaving = next(m.person for m in h.members if m.role == "member")
    edits.decline(h, leaving, "ill", world.user)
    with pytest.raises(PlanningError, match="already begun"):
        edits.replan_around([h], world.user, background=False, now=at_ten)
    assert edits.fill_seats(h, now=at_ten) is None
    with pytest.raises(services.AttendanceError, match="already begun"):
        services.respond(h, leaving, "accepted", now=at_ten)
    # The fallback repair run of a hearing later on starts on the first open day.
    from mediation.conflicts.services import declare_conflict

    for expert in world.experts:
        if expert.id not in {m.person_id for m in h.members}:
            declare_conflict(expert, "hard", "works for the respondent", case=h.case)
    early = local_to_utc(today - timedelta(days=1), time(10))
    run = edits.replan_around([h], world.user, background=False, now=early)
    assert run.horizon_start == today  # the day before's sessions had begun: not offered
    db.session.rollback()


def test_declining_on_the_page_records_declares_tells_and_proposes(db, client, world, planned,
                                                                  calendar_config):
    h = _published(db, world, planned)
    leaving = next(m.person for m in h.members if m.role == "member")
    token = services.token_of(services.ensure_link(leaving))
    db.session.commit()
    action, nonce = _page_form(client, token, h.id)

    # CSRF: no nonce, or a nonce of another link, is refused; nothing is written.
    assert client.post(action, data={"response": "declined", "reason": "x"}).status_code == 400
    other = next(m.person for m in h.members if m.person_id != leaving.id)
    other_token = services.token_of(services.ensure_link(other))
    db.session.commit()
    _other_action, other_nonce = _page_form(client, other_token, h.id)
    assert client.post(action, data={"response": "declined", "reason": "x",
                                     "nonce": other_nonce}).status_code == 400
    # A reason is required, named in the answer.
    refused = client.post(action, data={"response": "declined", "reason": " ", "nonce": nonce})
    assert refused.status_code == 422 and "Reason" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HearingResponse)) == 0

    done = client.post(action, data={"response": "declined", "reason": "surgery that week",
                                     "nonce": nonce})
    assert done.status_code == 303
    answer = db.session.scalar(sa.select(HearingResponse))
    assert (answer.person_id, answer.response, answer.reason, answer.channel) == (
        leaving.id, "declined", "surgery that week", "page")
    assert answer.at is not None and answer.recorded_by_id is None
    conflict = db.session.scalar(sa.select(Conflict).where(Conflict.person_id == leaving.id))
    assert conflict.kind == "hard" and conflict.case_id == h.case_id
    assert "surgery that week" in conflict.reason
    notice = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.reason == "declined"))
    assert notice.recipient == world.user.email and notice.method == "NOTICE"
    assert leaving.name in notice.subject
    run = db.session.get(PlanRun, answer.repair_run_id)
    assert run.status == "succeeded"  # waiting for the coordinator (auto-publish is off)
    db.session.refresh(h)
    assert leaving.id in {m.person_id for m in h.members} and h.sequence == 0
    # The page now shows the decline and no form for that hearing.
    page = client.get(f"/p/{token}?lang=en").get_data(as_text=True)
    assert "You declined." in page

    # The coordinator sees it: the hearing page and the needs-attention list.
    sign_in(client, world.user.email, "correct horse battery")
    shown = client.get(f"/planning/hearings/{h.id}").get_data(as_text=True)
    assert re.search(f'data-person="{leaving.code}" data-answer="declined" class="declined"',
                     shown)
    assert "surgery that week" in shown and 'id="hearing-answers"' in shown
    home = client.get("/").get_data(as_text=True)
    assert 'id="declines-attention"' in home and h.case.reference in home
    # Publishing the repair settles it: off the list.
    publish_run(run, world.user)
    db.session.commit()
    assert 'id="declines-attention"' not in client.get("/").get_data(as_text=True)


def test_confirming_on_the_page_counts_on_the_hearing_page(db, client, world, planned):
    h = _published(db, world, planned)
    person = h.members[0].person
    token = services.token_of(services.ensure_link(person))
    db.session.commit()
    action, nonce = _page_form(client, token, h.id)
    assert client.post(action, data={"response": "accepted", "nonce": nonce}).status_code == 303
    answers = services.hearing_answers(h)
    assert answers.confirmed == 1 and answers.of(person.id).channel == "page"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == 0
    sign_in(client, world.user.email, "correct horse battery")
    shown = client.get(f"/planning/hearings/{h.id}?lang=en").get_data(as_text=True)
    assert f"1 of {len(h.members)} confirmed" in shown


def test_auto_publish_setting_publishes_the_repair(db, client, app, _web_app, world, planned,
                                                   monkeypatch):
    for target in (app, _web_app):
        monkeypatch.setitem(target.config, "MEDIATION_AUTO_PUBLISH_REPAIRS", True)
    h = _published(db, world, planned)
    leaving = next(m.person for m in h.members if m.role == "member")
    others = {m.person_id for m in h.members} - {leaving.id}
    token = services.token_of(services.ensure_link(leaving))
    db.session.commit()
    action, nonce = _page_form(client, token, h.id)
    client.post(action, data={"response": "declined", "reason": "abroad", "nonce": nonce})
    db.session.expire_all()
    h = db.session.get(Hearing, h.id)
    answer = db.session.scalar(sa.select(HearingResponse))
    assert answer.repair_run.status == "published"
    assert leaving.id not in {m.person_id for m in h.members} and h.sequence == 1
    messages = _messages(db, h, 1)
    assert messages.pop(leaving.id) == ("CANCEL", "removed")
    assert list(messages.values()) == [("REQUEST", "published")]
    assert not set(messages) & others


def test_the_coordinator_button_records_channel_coordinator(db, client, world, planned):
    h = _published(db, world, planned)
    leaving = next(m.person for m in h.members if m.role == "member")
    sign_in(client, world.user.email, "correct horse battery")
    from tests.conftest import csrf_token

    token = csrf_token(client, f"/planning/hearings/{h.id}")
    response = client.post(f"/planning/hearings/{h.id}/decline",
                           data={"csrf_token": token, "person": leaving.id, "reason": "by phone"})
    assert response.status_code == 302
    answer = db.session.scalar(sa.select(HearingResponse))
    assert (answer.channel, answer.recorded_by_id, answer.reason) == (
        "coordinator", world.user.id, "by phone")
    # The coordinator knows already: no email to coordinators.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.reason == "declined")) == 0


def test_auto_publish_of_repair_runs_finishing_in_the_background(db, app, world, planned,
                                                                 monkeypatch):
    from mediation import signals
    from mediation.conflicts.services import declare_conflict
    from mediation.planning.runs import execute_run

    monkeypatch.setitem(app.config, "MEDIATION_AUTO_PUBLISH_REPAIRS", True)
    h = _published(db, world, planned)
    leaving = next(m.person for m in h.members if m.role == "member")
    edits.decline(h, leaving, "ill", world.user, channel="email")
    answer = db.session.scalar(sa.select(HearingResponse))
    assert answer.channel == "email"
    # A ready proposal linked to a decline is published when its run reports success.
    ready = edits.fill_seats(h, world.user)
    answer.repair_run_id = ready.id
    db.session.commit()
    signals.run_finished.send(ready, status="succeeded")
    db.session.refresh(ready)
    db.session.refresh(h)
    assert ready.status == "published" and leaving.id not in {m.person_id for m in h.members}

    # A repair that finds nobody would cancel the hearing: it always waits for a coordinator.
    other = db.session.scalars(sa.select(Hearing).where(Hearing.layer == 0, Hearing.id != h.id)
                               .order_by(Hearing.id)).first()
    gone = next(m.person for m in other.members if m.role == "member")
    for expert in world.experts:
        if expert.id not in {m.person_id for m in other.members}:
            declare_conflict(expert, "hard", "works for the respondent", case=other.case)
    edits.decline(other, gone, "ill", world.user)
    run = edits.replan_around([other], world.user, background=False)
    latest = services.latest_answers([other.id])[(other.id, gone.id)]
    latest.repair_run_id = run.id
    db.session.commit()
    run = execute_run(run.id)
    db.session.refresh(run)
    assert run.unscheduled_count == 1 and run.status == "succeeded"
    db.session.refresh(other)
    assert other.status == "published" and gone.id in {m.person_id for m in other.members}

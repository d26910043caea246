"""The planning pages through HTTP: runs and their progress, review, hearing edits, publishing,
declines and re-planning, and who may do what. Service-level behaviour is in the other files of
this folder; these tests check what a coordinator (or a viewer) gets back from each route."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_skeleton
from markupsafe import escape

import scheduler
from mediation.calendar.models import OutboxMessage
from mediation.centres.models import CentreDate
from mediation.conflicts.services import declare_conflict
from mediation.planner_words import violation_text
from mediation.planning import edits
from mediation.planning.models import PUBLISHED_LAYER, Hearing, HearingMember, PlanRun
from mediation.planning.runs import RunRequest, run_now, start_run
from mediation.timeutil import local_today
from tests.conftest import CSRF_RE, sign_in
from tests.planning.conftest import (
    ACCEPTED,
    DUE,
    FRIDAY,
    HORIZON,
    MONDAY,
    NEXT_MONDAY,
    SATURDAY,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
)

PASSWORD = "correct horse battery"


# --- helpers ---------------------------------------------------------------------------------------


def _signed_in_as(client, user):
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _token(client, path: str = "/planning/") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _post(client, path: str, data: dict | None = None, *, token_from: str = "/planning/"):
    return client.post(path, data={"csrf_token": _token(client, token_from), **(data or {})})


def _day(d) -> str:
    """A date as the planner's words show it in English ("Dec 8"; with the year if not this
    year's)."""
    return format_skeleton("MMMd" if d.year == local_today().year else "yMMMd", d, locale="en")


def _html(response) -> str:
    return response.get_data(as_text=True)


def _proposals(db, run) -> list[Hearing]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Hearing).where(Hearing.layer == run.id)
                                   .order_by(Hearing.date, Hearing.session_id, Hearing.room_id)))


def _published(db) -> list[Hearing]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Hearing).where(Hearing.layer == PUBLISHED_LAYER)
                                   .order_by(Hearing.id)))


def _wait_until_done(client, run_id: int, deadline: float = 60.0) -> dict:
    """Poll the status as the page's script does, until the run ends."""
    end = time.monotonic() + deadline
    while True:
        status = client.get(f"/planning/runs/{run_id}/status.json").get_json()
        if not status["active"]:
            return status
        assert time.monotonic() < end, f"run {run_id} still {status['status']} after {deadline} s"
        time.sleep(0.2)


def _publish(client, run_id: int):
    """Publish as a coordinator does: open the confirmation page, then confirm."""
    page = client.get(f"/planning/runs/{run_id}/publish")
    assert page.status_code == 200, _html(page)
    html = _html(page)
    return client.post(f"/planning/runs/{run_id}/publish", data={
        "csrf_token": CSRF_RE.search(html).group(1),
        "confirm": re.search(r'name="confirm" value="([^"]+)"', html).group(1)})


def _emails_announced(client, run_id: int) -> int:
    html = _html(client.get(f"/planning/runs/{run_id}/publish"))
    box = html[html.index('id="publish-emails"'):]
    box = box[:box.index("</div>")]
    match = re.search(r"(\d+) emails? will go out", box)
    return int(match.group(1)) if match else 0


def _outbox(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def _refused_to(response, hearing_id: int) -> str:
    """A refused edit answers 303 to the hearing page (Post/Redirect/Get)."""
    assert response.status_code == 303, _html(response)
    assert response.headers["Location"].split("?")[0] == f"/planning/hearings/{hearing_id}"
    return response.headers["Location"]


def _run_id(response) -> int:
    match = re.search(r"/planning/runs/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


@pytest.fixture
def coordinator(client, world):
    return _signed_in_as(client, world.user)


@pytest.fixture
def published(db, coordinator, planned):
    """The planned run, published through the page."""
    response = _publish(coordinator, planned.id)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PlanRun, planned.id).status == "published"
    return planned


# --- pages -----------------------------------------------------------------------------------------


def test_index_shows_the_run_form_and_the_runs(coordinator, planned):
    html = _html(coordinator.get("/planning/"))
    assert 'id="run-form"' in html
    for name in ("start", "end", "time_limit", "scope", "region", "cases", "release_published"):
        assert f'name="{name}"' in html
    assert f'href="/planning/runs/{planned.id}"' in html
    assert "succeeded" in html


def test_run_page_while_queued_or_running_shows_progress_and_cancel(db, coordinator, world):
    run = start_run(RunRequest(*HORIZON, time_limit=20), world.user, background=False)
    db.session.commit()  # the caller commits (services flush)
    html = _html(coordinator.get(f"/planning/runs/{run.id}"))
    assert 'id="run-progress"' in html and 'data-status="queued"' in html
    assert 'id="run-bar"' in html and 'id="cancel-form"' in html
    assert "js/planning.js" in html

    # A worker has it: its progress shows, on the page and in the status.
    run.status = "running"
    run.progress = {"elapsed": 7.5, "objective": 11.0, "bound": 14.0, "scheduled": 3}
    db.session.commit()
    response = coordinator.get(f"/planning/runs/{run.id}")
    html = _html(response)
    assert response.status_code == 200 and 'id="cancel-form"' in html
    assert "Stop and keep the best plan so far" in html and "The best plan found so far is kept" in html
    assert re.search(r'<progress id="run-bar" max="20.0" value="7.5">', html)
    assert '<span id="run-elapsed">7.5</span>' in html
    assert re.search(r'id="run-scheduled">3<', html)
    assert re.search(r'id="run-objective">11.0<', html)
    assert re.search(r'id="run-bound">14.0<', html)

    status = coordinator.get(f"/planning/runs/{run.id}/status.json").get_json()
    assert status == {"id": run.id, "status": "running", "status_label": "planning",
                      "active": True, "elapsed": 7.5,
                      "time_limit": 20.0, "objective": 11.0, "bound": 14.0, "scheduled": 3,
                      "error": None, "url": f"/planning/runs/{run.id}"}

    # Cancel: the running run is asked to stop (its worker stops it within a second).
    response = _post(coordinator, f"/planning/runs/{run.id}/cancel",
                     token_from=f"/planning/runs/{run.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/planning/runs/{run.id}")
    db.session.expire_all()
    assert db.session.get(PlanRun, run.id).cancel_requested
    html = _html(coordinator.get(f"/planning/runs/{run.id}"))
    assert "Stopping: the best plan found so far will be kept for you to review." in html
    assert 'id="run-stopping"' in html and 'id="cancel-form"' not in html


def test_cancel_a_queued_run(db, coordinator, world):
    run = start_run(RunRequest(*HORIZON, time_limit=20), world.user, background=False)
    db.session.commit()  # the caller commits (services flush)
    response = _post(coordinator, f"/planning/runs/{run.id}/cancel",
                     token_from=f"/planning/runs/{run.id}")
    assert response.status_code == 302
    status = coordinator.get(f"/planning/runs/{run.id}/status.json").get_json()
    assert status["status"] == "cancelled" and not status["active"]
    assert status["error"] == "Cancelled before it started."  # in words (planner_words)
    html = _html(coordinator.get(f"/planning/runs/{run.id}"))
    assert 'id="cancel-form"' not in html and "Cancelled before it started." in html
    # Cancelling it again is refused politely.
    response = _post(coordinator, f"/planning/runs/{run.id}/cancel",
                     token_from=f"/planning/runs/{run.id}")
    assert response.status_code == 302
    assert f"Run #{run.id} is not queued or running." in _html(coordinator.get(
        f"/planning/runs/{run.id}"))


def test_start_a_run_through_the_form_and_follow_it_to_the_end(db, coordinator, world):
    response = _post(coordinator, "/planning/runs", {
        "start": TUESDAY.isoformat(), "end": FRIDAY.isoformat(), "time_limit": "10", "scope": "all"})
    assert response.status_code == 302, _html(response)
    run_id = _run_id(response)
    status = _wait_until_done(coordinator, run_id)
    assert status["status"] == "succeeded", status["error"]
    assert status["scheduled"] == 4 and status["url"] == f"/planning/runs/{run_id}"
    run = db.session.get(PlanRun, run_id)
    assert run.worker.startswith("worker ") and run.created_by_id == world.user.id
    html = _html(coordinator.get(f"/planning/runs/{run_id}"))
    assert 'id="run-summary"' in html and 'id="publish-form"' in html
    assert "The plan hears 4 of the 4 cases in scope." in html


def test_a_second_run_for_the_same_scope_is_refused_while_one_is_active(db, coordinator, world):
    start_run(RunRequest(*HORIZON, time_limit=20), world.user, background=False)
    db.session.commit()  # the caller commits (services flush)
    response = _post(coordinator, "/planning/runs", {
        "start": TUESDAY.isoformat(), "end": FRIDAY.isoformat(), "time_limit": "10", "scope": "all"})
    assert response.status_code == 409
    assert "already queued or running" in _html(response)


def test_the_run_form_refuses_bad_input_with_the_reason(coordinator, world):
    response = _post(coordinator, "/planning/runs", {
        "start": FRIDAY.isoformat(), "end": TUESDAY.isoformat(), "time_limit": "10", "scope": "all"})
    assert response.status_code == 400
    assert "The horizon must start on or before its last day." in _html(response)
    response = _post(coordinator, "/planning/runs", {
        "start": TUESDAY.isoformat(), "end": FRIDAY.isoformat(), "time_limit": "10", "scope": "cases",
        "cases": "W-0, NOPE-1"})
    assert response.status_code == 400
    assert "Unknown case references: NOPE-1" in _html(response)


@pytest.fixture
def with_unschedulable(db, world):
    """A fifth case nobody can hear: it needs expertise no expert has."""
    from tests import factories as F

    medical = F.expertise("medical")
    case = F.case(world.region, reference="W-9", status="accepted", accepted_on=ACCEPTED,
                  due_by=DUE, priority=3)
    case.required_expertise = [medical]
    db.session.commit()
    return case


def test_review_page_of_a_succeeded_run(db, coordinator, world, with_unschedulable, planned):
    hearings = _proposals(db, planned)
    assert len(hearings) == 4
    html = _html(coordinator.get(f"/planning/runs/{planned.id}"))
    # The grid: every hearing, each with its chair marked and its counsellor.
    grid = html[html.index('id="grid"'):html.index('id="unscheduled"')]
    for h in hearings:
        assert f'data-case="{h.case.reference}"' in grid
        assert f"★ {h.chair.name}" in grid
    assert f"♥ {hearings_of(hearings, 'W-0').counsellor.name}" in grid
    # Unscheduled cases with the planner's reasons.
    unscheduled = html[html.index('id="unscheduled"'):html.index('id="loads"')]
    assert "Not scheduled (1)" in unscheduled and "W-9" in unscheduled
    assert re.search(r"<li>[^<]*(medical|expertise)[^<]*</li>", unscheduled, re.I), unscheduled
    # The load table: every expert on a panel, with a count.
    loads = html[html.index('id="loads"'):]
    for h in hearings:
        for m in h.members:
            assert m.person.name in loads
    # The objective, bound and gap in words.
    summary = html[html.index('id="run-summary"'):html.index('id="diff"')]
    assert "The plan hears 4 of the 5 cases in scope." in summary
    assert "Each case heard counts its priority (1 to 5 points): the plan scores" in summary
    assert ("proved best" in summary) or ("No plan can score more than" in summary)
    assert "Scope: every case ready for planning" in summary  # not the key "all"
    # The diff against the (empty) published schedule: four new hearings.
    diff = html[html.index('id="diff"'):html.index('id="grid"')]
    assert "4 new" in diff and "0 moved" in diff and "0 cancelled" in diff
    for ref in ("W-0", "W-1", "W-2", "W-3"):
        assert f'data-case="{ref}" data-kind="new"' in diff


def hearings_of(hearings, reference):
    return next(h for h in hearings if h.case.reference == reference)


def test_hearing_page(db, coordinator, planned):
    h = _proposals(db, planned)[0]
    html = _html(coordinator.get(f"/planning/hearings/{h.id}"))
    assert f"Hearing of {h.case.reference}" in html
    assert f"proposal of run #{planned.id}" in html
    for m in h.members:
        assert f'data-person="{m.person.code}"' in html
    assert 'id="pin-form"' in html and 'id="move-form"' in html and 'id="remove-form"' in html
    assert 'id="decline-form"' not in html  # only for published hearings
    assert f'name="version" value="{h.version}"' in html
    assert coordinator.get("/planning/hearings/999999").status_code == 404


def test_candidates_are_ranked_with_the_rules_they_would_break(db, coordinator, world, planned):
    h = hearings_of(_proposals(db, planned), "W-1")  # needs land
    leaving = next(m.person for m in h.members if m.role == "member")
    # One of the experts not on the panel has a hard conflict with the case.
    conflicted = next(p for p in world.experts if p.id not in {m.person_id for m in h.members})
    declare_conflict(conflicted, "hard", "Brother of the petitioner.", case=h.case)
    db.session.commit()
    response = coordinator.get(f"/planning/hearings/{h.id}/candidates?person={leaving.id}"
                               "&role=expert")
    html = _html(response)
    assert response.status_code == 200 and f"Replace {leaving.name}" in html
    rows = re.findall(r'class="[^"]*\b(fits|breaks)" data-person="([^"]+)">', html)
    assert rows, html
    kinds = [k for k, _code in rows]
    # Those who fit come first, with a button each; those who break a rule are folded below,
    # counted, each with its reasons.
    assert kinds == sorted(kinds, key=lambda k: k != "fits")
    assert "fits" in kinds and "breaks" in kinds
    assert html.index('id="candidates"') < html.index('<details id="refused"')
    refused = html[html.index('<details id="refused"'):]
    assert re.search(rf"<summary>{kinds.count('breaks')} (person|people) would break a rule",
                     refused), refused
    assert re.search(rf">{kinds.count('fits')} (person fits|people fit)<", html)
    codes = [c for _k, c in rows]
    on_panel = {m.person.code for m in h.members if m.role != "counsellor"}
    assert not (on_panel - {leaving.code}) & set(codes)
    assert ("breaks", conflicted.code) in rows
    breaks = refused[refused.index(f'data-person="{conflicted.code}"'):]
    breaks = breaks[:breaks.index("</li>\n    </ul>") if "</li>\n    </ul>" in breaks else None]
    reasons = next(c.violations for p, c in edits.candidates(h, leaving, "expert")
                   if p.id == conflicted.id)
    assert scheduler.Rule.CONFLICT in {v.rule for v in reasons}
    assert all(str(escape(violation_text(v))) in breaks for v in reasons), breaks
    assert re.search(r"<li>Expert 1 must stand aside from this case \([^<]*\): choose someone "
                     r"else.</li>", breaks), breaks  # in words, no rule number or case code
    assert html.count('action="/planning/hearings/') == kinds.count("fits")
    # Counsellors: a counsellor seat lists counsellors only.
    if h.counsellor is None:
        html = _html(coordinator.get(f"/planning/hearings/{h.id}/candidates?role=counsellor"))
        assert "Choose a counsellor" in html
        codes = re.findall(r'data-person="([^"]+)"', html)
        assert set(codes) <= {c.code for c in world.counsellors}


def test_plan_json_is_the_exchange_format(db, coordinator, planned):
    response = coordinator.get(f"/planning/runs/{planned.id}/plan.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert f'filename="plan-{planned.id}.json"' in response.headers["Content-Disposition"]
    plan = scheduler.plan_from_dict(json.loads(response.get_data(as_text=True)))
    assert sorted(h.case for h in plan.hearings) == ["W-0", "W-1", "W-2", "W-3"]
    for h in plan.hearings:
        assert len(h.panel) == 3 and h.chair in h.panel
    # Not for a run without a result.
    queued = start_run(RunRequest(NEXT_MONDAY + timedelta(days=28), NEXT_MONDAY + timedelta(days=32), scope="cases",
                                  case_ids=[planned.hearings[0].case_id], time_limit=5),
                       background=False)
    db.session.commit()  # the caller commits (services flush)
    assert coordinator.get(f"/planning/runs/{queued.id}/plan.json").status_code == 404


def test_publishing_asks_for_confirmation_first(db, coordinator, planned):
    # The run page's button leads to the confirmation page, not straight to publishing.
    html = _html(coordinator.get(f"/planning/runs/{planned.id}"))
    assert f'href="/planning/runs/{planned.id}/publish" id="publish-link"' in html
    # A publish POST without the confirmation step publishes nothing: it goes to that page.
    response = _post(coordinator, f"/planning/runs/{planned.id}/publish",
                     token_from=f"/planning/runs/{planned.id}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/planning/runs/{planned.id}/publish"
    db.session.expire_all()
    assert db.session.get(PlanRun, planned.id).status == "succeeded" and not _published(db)
    # The page says what changes and how many emails go out: one per attendee of a new hearing.
    html = _html(coordinator.get(response.headers["Location"]))
    assert re.search(r'data-kind="new"><span[^>]*>4</span>', html), html
    assert re.search(r'data-kind="cancelled"><span[^>]*>0</span>', html), html
    attendees = sum(len(h.members) for h in _proposals(db, planned))
    assert _emails_announced(coordinator, planned.id) == attendees
    assert _outbox(db) == 0
    # A confirmation of something else (the plan changed meanwhile) is sent back to check.
    response = _post(coordinator, f"/planning/runs/{planned.id}/publish", {"confirm": "new1"},
                     token_from=f"/planning/runs/{planned.id}/publish")
    assert response.status_code == 303 and response.headers["Location"].endswith("/publish")
    assert "changed since you looked" in _html(coordinator.get(response.headers["Location"]))
    assert not _published(db)
    # Confirmed: published, and exactly the announced emails are queued.
    assert _publish(coordinator, planned.id).status_code == 302
    assert _outbox(db) == attendees
    # A published run has nothing left to confirm.
    response = coordinator.get(f"/planning/runs/{planned.id}/publish")
    assert response.status_code == 303


def test_publish_through_the_page(db, coordinator, planned):
    response = _publish(coordinator, planned.id)
    assert response.status_code == 302
    html = _html(coordinator.get(response.headers["Location"]))
    assert "Published: 4 new, 0 moved, 0 with a changed panel, 0 cancelled." in html
    hearings = _published(db)
    assert len(hearings) == 4 and {h.status for h in hearings} == {"published"}
    assert not _proposals(db, planned)
    # The published run's page shows its (now published) hearings; publishing twice is refused.
    assert "Hearings (4)" in html
    response = _post(coordinator, f"/planning/runs/{planned.id}/publish", {"confirm": "x"},
                     token_from=f"/planning/runs/{planned.id}")
    assert response.status_code == 303
    assert "cannot be published: it is published" in _html(coordinator.get(
        f"/planning/runs/{planned.id}"))
    # The published schedule shows them, week by week.
    html = _html(coordinator.get(f"/planning/schedule?week={MONDAY.isoformat()}"))
    assert "4 hearings" in html
    for h in hearings:
        assert f'data-case="{h.case.reference}"' in html
    assert "0 hearings" in _html(coordinator.get(
        f"/planning/schedule?week={NEXT_MONDAY.isoformat()}"))


# --- hearing edits ---------------------------------------------------------------------------------


def test_pin_and_unpin(db, coordinator, planned):
    h = _proposals(db, planned)[0]
    path = f"/planning/hearings/{h.id}"
    response = _post(coordinator, f"{path}/pin", {"version": h.version}, token_from=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    db.session.expire_all()
    assert h.pinned and h.version == 2
    html = _html(coordinator.get(path))
    assert "Pinned: the next plan keeps this hearing." in html
    assert '<dd id="hearing-pinned">yes</dd>' in html
    assert 'class="pin"' in _html(coordinator.get(f"/planning/runs/{planned.id}"))
    response = _post(coordinator, f"{path}/pin", {"version": h.version}, token_from=path)
    db.session.expire_all()
    assert response.status_code == 302 and not h.pinned


def _free_slot(db, world, run, h):
    """A room, date and session nobody of this run's proposal uses and `h`'s centre is open."""
    used = {(x.room_id, x.date, x.session_id) for x in _proposals(db, run)}
    for day in (TUESDAY, WEDNESDAY, THURSDAY, FRIDAY):
        for session in (world.am, world.pm):
            for room in world.rooms:
                people_busy = any(x.date == day and x.session_id == session.id and x.id != h.id
                                  and {m.person_id for m in x.members}
                                  & {m.person_id for m in h.members}
                                  for x in _proposals(db, run))
                if (room.id, day, session.id) not in used and not people_busy:
                    return room, day, session
    raise AssertionError("no free slot")


def test_move_to_a_free_slot(db, coordinator, world, planned):
    h = _proposals(db, planned)[0]
    room, day, session = _free_slot(db, world, planned, h)
    path = f"/planning/hearings/{h.id}"
    response = _post(coordinator, f"{path}/move", {
        "version": h.version, "room": room.id, "date": day.isoformat(), "session": session.id},
        token_from=path)
    assert response.status_code == 302, _html(response)
    db.session.expire_all()
    assert (h.room_id, h.date, h.session_id) == (room.id, day, session.id)
    assert {m.date for m in h.members} == {day}  # the members' copies followed
    assert "Hearing moved." in _html(coordinator.get(path))


def test_move_into_a_room_in_use_is_refused_with_the_rule(db, coordinator, planned):
    a, b = _proposals(db, planned)[:2]
    path = f"/planning/hearings/{a.id}"
    before = (a.room_id, a.date, a.session_id, a.version)
    response = _post(coordinator, f"{path}/move", {
        "version": a.version, "room": b.room_id, "date": b.date.isoformat(),
        "session": b.session_id}, token_from=path)
    # Post/Redirect/Get: back to the hearing page, which says why; a reload is a plain GET.
    location = _refused_to(response, a.id)
    html = _html(coordinator.get(location))
    assert "Not changed:" in html and b.case.reference in html
    assert "Reload the page" not in html
    assert coordinator.get(location).status_code == 200
    assert re.search(r"<li>Room 1 at Centre \d+ is already taken by W-\d", html), html
    db.session.expire_all()
    assert (a.room_id, a.date, a.session_id, a.version) == before


def test_move_to_a_closed_day_is_refused_with_the_rule(db, coordinator, world, published):
    h = _published(db)[0]
    path = f"/planning/hearings/{h.id}"
    saturday = SATURDAY
    response = _post(coordinator, f"{path}/move", {
        "version": h.version, "room": h.room_id, "date": saturday.isoformat(),
        "session": h.session_id}, token_from=path)
    location = _refused_to(response, h.id)
    html = _html(coordinator.get(location))
    assert h.room.centre.name in html and "Not changed:" in html
    # The form keeps what was asked for, unfolded.
    assert f'value="{SATURDAY.isoformat()}"' in html and '<details id="move-other" open>' in html
    assert f"{h.room.centre.name} is closed on {_day(saturday)}: choose another day" in html
    db.session.expire_all()
    assert h.date != saturday and h.sequence == 0


def test_replace_a_panel_member_with_a_candidate(db, coordinator, planned):
    h = hearings_of(_proposals(db, planned), "W-1")
    leaving = next(m.person for m in h.members if m.role == "member")
    page = f"/planning/hearings/{h.id}/candidates?person={leaving.id}&role=expert"
    html = _html(coordinator.get(page))
    top = re.search(r'<tr class="fits" data-person="([^"]+)">', html).group(1)
    new_id = int(re.search(r'name="new" value="(\d+)"', html).group(1))
    response = _post(coordinator, f"/planning/hearings/{h.id}/replace", {
        "version": h.version, "old": leaving.id, "new": new_id, "role": "expert"},
        token_from=page)
    assert response.status_code == 302, _html(response)
    db.session.expire_all()
    codes = {m.person.code for m in h.members}
    assert top in codes and leaving.code not in codes and len(h.members) == 3
    assert "member" in {m.role for m in h.members if m.person.code == top}
    assert "is now on this hearing." in _html(coordinator.get(f"/planning/hearings/{h.id}"))


def test_replace_with_someone_who_breaks_a_rule_is_refused(db, coordinator, world, planned):
    hearings = _proposals(db, planned)
    h = hearings_of(hearings, "W-1")
    leaving = next(m.person for m in h.members if m.role == "member")
    # A counsellor is not an expert.
    counsellor = world.counsellors[1]
    path = f"/planning/hearings/{h.id}"
    response = _post(coordinator, f"{path}/replace", {
        "version": h.version, "old": leaving.id, "new": counsellor.id, "role": "expert"},
        token_from=path)
    html = _html(coordinator.get(_refused_to(response, h.id)))
    assert "Not changed:" in html and counsellor.name in html
    assert f"<li>{counsellor.name} is not an expert: choose an expert for the panel.</li>" in html
    db.session.expire_all()
    assert leaving.id in {m.person_id for m in h.members}


def test_a_stale_version_is_a_conflict_with_a_clear_message(db, coordinator, planned):
    h = _proposals(db, planned)[0]
    path = f"/planning/hearings/{h.id}"
    stale = h.version
    token = _token(coordinator, path)
    # Someone else pins it meanwhile.
    assert coordinator.post(f"{path}/pin", data={"csrf_token": token, "version": stale}
                            ).status_code == 302
    for action, data in (
        ("pin", {}), ("remove", {}),
        ("move", {"room": h.room_id, "date": h.date.isoformat(), "session": h.session_id}),
        ("replace", {"old": h.members[0].person_id, "new": h.members[0].person_id,
                     "role": "expert"}),
    ):
        response = coordinator.post(f"{path}/{action}",
                                    data={"csrf_token": token, "version": stale, **data})
        html = _html(coordinator.get(_refused_to(response, h.id)))
        assert "Someone else changed this hearing while you were looking at it." in html, action
        assert "Reload the page" not in html
    db.session.expire_all()
    assert h.pinned and _proposals(db, planned)


def test_remove_a_proposed_hearing(db, coordinator, planned):
    h = hearings_of(_proposals(db, planned), "W-3")
    path = f"/planning/hearings/{h.id}"
    response = _post(coordinator, f"{path}/remove", {"version": h.version,
                                                    "reason": "The petitioner is abroad."},
                     token_from=path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/planning/runs/{planned.id}")
    assert [x.case.reference for x in _proposals(db, planned)].count("W-3") == 0
    assert len(_proposals(db, planned)) == 3
    html = _html(coordinator.get(f"/planning/runs/{planned.id}"))
    assert "Hearing removed from the proposal." in html
    unscheduled = html[html.index('id="unscheduled"'):html.index('id="loads"')]
    assert "W-3" in unscheduled
    assert "Removed from the proposal by a coordinator. The petitioner is abroad." in unscheduled
    assert "The plan hears 3 of the 4 cases in scope." in html
    # Worded for each reader (failed before: stored in the remover's language).
    html = _html(coordinator.get(f"/planning/runs/{planned.id}",
                                 headers={"Accept-Language": "zh-CN"}))
    unscheduled = html[html.index('id="unscheduled"'):html.index('id="loads"')]
    assert "已由协调员从排期草案中移除。The petitioner is abroad." in unscheduled


def test_cancel_a_published_hearing(db, coordinator, published):
    h = _published(db)[0]
    path = f"/planning/hearings/{h.id}"
    response = _post(coordinator, f"{path}/remove", {"version": h.version}, token_from=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    db.session.expire_all()
    assert h.status == "cancelled" and h.sequence == 1
    html = _html(coordinator.get(path))
    assert "Hearing cancelled; its attendees are told." in html
    assert 'id="remove-form"' not in html


def test_decline_and_replan_changes_only_that_hearing(db, coordinator, world, published):
    hearings = _published(db)
    h = hearings_of(hearings, "W-1")
    uid, sequence = h.uid, h.sequence
    declined = next(m.person for m in h.members if m.role == "member")
    others = {x.case.reference: (x.room_id, x.date, x.session_id,
                                 sorted((m.person_id, m.role) for m in x.members))
              for x in hearings if x.id != h.id}
    path = f"/planning/hearings/{h.id}"
    html = _html(coordinator.get(path))
    assert 'id="decline-form"' in html and 'id="replan-form"' in html
    response = _post(coordinator, f"{path}/decline", {"person": declined.id,
                                                     "reason": "Travelling."}, token_from=path)
    assert response.status_code == 302
    assert f"Recorded: {declined.name} will not be planned on this case again." in _html(
        coordinator.get(path))
    # The planning page lists it among hearings that no longer work.
    index = _html(coordinator.get("/planning/"))
    assert 'id="broken-hearings"' in index and f"/planning/hearings/{h.id}" in index

    response = _post(coordinator, f"{path}/replan", token_from=path)
    assert response.status_code == 302, _html(response)
    run_id = _run_id(response)
    status = _wait_until_done(coordinator, run_id)
    assert status["status"] == "succeeded", status["error"]
    html = _html(coordinator.get(f"/planning/runs/{run_id}"))
    changes = re.findall(r'data-case="([^"]+)" data-kind="([^"]+)"', html)
    assert len(changes) == 1 and changes[0][0] == "W-1", changes
    assert changes[0][1] in ("panel", "moved")
    assert "0 new" in html and "0 cancelled" in html
    assert f"{declined.name} leaves" in html

    announced, queued = _emails_announced(coordinator, run_id), _outbox(db)
    assert announced >= 2  # the one who leaves is uninvited, the newcomer invited
    response = _publish(coordinator, run_id)
    assert response.status_code == 302
    assert _outbox(db) - queued == announced
    db.session.expire_all()
    after = {x.case.reference: x for x in _published(db) if x.status == "published"}
    assert len(after) == 4
    assert after["W-1"].uid == uid and after["W-1"].sequence == sequence + 1
    assert declined.id not in {m.person_id for m in after["W-1"].members}
    for ref, place in others.items():
        x = after[ref]
        assert (x.room_id, x.date, x.session_id,
                sorted((m.person_id, m.role) for m in x.members)) == place, ref


# --- who may do what -------------------------------------------------------------------------------


def _every_post(run_id: int, hearing_id: int) -> list[tuple[str, dict]]:
    path = f"/planning/hearings/{hearing_id}"
    return [
        ("/planning/runs", {"start": TUESDAY.isoformat(), "end": FRIDAY.isoformat(), "time_limit": "5",
                            "scope": "all"}),
        (f"/planning/runs/{run_id}/cancel", {}),
        (f"/planning/runs/{run_id}/publish", {}),
        (f"{path}/pin", {"version": "1"}),
        (f"{path}/move", {"version": "1", "room": "1", "date": TUESDAY.isoformat(), "session": "1"}),
        (f"{path}/replace", {"version": "1", "old": "1", "new": "2", "role": "expert"}),
        (f"{path}/remove", {"version": "1"}),
        (f"{path}/decline", {"person": "1"}),
        (f"{path}/replan", {}),
    ]


def _every_page(run_id: int, hearing_id: int) -> list[str]:
    return ["/planning/", f"/planning/runs/{run_id}", f"/planning/runs/{run_id}/status.json",
            f"/planning/runs/{run_id}/plan.json", "/planning/schedule",
            f"/planning/hearings/{hearing_id}",
            f"/planning/hearings/{hearing_id}/candidates?role=counsellor"]


def test_a_viewer_reads_every_page_and_changes_nothing(db, client, make_user, planned):
    viewer, password = make_user("viewer")
    assert sign_in(client, viewer.email, password).status_code == 302
    h = _proposals(db, planned)[0]
    for path in _every_page(planned.id, h.id):
        response = client.get(path)
        assert response.status_code == 200, path
    html = _html(client.get(f"/planning/runs/{planned.id}"))
    assert 'id="publish-form"' not in html
    html = _html(client.get(f"/planning/hearings/{h.id}"))
    assert 'id="pin-form"' not in html and "Replace…" not in html
    assert 'id="run-form"' not in _html(client.get("/planning/"))
    token = _token(client, "/planning/")
    for path, data in _every_post(planned.id, h.id):
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 403, path
    db.session.expire_all()
    assert db.session.get(PlanRun, planned.id).status == "succeeded"
    assert len(_proposals(db, planned)) == 4 and not _proposals(db, planned)[0].pinned


def test_anonymous_is_sent_to_sign_in(db, client, planned):
    h = _proposals(db, planned)[0]
    for path in _every_page(planned.id, h.id):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path
    token = _token(client, "/login")  # a real token: the sign-in check, not CSRF, refuses
    for path, data in _every_post(planned.id, h.id):
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    db.session.expire_all()
    assert db.session.get(PlanRun, planned.id).status == "succeeded"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanRun)) == 1


def test_forms_without_csrf_are_refused(db, coordinator, planned):
    h = _proposals(db, planned)[0]
    for path, data in _every_post(planned.id, h.id):
        response = coordinator.post(path, data=data)
        assert response.status_code == 400, path
    db.session.expire_all()
    assert db.session.get(PlanRun, planned.id).status == "succeeded"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanRun)) == 1
    assert len(_proposals(db, planned)) == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HearingMember)) == \
        sum(len(x.members) for x in _proposals(db, planned))


def test_plan_again_keeping_the_pinned_hearing(db, coordinator, planned):
    h = hearings_of(_proposals(db, planned), "W-2")
    place = (h.room_id, h.date, h.session_id, sorted((m.person_id, m.role) for m in h.members))
    path = f"/planning/hearings/{h.id}"
    assert _post(coordinator, f"{path}/pin", {"version": h.version},
                 token_from=path).status_code == 302
    html = _html(coordinator.get(f"/planning/runs/{planned.id}"))
    form = html[html.index('id="rerun-form"'):]
    form = form[:form.index("</form>")]
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert data["base_run"] == str(planned.id)
    data["csrf_token"] = CSRF_RE.search(form).group(1)
    response = coordinator.post("/planning/runs", data=data)
    assert response.status_code == 302, _html(response)
    rerun = _run_id(response)
    assert _wait_until_done(coordinator, rerun)["status"] == "succeeded"
    again = hearings_of(_proposals(db, db.session.get(PlanRun, rerun)), "W-2")
    assert (again.room_id, again.date, again.session_id,
            sorted((m.person_id, m.role) for m in again.members)) == place


def test_moving_a_published_hearing_keeps_its_uid_and_raises_its_sequence(db, coordinator, world,
                                                                          published):
    h = _published(db)[0]
    uid = h.uid
    busy = {(x.room_id, x.date, x.session_id) for x in _published(db)}
    people = {m.person_id for m in h.members}
    day = NEXT_MONDAY  # a Monday nobody is booked on
    assert not any(x.date == day for x in _published(db))
    room = next(r for r in world.rooms if (r.id, day, world.am.id) not in busy)
    path = f"/planning/hearings/{h.id}"
    response = _post(coordinator, f"{path}/move", {
        "version": h.version, "room": room.id, "date": day.isoformat(), "session": world.am.id},
        token_from=path)
    assert response.status_code == 302, _html(response)
    db.session.expire_all()
    assert (h.date, h.room_id, h.uid, h.sequence) == (day, room.id, uid, 1)
    assert {m.person_id for m in h.members} == people
    html = _html(coordinator.get(path))
    assert "changed 1 time since the first invitation" in html and "Hearing moved." in html


def test_a_hearing_cannot_be_moved_into_the_past(db, coordinator, world, published):
    h = _published(db)[0]
    yesterday = local_today() - timedelta(days=1)
    while yesterday.isoweekday() > 5:  # the centres are open Monday to Friday
        yesterday -= timedelta(days=1)
    path = f"/planning/hearings/{h.id}"
    response = _post(coordinator, f"{path}/move", {
        "version": h.version, "room": h.room_id, "date": yesterday.isoformat(),
        "session": h.session_id}, token_from=path)
    html = _html(coordinator.get(_refused_to(response, h.id)))
    expected = violation_text(scheduler.past_violations(h.case.reference, yesterday,
                                                        local_today())[0])
    assert str(escape(expected)) in html
    assert f"{_day(yesterday)} has passed (today is {_day(local_today())})" in html
    db.session.expire_all()
    assert h.date != yesterday and h.sequence == 0


def test_a_run_superseded_by_a_publication_cannot_be_published(db, coordinator, world, planned):
    second = run_now(RunRequest(*HORIZON, time_limit=5, seed=1), world.user)
    assert second.status == "succeeded"
    assert _publish(coordinator, planned.id).status_code == 302
    response = _post(coordinator, f"/planning/runs/{second.id}/publish", {"confirm": "x"},
                     token_from=f"/planning/runs/{second.id}")
    assert response.status_code == 303
    html = _html(coordinator.get(f"/planning/runs/{second.id}"))
    assert f"Run #{second.id} cannot be published: it is superseded." in html
    assert len([h for h in _published(db) if h.status == "published"]) == 4


# --- planning that guides --------------------------------------------------------------------------


def _offered(html: str) -> list[tuple[str, str, str]]:
    box = html[html.index('id="free-slots"'):]
    box = box[:box.index("</ul>")]
    return re.findall(r'data-date="([^"]+)" data-room="([^"]+)" data-session="([^"]+)"', box)


def test_move_offers_ranked_free_slots_that_break_no_rule(db, coordinator, world, published):
    hearings = _published(db)
    h, other = hearings[0], hearings[1]
    path = f"/planning/hearings/{h.id}"
    html = _html(coordinator.get(path))
    offered = _offered(html)
    assert 1 <= len(offered) <= 10, html
    # The free-form move is still there, folded below the suggestions.
    assert html.index('id="free-slots"') < html.index('<details id="move-other">')
    # Every slot offered passes the planner's own check, for the whole panel.
    ctx = edits.context(h, *[date.fromisoformat(d) for d, _r, _s in offered])
    for day, room, session in offered:
        trial = replace(ctx.current, date=date.fromisoformat(day), room=room, session=session,
                        centre=next(r.centre.code for r in world.rooms if r.code == room))
        assert not edits.violations_of(ctx, trial), (day, room, session)
        assert local_today() <= date.fromisoformat(day) <= h.case.due_by
        assert (day, room, session) != (h.date.isoformat(), h.room.code, h.session.code)
    # Not the slot another hearing holds in that room, nor any weekend day (centres closed).
    assert (other.date.isoformat(), other.room.code, other.session.code) not in offered
    assert all(date.fromisoformat(d).isoweekday() <= 5 for d, _r, _s in offered)
    # Ranked: the same room first, then the nearest dates.
    same_room = [o[1] == h.room.code for o in offered]
    assert same_room == sorted(same_room, reverse=True)
    distances = [abs((date.fromisoformat(d) - h.date).days) for d, r, _s in offered
                 if r == h.room.code]
    assert distances == sorted(distances)
    # One click moves it there.
    day, room, session = offered[0]
    form = html[html.index(f'data-date="{day}" data-room="{room}" data-session="{session}"'):]
    form = form[:form.index("</form>")]
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    data["csrf_token"] = CSRF_RE.search(form).group(1)
    assert {"version", "room", "date", "session"} <= set(data)
    response = coordinator.post(f"{path}/move", data=data)
    assert response.status_code == 302, _html(response)
    db.session.expire_all()
    assert (h.date.isoformat(), h.room.code, h.session.code) == (day, room, session)


def test_no_free_slot_says_so(db, coordinator, world, published):
    h = _published(db)[0]
    h.case.due_by = local_today() - timedelta(days=1)  # overdue: no day is allowed any more
    db.session.commit()
    html = _html(coordinator.get(f"/planning/hearings/{h.id}"))
    assert 'id="no-free-slots"' in html and 'id="free-slots"' not in html
    assert 'id="move-form"' in html  # the free-form move is still there


def _schedule_days(html: str) -> list[str]:
    return re.findall(r'<th colspan="\d+" class="day" scope="colgroup" data-day="([^"]+)"', html)


def test_schedule_hides_closed_days_and_filters_by_centre_and_person(db, coordinator, world,
                                                                    published):
    hearings = [h for h in _published(db) if h.status == "published"]
    html = _html(coordinator.get(f"/planning/schedule?week={MONDAY.isoformat()}"))
    # The centres open Monday to Friday: no weekend columns.
    assert _schedule_days(html) == [(MONDAY + timedelta(days=i)).isoformat() for i in range(5)]
    # A day every centre is closed (a holiday, from the centres' own dates) is hidden; a day
    # only one of them is closed is not.
    holiday, half = NEXT_MONDAY + timedelta(days=2), NEXT_MONDAY + timedelta(days=3)
    for centre in world.centres:
        db.session.add(CentreDate(centre=centre, date=holiday, kind="closed"))
    db.session.add(CentreDate(centre=world.centres[0], date=half, kind="closed"))
    db.session.commit()
    days = _schedule_days(_html(coordinator.get(
        f"/planning/schedule?week={NEXT_MONDAY.isoformat()}")))
    assert holiday.isoformat() not in days and half.isoformat() in days and len(days) == 4
    # By centre: only that centre's hearings, and the filter stays on when changing week.
    centre = hearings[0].room.centre
    html = _html(coordinator.get(f"/planning/schedule?week={MONDAY.isoformat()}"
                                 f"&centre={centre.id}"))
    shown = set(re.findall(r'data-case="([^"]+)"', html))
    assert shown == {h.case.reference for h in hearings if h.room.centre_id == centre.id}
    assert f"centre={centre.id}" in html[html.index('id="next-week"') - 200:]
    # By person, code or part of a name.
    person = hearings[0].members[0].person
    for query in (person.code, person.name[-3:]):
        html = _html(coordinator.get(f"/planning/schedule?week={MONDAY.isoformat()}"
                                     f"&person={query}"))
        shown = set(re.findall(r'data-case="([^"]+)"', html))
        expected = {h.case.reference for h in hearings
                    if any(query.lower() in (m.person.code.lower(), m.person.name.lower())
                           or query.lower() in m.person.name.lower() for m in h.members)}
        assert shown == expected and hearings[0].case.reference in shown, query
    html = _html(coordinator.get("/planning/schedule?person=nobody-at-all"))
    assert 'id="no-person"' in html and not re.findall(r'data-case="([^"]+)"', html)


def test_a_hearing_that_has_taken_place_is_offered_no_slot(db, coordinator, world, published):
    h = _published(db)[0]
    assert _offered(_html(coordinator.get(f"/planning/hearings/{h.id}")))  # before: some
    h.date = local_today() - timedelta(days=2)  # it has taken place (its outcome is recorded)
    db.session.commit()
    html = _html(coordinator.get(f"/planning/hearings/{h.id}"))
    assert 'id="free-slots"' not in html


# --- every conditional write needs its version (issue #15, finding 10) ----------------------------


@pytest.mark.parametrize("version", [None, "", "abc", "99999999999999999999"])
def test_a_move_without_its_version_is_refused_and_changes_nothing(db, coordinator, world,
                                                                   planned, version):
    h = _proposals(db, planned)[0]
    room, day, session = _free_slot(db, world, planned, h)
    before = (h.room_id, h.date, h.session_id, h.version)
    path = f"/planning/hearings/{h.id}"
    data = {"room": room.id, "date": day.isoformat(), "session": session.id}
    if version is not None:
        data["version"] = version
    response = _post(coordinator, f"{path}/move", data, token_from=path)
    location = _refused_to(response, h.id)
    html = _html(coordinator.get(location))
    assert "Not changed:" in html and "Reload the page" in html
    db.session.expire_all()
    assert (h.room_id, h.date, h.session_id, h.version) == before


@pytest.mark.parametrize("action", ["pin", "remove"])
def test_pin_and_remove_without_a_version_are_refused(db, coordinator, planned, action):
    h = _proposals(db, planned)[0]
    before = (h.pinned, h.version)
    path = f"/planning/hearings/{h.id}"
    response = _post(coordinator, f"{path}/{action}", {}, token_from=path)
    _refused_to(response, h.id)
    db.session.expire_all()
    assert db.session.get(Hearing, h.id) is not None
    assert (h.pinned, h.version) == before

"""Hearings in the case's life (issue #12 point 6): outcomes, the case and person pages'
hearings, follow-up visits."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mediation.calendar.models import OutboxMessage
from mediation.cases import services
from mediation.cases.followups import FollowUp, FollowUpError, complete, count_overdue, schedule
from mediation.hearings import outcomes
from mediation.hearings.models import HearingOutcome
from mediation.timeutil import local_today
from tests import factories
from tests.cases.conftest import register
from tests.conftest import csrf_token, sign_in
from tests.hearings.helpers import published_hearing, with_outcome

TODAY = local_today()


def _case(world, status="in_handling"):
    case = register(world, today=TODAY - timedelta(days=20))
    case.status, case.accepted_on = status, TODAY - timedelta(days=18)
    case.due_by = TODAY + timedelta(days=10)
    return case


def _record(h, **kw):
    data = {"result": "held", "present_ids": [m.person_id for m in h.members],
            "petitioner_present": True, "agreement": True, "minutes": "Agreed on payment.",
            "user": None} | kw
    return outcomes.record_outcome(h, **data)


# --- outcomes -------------------------------------------------------------------------------


def test_outcome_is_recorded_and_replaced(db, world):
    h = published_hearing(_case(world))
    _record(h, user=world.user)
    assert h.outcome.result == "held" and h.outcome.agreement is True
    assert h.outcome.recorded_by_id == world.user.id and h.pinned
    _record(h, result="adjourned", present_ids=[h.members[0].person_id],
            petitioner_present=False, agreement=True)
    db.session.commit()
    stored = db.session.scalars(sa.select(HearingOutcome)).all()
    assert len(stored) == 1 and stored[0].result == "adjourned"
    assert stored[0].agreement is None  # only a held hearing has an agreement (or not)
    assert stored[0].present_person_ids == [h.members[0].person_id]


def test_recording_an_outcome_changes_nothing_attendees_see(db, world):
    h = published_hearing(_case(world))
    db.session.commit()
    seen, sequence, modified = h.seen, h.sequence, h.last_modified_at
    messages = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    _record(h)
    db.session.commit()
    db.session.refresh(h)
    assert (h.seen, h.sequence, h.last_modified_at) == (seen, sequence, modified)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == messages


@pytest.mark.parametrize("change, field", [
    ({"result": "finished"}, "result"),
    ({"result": None}, "result"),
    ({"agreement": None}, "agreement"),
    ({"present_ids": [-1]}, "present"),
    ({"minutes": "x" * (outcomes.MINUTES_MAX + 1)}, "minutes"),
])
def test_bad_outcomes_are_refused_naming_the_field(db, world, change, field):
    h = published_hearing(_case(world))
    with pytest.raises(outcomes.OutcomeError) as exc:
        _record(h, **change)
    assert exc.value.field == field
    assert h.outcome is None


def test_no_outcome_for_a_future_or_cancelled_hearing(db, world):
    case = _case(world)
    future = published_hearing(case, day=TODAY + timedelta(days=3))
    with pytest.raises(outcomes.OutcomeError, match="not started"):
        _record(future)
    past = published_hearing(case, day=TODAY - timedelta(days=4))
    past.status = "cancelled"
    db.session.flush()
    with pytest.raises(outcomes.OutcomeError, match="published"):
        _record(past)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HearingOutcome)) == 0


def test_a_non_member_cannot_be_present(db, world):
    h = published_hearing(_case(world))
    outsider = factories.person()
    with pytest.raises(outcomes.OutcomeError, match="members of this hearing"):
        _record(h, present_ids=[h.members[0].person_id, outsider.id])


# --- follow-up visits -----------------------------------------------------------------------


def test_follow_up_after_a_held_hearing_only(db, world):
    case = _case(world)
    with pytest.raises(FollowUpError) as exc:
        schedule(case, due_on=TODAY, visitor="Li Wei", user=world.user)
    assert exc.value.field == "due_on"
    with_outcome(case, "adjourned")
    with pytest.raises(FollowUpError):
        schedule(case, due_on=TODAY, visitor="Li Wei", user=world.user)
    with_outcome(case, "held", day=TODAY - timedelta(days=1))
    with pytest.raises(FollowUpError) as exc:
        schedule(case, due_on=TODAY, visitor="  ", user=world.user)
    assert exc.value.field == "visitor"
    f = schedule(case, due_on=TODAY + timedelta(days=7), visitor="Li Wei", user=world.user)
    assert f.id and not f.is_overdue()


def test_follow_up_after_closure(db, world):
    case = _case(world, "resolved")
    schedule(case, due_on=TODAY, visitor="Village committee", user=world.user)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 1


def test_follow_up_done_and_overdue(db, world):
    case = _case(world, "terminated")
    late = schedule(case, due_on=TODAY - timedelta(days=3), visitor="Li Wei", user=world.user)
    due = schedule(case, due_on=TODAY + timedelta(days=3), visitor="Li Wei", user=world.user)
    assert late.is_overdue() and not due.is_overdue()
    assert count_overdue() == 1 and count_overdue([case.id]) == 1
    for kwargs, field in (({"done_on": None}, "done_on"),
                          ({"done_on": TODAY + timedelta(days=1)}, "done_on"),
                          ({"result": ""}, "result"), ({"satisfied": None}, "satisfied")):
        data = {"done_on": TODAY, "result": "Visited at home", "satisfied": True} | kwargs
        with pytest.raises(FollowUpError) as exc:
            complete(late, user=world.user, **data)
        assert exc.value.field == field
    complete(late, done_on=TODAY, result="Visited at home", satisfied=False, user=world.user)
    assert late.done_on == TODAY and late.satisfied is False and not late.is_overdue()
    assert count_overdue() == 0


# --- pages ----------------------------------------------------------------------------------


def _coordinator(client, world):
    sign_in(client, world.user.email, "correct horse battery")


def test_case_page_lists_hearings_and_records_an_outcome(db, world, client):
    case = _case(world)
    h = published_hearing(case)
    future = published_hearing(case, day=TODAY + timedelta(days=5))
    db.session.commit()
    _coordinator(client, world)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="hearings"' in html and f'id="hearing-{h.id}"' in html
    assert f'id="hearing-{future.id}"' in html
    assert f'id="outcome-{h.id}"' in html and f'id="outcome-{future.id}"' not in html
    chair = h.chair.name
    assert html.index(chair) < html.index(h.panel[1].name)
    token = csrf_token(client, f"/cases/{case.id}")
    url = f"/cases/{case.id}/hearings/{h.id}/outcome"
    bad = client.post(url, data={"csrf_token": token, "result": "held", "minutes": "x"})
    assert bad.status_code == 400
    assert "Agreement:" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HearingOutcome)) == 0
    ok = client.post(url, data={"csrf_token": token, "result": "adjourned",
                                "present": [str(m.person_id) for m in h.members],
                                "minutes": "Respondent absent; adjourned."})
    assert ok.status_code == 302
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Respondent absent; adjourned." in html
    assert "Back in planning" not in html  # the future hearing still holds the case
    refused = client.post(f"/cases/{case.id}/hearings/{future.id}/outcome",
                          data={"csrf_token": token, "result": "held", "agreement": "yes"})
    assert refused.status_code == 400 and "not started" in refused.get_data(as_text=True)


def test_case_page_says_back_in_planning_and_offers_follow_ups(db, world, client):
    case = _case(world)
    with_outcome(case, "postponed")
    db.session.commit()
    _coordinator(client, world)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="back-in-planning"' in html
    assert "Schedule a follow-up visit" not in html
    with_outcome(case, "held", day=TODAY - timedelta(days=1))
    db.session.commit()
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="back-in-planning"' not in html and "Schedule a follow-up visit" in html
    token = csrf_token(client, f"/cases/{case.id}")
    bad = client.post(f"/cases/{case.id}/followups", data={"csrf_token": token, "due_on": ""})
    assert bad.status_code == 400 and "Due date" in bad.get_data(as_text=True)
    ok = client.post(f"/cases/{case.id}/followups", data={
        "csrf_token": token, "due_on": (TODAY - timedelta(days=1)).isoformat(),
        "visitor": "Zhang Min"})
    assert ok.status_code == 302
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Zhang Min" in html and "1 overdue" in html
    f = db.session.scalar(sa.select(FollowUp))
    done = client.post(f"/cases/{case.id}/followups/{f.id}", data={
        "csrf_token": token, "done_on": TODAY.isoformat(), "result": "Paid in full",
        "satisfied": "yes"})
    assert done.status_code == 302
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Paid in full" in html and "overdue" not in html.split('id="followups"')[1]


def test_the_history_words_the_publication_in_the_readers_language(db, world, client):
    """Publishing an accepted case's first hearing starts its handling; the history says why in
    the reader's language (it once showed "hearing published" on a Chinese page)."""
    case = _case(world, status="accepted")
    h = published_hearing(case, day=TODAY + timedelta(days=3))
    services.start_handling_when_a_hearing_is_published(h)
    db.session.commit()
    assert case.status == "in_handling"
    _coordinator(client, world)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "the first hearing was published" in html
    client.post("/language/zh_Hans_CN", data={"csrf_token": csrf_token(client, "/"), "next": "/"})
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "开始办理 → 办理中" in html and "首场评议会已发布" in html
    assert "published" not in html.split('class="timeline"')[1]


def test_opinion_form_offers_the_held_panel_only(db, world, client):
    case = _case(world)
    h = with_outcome(case, "held")
    outsider = factories.person(name="Outsider Expert")
    db.session.commit()
    _coordinator(client, world)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    form = html.split('id="action-give_opinion"')[1].split("</details>")[0]
    assert all(p.name in form for p in h.panel) and outsider.name not in form


def test_person_page_lists_hearings_with_role_and_load(db, world, client):
    case = _case(world)
    chair = factories.person(name="Chair Person")
    h = with_outcome(case, "held", people=[chair, factories.person(), factories.person()])
    published_hearing(case, day=TODAY + timedelta(days=3),
                      people=[factories.person(), chair, factories.person()])
    db.session.commit()
    _coordinator(client, world)
    html = client.get(f"/roster/{chair.id}").get_data(as_text=True)
    section = html.split('<section id="hearings">')[1].split("</section>")[0]
    assert case.reference in section and "chair" in section and "member" in section
    assert "held" in section
    load = outcomes.person_load(chair.id)
    assert load.next_30_days == 1
    assert f"{load.this_month} hearings this month, 1 in the next 30 days" in section
    assert h.id


def test_home_counts_overdue_follow_ups(db, world, client):
    case = _case(world, "resolved")
    schedule(case, due_on=TODAY - timedelta(days=2), visitor="Li Wei", user=world.user)
    schedule(case, due_on=TODAY + timedelta(days=2), visitor="Li Wei", user=world.user)
    db.session.commit()
    _coordinator(client, world)
    html = client.get("/").get_data(as_text=True)
    # The home page's work list: one overdue visit (the other is not due yet), to its case.
    assert 'id="work-followups" data-kind="followups" data-count="1"' in html
    assert f'href="/cases/{case.id}#followups"' in html

"""The home page is a work list (issue #14 point 7): each kind of work appears when its condition
holds and leaves when it is dealt with, links to the page where it is fixed, most urgent kind
first, and keeps to the user's regions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mediation.availability.models import CalendarSource, ImportedBusy
from mediation.calendar.mail import retry_now
from mediation.calendar.models import OutboxMessage
from mediation.cases.followups import FollowUp
from mediation.home import services
from mediation.planning import edits
from mediation.planning.models import Hearing
from mediation.planning.publish import publish_run
from mediation.planning.runs import RunRequest, run_now
from tests import factories as F
from tests.conftest import csrf_token, sign_in
from tests.planning.conftest import HORIZON, TODAY, planned, world  # noqa: F401

PASSWORD = "correct horse battery"
EN = {"Accept-Language": "en"}
GROUP_RE = re.compile(r'<section class="card[^"]*" id="work-(\w+)" data-kind="\w+" '
                      r'data-count="(\d+)">(.*?)</section>', re.S)


def _groups(client, path: str = "/") -> dict[str, tuple[int, str]]:
    """kind → (count, the group's HTML), in page order."""
    response = client.get(path, headers=EN)
    assert response.status_code == 200
    return {kind: (int(n), body) for kind, n, body in
            GROUP_RE.findall(response.get_data(as_text=True))}


@pytest.fixture
def coordinator(client, world):  # noqa: F811
    sign_in(client, world.user.email, PASSWORD)
    return client


def _publish(db, world, planned) -> Hearing:  # noqa: F811
    publish_run(planned, world.user)
    db.session.commit()
    return db.session.scalars(sa.select(Hearing).where(Hearing.layer == 0)
                              .order_by(Hearing.id)).first()


def test_nothing_to_do_says_so(db, world, coordinator):  # noqa: F811
    html = coordinator.get("/", headers=EN).get_data(as_text=True)
    assert _groups(coordinator) == {}
    assert "Nothing needs attention today." in html
    assert 'href="/dashboard/"' in html  # the dashboard stays one click away
    zh = coordinator.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "今天没有待办事项" in zh


def test_a_decline_is_listed_until_the_repair_is_published(db, world, planned, coordinator):  # noqa: F811
    h = _publish(db, world, planned)
    assert "declines" not in _groups(coordinator)
    leaving = next(m.person for m in h.members if m.role == "member")
    edits.decline(h, leaving, "ill that week", world.user)
    db.session.commit()
    count, body = _groups(coordinator)["declines"]
    assert count == 1 and f'href="/planning/hearings/{h.id}"' in body
    assert leaving.name in body and "ill that week" in body
    run = edits.replan_around([h], world.user, background=False)
    db.session.commit()
    assert _groups(coordinator)["declines"][0] == 1  # proposed, not yet published
    publish_run(run, world.user)
    db.session.commit()
    assert "declines" not in _groups(coordinator)


def test_a_clash_with_a_busy_time_is_listed_until_it_is_gone(db, world, planned, client,  # noqa: F811
                                                          make_user):
    h = _publish(db, world, planned)
    chair = next(m.person for m in h.members if m.role == "chair")
    source = CalendarSource(person=chair, url="https://calendar.example.org/x.ics", status="ok")
    busy = ImportedBusy(source=source, person_id=chair.id, date=h.date, session_id=h.session_id)
    db.session.add_all([source, busy])
    db.session.commit()
    viewer, password = make_user("viewer")  # a viewer sees clashes (not declines or emails)
    sign_in(client, viewer.email, password)
    count, body = _groups(client)["clashes"]
    assert count == 1 and f'href="/planning/hearings/{h.id}"' in body and chair.name in body
    assert f'href="/roster/{chair.id}#busy-calendar"' in body
    db.session.delete(busy)
    db.session.commit()
    assert "clashes" not in _groups(client)


def test_overdue_and_at_risk_cases_follow_their_time_limit(db, world, coordinator):  # noqa: F811
    case = world.cases[2]
    case.due_by = TODAY - timedelta(days=1)
    db.session.commit()
    groups = _groups(coordinator)
    assert groups["overdue"][0] == 1 and "at_risk" not in groups
    assert f'href="/cases/{case.id}"' in groups["overdue"][1]
    assert 'href="/cases/?overdue=1&amp;sort=due"' in groups["overdue"][1]  # all of them
    case.due_by = TODAY + timedelta(days=1)
    db.session.commit()
    groups = _groups(coordinator)
    assert "overdue" not in groups and groups["at_risk"][0] == 1
    assert f'href="/cases/{case.id}"' in groups["at_risk"][1]
    case.due_by = TODAY + timedelta(days=40)
    db.session.commit()
    assert _groups(coordinator) == {}


def test_an_urgent_case_left_unscheduled_is_listed_until_a_run_schedules_it(db, world,  # noqa: F811
                                                                         coordinator):
    tax = F.expertise("tax")  # nobody has it: the planner cannot form the panel
    urgent = F.case(world.region, reference="U-1", status="accepted", accepted_on=TODAY,
                    due_by=HORIZON[1] + timedelta(days=20), priority=5)
    calm = F.case(world.region, reference="U-2", status="accepted", accepted_on=TODAY,
                  due_by=HORIZON[1] + timedelta(days=20), priority=2)
    urgent.required_expertise = calm.required_expertise = [tax]
    db.session.commit()
    run = run_now(RunRequest(*HORIZON, time_limit=5), world.user)
    assert run.status == "succeeded", run.error
    count, body = _groups(coordinator)["unscheduled"]
    assert count == 1  # the priority-2 case with time to spare is not urgent
    assert f'href="/cases/{urgent.id}"' in body and f'href="/planning/runs/{run.id}"' in body
    assert f'href="/cases/{calm.id}"' not in body
    # Fixed: an expert with the area, and a new run schedules it.
    for expert in world.experts[:4]:
        expert.expertise = [*expert.expertise, tax]
    db.session.commit()
    again = run_now(RunRequest(*HORIZON, time_limit=5), world.user)
    assert again.status == "succeeded", again.error
    assert "unscheduled" not in _groups(coordinator)


def test_a_failed_email_is_listed_for_coordinators_until_it_is_retried(db, world, planned,  # noqa: F811
                                                                    client, make_user):
    # Made directly in the failed state (publishing would race the background sender).
    h = db.session.scalars(sa.select(Hearing).where(Hearing.layer == planned.id)).first()
    message = OutboxMessage(hearing_id=h.id, person_id=world.experts[0].id, reason="published",
                            method="REQUEST", uid="home-test@example.org", sequence=0,
                            recipient="e0@example.org", subject="Hearing W-0", message="…",
                            status="failed", attempts=8, next_attempt_at=None,
                            last_error="550 mailbox unavailable")
    db.session.add(message)
    db.session.commit()
    sign_in(client, world.user.email, PASSWORD)
    count, body = _groups(client)["failed_emails"]
    assert count == 1 and 'href="/calendar/outbox?status=failed"' in body
    assert "e0@example.org" in body and "Hearing W-0" in body
    retry_now(message)
    db.session.commit()
    assert "failed_emails" not in _groups(client)
    # A viewer cannot send mail again: not on their list.
    message.status = "failed"
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    viewer, password = make_user("viewer")
    sign_in(client, viewer.email, password)
    assert "failed_emails" not in _groups(client)


def test_overdue_follow_ups_link_the_case_and_the_full_list(db, world, coordinator):  # noqa: F811
    case = world.cases[1]
    for n in range(services.SHOWN + 2):
        db.session.add(FollowUp(case_id=case.id, due_on=TODAY - timedelta(days=n + 1),
                                visitor=f"Visitor {n}"))
    db.session.add(FollowUp(case_id=case.id, due_on=TODAY + timedelta(days=3), visitor="Later"))
    db.session.commit()
    count, body = _groups(coordinator)["followups"]
    assert count == services.SHOWN + 2 and body.count('href="/cases/') == services.SHOWN
    assert f'href="/cases/{case.id}#followups"' in body
    assert "Visitor 6" in body and "Visitor 0" not in body  # the longest overdue first
    assert 'href="/?show=followups"' in body
    full = _groups(coordinator, "/?show=followups")
    assert list(full) == ["followups"] and full["followups"][1].count('href="/cases/') == \
        services.SHOWN + 2
    for f in db.session.scalars(sa.select(FollowUp)):
        f.done_on = TODAY
    db.session.commit()
    assert "followups" not in _groups(coordinator)


def test_kinds_come_most_urgent_first(db, world, planned, coordinator):  # noqa: F811
    h = _publish(db, world, planned)
    db.session.add(FollowUp(case_id=world.cases[3].id, due_on=TODAY - timedelta(days=1),
                            visitor="Li Wei"))
    world.cases[2].due_by = TODAY + timedelta(days=1)
    edits.decline(h, next(m.person for m in h.members if m.role == "member"), "", world.user)
    db.session.commit()
    assert list(_groups(coordinator)) == ["declines", "at_risk", "followups"]


def test_the_list_keeps_to_the_users_regions(db, world, planned, client, make_user):  # noqa: F811
    h = _publish(db, world, planned)
    other = F.region("B")
    foreign = F.case(other, reference="B-1", status="accepted", accepted_on=TODAY,
                     due_by=TODAY - timedelta(days=2))
    world.cases[0].due_by = TODAY - timedelta(days=1)
    edits.decline(h, next(m.person for m in h.members if m.role == "member"), "", world.user)
    db.session.commit()
    limited, password = make_user("coordinator")
    limited.regions = [other]
    db.session.commit()
    sign_in(client, limited.email, password)
    groups = _groups(client)
    assert list(groups) == ["overdue"] and groups["overdue"][0] == 1
    assert f'href="/cases/{foreign.id}"' in groups["overdue"][1]
    assert services.work_list(limited, editor=True, today=TODAY)[0].count == 1
    admin, _password = make_user("admin")
    everything = {g.kind: g.count for g in services.work_list(admin, editor=True, today=TODAY)}
    assert everything == {"declines": 1, "overdue": 2}

"""Publishing: identities kept, SEQUENCE raised on change, removed hearings cancelled not deleted,
invites queued in the same transaction, stale runs superseded."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from mediation.audit.models import AuditEntry
from mediation.audit.summaries import audit_summary
from mediation.calendar.models import OutboxMessage
from mediation.cases.services import transition
from mediation.planner_words import unscheduled_reasons
from mediation.planning import edits
from mediation.planning.models import Hearing, PlanRun, UnscheduledCase
from mediation.planning.publish import diff, publish_run, summary
from mediation.planning.runs import PlanningError, RunRequest, run_now
from tests.planning.conftest import FRIDAY, HORIZON, THURSDAY


def _published(db) -> dict[str, Hearing]:
    rows = db.session.scalars(sa.select(Hearing).where(Hearing.layer == 0)).all()
    return {h.case.reference: h for h in rows}


def _rerun(world, **kw) -> PlanRun:
    run = run_now(RunRequest(*HORIZON, time_limit=5, release_published=True, **kw), world.user)
    assert run.status == "succeeded", run.error
    return run


def _proposal(db, run, reference) -> Hearing:
    return next(h for h in db.session.scalars(sa.select(Hearing).where(Hearing.layer == run.id))
                if h.case.reference == reference)


def test_publishing_a_first_plan(db, world, planned):
    uids = {h.case.reference: h.uid for h in db.session.scalars(sa.select(Hearing))}
    assert summary(diff(planned))["new"] == 4
    counts = publish_run(planned, world.user)
    assert counts["new"] == 4
    published = _published(db)
    assert {r: h.uid for r, h in published.items()} == uids  # the proposal's UID is kept
    assert all(h.status == "published" and h.sequence == 0 and h.published_at for h in
               published.values())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)) == 4
    # Every attendee has a REQUEST waiting in the outbox, written in the same transaction.
    requests = db.session.scalars(sa.select(OutboxMessage)).all()
    attendees = sum(len(h.members) for h in published.values())
    assert len(requests) == attendees and {m.method for m in requests} == {"REQUEST"}
    db.session.refresh(planned)
    assert planned.status == "published" and planned.published_at is not None
    with pytest.raises(PlanningError, match="cannot be published"):
        publish_run(planned, world.user)


def test_moved_changed_and_cancelled_hearings_keep_their_identity(db, world, planned):
    publish_run(planned, world.user)
    before = {r: (h.id, h.uid, h.sequence) for r, h in _published(db).items()}
    run = _rerun(world)
    assert summary(diff(run))["unchanged"] == 4  # released, but the planner kept them
    # The coordinator moves W-0, swaps a panel member of W-1 and removes W-2 from the proposal.
    w0 = _proposal(db, run, "W-0")
    free = next((room, day, s) for day in (THURSDAY, FRIDAY)
                for s in (world.am, world.pm) for room in world.rooms
                if not db.session.scalar(sa.select(Hearing.id).where(
                    Hearing.layer == run.id, Hearing.room_id == room.id, Hearing.date == day,
                    Hearing.session_id == s.id)))
    edits.move(w0, free[0], free[1], free[2], w0.version, world.user)
    w1 = _proposal(db, run, "W-1")
    leaving = next(m.person for m in w1.members if m.role == "member")
    pick = next(p for p, c in edits.candidates(w1, leaving, "expert") if c.fits)
    edits.replace_person(w1, leaving, pick, "expert", w1.version, world.user)
    w2 = _proposal(db, run, "W-2")
    edits.remove(w2, w2.version, world.user, "petitioner in hospital")
    kinds = {c.case.reference: c.kind for c in diff(run)}
    assert kinds == {"W-0": "moved", "W-1": "panel", "W-2": "cancelled", "W-3": "unchanged"}

    counts = publish_run(run, world.user)
    assert counts == {"new": 0, "moved": 1, "panel": 1, "cancelled": 1, "unchanged": 1}
    after = {r: h for r, h in _published(db).items()}
    for ref in ("W-0", "W-1", "W-2"):
        assert (after[ref].id, after[ref].uid) == before[ref][:2]
        assert after[ref].sequence == before[ref][2] + 1
    assert after["W-3"].sequence == 0
    assert (after["W-0"].room_id, after["W-0"].date, after["W-0"].session_id) == (
        free[0].id, free[1], free[2].id)
    assert pick.id in {m.person_id for m in after["W-1"].members}
    assert leaving.id not in {m.person_id for m in after["W-1"].members}
    assert after["W-2"].status == "cancelled" and after["W-2"].cancelled_at is not None
    # Proposals are spent: only the schedule is left.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)
                             .where(Hearing.layer != 0)) == 0
    methods = {(m.reason, m.method) for m in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.sequence == 1))}
    assert {("updated", "REQUEST"), ("removed", "CANCEL"), ("cancelled", "CANCEL")} <= methods


def test_two_hearings_swapping_rooms_publish_without_tripping_the_constraints(db, world):
    from tests.planning.test_constraints import _hearing

    e = world.experts
    w0, w1 = world.cases[1], world.cases[3]  # both need land expertise (E0, odd experts)
    db.session.add_all([_hearing(world, w0, world.rooms[0], people=[e[0], e[1], e[2]]),
                        _hearing(world, w1, world.rooms[1], people=[e[3], e[4], e[5]])])
    run = PlanRun(status="succeeded", horizon_start=HORIZON[0], horizon_end=HORIZON[1],
                  scope={"kind": "cases", "planned_case_ids": [w0.id, w1.id]}, scope_key="x")
    db.session.add(run)
    db.session.flush()
    db.session.add_all([
        _hearing(world, w0, world.rooms[1], people=[e[0], e[1], e[2]], layer=run.id,
                 status="proposed"),
        _hearing(world, w1, world.rooms[0], people=[e[3], e[4], e[5]], layer=run.id,
                 status="proposed")])
    db.session.commit()
    before = {r: (h.id, h.uid) for r, h in _published(db).items()}
    counts = publish_run(run, world.user)
    assert counts["moved"] == 2
    after = _published(db)
    assert {r: (h.id, h.uid) for r, h in after.items()} == before
    assert after[w0.reference].room_id == world.rooms[1].id
    assert after[w1.reference].room_id == world.rooms[0].id
    assert {h.sequence for h in after.values()} == {1}


def test_publishing_supersedes_other_runs_over_the_same_cases(db, world, planned):
    other = run_now(RunRequest(*HORIZON, time_limit=5, scope="region",
                               region_id=world.region.id), world.user)
    assert other.status == "succeeded"
    publish_run(planned, world.user)
    db.session.refresh(other)
    assert other.status == "superseded"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)
                             .where(Hearing.layer == other.id)) == 0
    with pytest.raises(PlanningError):
        publish_run(other, world.user)


def test_a_transferred_case_leaves_the_schedule_and_the_proposals(db, world, planned):
    publish_run(planned, world.user)
    other = run_now(RunRequest(*HORIZON, time_limit=5, scope="region", region_id=world.region.id,
                               release_published=True), world.user)
    case = world.cases[0]
    transition(case, "transfer", world.user, note="to the labour arbitration committee")
    db.session.commit()
    published = db.session.scalar(sa.select(Hearing).where(Hearing.layer == 0,
                                                           Hearing.case_id == case.id))
    assert published.status == "cancelled" and published.sequence == 1
    cancels = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.hearing_id == published.id, OutboxMessage.method == "CANCEL")).all()
    assert len(cancels) == len(published.members)
    assert not db.session.scalar(sa.select(Hearing.id).where(Hearing.layer == other.id,
                                                             Hearing.case_id == case.id))
    row = db.session.scalar(sa.select(UnscheduledCase).where(
        UnscheduledCase.plan_run_id == other.id, UnscheduledCase.case_id == case.id))
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "hearing.cancel"))
    # Worded in the reader's language, whoever wrote it. Failed before: the reason was stored as
    # text in the writer's language ("Transfer to the political-legal department: …" for all).
    with force_locale("zh_Hans_CN"):
        assert unscheduled_reasons(row) == ["移交政法部门：to the labour arbitration committee"]
        assert audit_summary(entry) == f"{case.reference}（移交政法部门：to the labour arbitration committee）"
    with force_locale("en"):
        assert unscheduled_reasons(row) == [
            "Transfer to the political-legal department: to the labour arbitration committee"]

"""Manual edits: live rule checks from the planner's rule module, 409 on concurrent changes,
published edits that notify, declines and re-planning around them with the smallest change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mediation.calendar.models import OutboxMessage
from mediation.conflicts.services import declare_conflict
from mediation.planning import edits
from mediation.planning.models import Hearing, PlanRun, UnscheduledCase
from mediation.planning.publish import diff, publish_run
from mediation.roster.models import Unavailability
from tests.planning.conftest import FRIDAY, MONDAY, SATURDAY, THURSDAY


def _layer(db, layer) -> list[Hearing]:
    return list(db.session.scalars(sa.select(Hearing).where(Hearing.layer == layer)
                                   .order_by(Hearing.id)))


def test_pin_and_stale_versions(db, world, planned):
    h = _layer(db, planned.id)[0]
    seen = h.version
    edits.set_pinned(h, True, seen, world.user)
    assert h.pinned and h.version == seen + 1
    with pytest.raises(edits.EditConflict, match="changed this hearing"):
        edits.set_pinned(h, False, seen, world.user)  # made on the page as it was before


def test_a_concurrent_write_is_a_conflict_not_a_lost_update(db, world, planned):
    h = _layer(db, planned.id)[0]
    # Another coordinator's change lands between loading and saving (no version on the form).
    with db.engine.begin() as conn:
        conn.execute(sa.update(Hearing.__table__).where(Hearing.__table__.c.id == h.id)
                     .values(version=h.version + 1, sequence=0))
    with pytest.raises(edits.EditConflict):
        edits.set_pinned(h, True, h.version, world.user)  # the version this session loaded
    assert not db.session.get(Hearing, h.id).pinned


def test_moves_are_checked_against_every_rule(db, world, planned):
    a, b = _layer(db, planned.id)[:2]
    # Into a room already holding another hearing of the proposal at that time: rule 6.
    with pytest.raises(edits.RuleBroken) as info:
        edits.move(a, b.room, b.date, b.session, a.version, world.user)
    assert 6 in {v.rule for v in info.value.violations}
    # Outside the run's horizon: rule 10; on a closed day (Saturday) the centre rule 8 too.
    with pytest.raises(edits.RuleBroken) as info:
        edits.move(a, a.room, SATURDAY, a.session, a.version, world.user)
    assert {8, 10} <= {v.rule for v in info.value.violations}
    # Nothing was changed by the refusals.
    db.session.refresh(a)
    assert a.version == 1


def test_candidates_are_ranked_and_a_conflicted_person_is_refused(db, world, planned):
    h = _layer(db, planned.id)[0]
    leaving = next(m.person for m in h.members if m.role == "member")
    ranked = edits.candidates(h, leaving, "expert")
    fits = [c.fits for _p, c in ranked]
    assert fits == sorted(fits, reverse=True)  # everyone who fits comes first
    outsider = next(p for p, c in ranked if c.fits)
    declare_conflict(outsider, "hard", "brother-in-law of the petitioner", case=h.case)
    db.session.commit()
    with pytest.raises(edits.RuleBroken) as info:
        edits.replace_person(h, leaving, outsider, "expert", h.version, world.user)
    assert 4 in {v.rule for v in info.value.violations}
    rank = {p.id: c for p, c in edits.candidates(h, leaving, "expert")}
    assert not rank[outsider.id].fits
    assert "brother-in-law" in str(rank[outsider.id].violations[0])


def test_removing_a_proposal_unschedules_its_case(db, world, planned):
    h = _layer(db, planned.id)[0]
    case_id = h.case_id
    edits.remove(h, h.version, world.user, "the petitioner withdrew")
    row = db.session.scalar(sa.select(UnscheduledCase).where(UnscheduledCase.case_id == case_id))
    assert "withdrew" in row.reasons[0]
    db.session.refresh(planned)
    assert planned.scheduled_count == 3 and planned.unscheduled_count == 1


def test_editing_a_published_hearing_raises_sequence_and_notifies(db, world, planned):
    publish_run(planned, world.user)
    h = _layer(db, 0)[0]
    uid = h.uid
    target = next((r, d, s) for d in (THURSDAY, FRIDAY)
                  for s in (world.am, world.pm) for r in world.rooms
                  if not edits.violations_of(edits.context(h, d), edits.context(h, d).current.__class__(
                      h.case.reference, d, s.code, r.centre.code, r.code,
                      tuple(m.person.code for m in h.members if m.role != "counsellor"),
                      None, next((m.person.code for m in h.members if m.role == "counsellor"),
                                 None))))
    edits.move(h, target[0], target[1], target[2], h.version, world.user)
    assert (h.uid, h.sequence, h.date) == (uid, 1, target[1])
    updates = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.sequence == 1)).all()
    assert updates and {m.reason for m in updates} == {"updated"}
    edits.remove(h, h.version, world.user)
    assert h.status == "cancelled" and h.sequence == 2
    assert db.session.get(Hearing, h.id) is not None  # kept for calendars


def test_decline_then_replan_changes_only_that_hearing(db, world, planned):
    publish_run(planned, world.user)
    published = _layer(db, 0)
    h = published[0]
    others = {o.id: (o.room_id, o.date, o.session_id, frozenset(m.person_id for m in o.members))
              for o in published[1:]}
    leaving = next(m.person for m in h.members if m.role == "member")
    edits.decline(h, leaving, "travelling abroad", world.user)
    assert [b[0].id for b in edits.broken_published(MONDAY)] == [h.id]

    run = edits.replan_around([h], world.user, background=False)
    db.session.commit()  # the caller commits (services flush)
    # The declined seat alone is filled: a proposal ready at once (tests/attendance).
    assert run.scope["kind"] == "repair" and run.status == "succeeded"
    changes = [c for c in diff(run) if c.kind != "unchanged"]
    assert [(c.case.id, c.kind) for c in changes] == [(h.case_id, "panel")]
    assert run.stats["repair"][h.case.reference].startswith("same slot, replaced")
    publish_run(run, world.user)
    db.session.refresh(h)
    assert h.sequence == 1 and leaving.id not in {m.person_id for m in h.members}
    for o in _layer(db, 0)[1:]:
        assert (o.room_id, o.date, o.session_id, frozenset(m.person_id for m in o.members)) \
            == others[o.id]
        assert o.sequence == 0
    assert edits.broken_published(MONDAY) == []


def test_new_unavailability_shows_the_hearing_to_replan(db, world, planned):
    publish_run(planned, world.user)
    h = _layer(db, 0)[0]
    person = h.members[0].person
    db.session.add(Unavailability(person=person, date=h.date, reason="surgery"))
    db.session.commit()
    broken = edits.broken_published(MONDAY)
    affected = [o.id for o in _layer(db, 0)
                if o.date == h.date and person.id in {m.person_id for m in o.members}]
    assert [b[0].id for b in broken] == affected and h.id in affected
    assert all(any(v.rule == 5 and v.person == person.code for v in b[1]) for b in broken)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanRun)) == 1


def test_an_edit_without_a_version_is_refused(db, world, planned):
    h = _layer(db, planned.id)[0]
    with pytest.raises(edits.EditConflict, match="Reload the page"):
        edits.set_pinned(h, True, None, world.user)
    assert not h.pinned

"""The database itself refuses double bookings of a room or a person, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from mediation.planning.models import Hearing, HearingMember
from mediation.timeutil import local_to_utc
from tests.planning.conftest import THURSDAY, TUESDAY, WEDNESDAY

DAY = TUESDAY


def _hearing(world, case, room, *, people=(), layer=0, status="published", session=None,
             day=DAY) -> Hearing:
    session = session or world.am
    h = Hearing(case=case, room=room, date=day, session=session, layer=layer, status=status,
                starts_at=local_to_utc(day, session.starts_at),
                ends_at=local_to_utc(day, session.ends_at))
    h.members = [HearingMember(person=p, role="chair" if i == 0 else "member")
                 for i, p in enumerate(people)]
    return h


def _refused(db, hearing) -> str:
    db.session.add(hearing)
    with pytest.raises(sa.exc.IntegrityError) as info:
        db.session.commit()
    db.session.rollback()
    return str(info.value.orig)


def test_a_room_holds_one_live_hearing_per_slot(db, world):
    a, b, c = world.cases[:3]
    db.session.add(_hearing(world, a, world.rooms[0]))
    db.session.commit()
    message = _refused(db, _hearing(world, b, world.rooms[0]))
    assert "room_slot" in message or "hearings.room_id" in message
    # Another session, another room, or another layer (a run's proposal) is fine.
    db.session.add_all([_hearing(world, b, world.rooms[0], session=world.pm),
                        _hearing(world, c, world.rooms[1])])
    db.session.commit()
    db.session.add(_hearing(world, b, world.rooms[0], layer=7, status="proposed"))
    db.session.commit()


def test_a_person_attends_one_live_hearing_per_slot(db, world):
    a, b = world.cases[:2]
    e = world.experts
    db.session.add(_hearing(world, a, world.rooms[0], people=e[:3]))
    db.session.commit()
    message = _refused(db, _hearing(world, b, world.rooms[1], people=[e[3], e[4], e[2]]))
    assert "person_slot" in message or "hearing_members.person_id" in message


def test_cancelled_hearings_free_their_slot_and_copies_follow_the_hearing(db, world):
    a, b = world.cases[:2]
    first = _hearing(world, a, world.rooms[0], people=world.experts[:3])
    db.session.add(first)
    db.session.commit()
    first.status = "cancelled"
    db.session.commit()
    # The member rows' copies of status followed by ON UPDATE CASCADE, in the database.
    statuses = db.session.execute(sa.select(HearingMember.__table__.c.status)).scalars().all()
    assert statuses == ["cancelled"] * 3
    db.session.add(_hearing(world, b, world.rooms[0], people=world.experts[:3]))
    db.session.commit()


def test_moving_a_hearing_moves_its_members_slot(db, world):
    h = _hearing(world, world.cases[0], world.rooms[0], people=world.experts[:3])
    db.session.add(h)
    db.session.commit()
    h.date, h.session = WEDNESDAY, world.pm
    db.session.commit()
    rows = db.session.execute(sa.select(HearingMember.__table__.c.date,
                                        HearingMember.__table__.c.session_id)).all()
    assert set(rows) == {(WEDNESDAY, world.pm.id)}
    # A direct write that would desynchronise a member from its hearing is refused.
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(HearingMember.__table__).values(date=THURSDAY))
        db.session.commit()
    db.session.rollback()


def test_a_proposal_cannot_claim_to_be_published_and_vice_versa(db, world):
    _refused(db, _hearing(world, world.cases[0], world.rooms[0], layer=3, status="published"))
    _refused(db, _hearing(world, world.cases[0], world.rooms[0], layer=0, status="proposed"))


def test_fifty_concurrent_bookings_of_one_slot_get_exactly_one(db, world, backend):
    """50 connections insert a published hearing into the same room and slot at once
    (PostgreSQL: truly concurrent; SQLite: the writers queue on its lock)."""
    # One connection per booking, all open at once (the app's pool is smaller than 50).
    extra = {"connect_args": {"timeout": 60}} if backend == "sqlite" else {}
    engine = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool, **extra)
    values = dict(room_id=world.rooms[0].id, date=DAY, session_id=world.am.id, layer=0,
                  status="published", starts_at=local_to_utc(DAY, world.am.starts_at),
                  ends_at=local_to_utc(DAY, world.am.ends_at), sequence=0, pinned=False,
                  version=1)
    table = Hearing.__table__
    barrier = threading.Barrier(50)
    results: list[str] = []
    lock = threading.Lock()
    case_id = world.cases[0].id

    def book(i: int) -> None:
        with engine.connect() as conn:
            barrier.wait()
            try:
                with conn.begin():
                    conn.execute(table.insert().values(
                        uid=f"race-{i}@test", case_id=case_id, created_at=values["starts_at"],
                        updated_at=values["starts_at"], **values))
                outcome = "ok"
            except sa.exc.IntegrityError:
                outcome = "refused"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=book, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    engine.dispose()
    assert sorted(results).count("ok") == 1 and len(results) == 50
    assert db.session.scalar(sa.select(sa.func.count()).select_from(table)) == 1

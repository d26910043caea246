"""The schema on both databases: UTC times, constraints, relations."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from mediation.cases.models import Case, CaseEvent
from mediation.centres.models import CentreDate, Room
from mediation.conflicts.models import Conflict
from mediation.planning.models import Hearing, HearingMember, PlanRun
from mediation.regions.services import ancestors, contains
from mediation.roster.models import Unavailability
from tests import factories as f


def test_times_are_stored_utc_and_read_back_aware(db):
    case = f.case()
    beijing = timezone(timedelta(hours=8))
    event = CaseEvent(case=case, action="register", at=datetime(2026, 12, 1, 9, 30, tzinfo=beijing))
    db.session.add(event)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(CaseEvent, event.id).at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 12, 1, 1, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused(db):
    case = f.case()
    db.session.add(CaseEvent(case=case, action="register", at=datetime(2026, 12, 1, 9, 30)))
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("field", "value"),
    [("priority", 0), ("priority", 6), ("attendees", -1), ("status", "lost"), ("extension_days", 31)],
)
def test_case_check_constraints(db, field, value):
    case = f.case()
    db.session.commit()
    setattr(case, field, value)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_room_capacity_must_be_positive(db):
    centre = f.centre()
    centre.rooms.append(Room(code="zero", name="Broom cupboard", capacity=0))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_reference_is_unique(db):
    f.case(reference="QS-1")
    with pytest.raises(IntegrityError):
        f.case(reference="QS-1")
    db.session.rollback()


def test_conflict_has_exactly_one_target(db):
    person, case = f.person(), f.case()
    db.session.add(Conflict(person=person, kind="hard", reason="no target"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    person, case = f.person(), f.case()
    org_case = Conflict(person=person, case=case, kind="soft", reason="two targets")
    org_case.party = case.parties[0]
    db.session.add(org_case)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_only_waivable_conflicts_can_be_waived(db):
    conflict = Conflict(person=f.person(), case=f.case(), kind="hard", reason="relative",
                        waived_at=datetime.now(UTC), waiver_reason="please")
    db.session.add(conflict)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_conflict_effective_kind(db):
    now = datetime.now(UTC)
    c = Conflict(kind="waivable", reason="business ties")
    assert c.effective_kind == "hard"
    c.waived_at = now
    assert c.effective_kind == "soft"
    c.dismissed_at = now
    assert c.effective_kind is None
    assert Conflict(kind="soft", reason="x").effective_kind == "soft"


def test_foreign_keys_are_enforced(db):
    db.session.add(Room(code="orphan", name="Orphan", capacity=4, centre_id=987654))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_region_tree_containment(db):
    city = f.region("city", "city")
    county = f.region("city.c1", "county", city)
    town = f.region("city.c1.t1", "town", county)
    other = f.region("city.c2", "county", city)
    assert contains(city, town) and contains(county, town) and contains(town, town)
    assert not contains(other, town) and not contains(town, county)
    assert [r.code for r in ancestors(town)] == ["city.c1", "city"]


def test_centre_opening_follows_the_exchange_rule(db):
    centre = f.centre(weekdays=(1, 2, 3, 4, 5))
    monday, saturday = date(2026, 11, 30), date(2026, 12, 5)
    centre.dates = [CentreDate(date=monday, kind="closed"), CentreDate(date=saturday, kind="open")]
    db.session.flush()
    assert not centre.is_open_on(monday)
    assert centre.is_open_on(monday + timedelta(days=1))
    assert centre.is_open_on(saturday)
    assert not centre.is_open_on(saturday + timedelta(days=1))


def test_deleting_a_case_removes_its_parties_and_history(db):
    case = f.case()
    db.session.add(CaseEvent(case=case, action="register"))
    db.session.commit()
    db.session.delete(case)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_unavailability_is_unique_per_date_and_session(db):
    person, am = f.person(), f.session_block()
    person.unavailability = [Unavailability(date=date(2026, 12, 1), session=am),
                             Unavailability(date=date(2026, 12, 1), session=am)]
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_hearing_gets_a_random_uid_and_detects_concurrent_edits(app, db):
    centre, am, case = f.centre(), f.session_block(), f.case()
    run = PlanRun(horizon_start=date(2026, 12, 1), horizon_end=date(2026, 12, 31))
    start = datetime(2026, 12, 1, 1, tzinfo=UTC)
    hearing = Hearing(case=case, plan_run=run, room=centre.rooms[0], date=date(2026, 12, 1),
                      session=am, starts_at=start, ends_at=start + timedelta(hours=3))
    hearing.members = [HearingMember(person=f.person(), role="chair")]
    other = Hearing(case=case, room=centre.rooms[0], date=date(2026, 12, 2), session=am,
                    starts_at=start, ends_at=start + timedelta(hours=3))
    db.session.add_all([hearing, other])
    db.session.commit()
    assert hearing.uid != other.uid
    # Random, not built from ids: 128 bits of hex before the domain part.
    assert len(hearing.uid.split("@")[0]) == 32
    assert hearing.chair is hearing.members[0].person and hearing.counsellor is None

    # Someone else changes the same hearing first; our stale copy must fail, not overwrite it.
    db.session.commit()
    stale_version = hearing.version  # we read the hearing …
    with db.engine.begin() as other:  # … another request commits a change meanwhile …
        other.execute(
            sa.update(Hearing.__table__)
            .where(Hearing.__table__.c.id == hearing.id)
            .values(version=stale_version + 1, pinned=True)
        )
    hearing.sequence = 1  # … and we save our edit of the old version.
    with pytest.raises(sa.orm.exc.StaleDataError):
        db.session.commit()
    db.session.rollback()

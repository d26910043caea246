"""A small world for the security tests: two county regions (with a town below the first), a
centre, a person, an organisation, a case in each region with a party and a conflict, and one
signed-in client per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from mediation.cases.models import Case, Party
from mediation.centres.models import CentreDate
from mediation.conflicts.models import Conflict
from mediation.extensions import db
from mediation.roster.models import Organisation, Unavailability
from tests import factories as f
from tests.conftest import csrf_token, sign_in

ROLES_UNDER_TEST = ("anonymous", "viewer", "coordinator", "limited", "admin")


@dataclass
class World:
    home: object  # county the limited coordinator covers
    town: object  # below `home`
    other: object  # another county
    case: Case  # in `town` (visible to the limited coordinator through its parent)
    foreign_case: Case  # in `other`
    ids: dict = field(default_factory=dict)


def build_world() -> World:
    home = f.region(code="home", level="county")
    town = f.region(code="home.t1", level="town", parent=home)
    other = f.region(code="other", level="county")
    sessions = f.session_block()
    centre = f.centre(home)
    person = f.person(code="E-1")
    area = f.expertise("law")
    org = Organisation(name="Ning'an Town Government")
    org2 = Organisation(name="County Bureau")
    db.session.add_all([org, org2])
    case = f.case(town, reference="HOME-1", parties=[
        Party(name="Wang Fang", id_number="110101199001011234", phone="13800000000",
              address="1 Market Street")])
    foreign = f.case(other, reference="OTHER-1", parties=[
        Party(name="Zhao Lei", id_number="110101198001011111", phone="13900000000",
              address="9 River Road")])
    db.session.flush()
    conflict = Conflict(person=person, kind="waivable", reason="Business ties", case=case,
                        source="declared")
    foreign_conflict = Conflict(person=person, kind="waivable", reason="Business ties",
                                case=foreign, source="declared")
    closure = CentreDate(centre=centre, date=date(2026, 12, 24), kind="closed")
    absence = Unavailability(person=person, date=date(2026, 12, 1))
    db.session.add_all([conflict, foreign_conflict, closure, absence])
    db.session.flush()
    world = World(home=home, town=town, other=other, case=case, foreign_case=foreign)
    world.ids = {
        "case_id": case.id, "centre_id": centre.id, "room_id": centre.rooms[0].id,
        "session_id": sessions.id, "date_id": closure.id, "person_id": person.id,
        "entry_id": absence.id, "org_id": org.id, "area_id": area.id,
        "conflict_id": conflict.id, "region_id": home.id,
    }
    world.foreign_ids = {"case_id": foreign.id, "conflict_id": foreign_conflict.id}
    return world


def clients_by_role(make_user, new_client, world: World) -> dict:
    """A signed-in test client per role (plus an anonymous one), each with its CSRF token."""
    out = {}
    for role in ROLES_UNDER_TEST:
        client = new_client()
        if role != "anonymous":
            user, password = make_user("coordinator" if role == "limited" else role)
            if role == "limited":
                user.regions = [world.home]
                db.session.commit()
            response = sign_in(client, user.email, password)
            assert response.status_code == 302, role
            client.user = user
        client.token = csrf_token(client, "/login" if role == "anonymous" else "/")
        out[role] = client
    return out


def count_rows() -> dict[str, int]:
    """Rows per table (audit and throttling tables excluded: they record attempts)."""
    out = {}
    for table in db.metadata.sorted_tables:
        if table.name in ("audit_log", "login_failures"):
            continue
        out[table.name] = db.session.scalar(sa.select(sa.func.count()).select_from(table))
    return out

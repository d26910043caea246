"""auth.access.can_see / require_visible on every object kind, for every kind of user."""

from __future__ import annotations

import pytest
from flask import g
from werkzeug.exceptions import NotFound

from mediation.auth import access
from mediation.auth.models import User
from mediation.cases.models import Party
from mediation.conflicts.models import Conflict
from mediation.extensions import db as _db
from mediation.roster.models import Organisation
from tests import factories as f


@pytest.fixture
def world(db):
    home = f.region("home", "county")
    town = f.region("home.t1", "town", home)
    other = f.region("other", "county")
    person = f.person(code="E-1")
    org = Organisation(name="County Bureau")
    _db.session.add(org)
    case = f.case(town, reference="HOME-1")
    foreign = f.case(other, reference="OTHER-1")
    centre, foreign_centre = f.centre(home), f.centre(other)
    conflicts = {
        "case": Conflict(person=person, kind="hard", reason="r", case=case, source="declared"),
        "foreign_case": Conflict(person=person, kind="hard", reason="r", case=foreign,
                                 source="declared"),
        "party": Conflict(person=person, kind="hard", reason="r", party=case.parties[0],
                          source="declared"),
        "foreign_party": Conflict(person=person, kind="hard", reason="r",
                                  party=foreign.parties[0], source="declared"),
        "organisation": Conflict(person=person, kind="hard", reason="r", organisation=org,
                                 source="declared"),
    }
    _db.session.add_all(conflicts.values())
    users = {}
    for name, role, regions in (("admin", "admin", []), ("limited_admin", "admin", [other]),
                                ("coordinator", "coordinator", []),
                                ("limited", "coordinator", [home]),
                                ("viewer", "viewer", []), ("limited_viewer", "viewer", [home])):
        users[name] = User(email=f"{name}@example.org", role=role, password_hash="x",
                           regions=regions)
    _db.session.add_all(users.values())
    _db.session.flush()
    g.pop("_region_scope", None)
    return {"case": case, "foreign": foreign, "centre": centre, "foreign_centre": foreign_centre,
            "conflicts": conflicts, "users": users, "town": town, "other": other}


def _visible(world, user) -> set[str]:
    c = world["conflicts"]
    objects = {
        "case": world["case"], "foreign_case": world["foreign"],
        "party": world["case"].parties[0], "foreign_party": world["foreign"].parties[0],
        "centre": world["centre"], "foreign_centre": world["foreign_centre"],
        "room": world["centre"].rooms[0], "foreign_room": world["foreign_centre"].rooms[0],
        **{f"conflict:{k}": v for k, v in c.items()},
    }
    return {name for name, obj in objects.items() if access.can_see(user, obj)}


EVERYTHING = {"case", "foreign_case", "party", "foreign_party", "centre", "foreign_centre",
              "room", "foreign_room", "conflict:case", "conflict:foreign_case", "conflict:party",
              "conflict:foreign_party", "conflict:organisation"}
HOME_ONLY = {"case", "party", "centre", "room", "conflict:case", "conflict:party",
             "conflict:organisation"}


@pytest.mark.parametrize("who", ["admin", "limited_admin", "coordinator", "viewer"])
def test_unrestricted_users_see_every_object(world, who):
    assert _visible(world, world["users"][who]) == EVERYTHING


@pytest.mark.parametrize("who", ["limited", "limited_viewer"])
def test_region_limited_users_see_their_regions_and_below(world, who):
    user = world["users"][who]
    assert _visible(world, user) == HOME_ONLY
    assert access.can_see_region(user, world["town"].id)
    assert not access.can_see_region(user, world["other"].id)
    assert not access.can_see_region(user, None)


def test_nothing_is_visible_when_missing(world):
    assert not access.can_see(world["users"]["admin"], None)


def test_require_visible_answers_404_outside_the_scope(world, app):
    limited = world["users"]["limited"]
    with app.test_request_context("/"):
        assert access.require_visible(world["case"], user=limited) is world["case"]
        with pytest.raises(NotFound):
            access.require_visible(world["foreign"], user=limited)
        with pytest.raises(NotFound):
            access.require_visible(None, user=limited)


def test_higher_features_plug_in_with_register_or_a_method(world):
    limited = world["users"]["limited"]

    class Visit:  # e.g. a hearing of planning: belongs to its case's region
        def __init__(self, case):
            self.case = case

    class Subvisit(Visit):
        pass

    class Note:  # a model with its own method
        def __init__(self, region_id):
            self.region_id = region_id

        def scope_region_ids(self):
            return (self.region_id,)

    with pytest.raises(TypeError, match="no region rule for Visit"):
        access.can_see(limited, Visit(world["case"]))
    access.register(Visit, lambda v: v.case.scope_region_ids())
    try:
        assert access.can_see(limited, Visit(world["case"]))
        assert not access.can_see(limited, Subvisit(world["foreign"]))
    finally:
        access._RULES.pop(Visit)
    assert access.can_see(limited, Note(world["town"].id))
    assert not access.can_see(limited, Note(world["other"].id))
    assert access.can_see(world["users"]["admin"], Note(None))
    assert not access.can_see(limited, Note(None))


def test_party_without_loaded_case_follows_its_case(world):
    limited = world["users"]["limited"]
    party = _db.session.get(Party, world["foreign"].parties[0].id)
    _db.session.expire(party)
    assert not access.can_see(limited, party)

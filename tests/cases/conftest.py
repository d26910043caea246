"""Shared set-up for the cases tests: a small region tree, organisations with aliases, users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from mediation.cases import services
from mediation.cases.models import Case
from mediation.regions.models import Region
from mediation.roster.models import Organisation
from mediation.roster.services import get_or_create_organisation
from tests import factories


@dataclass
class World:
    county: Region
    town: Region
    village: Region
    other_county: Region
    town_gov: Organisation
    builder: Organisation
    user: object


@pytest.fixture
def world(db, make_user, _request_context):
    county = factories.region("county-a", "county")
    town = factories.region("county-a.town-1", "town", parent=county)
    village = factories.region("county-a.town-1.v1", "village", parent=town)
    other = factories.region("county-b", "county")
    town_gov = get_or_create_organisation("Ning'an Town Government", ["宁安镇人民政府"])
    builder = get_or_create_organisation("Hengda Construction Co.")
    user, _password = make_user("coordinator", name="Chen Jing")
    db.session.flush()
    return World(county, town, village, other, town_gov, builder, user)


def intake_data(world: World, **kw) -> dict:
    parties = kw.pop("parties", None) or [
        services.PartyData(name="Wang Fang", id_number="360102199001011234", phone="13800000001")
    ]
    data = {
        "title": "Unpaid wages at the bridge site",
        "category": "unpaid_wages",
        "region_id": world.village.id,
        "attendees": 1,
        "priority": 3,
        "needs_counsellor": False,
        "respondents": ["Hengda Construction Co."],
        "parties": parties,
    }
    data.update(kw)
    return data


def register(world: World, today: date = date(2026, 11, 2), **kw) -> Case:
    return services.register_case(intake_data(world, **kw), world.user, today=today).case


@pytest.fixture(autouse=True)
def _request_context(app):
    """Services translate their messages; give them a request (and so a locale) to do it in."""
    with app.test_request_context():
        yield

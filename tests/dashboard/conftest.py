"""A small city with dated cases whose metrics can be worked out by hand (see `city`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from mediation.cases.models import Case
from mediation.regions.models import Region
from tests import factories
from tests.dashboard import factories as dash

TODAY = date(2026, 11, 18)  # a Wednesday; this week is 16–22 November


@pytest.fixture(autouse=True)
def _request_context(app):
    with app.test_request_context():
        yield


@dataclass
class City:
    city: Region
    county_a: Region
    town_a1: Region
    county_b: Region
    cases: dict[str, Case] = field(default_factory=dict)


@pytest.fixture
def city(db) -> City:
    """Cases dated so every metric has a known value on TODAY (period 2026-01 to 2026-11):

    one-time resolution 2/4 (c2 and c8 have repeats within 6 months; c4's repeat came after 7),
    initial-to-repeat 6 : 3, on-time acceptance 5/8 (c2 late, r2 overdue, r8 refused late),
    on-time closure 3/4 (c2 late). `t` was transferred (out of the statistics); `u` awaits
    acceptance, not yet due; `soon` is in handling, due in two days.
    """
    root = factories.region("qs", "city")
    a = factories.region("qs.a", "county", parent=root)
    a1 = factories.region("qs.a.1", "town", parent=a)
    b = factories.region("qs.b", "county", parent=root)
    w = City(root, a, a1, b)
    c = w.cases
    c["c1"] = dash.case(a, "resolved", date(2026, 8, 1), reference="C1",
                        acceptance_due_on=date(2026, 8, 18), accepted_on=date(2026, 8, 5),
                        handling_due_on=date(2026, 10, 10), closed_on=date(2026, 9, 10))
    c["c2"] = dash.case(a1, "terminated", date(2026, 7, 1), reference="C2",
                        category="land_compensation",
                        acceptance_due_on=date(2026, 7, 16), accepted_on=date(2026, 7, 20),
                        handling_due_on=date(2026, 9, 15), closed_on=date(2026, 9, 20))
    c["r2"] = dash.repeat_of(c["c2"], a1, date(2026, 10, 1), reference="R2",
                             category="land_compensation", acceptance_due_on=date(2026, 10, 16))
    c["c4"] = dash.case(b, "resolved", date(2026, 1, 5), reference="C4",
                        category="medical_dispute",
                        acceptance_due_on=date(2026, 1, 20), accepted_on=date(2026, 1, 10),
                        handling_due_on=date(2026, 3, 10), closed_on=date(2026, 2, 1))
    c["r4"] = dash.repeat_of(c["c4"], b, date(2026, 9, 1), reference="R4",
                             category="medical_dispute", status="accepted",
                             acceptance_due_on=date(2026, 9, 16), accepted_on=date(2026, 9, 10))
    c["c8"] = dash.case(b, "resolved", date(2026, 2, 1), reference="C8",
                        category="medical_dispute",
                        acceptance_due_on=date(2026, 2, 16), accepted_on=date(2026, 2, 3),
                        handling_due_on=date(2026, 4, 1), closed_on=date(2026, 3, 15))
    c["r8"] = dash.repeat_of(c["c8"], b, date(2026, 8, 10), reference="R8",
                             category="medical_dispute", status="not_accepted",
                             acceptance_due_on=date(2026, 8, 25), closed_on=date(2026, 8, 30))
    c["t"] = dash.case(a, "transferred", date(2026, 5, 1), reference="T",
                       acceptance_due_on=date(2026, 5, 16), closed_on=date(2026, 5, 3),
                       in_petition_statistics=False)
    c["u"] = dash.case(root, "registered", date(2026, 11, 10), reference="U",
                       acceptance_due_on=date(2026, 11, 25))
    c["soon"] = dash.case(a, "in_handling", date(2026, 9, 20), reference="SOON",
                          acceptance_due_on=date(2026, 10, 9), accepted_on=date(2026, 9, 22),
                          handling_due_on=date(2026, 11, 20), due_by=date(2026, 11, 30))
    return w

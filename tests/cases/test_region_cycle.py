"""A corrupted region tree (a cycle) must not hang the case filters."""

import sqlalchemy as sa

from mediation.cases.services import region_and_below
from tests import factories as F


def test_region_cycle_terminates(db):
    a = F.region("ca")
    b = F.region("cb", parent=a)
    db.session.execute(sa.text("UPDATE regions SET parent_id = :b WHERE id = :a"),
                       {"a": a.id, "b": b.id})
    assert set(db.session.scalars(region_and_below(a.id))) == {a.id, b.id}

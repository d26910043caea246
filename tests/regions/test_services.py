"""The region tree queries (mediation/regions/services.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from mediation.extensions import db as _db
from mediation.regions import services as regions
from mediation.regions.models import Region
from tests import factories as f


def _chain(depth: int, prefix: str = "d") -> list[Region]:
    """A straight line of `depth` regions, top first (levels repeat below a village: the
    check constraint only names the four levels, the tree may be deeper in tests)."""
    levels = ("city", "county", "town", "village")
    out: list[Region] = []
    for i in range(depth):
        out.append(f.region(f"{prefix}{i}", levels[min(i, 3)], out[-1] if out else None))
    return out


def _ids(select) -> set[int]:
    return set(_db.session.scalars(select))


def test_at_and_below_on_a_deep_tree(db):
    line = _chain(12)
    side = f.region("side", "town", line[3])  # a branch off the line
    leaf = f.region("side.v", "village", side)
    other = f.region("elsewhere", "city")
    everything = {r.id for r in line} | {side.id, leaf.id}
    assert _ids(regions.at_and_below(line[0].id)) == everything
    assert _ids(regions.at_and_below([line[3].id])) == {r.id for r in line[3:]} | {side.id,
                                                                                   leaf.id}
    assert _ids(regions.at_and_below([line[11].id, other.id])) == {line[11].id, other.id}
    assert regions.at_and_below_ids([side.id]) == frozenset({side.id, leaf.id})
    assert regions.at_and_below_ids([]) == frozenset()
    # usable as a subquery, twice in one statement (anonymous CTE names)
    stmt = sa.select(Region.id).where(Region.id.in_(regions.at_and_below(line[10].id)),
                                      Region.id.in_(regions.at_and_below(line[0].id)))
    assert _ids(stmt) == {line[10].id, line[11].id}


def test_at_and_below_by_root_pairs_every_region_with_its_roots(db):
    top = f.region("top", "city")
    a = f.region("top.a", "county", top)
    a1 = f.region("top.a.1", "town", a)
    b = f.region("top.b", "county", top)
    pairs = set(_db.session.execute(regions.at_and_below_by_root([a.id, b.id, top.id])).all())
    assert pairs == {(a.id, a.id), (a1.id, a.id), (b.id, b.id), (top.id, top.id),
                     (a.id, top.id), (a1.id, top.id), (b.id, top.id)}


def test_a_cycle_in_the_data_does_not_loop_forever(db):
    a = f.region("loop.a", "county")
    b = f.region("loop.b", "town", a)
    c = f.region("loop.c", "village", b)
    db.session.execute(sa.update(Region).where(Region.id == a.id).values(parent_id=c.id))
    db.session.flush()
    db.session.expire_all()
    assert regions.at_and_below_ids([a.id]) == {a.id, b.id, c.id}
    assert regions.at_and_below_ids([c.id]) == {a.id, b.id, c.id}
    assert [r.code for r in regions.ancestors(a)] == ["loop.c", "loop.b"]
    assert [r.code for r in regions.ancestors(b.id)] == ["loop.a", "loop.c"]
    assert regions.contains(a, c) and regions.contains(c, a)
    # unreachable from a top region: still listed once each, at depth 0
    assert sorted((r.code, d) for r, d in regions.tree_order()) == [
        ("loop.a", 0), ("loop.b", 0), ("loop.c", 0)]
    pairs = list(_db.session.execute(regions.at_and_below_by_root([a.id])).all())
    assert sorted(pairs) == sorted([(a.id, a.id), (b.id, a.id), (c.id, a.id)])


def test_ancestors_nearest_first_and_path_top_first(db):
    line = _chain(6, prefix="p")
    assert [r.id for r in regions.ancestors(line[5])] == [r.id for r in reversed(line[:5])]
    assert regions.ancestors(line[0]) == []
    assert [r.id for r in regions.path(line[5])] == [r.id for r in line]
    assert regions.path(line[0]) == [line[0]]
    assert regions.contains(line[1], line[4]) and not regions.contains(line[4], line[1])
    assert regions.contains(line[2], line[2])


def test_tree_order_and_choices(db):
    city = f.region("qs", "city")
    b = f.region("qs.b", "county", city)
    a = f.region("qs.a", "county", city)
    a1 = f.region("qs.a.1", "town", a)
    second = f.region("zz", "city")
    order = [(r.code, depth) for r, depth in regions.tree_order()]
    assert order == [("qs", 0), ("qs.a", 1), ("qs.a.1", 2), ("qs.b", 1), ("zz", 0)]
    assert regions.choices()[2] == (a1.id, "\u00a0\u00a0" * 2 + a1.name)
    assert [rid for rid, _ in regions.choices()] == [city.id, a.id, a1.id, b.id, second.id]
    assert regions.child_level(None) == "city" and regions.child_level(a) == "town"
    assert regions.child_level(f.region("v", "village", a1)) is None

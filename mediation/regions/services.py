"""Queries over the region tree (city → county → town → village): the only place that walks it.

Every walk is cycle-safe: recursive CTEs use UNION (not UNION ALL), so a row already produced
is not produced again and a cycle in corrupted data ends the recursion; Python walks keep a
`seen` set. The CTEs work on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from mediation.extensions import db
from mediation.regions.models import REGION_LEVELS, Region


def _ids(region_ids: int | Iterable[int]) -> list[int]:
    return [region_ids] if isinstance(region_ids, int) else list(region_ids)


def at_and_below(region_ids: int | Iterable[int], name: str | None = None) -> sa.Select:
    """A select of the ids of these regions and every region below them (recursive CTE).

    Usable in `.in_(...)`. `name` names the CTE (anonymous by default, so two of them can sit
    in one statement).
    """
    ids = _ids(region_ids)
    anchor = sa.select(Region.id).where(
        Region.id == ids[0] if len(ids) == 1 else Region.id.in_(ids or [-1]))
    tree = anchor.cte(name, recursive=True)
    tree = tree.union(sa.select(Region.id).where(Region.parent_id == tree.c.id))
    return sa.select(tree.c.id)


def at_and_below_ids(region_ids: int | Iterable[int]) -> frozenset[int]:
    """The ids of these regions and every region below them (one query)."""
    ids = _ids(region_ids)
    if not ids:
        return frozenset()
    return frozenset(db.session.scalars(at_and_below(ids)))


def at_and_below_by_root(root_ids: Iterable[int], name: str | None = None) -> sa.Select:
    """A select of (region_id, root_id) for every region at or below each root (a region under
    two of the roots comes once for each). UNION on the pair ends a cycle as above."""
    ids = list(root_ids)
    anchor = sa.select(Region.id.label("region_id"), Region.id.label("root_id")).where(
        Region.id.in_(ids or [-1]))
    tree = anchor.cte(name, recursive=True)
    tree = tree.union(
        sa.select(Region.id, tree.c.root_id).where(Region.parent_id == tree.c.region_id))
    return sa.select(tree.c.region_id, tree.c.root_id)


def ancestors(region: Region | int) -> list[Region]:
    """The regions above `region`, nearest first (its parent, then the parent's parent, …).

    Two queries whatever the depth; a cycle in the data ends the list before it repeats a
    region (or reaches `region` itself).
    """
    region_id = region if isinstance(region, int) else region.id
    up = (sa.select(Region.parent_id.label("id"))
          .where(Region.id == region_id, Region.parent_id.is_not(None))
          .cte(None, recursive=True))
    up = up.union(sa.select(Region.parent_id)
                  .where(Region.id == up.c.id, Region.parent_id.is_not(None)))
    by_id = {r.id: r for r in db.session.scalars(sa.select(Region).where(
        Region.id.in_(sa.select(up.c.id)) | (Region.id == region_id)))}
    out: list[Region] = []
    seen = {region_id}
    node = by_id.get(region_id)
    parent_id = node.parent_id if node is not None else None
    while parent_id is not None and parent_id not in seen and parent_id in by_id:
        seen.add(parent_id)
        out.append(by_id[parent_id])
        parent_id = by_id[parent_id].parent_id
    return out


def path(region: Region) -> list[Region]:
    """From the top region down to `region` itself."""
    return [*reversed(ancestors(region)), region]


def contains(outer: Region | int, inner: Region | int) -> bool:
    """True if `inner` is `outer` or lies below it."""
    outer_id = outer if isinstance(outer, int) else outer.id
    inner_id = inner if isinstance(inner, int) else inner.id
    return outer_id == inner_id or any(r.id == outer_id for r in ancestors(inner_id))


def all_regions() -> list[Region]:
    """Every region, in code order."""
    return list(db.session.scalars(sa.select(Region).order_by(Region.code)))


def tree_order(regions: list[Region] | None = None) -> list[tuple[Region, int]]:
    """Every region with its depth, parents before children, siblings in code order.

    Regions not reachable from a top region (a cycle or a missing parent in bad data) come
    last at depth 0, so they can still be seen and chosen.
    """
    regions = all_regions() if regions is None else regions
    children: dict[int | None, list[Region]] = {}
    for r in regions:
        children.setdefault(r.parent_id, []).append(r)
    out: list[tuple[Region, int]] = []
    seen: set[int] = set()
    stack: list[tuple[Region, int]] = [(r, 0) for r in reversed(children.get(None, []))]
    while stack:
        r, depth = stack.pop()
        if r.id in seen:
            continue
        seen.add(r.id)
        out.append((r, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(r.id, [])))
    out.extend((r, 0) for r in regions if r.id not in seen)
    return out


def choices() -> list[tuple[int, str]]:
    """(id, name indented by depth) for every region in tree order: select-box options."""
    return [(r.id, "\u00a0\u00a0" * depth + r.name) for r, depth in tree_order()]


def child_level(parent: Region | None) -> str | None:
    """The level a region directly under `parent` has (None: nothing may go under a village)."""
    if parent is None:
        return REGION_LEVELS[0]
    index = REGION_LEVELS.index(parent.level)
    return REGION_LEVELS[index + 1] if index + 1 < len(REGION_LEVELS) else None

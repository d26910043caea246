"""Conflict-of-interest queries and operations. Operations flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from mediation.cases.models import Case, Party
from mediation.conflicts.models import Conflict
from mediation.extensions import db
from mediation.roster.models import Person


@dataclass(frozen=True)
class Exclusion:
    """Why a person may not (or should preferably not) sit on a case."""

    person: Person
    kind: str  # "hard" | "waivable" | "soft" (as declared or found)
    effective: str | None  # what the planner obeys: "hard" | "soft" | None (dismissed)
    reason: str
    source: str  # "declared" | "organisation"
    conflict: Conflict | None = None


def exclusions_for_case(case: Case) -> list[Exclusion]:
    """Everyone with a declared conflict on this case, its parties, or its organisations."""
    party_ids = [p.id for p in case.parties]
    org_ids = {o.id for o in case.respondents} | {p.organisation_id for p in case.parties if p.organisation_id}
    stmt = sa.select(Conflict).where(
        sa.or_(
            Conflict.case_id == case.id,
            Conflict.party_id.in_(party_ids or [-1]),
            Conflict.organisation_id.in_(org_ids or {-1}),
        )
    ).order_by(Conflict.id)
    out = []
    for c in db.session.scalars(stmt):
        target = (f"party {c.party.name}" if c.party_id else
                  f"organisation {c.organisation.name}" if c.organisation_id else "this case")
        out.append(Exclusion(person=c.person, kind=c.kind, effective=c.effective_kind,
                             reason=f"{c.reason} ({target})", source="declared", conflict=c))
    return out


__all__ = ["Exclusion", "Party", "exclusions_for_case"]

"""Termination register queries and export rows.

The register is every case with `in_termination_register` (set by terminate, cleared by reopen).
Reads go through the cases' region read filter (auth.scope), so a region-limited user sees
only the register entries of their regions. Searching by a petitioner's name or ID number, and
seeing the names, is for roles allowed personal details (editors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from mediation.cases.models import CATEGORIES, Case, Party, case_respondents
from mediation.cases.services import CATEGORY_LABELS, normalise_id_number
from mediation.extensions import db
from mediation.regions import services as regions
from mediation.roster.models import Organisation, OrganisationAlias

PAGE_SIZE = 50


@dataclass
class RegisterFilters:
    q: str = ""
    region_id: int | None = None
    category: str | None = None
    year: int | None = None

    @classmethod
    def from_args(cls, args) -> RegisterFilters:
        category = args.get("category") or None
        year = args.get("year", type=int)
        return cls(q=(args.get("q") or "")[:200].strip(),
                   region_id=args.get("region", type=int) or None,
                   category=category if category in CATEGORIES else None,
                   year=year if year and 1900 < year < 3000 else None)

    def args(self) -> dict:
        out = {"q": self.q, "region": self.region_id, "category": self.category,
               "year": self.year}
        return {k: v for k, v in out.items() if v not in (None, "")}


def register_statement(f: RegisterFilters, personal: bool) -> sa.Select:
    """The register's cases matching `f`; `personal`: search petitioners' names and IDs too."""
    stmt = (sa.select(Case).where(Case.in_termination_register.is_(True))
            .options(selectinload(Case.region), selectinload(Case.parties),
                     selectinload(Case.respondents)))
    if f.q:
        like = f"%{f.q}%"
        orgs = sa.select(Organisation.id).where(sa.or_(
            Organisation.name.ilike(like),
            Organisation.id.in_(sa.select(OrganisationAlias.organisation_id)
                                .where(OrganisationAlias.alias.ilike(like)))))
        by_respondent = sa.select(case_respondents.c.case_id).where(
            case_respondents.c.organisation_id.in_(orgs))
        matches = [Case.reference.ilike(like), Case.title.ilike(like),
                   Case.id.in_(by_respondent)]
        if personal:
            matches.append(Case.id.in_(sa.select(Party.case_id).where(sa.or_(
                Party.name.ilike(like), Party.id_number == normalise_id_number(f.q)))))
        stmt = stmt.where(sa.or_(*matches))
    if f.region_id:
        stmt = stmt.where(Case.region_id.in_(regions.at_and_below(f.region_id)))
    if f.category:
        stmt = stmt.where(Case.category == f.category)
    if f.year:
        stmt = stmt.where(Case.closed_on >= date(f.year, 1, 1),
                          Case.closed_on <= date(f.year, 12, 31))
    return stmt.order_by(Case.closed_on.desc(), Case.id.desc())


def register_page(f: RegisterFilters, personal: bool, page: int = 1):
    return db.paginate(register_statement(f, personal), page=page, per_page=PAGE_SIZE,
                       error_out=False)


def years() -> list[int]:
    """Years with terminations (for the filter)."""
    rows = db.session.scalars(sa.select(Case.closed_on).where(
        Case.in_termination_register.is_(True), Case.closed_on.is_not(None)).distinct())
    return sorted({d.year for d in rows}, reverse=True)


def petitioners(case: Case) -> str:
    return "; ".join(p.name for p in case.parties)


def export_table(f: RegisterFilters, personal: bool) -> tuple[list[str], list[list[object]]]:
    header = [str(_l("Reference")), str(_l("Title")), str(_l("Category")), str(_l("Region")),
              str(_l("Respondents")), str(_l("Terminated on")), str(_l("Reason"))]
    if personal:
        header.insert(1, str(_l("Petitioners")))
    rows = []
    for case in db.session.scalars(register_statement(f, personal)):
        row: list[object] = [case.reference, case.title,
                             str(CATEGORY_LABELS.get(case.category, case.category)),
                             case.region.name, "; ".join(o.name for o in case.respondents),
                             case.closed_on.isoformat() if case.closed_on else "",
                             case.closure_reason or ""]
        if personal:
            row.insert(1, petitioners(case))
        rows.append(row)
    return header, rows

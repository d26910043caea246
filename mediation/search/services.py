"""One search box: cases (reference, title, party name, ID number), respondent organisations and
their aliases (the organisation record and its cases), people of the roster (code or name) and
hearings (by case reference or date).

Region scope: cases and parties are filtered on read for a region-limited user (`auth.scope`);
hearings are filtered here by their case's region. ID numbers are matched only when the caller
says the user may see personal details (the same rule as the case page), and such a match is
audited, as reading the details on the case page is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from mediation.audit.services import record
from mediation.cases.models import Case, Party, case_respondents
from mediation.cases.repeats import normalise_id_number
from mediation.extensions import db
from mediation.hearings.models import Hearing
from mediation.hearings.queries import is_current_published
from mediation.roster.models import Organisation, OrganisationAlias, Person
from mediation.roster.services import normalise_name
from mediation.timeutil import parse_day

KINDS = ("cases", "organisations", "people", "hearings")
OVERVIEW_LIMIT = 10  # per kind on the overview; "more" pages through one kind
PAGE_SIZE = 50
MAX_QUERY = 200
# An ID number: 15 or 18 characters, digits with a final X, spaces allowed while typing.
ID_NUMBER_RE = re.compile(r"^[0-9]{6}[0-9 ]*[0-9Xx]$")


@dataclass
class Group:
    kind: str
    items: list = field(default_factory=list)
    more: bool = False  # there are more than shown


@dataclass
class Results:
    q: str
    groups: dict[str, Group] = field(default_factory=dict)

    @property
    def total_shown(self) -> int:
        return sum(len(g.items) for g in self.groups.values())


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _ilike(column, q: str):
    return column.ilike(_like(q), escape="\\")


def looks_like_id_number(q: str) -> str | None:
    """The normalised ID number if `q` looks like one (≥ 8 characters once spaces are gone)."""
    compact = normalise_id_number(q)
    if compact and len(compact) >= 8 and ID_NUMBER_RE.match(q.strip()):
        return compact
    return None


def matching_organisation_ids(q: str) -> sa.Select:
    """Organisations whose name or any alias contains `q` (aliases are stored normalised)."""
    key = normalise_name(q)
    by_alias = sa.select(OrganisationAlias.organisation_id).where(
        _ilike(OrganisationAlias.alias, key))
    return sa.select(Organisation.id).where(
        sa.or_(_ilike(Organisation.name, q), Organisation.id.in_(by_alias)))


def case_statement(q: str, personal: bool) -> tuple[sa.Select, bool]:
    """Cases matching `q`, and whether the match used an ID number."""
    conditions = [
        _ilike(Case.reference, q), _ilike(Case.title, q),
        Case.id.in_(sa.select(Party.case_id).where(_ilike(Party.name, q))),
        Case.id.in_(sa.select(case_respondents.c.case_id).where(
            case_respondents.c.organisation_id.in_(matching_organisation_ids(q)))),
    ]
    id_number = looks_like_id_number(q) if personal else None
    if id_number:
        conditions.append(Case.id.in_(sa.select(Party.case_id).where(
            Party.id_number.like(_like(id_number), escape="\\"))))
    stmt = (sa.select(Case).where(sa.or_(*conditions)).options(selectinload(Case.region))
            .order_by(Case.registered_on.desc(), Case.id.desc()))
    return stmt, id_number is not None


def _id_number_cases(q: str) -> set[int]:
    id_number = looks_like_id_number(q)
    if not id_number:
        return set()
    return set(db.session.scalars(sa.select(Party.case_id).where(
        Party.id_number.like(_like(id_number), escape="\\"))))


def organisation_statement(q: str) -> sa.Select:
    return (sa.select(Organisation).where(Organisation.id.in_(matching_organisation_ids(q)))
            .options(selectinload(Organisation.aliases)).order_by(Organisation.name))


def people_statement(q: str) -> sa.Select:
    return (sa.select(Person).where(sa.or_(_ilike(Person.code, q), _ilike(Person.name, q)))
            .order_by(Person.code))


def _parse_day(q: str) -> date | None:
    try:
        return parse_day(q)
    except ValueError:
        return None


def hearing_statement(q: str, region_ids: frozenset[int] | None) -> sa.Select:
    """Current published hearings (not proposals, not cancelled) on the date `q`, or of cases whose
    reference contains `q`; only of cases in `region_ids` when given."""
    day = _parse_day(q)
    condition = Hearing.date == day if day else _ilike(Case.reference, q)
    stmt = (sa.select(Hearing).join(Case, Case.id == Hearing.case_id)
            .where(is_current_published(), condition)
            .options(selectinload(Hearing.case), selectinload(Hearing.room),
                     selectinload(Hearing.session))
            .order_by(Hearing.date.desc(), Hearing.starts_at, Hearing.id))
    if region_ids is not None:
        stmt = stmt.where(Case.region_id.in_(sorted(region_ids)))
    return stmt


def _statement(kind: str, q: str, personal: bool, region_ids) -> sa.Select:
    if kind == "cases":
        return case_statement(q, personal)[0]
    if kind == "organisations":
        return organisation_statement(q)
    if kind == "people":
        return people_statement(q)
    return hearing_statement(q, region_ids)


def _page(stmt: sa.Select, limit: int, offset: int = 0) -> tuple[list, bool]:
    rows = list(db.session.scalars(stmt.offset(offset).limit(limit + 1)).unique())
    return rows[:limit], len(rows) > limit


def organisation_cases(org_ids: list[int], limit: int = 5) -> dict[int, list[Case]]:
    """A few (visible) cases of each organisation, newest first."""
    out: dict[int, list[Case]] = {i: [] for i in org_ids}
    if not org_ids:
        return out
    rows = db.session.execute(
        sa.select(case_respondents.c.organisation_id, Case)
        .join(Case, Case.id == case_respondents.c.case_id)
        .where(case_respondents.c.organisation_id.in_(org_ids))
        .order_by(Case.registered_on.desc(), Case.id.desc()))
    for org_id, case in rows:
        if len(out[org_id]) < limit:
            out[org_id].append(case)
    return out


def search(q: str, *, personal: bool, region_ids: frozenset[int] | None = None,
           kind: str | None = None, page: int = 1) -> Results:
    """Grouped results for `q`: every kind capped at OVERVIEW_LIMIT, or one `kind` paged.

    `personal`: the user may see parties' personal details (ID numbers are searched, and a
    hit is audited). `region_ids`: the user's region scope (None: every region).
    """
    q = (q or "").strip()[:MAX_QUERY]
    results = Results(q)
    if not q:
        return results
    kinds = [kind] if kind in KINDS else list(KINDS)
    limit = PAGE_SIZE if kind in KINDS else OVERVIEW_LIMIT
    offset = (max(1, page) - 1) * PAGE_SIZE if kind in KINDS else 0
    for k in kinds:
        items, more = _page(_statement(k, q, personal, region_ids), limit, offset)
        results.groups[k] = Group(k, items, more)
    cases = results.groups.get("cases")
    if cases and personal:
        by_id_number = _id_number_cases(q) & {c.id for c in cases.items}
        if by_id_number:
            refs = sorted(c.reference for c in cases.items if c.id in by_id_number)
            record("case.personal_details.search", object_type="search",
                   summary=", ".join(refs), after={"case_ids": sorted(by_id_number)})
    return results

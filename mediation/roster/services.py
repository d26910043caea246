"""Roster queries and organisation look-ups (by record, through aliases)."""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from mediation.extensions import db
from mediation.roster.models import Organisation, OrganisationAlias, Person

PAGE_SIZE = 50


def normalise_name(name: str) -> str:
    """Fold width, case and spacing so that aliases compare equal however they were typed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def find_organisation(name: str) -> Organisation | None:
    """The organisation whose name or one of whose aliases is `name`."""
    key = normalise_name(name)
    org = db.session.scalar(
        sa.select(Organisation)
        .join(OrganisationAlias, OrganisationAlias.organisation_id == Organisation.id)
        .where(OrganisationAlias.alias == key)
    )
    if org is not None:
        return org
    for candidate in db.session.scalars(sa.select(Organisation).where(Organisation.name == name.strip())):
        return candidate
    return None


def get_or_create_organisation(name: str, aliases: list[str] | tuple[str, ...] = ()) -> Organisation:
    """Find by name or alias; otherwise create it with its own name registered as an alias."""
    org = find_organisation(name)
    if org is None:
        org = Organisation(name=name.strip())
        db.session.add(org)
        add_alias(org, name)
    for alias in aliases:
        add_alias(org, alias)
    db.session.flush()
    return org


def add_alias(org: Organisation, alias: str) -> None:
    key = normalise_name(alias)
    if key and all(a.alias != key for a in org.aliases):
        org.aliases.append(OrganisationAlias(alias=key))


def search_people(query: str = "", role: str | None = None, page: int = 1):
    stmt = (
        sa.select(Person)
        .options(selectinload(Person.expertise), selectinload(Person.organisations), selectinload(Person.regions))
        .order_by(Person.code)
    )
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(sa.or_(Person.name.ilike(like), Person.code.ilike(like)))
    if role == "expert":
        stmt = stmt.where(Person.is_expert)
    elif role == "counsellor":
        stmt = stmt.where(Person.is_counsellor)
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)

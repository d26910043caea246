"""Roster queries and organisation look-ups (by record, through aliases)."""

from __future__ import annotations

import unicodedata
from datetime import date as _date

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import gettext
from sqlalchemy.orm import selectinload

from mediation import emails
from mediation.audit.services import record
from mediation.centres.models import CentreDate, HearingSession, centre_date_units
from mediation.db import id_or_none
from mediation.extensions import db
from mediation.regions import services as regions
from mediation.regions.models import Region
from mediation.roster.models import (
    ExpertiseArea,
    Leader,
    Organisation,
    OrganisationAlias,
    Person,
    Unavailability,
    person_expertise,
    person_organisations,
    person_regions,
)
from mediation.roster.signals import organisations_merging


def _(message: str, **values) -> str:
    """Translated in a request; plain English outside one (CLI, tests, the planner export)."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


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
    return db.session.scalar(sa.select(Organisation).where(Organisation.name == name.strip()))


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


# --- filters, people and their availability -------------------------------------------------
# (Operations flush and write an audit entry; the request commits once.)

ALL_WEEKDAYS = [1, 2, 3, 4, 5, 6, 7]


class RosterError(ValueError):
    """An operation refused for a reason the coordinator can read."""


def filter_people(query: str = "", role: str | None = None, expertise_id: int | None = None,
                  region_id: int | None = None, active: str | None = None, page: int = 1):
    """Like `search_people`, with filters by expertise area, region served and active state."""
    stmt = (
        sa.select(Person)
        .options(selectinload(Person.expertise), selectinload(Person.organisations),
                 selectinload(Person.regions))
        .order_by(Person.code)
    )
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(sa.or_(Person.name.ilike(like), Person.code.ilike(like)))
    if role == "expert":
        stmt = stmt.where(Person.is_expert)
    elif role == "counsellor":
        stmt = stmt.where(Person.is_counsellor)
    if expertise_id:
        stmt = stmt.where(Person.id.in_(
            sa.select(person_expertise.c.person_id)
            .where(person_expertise.c.expertise_area_id == expertise_id)))
    if region_id:
        # People who serve this region: those who travel anywhere, or list it or a region above.
        region = db.session.get(Region, region_id)
        if region is not None:
            ids = [r.id for r in regions.path(region)]
            listed = sa.select(person_regions.c.person_id)
            stmt = stmt.where(sa.or_(
                Person.id.in_(listed.where(person_regions.c.region_id.in_(ids))),
                Person.id.not_in(listed),
            ))
    if active == "active":
        stmt = stmt.where(Person.active)
    elif active == "inactive":
        stmt = stmt.where(sa.not_(Person.active))
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)


def person_by_key(key: str) -> Person | None:
    """A person by the code people see (E0026, case-insensitive) or, failing that, by database
    id (commands accepted ids first; both keep working)."""
    key = (key or "").strip()
    if not key:
        return None
    person = db.session.scalar(sa.select(Person).where(sa.func.upper(Person.code) == key.upper()))
    if person is None and id_or_none(key) is not None:
        person = db.session.get(Person, id_or_none(key))
    return person


def code_taken(code: str, exclude_id: int | None = None) -> bool:
    stmt = sa.select(Person.id).where(Person.code == code.strip())
    if exclude_id is not None:
        stmt = stmt.where(Person.id != exclude_id)
    return db.session.scalar(stmt) is not None


def person_snapshot(p: Person) -> dict:
    return {
        "code": p.code, "name": p.name, "email": p.email, "phone": p.phone, "title": p.title,
        "roles": p.roles, "expertise": [a.code for a in p.expertise],
        "organisations": [o.name for o in p.organisations],
        "regions": [r.code for r in p.regions], "max_hearings": p.max_hearings,
        "max_per_day": p.max_per_day, "available_weekdays": p.available_weekdays,
        "active": p.active, "notes": p.notes,
    }


def resolve_organisations(names: list[str]) -> list[Organisation]:
    """Each name or alias to its record (created when unknown), without duplicates."""
    out: list[Organisation] = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        org = get_or_create_organisation(name)
        if org not in out:
            out.append(org)
    return out


def save_person(person: Person | None, data: dict) -> Person:
    """Create (person=None) or update a person from validated form data."""
    creating = person is None
    before = None if creating else person_snapshot(person)
    if creating:
        person = Person()
        db.session.add(person)
    for key in ("code", "name", "email", "phone", "title", "notes"):
        value = data.get(key)
        setattr(person, key, value.strip() if isinstance(value, str) and value.strip() else
                (None if key not in ("code", "name") else value))
    if person.email:
        try:
            person.email = emails.normalise(person.email)
        except emails.EmailError as exc:
            raise RosterError(_("Email: %(problem)s", problem=str(exc))) from None
    person.is_expert = bool(data.get("is_expert"))
    person.is_counsellor = bool(data.get("is_counsellor"))
    if not (person.is_expert or person.is_counsellor):
        raise RosterError(_("Choose at least one role: expert or counsellor."))
    person.active = bool(data.get("active", True))
    if data.get("locale") in current_app.config["LANGUAGES"]:
        person.locale = data["locale"]
    elif creating:
        person.locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    person.max_hearings = data.get("max_hearings")
    person.max_per_day = data.get("max_per_day")
    weekdays = sorted(set(data.get("available_weekdays") or []))
    if not weekdays:
        raise RosterError(_("Tick at least one weekday."))
    # Every day is stored as None (exchange format: no available_weekdays = every day).
    person.available_weekdays = None if weekdays == ALL_WEEKDAYS else weekdays
    ids = data.get("expertise_ids") or []
    person.expertise = list(db.session.scalars(
        sa.select(ExpertiseArea).where(ExpertiseArea.id.in_(ids or [-1]))))
    rids = data.get("region_ids") or []
    person.regions = list(db.session.scalars(sa.select(Region).where(Region.id.in_(rids or [-1]))))
    person.organisations = resolve_organisations(data.get("organisation_names") or [])
    db.session.flush()
    record("person.create" if creating else "person.update", person, before=before,
           after=person_snapshot(person), summary=f"{person.code} {person.name}")
    return person


def set_active(person: Person, active: bool) -> Person:
    if person.active != active:
        person.active = active
        db.session.flush()
        record("person.activate" if active else "person.deactivate", person,
               before={"active": not active}, after={"active": active}, summary=person.code)
    return person


def toggle_unavailability(person: Person, day: _date, session: HearingSession | None,
                          reason: str | None = None) -> str:
    """Mark `day` (or one session of it) unavailable, or clear it if already marked.

    Returns "added" or "removed". Marking the whole day replaces that day's single sessions.
    """
    same_day = [u for u in person.unavailability if u.date == day]
    sid = session.id if session is not None else None
    existing = next((u for u in same_day if u.session_id == sid), None)
    snapshot = {"date": day.isoformat(), "session": session.code if session else None}
    if existing is not None:
        person.unavailability.remove(existing)
        db.session.flush()
        record("person.unavailability.remove", person, before=snapshot, summary=person.code)
        return "removed"
    if session is not None and any(u.session_id is None for u in same_day):
        raise RosterError(_("Already unavailable the whole day."))
    if session is None:
        for u in same_day:
            person.unavailability.remove(u)
        db.session.flush()
    person.unavailability.append(Unavailability(date=day, session=session,
                                                reason=(reason or "").strip() or None))
    db.session.flush()
    record("person.unavailability.add", person, after=dict(snapshot, reason=reason),
           summary=person.code)
    return "added"


def remove_unavailability(entry: Unavailability) -> None:
    person = entry.person
    snapshot = {"date": entry.date.isoformat(),
                "session": entry.session.code if entry.session else None}
    person.unavailability.remove(entry)
    db.session.flush()
    record("person.unavailability.remove", person, before=snapshot, summary=person.code)


# --- expertise areas ------------------------------------------------------------------------


def save_expertise_area(area: ExpertiseArea | None, code: str, name_en: str,
                        name_zh: str | None = None) -> ExpertiseArea:
    code = code.strip()
    clash = db.session.scalar(sa.select(ExpertiseArea).where(ExpertiseArea.code == code))
    if clash is not None and clash is not area:
        raise RosterError(_("The code %(code)s is already used.", code=code))
    before = None if area is None else {"code": area.code, "name_en": area.name_en,
                                        "name_zh": area.name_zh}
    if area is None:
        area = ExpertiseArea()
        db.session.add(area)
    area.code, area.name_en, area.name_zh = code, name_en.strip(), (name_zh or "").strip() or None
    db.session.flush()
    record("expertise.create" if before is None else "expertise.update", area, before=before,
           after={"code": area.code, "name_en": area.name_en, "name_zh": area.name_zh},
           summary=area.code)
    return area


# --- organisations --------------------------------------------------------------------------


def search_organisations(query: str = "", page: int = 1):
    stmt = (sa.select(Organisation).options(selectinload(Organisation.aliases),
                                            selectinload(Organisation.parent))
            .order_by(Organisation.name))
    if query:
        key = normalise_name(query)
        like = f"%{query.strip()}%"
        stmt = stmt.where(sa.or_(
            Organisation.name.ilike(like),
            Organisation.id.in_(sa.select(OrganisationAlias.organisation_id)
                                .where(OrganisationAlias.alias.like(f"%{key}%"))),
        ))
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)


def create_organisation(name: str, parent: Organisation | None = None) -> Organisation:
    name = name.strip()
    if not name:
        raise RosterError(_("A name is required."))
    if find_organisation(name) is not None:
        raise RosterError(_("%(name)s is already a name or alias of an organisation.", name=name))
    org = get_or_create_organisation(name)
    org.parent = parent
    db.session.flush()
    record("organisation.create", org, after={"name": org.name}, summary=org.name)
    return org


def add_organisation_alias(org: Organisation, alias: str) -> None:
    key = normalise_name(alias)
    if not key:
        raise RosterError(_("An alias is required."))
    owner = find_organisation(alias)
    if owner is not None and owner is not org:
        raise RosterError(_("%(alias)s already belongs to %(name)s: merge the two records "
                            "instead.", alias=alias, name=owner.name))
    if any(a.alias == key for a in org.aliases):
        return
    add_alias(org, alias)
    db.session.flush()
    record("organisation.alias", org, after={"alias": key}, summary=f"{org.name}: {key}")


def set_organisation_parent(org: Organisation, parent: Organisation | None) -> None:
    node = parent
    while node is not None:
        if node.id == org.id:
            raise RosterError(_("An organisation cannot be supervised by itself or by one of "
                                "the organisations it supervises."))
        node = node.parent
    before = {"parent": org.parent.name if org.parent else None}
    org.parent = parent
    db.session.flush()
    record("organisation.parent", org, before=before,
           after={"parent": parent.name if parent else None}, summary=org.name)


def move_organisation_links(table: sa.Table, owner_col: str, keep_id: int, drop_id: int) -> None:
    """Point the links of a many-to-many `table` (organisation_id, `owner_col`) from `drop_id`
    to `keep_id`, without duplicating an owner already linked to `keep_id`."""
    s = db.session
    owners = sa.select(table.c[owner_col]).where(table.c.organisation_id == keep_id)
    s.execute(sa.delete(table).where(table.c.organisation_id == drop_id,
                                     table.c[owner_col].in_(owners)))
    s.execute(sa.update(table).where(table.c.organisation_id == drop_id)
              .values(organisation_id=keep_id))


def merge_organisations(keep: Organisation, drop: Organisation) -> Organisation:
    """Fold the duplicate `drop` into `keep`: names, aliases, members and supervised
    organisations move to `keep`, and so (through `signals.organisations_merging`) do the
    rows of higher features that name it (respondents, parties, conflicts); `drop` is
    deleted."""
    if keep.id == drop.id:
        raise RosterError(_("Choose two different organisations."))
    before = {"kept": keep.name, "dropped": drop.name, "dropped_id": drop.id,
              "dropped_aliases": sorted(a.alias for a in drop.aliases)}
    s = db.session
    move_organisation_links(person_organisations, "person_id", keep.id, drop.id)
    move_organisation_links(centre_date_units, "centre_date_id", keep.id, drop.id)
    s.execute(sa.update(CentreDate).where(CentreDate.lead_organisation_id == drop.id)
              .values(lead_organisation_id=keep.id))
    organisations_merging.send(keep, drop=drop)
    s.execute(sa.update(Organisation).where(Organisation.parent_id == drop.id,
                                            Organisation.id != keep.id)
              .values(parent_id=keep.id))
    if keep.parent_id is None and drop.parent_id not in (None, keep.id):
        keep.parent_id = drop.parent_id
    if keep.parent_id == drop.id:
        keep.parent_id = None
    aliases = [a.alias for a in drop.aliases] + [drop.name]
    drop.aliases.clear()
    s.flush()
    s.delete(drop)
    s.flush()
    s.expire_all()
    for alias in aliases:
        add_alias(keep, alias)
    s.flush()
    record("organisation.merge", keep, before=before,
           after={"kept": keep.name, "aliases": sorted(a.alias for a in keep.aliases)},
           summary=f"{drop.name} → {keep.name}")
    return keep


# --- tour-reception ("6+N") teams of venue days ------------------------------------------------


def team_names(text: str | None) -> list[str]:
    """Organisation names, one per line (commas and 、 separate too)."""
    for sep in ("\n", "，", "、"):
        text = (text or "").replace(sep, ",")
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def _team_snapshot(entry: CentreDate) -> dict:
    return {"lead": entry.lead_organisation.name if entry.lead_organisation else None,
            "units": [o.name for o in entry.team_units]}


def set_reception_team(entry: CentreDate, lead: str | None, units: list[str]) -> CentreDate:
    """Record the tour-reception ("6+N") team of a venue day: the lead unit and the other
    units, each resolved to its organisation record through names and aliases (a new name
    creates one). No lead and no units clears the team."""
    before = _team_snapshot(entry)
    lead_org = get_or_create_organisation(lead.strip()) if (lead or "").strip() else None
    others: list[Organisation] = []
    for name in units:
        org = get_or_create_organisation(name.strip()) if name.strip() else None
        if org is not None and org not in others and org != lead_org:
            others.append(org)
    entry.lead_organisation = lead_org
    entry.team_units = sorted(others, key=lambda o: o.name)
    db.session.flush()
    after = _team_snapshot(entry)
    if after != before:
        record("centre_date.team", entry, before=before, after=after,
               summary=f"{entry.centre.code} {entry.date.isoformat()}")
    return entry


def later_market_days(entry: CentreDate) -> list[CentreDate]:
    """The venue's market days (openings) after this one."""
    return [d for d in entry.centre.dates if d.kind == "open" and d.date > entry.date]


# --- responsible leaders (包案领导) ---------------------------------------------------------------

LEADER_CODE_PREFIX = "L"


def next_leader_code() -> str:
    """The next free code L0001, L0002, … (after the highest numeric one)."""
    codes = list(db.session.scalars(
        sa.select(Leader.code).where(Leader.code.like(LEADER_CODE_PREFIX + "%"))))
    codes += [o.code for o in db.session.new if isinstance(o, Leader) and o.code]
    numbers = [int(c[len(LEADER_CODE_PREFIX):]) for c in codes
               if c[len(LEADER_CODE_PREFIX):].isdigit()]
    return f"{LEADER_CODE_PREFIX}{max(numbers, default=0) + 1:04d}"


def leader_code_taken(code: str, exclude_id: int | None = None) -> bool:
    stmt = sa.select(Leader.id).where(Leader.code == code.strip())
    if exclude_id is not None:
        stmt = stmt.where(Leader.id != exclude_id)
    return db.session.scalar(stmt) is not None


def find_leader(text: str | None) -> Leader | None:
    """The leader whose code is `text`, else the one whose name is `text` (one match only)."""
    text = (text or "").strip()
    if not text:
        return None
    leader = db.session.scalar(sa.select(Leader).where(Leader.code == text))
    if leader is not None:
        return leader
    matches = list(db.session.scalars(sa.select(Leader).where(Leader.name == text).limit(2)))
    return matches[0] if len(matches) == 1 else None


def leaders(active_only: bool = False) -> list[Leader]:
    stmt = sa.select(Leader).options(selectinload(Leader.organisation)).order_by(Leader.code)
    if active_only:
        stmt = stmt.where(Leader.active.is_(True))
    return list(db.session.scalars(stmt))


def leader_choices(current_id: int | None = None) -> list[tuple[int, str]]:
    """Active leaders for a case form (plus the case's present leader, even if inactive)."""
    return [(leader.id, leader.label) for leader in leaders()
            if leader.active or leader.id == current_id]


def leader_snapshot(leader: Leader) -> dict:
    return {"code": leader.code, "name": leader.name, "post": leader.post,
            "organisation": leader.organisation.name if leader.organisation else None,
            # The phone is private: the log says whether there is one, not what it is.
            "phone": "[redacted]" if leader.phone else None, "active": leader.active,
            "user_id": leader.user_id}


def save_leader(leader: Leader | None, data: dict) -> Leader:
    """Create (leader=None) or update a leader from validated form data."""
    creating = leader is None
    before = None if creating else leader_snapshot(leader)
    code = (data.get("code") or "").strip() or (leader.code if leader else next_leader_code())
    if leader_code_taken(code, None if creating else leader.id):
        raise RosterError(_("Another leader already has the code %(code)s.", code=code))
    if creating:
        leader = Leader()
        db.session.add(leader)
    leader.code = code
    leader.name = data["name"].strip()
    for key in ("post", "phone"):
        value = (data.get(key) or "").strip()
        setattr(leader, key, value or None)
    org_name = (data.get("organisation") or "").strip()
    leader.organisation = get_or_create_organisation(org_name) if org_name else None
    leader.user_id = data.get("user_id") or None
    leader.active = bool(data.get("active", True))
    db.session.flush()
    record("leader.create" if creating else "leader.update", leader, before=before,
           after=leader_snapshot(leader), summary=f"{leader.code} {leader.name}")
    return leader


def get_or_create_leader(name: str) -> Leader:
    """The leader named `name`, created with the next code when there is none."""
    name = name.strip()
    pending = [o for o in db.session.new if isinstance(o, Leader) and o.name == name]
    leader = pending[0] if pending else db.session.scalar(
        sa.select(Leader).where(Leader.name == name).order_by(Leader.code).limit(1))
    if leader is None:
        leader = Leader(code=next_leader_code(), name=name, active=True)
        db.session.add(leader)
    return leader

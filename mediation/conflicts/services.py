"""Conflict-of-interest queries and operations. Operations flush; the caller commits.

Two sources of conflicts:

* **declared** — a coordinator records person ↔ case / party / organisation with a kind;
* **automatic** — found from organisation membership, always through organisation records (so
  aliases match): a member of a respondent organisation or of a party's organisation is a hard
  conflict; a member of an organisation with the same supervising department as a respondent,
  or of the respondent's parent or child organisation, is a waivable one. Automatic findings are
  computed, not stored; a coordinator's decision on one (waiver, dismissal) is stored as a
  `Conflict` row with `source='automatic'`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import gettext
from sqlalchemy.orm import selectinload

from mediation.audit.services import record
from mediation.cases.models import Case, Party
from mediation.conflicts.models import AUTOMATIC_RULES, CONFLICT_KINDS, Conflict
from mediation.db import now_utc
from mediation.extensions import db
from mediation.roster.models import Organisation, Person, person_organisations
from mediation.roster.services import normalise_name
from mediation.roster.signals import organisations_merging


def _(message: str, **values) -> str:
    """Translated in a request; plain English outside one (CLI, tests, the planner export)."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


# Cases in these states are no longer scheduled: automatic findings are not computed for them
# in the conflict lists (the case page still shows its own).
CLOSED_STATUSES = ("not_accepted", "resolved", "terminated", "transferred", "referred")


class ConflictError(ValueError):
    """An operation refused for a reason the coordinator can read."""


@dataclass(frozen=True)
class Exclusion:
    """Why a person may not (or should preferably not) sit on a case."""

    person: Person
    kind: str  # "hard" | "waivable" | "soft" (as declared or found)
    effective: str | None  # what the planner obeys: "hard" | "soft" | None (dismissed)
    reason: str
    source: str  # "declared" | "automatic"
    conflict: Conflict | None = None  # the declared row, or the decision on an automatic one
    finding: Finding | None = None  # automatic only

    @property
    def state(self) -> str:
        return self.conflict.state if self.conflict is not None else "active"


@dataclass(frozen=True)
class Finding:
    """A conflict found from organisation membership, with what it was found through."""

    person: Person
    case: Case
    kind: str  # "hard" | "waivable"
    rule: str  # see AUTOMATIC_RULES
    basis_organisation: Organisation  # the case's organisation (respondent or party's)
    person_organisation: Organisation  # the person's own organisation record
    basis_role: str  # "respondent" | "party"
    decision: Conflict | None = None

    @property
    def key(self) -> tuple[int, int, int, str]:
        return (self.person.id, self.case.id, self.basis_organisation.id, self.rule)

    @property
    def state(self) -> str:
        return self.decision.state if self.decision is not None else "active"

    @property
    def effective(self) -> str | None:
        if self.decision is not None:
            return self.decision.effective_kind
        return "hard"

    @property
    def reason(self) -> str:
        basis = _describe(self.basis_organisation)
        own = _describe(self.person_organisation)
        if self.rule == "member":
            if self.basis_role == "respondent":
                return _("Works for a respondent organisation: %(org)s", org=basis)
            return _("Belongs to a party's organisation: %(org)s", org=basis)
        if self.rule == "same_supervisor":
            parent = self.basis_organisation.parent
            return _(
                "Same supervising department (%(parent)s): works for %(own)s; respondent %(org)s",
                parent=parent.name if parent else "", own=own, org=basis,
            )
        if self.person_organisation.id == self.basis_organisation.parent_id:
            return _("Works for %(own)s, the supervising department of respondent %(org)s",
                     own=own, org=basis)
        return _("Works for %(own)s, which is supervised by respondent %(org)s",
                 own=own, org=basis)


def _describe(org: Organisation) -> str:
    """The organisation as the coordinator knows it: its record's name, and its other names
    where they read as written (aliases are stored normalised: a Latin one is lower-cased, so
    it is left to the organisation's own page)."""
    own = normalise_name(org.name)
    others = sorted(a.alias for a in org.aliases if a.alias != own and not a.alias.isascii())
    if others:
        return org.name + " " + _("also known as %(names)s", names=_(", ").join(others))
    return org.name


# --- automatic findings ---------------------------------------------------------------------


def automatic_findings(cases: list[Case], person_ids: set[int] | None = None) -> list[Finding]:
    """Every conflict found from organisation membership on `cases` (optionally for some people).

    Matching is by organisation record: aliases are resolved when the record is chosen, and
    merging duplicates is what makes the records trustworthy.
    """
    if not cases:
        return []
    # The case organisations: respondents, then parties' organisations.
    case_orgs: list[tuple[Case, Organisation, str]] = []
    for case in cases:
        for org in case.respondents:
            case_orgs.append((case, org, "respondent"))
        for party in case.parties:
            if party.organisation is not None:
                case_orgs.append((case, party.organisation, "party"))
    if not case_orgs:
        return []

    # Who belongs to which organisation (one query), and each organisation's parent.
    rows = db.session.execute(
        sa.select(person_organisations.c.person_id, person_organisations.c.organisation_id)
    ).all()
    members: dict[int, set[int]] = defaultdict(set)
    for pid, oid in rows:
        if person_ids is None or pid in person_ids:
            members[oid].add(pid)
    if not members:
        return []
    parents = dict(db.session.execute(sa.select(Organisation.id, Organisation.parent_id)).all())
    by_parent: dict[int, set[int]] = defaultdict(set)
    for oid, parent_id in parents.items():
        if parent_id is not None:
            by_parent[parent_id].add(oid)

    found: dict[tuple[int, int, int], tuple[str, str, int, str]] = {}
    for case, org, role in case_orgs:
        for pid in members.get(org.id, ()):
            found[(pid, case.id, org.id)] = ("hard", "member", org.id, role)
        if role != "respondent":
            continue
        related: list[tuple[int, str]] = []
        if org.parent_id is not None:
            related += [(o, "same_supervisor") for o in by_parent[org.parent_id] if o != org.id]
            related.append((org.parent_id, "parent_child"))
        related += [(o, "parent_child") for o in by_parent.get(org.id, ())]
        for other_id, rule in related:
            for pid in members.get(other_id, ()):
                found.setdefault((pid, case.id, org.id), ("waivable", rule, other_id, role))

    if not found:
        return []
    people = {p.id: p for p in db.session.scalars(
        sa.select(Person).where(Person.id.in_({k[0] for k in found})))}
    orgs = {o.id: o for o in db.session.scalars(
        sa.select(Organisation).options(selectinload(Organisation.aliases))
        .where(Organisation.id.in_({k[2] for k in found} | {v[2] for v in found.values()})))}
    cases_by_id = {c.id: c for c in cases}
    decisions = _decisions({c.id for c in cases})
    out = []
    for (pid, cid, oid), (kind, rule, own_id, role) in sorted(found.items()):
        out.append(Finding(person=people[pid], case=cases_by_id[cid], kind=kind, rule=rule,
                           basis_organisation=orgs[oid], person_organisation=orgs[own_id],
                           basis_role=role, decision=decisions.get((pid, cid, oid, rule))))
    return out


def _decisions(case_ids: set[int]) -> dict[tuple[int, int, int, str], Conflict]:
    stmt = (sa.select(Conflict)
            .where(Conflict.source == "automatic", Conflict.case_id.in_(case_ids or {-1}))
            .order_by(Conflict.id))
    return {(c.person_id, c.case_id, c.basis_organisation_id, c.rule): c
            for c in db.session.scalars(stmt)}


def find_automatic(person: Person, case: Case, basis_organisation_id: int, rule: str) -> Finding:
    for finding in automatic_findings([case], {person.id}):
        if finding.key == (person.id, case.id, basis_organisation_id, rule):
            return finding
    raise ConflictError(_("This conflict is no longer found: the organisations have changed."))


def undecided_automatic_conflicts(cases: list[Case]) -> list[Finding]:
    """For the scenario export: automatic findings with no stored decision (all hard for the
    planner). Decided ones are stored `Conflict` rows and are exported with the others."""
    return [f for f in automatic_findings(cases) if f.decision is None]


# --- the case page --------------------------------------------------------------------------


def exclusions_for_case(case: Case) -> list[Exclusion]:
    """Everyone with a conflict on this case — declared on the case, its parties or its
    organisations, or found from organisation membership — and how the planner treats it."""
    party_ids = [p.id for p in case.parties]
    org_ids = {o.id for o in case.respondents} | {
        p.organisation_id for p in case.parties if p.organisation_id}
    stmt = sa.select(Conflict).where(
        Conflict.source == "declared",
        sa.or_(
            Conflict.case_id == case.id,
            Conflict.party_id.in_(party_ids or [-1]),
            Conflict.organisation_id.in_(org_ids or {-1}),
        ),
    ).order_by(Conflict.id)
    out = []
    for c in db.session.scalars(stmt):
        out.append(Exclusion(person=c.person, kind=c.kind, effective=c.effective_kind,
                             reason=f"{c.reason} ({target_label(c)})", source="declared",
                             conflict=c))
    for f in automatic_findings([case]):
        out.append(Exclusion(person=f.person, kind=f.kind, effective=f.effective, reason=f.reason,
                             source="automatic", conflict=f.decision, finding=f))
    return out


def _target(c: Conflict) -> dict:
    """A declared conflict's target by its names, for the audit log (conflicts.audit_words)."""
    if c.party_id is not None:
        return {"party": c.party.name, "case": c.party.case.reference}
    if c.organisation_id is not None:
        return {"organisation": c.organisation.name}
    return {"case": c.case.reference}


def target_label(c: Conflict) -> str:
    if c.party_id is not None:
        return _("party %(name)s of %(case)s", name=c.party.name, case=c.party.case.reference)
    if c.organisation_id is not None:
        return _("organisation %(name)s", name=c.organisation.name)
    return _("case %(ref)s", ref=c.case.reference)


# --- operations -----------------------------------------------------------------------------


def _snapshot(c: Conflict) -> dict:
    return {
        "person": c.person.code if c.person else None, "kind": c.kind, "reason": c.reason,
        "source": c.source, "case_id": c.case_id, "party_id": c.party_id,
        "organisation_id": c.organisation_id, "basis_organisation_id": c.basis_organisation_id,
        "rule": c.rule, "waiver_reason": c.waiver_reason, "dismissal_reason": c.dismissal_reason,
    }


def _reason(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise ConflictError(_("A reason is required."))
    return text


def declare_conflict(person: Person, kind: str, reason: str, *, case: Case | None = None,
                     party: Party | None = None, organisation: Organisation | None = None,
                     user=None) -> Conflict:
    if kind not in CONFLICT_KINDS:
        raise ConflictError(_("Unknown kind of conflict."))
    if sum(t is not None for t in (case, party, organisation)) != 1:
        raise ConflictError(_("Choose exactly one of a case, a party or an organisation."))
    conflict = Conflict(person=person, kind=kind, reason=_reason(reason), case=case, party=party,
                        organisation=organisation, source="declared",
                        declared_by_id=getattr(user, "id", None))
    db.session.add(conflict)
    db.session.flush()
    record("conflict.declare", conflict, user=user,
           after=_snapshot(conflict) | {"target": _target(conflict)}, summary=person.code)
    return conflict


def waive_conflict(conflict: Conflict, reason: str, user=None) -> Conflict:
    if conflict.kind != "waivable":
        raise ConflictError(_("A %(kind)s conflict can never be waived.", kind=conflict.kind))
    if conflict.dismissed_at is not None:
        raise ConflictError(_("This conflict was dismissed; there is nothing to waive."))
    if conflict.waived_at is not None:
        raise ConflictError(_("This conflict is already waived."))
    before = _snapshot(conflict)
    conflict.waiver_reason = _reason(reason)
    conflict.waived_at = now_utc()
    conflict.waived_by_id = getattr(user, "id", None)
    db.session.flush()
    record("conflict.waive", conflict, user=user, before=before, after=_snapshot(conflict),
           summary=f"{conflict.person.code}: {conflict.waiver_reason}")
    return conflict


def dismiss_conflict(conflict: Conflict, reason: str, user=None) -> Conflict:
    if conflict.dismissed_at is not None:
        raise ConflictError(_("This conflict is already dismissed."))
    if conflict.source == "automatic" and conflict.rule == "member":
        raise ConflictError(_membership_message())
    before = _snapshot(conflict)
    conflict.dismissal_reason = _reason(reason)
    conflict.dismissed_at = now_utc()
    conflict.dismissed_by_id = getattr(user, "id", None)
    db.session.flush()
    record("conflict.dismiss", conflict, user=user, before=before, after=_snapshot(conflict),
           summary=f"{conflict.person.code}: {conflict.dismissal_reason}")
    return conflict


def _membership_message() -> str:
    return _("Membership of a case's organisation is always a hard conflict, and the planner "
             "enforces it from the person's organisations. If it is wrong, correct the person's "
             "organisations or merge the organisation records instead.")


def decide_automatic(finding: Finding, decision: str, reason: str, user=None) -> Conflict:
    """Record a waiver or dismissal of an automatic finding as a `Conflict` row."""
    if decision not in ("waive", "dismiss"):
        raise ConflictError(_("Unknown decision."))
    if finding.decision is not None:
        conflict = finding.decision
    else:
        if decision == "waive" and finding.kind != "waivable":
            raise ConflictError(_("A %(kind)s conflict can never be waived.", kind=finding.kind))
        if decision == "dismiss" and finding.rule == "member":
            raise ConflictError(_membership_message())
        _reason(reason)
        conflict = Conflict(person=finding.person, case=finding.case, kind=finding.kind,
                            reason=finding.reason, source="automatic", rule=finding.rule,
                            basis_organisation=finding.basis_organisation)
        db.session.add(conflict)
        db.session.flush()
    if decision == "waive":
        return waive_conflict(conflict, reason, user)
    return dismiss_conflict(conflict, reason, user)


# --- lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictRow:
    """One line of the conflicts page: a stored conflict or an undecided automatic finding."""

    person: Person
    kind: str
    source: str
    state: str
    effective: str | None
    target: str
    case: Case | None
    reason: str
    conflict: Conflict | None = None
    finding: Finding | None = None
    # The organisation the conflict comes through: the declared one, or the case's organisation
    # an automatic finding was made from (None for a conflict with a case or a party).
    organisation: Organisation | None = None


def _organisation_of(c: Conflict) -> Organisation | None:
    if c.organisation is not None:
        return c.organisation
    if c.basis_organisation is not None:
        return c.basis_organisation
    return getattr(c.party, "organisation", None) if c.party is not None else None


GROUPINGS = ("person", "organisation")


def group_rows(rows: list[ConflictRow], by: str) -> list[tuple[tuple, ConflictRow]]:
    """`rows` ordered by person (code) or by organisation (name; those without one last), each
    with its group's key (a tuple that is equal for rows of one group), keeping the order
    within a group."""
    def key(row: ConflictRow) -> tuple:
        if by == "organisation":
            org = row.organisation
            return (1, "", 0) if org is None else (0, org.name, org.id)
        return (0, row.person.code, row.person.id)

    return sorted(((key(r), r) for r in rows), key=lambda pair: pair[0])


def conflict_rows(*, kind: str | None = None, state: str | None = None,
                  person: Person | None = None, case: Case | None = None) -> list[ConflictRow]:
    """Declared conflicts, decisions on automatic ones and undecided automatic findings on open
    cases, filtered; hard and active first."""
    stmt = sa.select(Conflict).order_by(Conflict.id.desc())
    if person is not None:
        stmt = stmt.where(Conflict.person_id == person.id)
    if case is not None:
        party_ids = [p.id for p in case.parties]
        stmt = stmt.where(sa.or_(Conflict.case_id == case.id,
                                 Conflict.party_id.in_(party_ids or [-1])))
    rows = []
    for c in db.session.scalars(stmt):
        the_case = c.case or (c.party.case if c.party is not None else None)
        rows.append(ConflictRow(person=c.person, kind=c.kind, source=c.source, state=c.state,
                                effective=c.effective_kind, target=target_label(c), case=the_case,
                                reason=c.reason, conflict=c, organisation=_organisation_of(c)))
    if state in (None, "", "active"):
        if case is not None:
            cases = [case]
        else:
            cases = list(db.session.scalars(
                sa.select(Case).where(Case.status.not_in(CLOSED_STATUSES))
                .options(selectinload(Case.respondents),
                         selectinload(Case.parties).selectinload(Party.organisation))))
        for f in automatic_findings(cases, {person.id} if person is not None else None):
            if f.decision is None:
                rows.append(ConflictRow(person=f.person, kind=f.kind, source="automatic",
                                        state="active", effective="hard",
                                        target=_("case %(ref)s", ref=f.case.reference),
                                        case=f.case, reason=f.reason, finding=f,
                                        organisation=f.basis_organisation))
    if kind:
        rows = [r for r in rows if r.kind == kind]
    if state:
        rows = [r for r in rows if r.state == state]
    order = {"hard": 0, "waivable": 1, "soft": 2}
    states = {"active": 0, "waived": 1, "dismissed": 2}
    rows.sort(key=lambda r: (states[r.state], order[r.kind], r.person.code))
    return rows


def person_conflicts(person: Person) -> list[ConflictRow]:
    return conflict_rows(person=person)


__all__ = [
    "AUTOMATIC_RULES", "GROUPINGS", "ConflictError", "ConflictRow", "Exclusion", "Finding",
    "group_rows",
    "automatic_findings", "conflict_rows", "undecided_automatic_conflicts", "decide_automatic", "declare_conflict",
    "dismiss_conflict", "exclusions_for_case", "find_automatic", "person_conflicts",
    "waive_conflict",
]


@organisations_merging.connect
def _move_organisation_references(keep, drop, **_kwargs) -> None:
    """A duplicate organisation is folded into `keep`: conflicts naming it follow."""
    db.session.execute(sa.update(Conflict).where(Conflict.organisation_id == drop.id)
                       .values(organisation_id=keep.id))
    db.session.execute(sa.update(Conflict).where(Conflict.basis_organisation_id == drop.id)
                       .values(basis_organisation_id=keep.id))

"""Repeat petitions: the same person coming back.

* The **same person**: the same ID number (normalised: no spaces, upper-case X), or the same
  name plus the same phone number (digits only).
* A **confirmed repeat**: the same person with the same matter: the same category and a shared
  respondent organisation (matched by organisation record, so through its aliases). Intake links
  it automatically (`CaseLink` status "confirmed"), raises the repeat count and the priority.
* A **possible repeat**: the same person in the same category without a shared respondent
  (including when no respondent is named). Recorded as a `CaseLink` with status "possible" and
  shown on the case page; a coordinator confirms it (it then counts as a repeat) or dismisses it,
  always with a reason.
* A coordinator can also link a repeat by hand (by case reference) and unlink one, with a reason.

Every decision is a `CaseEvent` in the case's history and an audit record. Functions flush; the
caller commits once. This module imports no other module of `cases` but the models, so
`services` can re-export it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from mediation.audit.services import record
from mediation.cases.models import Case, CaseEvent, CaseLink, Party, case_respondents
from mediation.extensions import db


class RepeatError(Exception):
    """A repeat decision refused (missing reason, unknown case …); `message` can be shown."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def normalise_id_number(value: str | None) -> str | None:
    value = re.sub(r"\s+", "", value or "").upper()
    return value or None


def normalise_phone(value: str | None) -> str | None:
    value = re.sub(r"[^\d+]", "", value or "")
    return value or None


@dataclass(frozen=True)
class PersonKey:
    """What identifies a party as a person across cases."""

    name: str
    id_number: str | None = None
    phone: str | None = None


def person_keys(parties) -> list[PersonKey]:
    """Keys of parties (objects with name/id_number/phone), normalised."""
    return [PersonKey((p.name or "").strip(), normalise_id_number(p.id_number),
                      normalise_phone(p.phone)) for p in parties]


def _same_person_condition(keys: list[PersonKey]):
    """SQL on `Party`: any of these people (ID number; or name + phone). None if no key."""
    conditions = []
    for k in keys:
        if k.id_number:
            conditions.append(Party.id_number == k.id_number)
        if k.phone and k.name:
            conditions.append(sa.and_(sa.func.lower(Party.name) == k.name.lower(),
                                      Party.phone == k.phone))
    return sa.or_(*conditions) if conditions else None


def same_person_cases(keys: list[PersonKey], category: str, exclude_id: int | None = None,
                      registered_by=None) -> list[Case]:
    """Cases of the same person in the same category, oldest first."""
    condition = _same_person_condition(keys)
    if condition is None or not category:
        return []
    stmt = (sa.select(Case)
            .where(Case.category == category, Case.id.in_(sa.select(Party.case_id)
                                                          .where(condition)))
            .order_by(Case.registered_on, Case.id))
    if exclude_id is not None:
        stmt = stmt.where(Case.id != exclude_id)
    if registered_by is not None:
        stmt = stmt.where(Case.registered_on <= registered_by)
    return list(db.session.scalars(stmt))


def _sharing_respondent(case_ids: list[int], org_ids: list[int]) -> set[int]:
    if not case_ids or not org_ids:
        return set()
    return set(db.session.scalars(
        sa.select(case_respondents.c.case_id).where(
            case_respondents.c.case_id.in_(case_ids),
            case_respondents.c.organisation_id.in_(org_ids))))


def classify(keys: list[PersonKey], category: str, org_ids: list[int],
             exclude_id: int | None = None, registered_by=None) -> tuple[list[Case], list[Case]]:
    """(confirmed, possible): earlier cases of the same person in the same category, split by
    whether they share a respondent organisation."""
    cases = same_person_cases(keys, category, exclude_id, registered_by)
    shared = _sharing_respondent([c.id for c in cases], org_ids)
    return [c for c in cases if c.id in shared], [c for c in cases if c.id not in shared]


def find_repeats(case: Case) -> list[Case]:
    """Earlier cases this case repeats: same person, same category, a shared respondent."""
    return classify(person_keys(case.parties), case.category,
                    [o.id for o in case.respondents], case.id, case.registered_on)[0]


def find_possible_repeats(case: Case) -> list[Case]:
    """Earlier cases of the same person in the same category without a shared respondent."""
    return classify(person_keys(case.parties), case.category,
                    [o.id for o in case.respondents], case.id, case.registered_on)[1]


def _event(case: Case, user, action: str, note: str | None = None) -> CaseEvent:
    event = CaseEvent(user_id=getattr(user, "id", None), action=action, note=note or None)
    case.events.append(event)
    return event


def confirmed_links(case: Case) -> list[CaseLink]:
    return [link for link in case.earlier_links if link.status == "confirmed"]


def possible_links(case: Case) -> list[CaseLink]:
    return [link for link in case.earlier_links if link.status == "possible"]


def _raise_for_repeat(case: Case, earlier: list[Case]) -> None:
    """A repeat counts one more than the earlier case it repeats; priority up by one."""
    case.repeat_count = max(case.repeat_count or 0, 1 + max(e.repeat_count for e in earlier))
    case.priority = min(5, (case.priority or 3) + 1)


def flag_repeats(case: Case, user) -> list[Case]:
    """At intake: link confirmed repeats (count and priority raised) and record possible ones.

    Returns the confirmed earlier cases (as before); possible ones are in `possible_links`.
    """
    confirmed, possible = classify(person_keys(case.parties), case.category,
                                   [o.id for o in case.respondents], case.id, case.registered_on)
    links = {link.earlier_case_id: link for link in case.earlier_links}
    for e in possible:
        if e.id not in links:
            case.earlier_links.append(CaseLink(earlier_case=e, reason="repeat", status="possible"))
    if possible:
        refs = ", ".join(e.reference for e in possible)
        _event(case, user, "possible_repeat", note=refs)
        record("case.possible_repeat", case, summary=refs, user=user,
               after={"earlier": [e.id for e in possible]})
    if confirmed:
        for e in confirmed:
            link = links.get(e.id)
            if link is None:
                case.earlier_links.append(CaseLink(earlier_case=e, reason="repeat",
                                                   status="confirmed"))
            elif link.status == "possible":
                link.status = "confirmed"
        _raise_for_repeat(case, confirmed)
        refs = ", ".join(e.reference for e in confirmed)
        _event(case, user, "repeat_detected", note=refs)
        record("case.repeat_detected", case, summary=refs, user=user,
               after={"repeat_count": case.repeat_count, "priority": case.priority,
                      "earlier": [e.id for e in confirmed]})
    db.session.flush()
    return confirmed


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RepeatError(_l("Give a reason."))
    return reason


def _link(case: Case, link_id: int) -> CaseLink:
    link = next((lk for lk in case.earlier_links if lk.id == link_id), None)
    if link is None:
        raise RepeatError(_l("No such link on this case."))
    return link


def decide_possible(case: Case, link_id: int, confirm: bool, reason: str | None,
                    user) -> CaseLink:
    """Confirm (a repeat: count and priority raised) or dismiss a possible repeat."""
    reason = _reason(reason)
    link = _link(case, link_id)
    if link.status != "possible":
        raise RepeatError(_l("This link has already been decided."))
    before = {"status": link.status, "repeat_count": case.repeat_count, "priority": case.priority}
    link.status = "confirmed" if confirm else "dismissed"
    link.note = reason
    if confirm:
        _raise_for_repeat(case, [link.earlier_case])
    action = "repeat_confirmed" if confirm else "repeat_dismissed"
    _event(case, user, action, note=f"{link.earlier_case.reference}: {reason}")
    db.session.flush()
    record(f"case.{action}", case, summary=f"{link.earlier_case.reference}: {reason}", user=user,
           before=before, after={"status": link.status, "repeat_count": case.repeat_count,
                                 "priority": case.priority, "earlier": link.earlier_case_id})
    return link


def link_repeat(case: Case, reference: str, reason: str | None, user, visible=None) -> CaseLink:
    """Link `case` by hand as a repeat of the case with `reference` (confirmed).

    `visible(case) -> bool` hides cases the user may not see (they are "unknown").
    """
    reason = _reason(reason)
    reference = (reference or "").strip()
    earlier = db.session.scalar(sa.select(Case).where(
        sa.func.upper(Case.reference) == reference.upper())) if reference else None
    if earlier is None or (visible is not None and not visible(earlier)):
        raise RepeatError(_l("No case with the reference %(ref)s.", ref=reference))
    if earlier.id == case.id:
        raise RepeatError(_l("A case cannot repeat itself."))
    link = next((lk for lk in case.earlier_links if lk.earlier_case_id == earlier.id), None)
    if link is not None and link.status == "confirmed":
        raise RepeatError(_l("Already linked to %(ref)s.", ref=earlier.reference))
    if link is None:
        link = CaseLink(earlier_case=earlier, reason="manual")
        case.earlier_links.append(link)
    link.status = "confirmed"
    link.note = reason
    _raise_for_repeat(case, [earlier])
    _event(case, user, "repeat_linked", note=f"{earlier.reference}: {reason}")
    db.session.flush()
    record("case.repeat_linked", case, summary=f"{earlier.reference}: {reason}", user=user,
           after={"earlier": earlier.id, "repeat_count": case.repeat_count,
                  "priority": case.priority})
    return link


def unlink_repeat(case: Case, link_id: int, reason: str | None, user) -> None:
    """Remove a link (the case is no longer a repeat of that one); the repeat count follows the
    remaining confirmed links. Priority is left as it is (a coordinator edits it)."""
    reason = _reason(reason)
    link = _link(case, link_id)
    earlier = link.earlier_case
    before = {"earlier": earlier.id, "status": link.status, "repeat_count": case.repeat_count}
    case.earlier_links.remove(link)
    db.session.flush()
    remaining = [lk.earlier_case for lk in confirmed_links(case)]
    case.repeat_count = (1 + max(e.repeat_count for e in remaining)) if remaining else 0
    _event(case, user, "repeat_unlinked", note=f"{earlier.reference}: {reason}")
    db.session.flush()
    record("case.repeat_unlinked", case, summary=f"{earlier.reference}: {reason}", user=user,
           before=before, after={"repeat_count": case.repeat_count})

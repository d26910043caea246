"""What came of a hearing: its outcome, recorded by the coordinator, and what hearings a person
has (the person page's section, through `signals.person_page_sections`).

An outcome is recorded only for a published hearing whose time has started. It never changes
what attendees see (`lifecycle.seen`): SEQUENCE stays, no invite goes out. Recording it pins the
hearing, so no plan run moves a hearing that has taken place. Adjourned, no-show and postponed
send the case back into planning (`queries.in_force`). Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from mediation.audit.services import record
from mediation.auth.scope import region_scope
from mediation.db import now_utc
from mediation.extensions import db
from mediation.hearings import lifecycle
from mediation.hearings.labels import HEARING_STATUS_LABELS, RESULT_LABELS, ROLE_LABELS
from mediation.hearings.models import (
    OUTCOME_RESULTS,
    PUBLISHED_LAYER,
    REPLAN_RESULTS,
    Hearing,
    HearingMember,
    HearingOutcome,
)
from mediation.hearings.queries import is_current_published
from mediation.timeutil import local_today

MINUTES_MAX = 20000


class OutcomeError(Exception):
    """Refused input; `field` names the form field it concerns (message names it too)."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


def can_record(h: Hearing, now: datetime | None = None) -> bool:
    """A published hearing whose time has started."""
    return (h.layer == PUBLISHED_LAYER and h.status == "published"
            and h.starts_at <= (now or now_utc()))


def record_outcome(h: Hearing, *, result: str | None, present_ids, petitioner_present: bool,
                   agreement: bool | None, minutes: str | None, user,
                   now: datetime | None = None) -> HearingOutcome:
    """Record (or replace) what came of `h`. Raises OutcomeError naming the field."""
    now = now or now_utc()
    if h.layer != PUBLISHED_LAYER or h.status != "published":
        raise OutcomeError("result", _l("Outcome: only a published hearing has an outcome."))
    if h.starts_at > now:
        raise OutcomeError("result", _l("Outcome: the hearing has not started yet."))
    if result not in OUTCOME_RESULTS:
        raise OutcomeError("result", _l("Outcome: choose held, adjourned, no-show or postponed."))
    member_ids = {m.person_id for m in h.members}
    present = sorted({int(i) for i in present_ids or ()})
    if not set(present) <= member_ids:
        raise OutcomeError("present", _l("Present: only members of this hearing can be "
                                         "present."))
    if result == "held":
        if agreement is None:
            raise OutcomeError("agreement", _l("Agreement: say whether an agreement was "
                                               "reached."))
    else:
        agreement = None
    minutes = (minutes or "").strip() or None
    if minutes and len(minutes) > MINUTES_MAX:
        raise OutcomeError("minutes", _l("Minutes: at most %(n)s characters.", n=MINUTES_MAX))
    with db.session.no_autoflush:
        outcome = h.outcome
        before = _snapshot(outcome) if outcome is not None else None
        if outcome is None:
            outcome = HearingOutcome(hearing=h)
            db.session.add(outcome)
        outcome.result, outcome.present_person_ids = result, present
        outcome.petitioner_present, outcome.agreement = bool(petitioner_present), agreement
        outcome.minutes, outcome.recorded_at = minutes, now
        outcome.recorded_by_id = getattr(user, "id", None)
    db.session.flush()
    lifecycle.set_pinned(h, True)  # taken place: no plan run moves it
    record("hearing.outcome", h, summary=f"{h.case.reference} {h.date.isoformat()}",
           before=before, after=_snapshot(outcome), user=user)
    return outcome


def _snapshot(o: HearingOutcome) -> dict:
    return {"result": o.result, "present": list(o.present_person_ids or []),
            "petitioner_present": o.petitioner_present, "agreement": o.agreement,
            "minutes": o.minutes}


def sends_back(h: Hearing) -> bool:
    """Whether `h`'s outcome put its case back into planning."""
    return h.outcome is not None and h.outcome.result in REPLAN_RESULTS


def latest_held(case_id: int) -> Hearing | None:
    """The case's latest hearing recorded as held (its panel gives the opinion)."""
    return db.session.scalar(
        sa.select(Hearing).join(HearingOutcome, HearingOutcome.hearing_id == Hearing.id)
        .where(Hearing.case_id == case_id, is_current_published(), HearingOutcome.result == "held")
        .order_by(Hearing.starts_at.desc(), Hearing.id.desc()).limit(1))


def case_hearings(case_id: int) -> list[Hearing]:
    """Every hearing of a case worth showing on its page: in the schedule of record (published,
    held, cancelled) and in a proposal of a run that is still open (not yet published)."""
    return list(db.session.scalars(
        sa.select(Hearing).where(Hearing.case_id == case_id)
        .options(selectinload(Hearing.members).selectinload(HearingMember.person),
                 selectinload(Hearing.room), selectinload(Hearing.session),
                 selectinload(Hearing.outcome))
        .order_by(Hearing.starts_at.desc(), Hearing.layer, Hearing.id)))


def ordered_members(h: Hearing) -> list[HearingMember]:
    """Chair first, then members, then the counsellor."""
    order = {"chair": 0, "member": 1, "counsellor": 2}
    return sorted(h.members, key=lambda m: (order.get(m.role, 3), m.id or 0))


# --- a person's hearings and load -----------------------------------------------------------


@dataclass
class PersonLoad:
    this_month: int
    next_30_days: int


def person_load(person_id: int, today: date | None = None) -> PersonLoad:
    """Published hearings the person attends (any role) this calendar month and in the next
    30 days from today, counted as the dashboard counts load (current published members)."""
    today = today or local_today()
    first = today.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)

    def count(start: date, end: date) -> int:
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(HearingMember).where(
                is_current_published(HearingMember), HearingMember.person_id == person_id,
                HearingMember.date >= start, HearingMember.date < end)) or 0

    return PersonLoad(count(first, next_first), count(today, today + timedelta(days=30)))


def person_hearings(person_id: int, limit: int = 50, region_ids: frozenset[int] | None = None
                    ) -> list[tuple[Hearing, str]]:
    """The person's hearings in the schedule of record, newest first, with their role; with
    `region_ids` (a region-limited reader's scope), only those of cases in these regions."""
    stmt = (sa.select(Hearing, HearingMember.role)
            .join(HearingMember, HearingMember.hearing_id == Hearing.id)
            .where(HearingMember.person_id == person_id, Hearing.layer == PUBLISHED_LAYER))
    if region_ids is not None:
        cases = db.metadata.tables["cases"]  # cases sit above hearings: by table
        stmt = stmt.where(Hearing.case_id.in_(sa.select(cases.c.id).where(
            cases.c.region_id.in_(sorted(region_ids) or [-1]))))
    rows = db.session.execute(
        stmt.options(selectinload(Hearing.room), selectinload(Hearing.outcome),
                 selectinload(Hearing.session))
        .order_by(Hearing.starts_at.desc(), Hearing.id.desc()).limit(limit)).all()
    return [(h, role) for h, role in rows]


def person_section(person, **_: object) -> str:
    """Subscriber of `signals.person_page_sections`: the person's hearings and load."""
    # The fragment is an autoescaped template's output, so it is safe HTML as it stands.
    html = render_template("hearings/_person_hearings.html", person=person,
                           rows=person_hearings(person.id,
                                                region_ids=region_scope(current_user)),
                           load=person_load(person.id),
                           result_labels=RESULT_LABELS, role_labels=ROLE_LABELS,
                           status_labels=HEARING_STATUS_LABELS)
    return Markup(html)  # noqa: S704 # nosec B704 - an autoescaped template rendered it

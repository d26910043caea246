"""Follow-up visits (回访): after a held hearing or after closure, someone visits the petitioner
and records how it went. A follow-up not done by its due date is overdue (case page, home).

Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.audit.services import record
from mediation.auth import access, scope
from mediation.cases.models import Case, case_region_ids
from mediation.db import TimestampMixin, UTCDateTime, now_utc
from mediation.extensions import db
from mediation.hearings.models import Hearing, HearingOutcome
from mediation.timeutil import local_today

CLOSED_STATUSES = ("resolved", "terminated")
VISITOR_MAX = 200


class FollowUp(TimestampMixin, db.Model):
    __tablename__ = "follow_ups"
    __table_args__ = (
        sa.CheckConstraint("done_on IS NOT NULL OR satisfied IS NULL", name="satisfied"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)
    visitor: Mapped[str] = mapped_column(sa.String(VISITOR_MAX))
    done_on: Mapped[date | None] = mapped_column(sa.Date)
    result: Mapped[str | None] = mapped_column(sa.Text)
    satisfied: Mapped[bool | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case = relationship("Case")

    def is_overdue(self, today: date | None = None) -> bool:
        return self.done_on is None and self.due_on < (today or local_today())


# Region scope: a follow-up belongs to its case's region (reads filtered, access checked).
scope.filter_reads(FollowUp, lambda region_ids: FollowUp.case_id.in_(
    sa.select(Case.id).where(Case.region_id.in_(region_ids))))
access.register(FollowUp, lambda f: case_region_ids([f.case_id]))
access.scoped_arg("followup_id", FollowUp)


class FollowUpError(Exception):
    """Refused input; `field` names the form field it concerns."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


def overdue_condition(today: date | None = None) -> sa.ColumnElement[bool]:
    """SQL: a follow-up not done and due before today (home page, case page)."""
    return sa.and_(FollowUp.done_on.is_(None), FollowUp.due_on < (today or local_today()))


def count_overdue(case_ids=None, today: date | None = None) -> int:
    stmt = sa.select(sa.func.count()).select_from(FollowUp).where(overdue_condition(today))
    if case_ids is not None:
        stmt = stmt.where(FollowUp.case_id.in_(case_ids))
    return db.session.scalar(stmt) or 0


def followups_of(case) -> list[FollowUp]:
    return list(db.session.scalars(sa.select(FollowUp).where(FollowUp.case_id == case.id)
                                   .order_by(FollowUp.due_on, FollowUp.id)))


def has_held_hearing(case) -> bool:
    return db.session.scalar(
        sa.select(HearingOutcome.id).join(Hearing, Hearing.id == HearingOutcome.hearing_id)
        .where(Hearing.case_id == case.id, HearingOutcome.result == "held").limit(1)) is not None


def can_schedule(case) -> bool:
    """A follow-up comes after a held hearing or after closure."""
    return case.status in CLOSED_STATUSES or has_held_hearing(case)


def schedule(case, *, due_on: date | None, visitor: str | None, user) -> FollowUp:
    if not can_schedule(case):
        raise FollowUpError("due_on", _l("A follow-up visit is scheduled after a held hearing "
                                         "or after the case is closed."))
    if due_on is None:
        raise FollowUpError("due_on", _l("Due date: enter a date."))
    visitor = (visitor or "").strip()
    if not visitor:
        raise FollowUpError("visitor", _l("Visitor: say who visits."))
    if len(visitor) > VISITOR_MAX:
        raise FollowUpError("visitor", _l("Visitor: at most %(n)s characters.", n=VISITOR_MAX))
    f = FollowUp(case_id=case.id, due_on=due_on, visitor=visitor,
                 created_by_id=getattr(user, "id", None))
    db.session.add(f)
    db.session.flush()
    record("case.followup.schedule", case, summary=f"{case.reference} {due_on.isoformat()}",
           after={"due_on": due_on.isoformat(), "visitor": visitor}, user=user)
    return f


def complete(f: FollowUp, *, done_on: date | None, result: str | None,
             satisfied: bool | None, user, today: date | None = None) -> FollowUp:
    today = today or local_today()
    if done_on is None:
        raise FollowUpError("done_on", _l("Done on: enter a date."))
    if done_on > today:
        raise FollowUpError("done_on", _l("Done on: the visit cannot be in the future."))
    result = (result or "").strip()
    if not result:
        raise FollowUpError("result", _l("Result: describe how the visit went."))
    if satisfied is None:
        raise FollowUpError("satisfied", _l("Satisfied: choose yes or no."))
    f.done_on, f.result, f.satisfied, f.recorded_at = done_on, result, satisfied, now_utc()
    db.session.flush()
    record("case.followup.done", f.case, summary=f"{f.case.reference} {done_on.isoformat()}",
           after={"done_on": done_on.isoformat(), "satisfied": satisfied}, user=user)
    return f


__all__ = ["FollowUp", "FollowUpError", "can_schedule", "complete", "count_overdue",
           "followups_of", "overdue_condition", "schedule"]

"""What a proposal would change in the published schedule, and publishing it.

Publishing keeps identities: a case whose published hearing moves or changes panel keeps the same
row, UID and gets SEQUENCE + 1; a new hearing enters the schedule with the proposal's random UID;
a published hearing its run no longer holds is cancelled (kept, never deleted), so calendars and
invites update correctly (mediation.hearings.lifecycle does it and tells the calendar). It all
happens in one transaction, committed by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from mediation import signals
from mediation.audit.services import record
from mediation.cases.models import Case
from mediation.centres.labels import session_name
from mediation.db import now_utc
from mediation.extensions import db
from mediation.hearings import lifecycle
from mediation.hearings.labels import member_role
from mediation.hearings.models import Hearing, HearingMember
from mediation.hearings.queries import in_force, proposals_of
from mediation.planning.models import PlanRun
from mediation.planning.runs import PlanningError, own_case_ids

CHANGE_KINDS = ("new", "moved", "panel", "cancelled", "unchanged")


@dataclass
class Change:
    kind: str  # one of CHANGE_KINDS
    case: Case
    before: Hearing | None  # the published hearing
    after: Hearing | None  # the proposal
    details: list[str] = field(default_factory=list)


def _place(h: Hearing) -> tuple:
    return (h.room_id, h.date, h.session_id)


def _people(h: Hearing) -> frozenset[tuple[int, str]]:
    return frozenset((m.person_id, m.role) for m in h.members)


def hearing_label(h: Hearing) -> str:
    return (f"{format_date(h.date, 'medium')} {session_name(h.session)} "
            f"{h.room.centre.name} / {h.room.name}")


def proposals(run: PlanRun) -> list[Hearing]:
    return list(db.session.scalars(
        proposals_of(run.id)
        .options(selectinload(Hearing.members).selectinload(HearingMember.person),
                 selectinload(Hearing.case), selectinload(Hearing.room), selectinload(Hearing.session))
        .order_by(Hearing.date, Hearing.session_id, Hearing.room_id)))


def diff(run: PlanRun) -> list[Change]:
    """Each case the run plans against the published schedule: new, moved, changed panel,
    cancelled or unchanged. Its fixed context (other regions' published hearings, copied into
    the proposal as they were) is no change of this run's: neither shown nor touched."""
    mine = {h.case_id: h for h in proposals(run)}
    planned = own_case_ids(run, set(run.result_cases or []) | set(mine))
    published = {h.case_id: h for h in db.session.scalars(
        in_force(case_ids=planned)
        .options(selectinload(Hearing.members).selectinload(HearingMember.person),
                 selectinload(Hearing.case)))}
    out = []
    for case_id in planned:
        before, after = published.get(case_id), mine.get(case_id)
        if before is None and after is None:
            continue
        case = (after or before).case
        if before is None:
            out.append(Change("new", case, None, after, [hearing_label(after)]))
        elif after is None:
            out.append(Change("cancelled", case, before, None, [hearing_label(before)]))
        elif _place(before) != _place(after):
            details = [f"{hearing_label(before)} → {hearing_label(after)}"]
            if _people(before) != _people(after):
                details.append(_people_change(before, after))
            out.append(Change("moved", case, before, after, details))
        elif _people(before) != _people(after):
            out.append(Change("panel", case, before, after, [_people_change(before, after)]))
        else:
            out.append(Change("unchanged", case, before, after))
    order = {k: i for i, k in enumerate(CHANGE_KINDS)}
    out.sort(key=lambda c: (order[c.kind], c.case.reference))
    return out


def _people_change(before: Hearing, after: Hearing) -> str:
    old = {m.person_id: m for m in before.members}
    new = {m.person_id: m for m in after.members}
    parts = [f"− {old[p].person.name}" for p in old if p not in new]
    parts += [f"+ {new[p].person.name}" for p in new if p not in old]
    parts += [f"{new[p].person.name}: {member_role(old[p].role)} → {member_role(new[p].role)}"
              for p in new
              if p in old and old[p].role != new[p].role]
    return ", ".join(parts)


def summary(changes: list[Change]) -> dict[str, int]:
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    for c in changes:
        counts[c.kind] += 1
    return counts


@dataclass
class Preview:
    """What publishing a run would do: the changes, their counts, and the emails it would send."""

    changes: list[Change]
    counts: dict[str, int]
    emails: int

    @property
    def fingerprint(self) -> str:
        """What the coordinator confirmed: publishing refuses if this changed meanwhile."""
        return ",".join(f"{k}{v}" for k, v in self.counts.items()) + f",e{self.emails}"


def _invite_change(c: Change) -> dict | None:
    """The calendar's view of one change (see `signals.invites_preview`), as publishing makes
    it: a new hearing is published, a dropped one cancelled, a moved or re-staffed one takes
    its proposal's place and people (`lifecycle.take_proposals`) and, if what attendees see
    changes, is updated."""
    if c.kind == "new":
        return {"kind": "published", "members": [(m.person_id, m.role) for m in c.after.members]}
    if c.kind == "cancelled":
        return {"kind": "cancelled", "members": [(m.person_id, m.role) for m in c.before.members]}
    if c.kind in ("moved", "panel"):
        was = lifecycle.before(c.before)
        now_seen = {**lifecycle.seen(c.after), "status": "published"}
        if now_seen == was.seen:
            return None
        return {"kind": "updated", "members": [(m.person_id, m.role) for m in c.after.members],
                "previous_attendee_ids": set(was.attendee_ids), "before": was.payload(),
                "now_seen": now_seen}
    return None


def preview(run: PlanRun) -> Preview:
    """What `publish_run` would change and how many emails it would queue, writing nothing."""
    changes = diff(run)
    wanted = [x for x in map(_invite_change, changes) if x is not None]
    answers = signals.invites_preview.send(run, changes=wanted)
    return Preview(changes, summary(changes), sum(n or 0 for _receiver, n in answers))


def publish_run(run: PlanRun, user=None) -> dict[str, int]:
    """Publish a succeeded run's proposal into the schedule, in one transaction (flushes; the
    caller commits). Invites go out through the hearings' signals."""
    claimed = db.session.execute(
        sa.update(PlanRun).where(PlanRun.id == run.id, PlanRun.status == "succeeded")
        .values(status="published", published_at=now_utc(),
                published_by_id=getattr(user, "id", None))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:  # nothing was written: the caller's transaction stays as it was
        db.session.refresh(run)
        raise PlanningError(_l("Run #%(id)d cannot be published: it is %(status)s.",
                               id=run.id, status=run.status))
    changes = diff(run)
    now = now_utc()
    counts = summary(changes)
    # 1. Published hearings the run drops are cancelled.
    for c in changes:
        if c.kind == "cancelled":
            lifecycle.cancel(c.before, at=now)
    # 2. Changed published hearings take their proposal's place and people (same row and UID);
    #    proposals matching an unchanged hearing are spent.
    #    So are the copies of its fixed context, which publishing leaves as they are.
    planned = {c.case.id for c in changes}
    lifecycle.take_proposals(
        [(c.before, c.after) for c in changes if c.kind in ("moved", "panel")], run.id,
        spent=[c.after for c in changes if c.kind == "unchanged"]
        + [h for h in proposals(run) if h.case_id not in planned])
    # 3. New hearings move from the run's layer into the schedule.
    for c in changes:
        if c.kind == "new":
            lifecycle.publish_proposal(c.after, at=now)
    db.session.flush()
    supersede_runs_touching({c.case.id for c in changes if c.kind != "unchanged"}, keep=run.id)
    # Worded when shown (planning.audit_words): the counts are in `after`.
    record("plan.publish", run, user=user, after=counts, summary=f"#{run.id}")
    signals.plan_published.send(run, counts=counts, user=user)
    return counts


def supersede_runs_touching(case_ids: set[int], keep: int | None = None) -> list[int]:
    """Runs whose proposal involves these cases were computed against a schedule that has
    changed: mark them superseded and drop their proposals (flushes only)."""
    if not case_ids:
        return []
    out = []
    for other in db.session.scalars(sa.select(PlanRun).where(PlanRun.status == "succeeded")):
        if other.id == keep:
            continue
        if set(other.result_cases or []) & case_ids:
            other.status = "superseded"
            db.session.execute(sa.delete(Hearing).where(Hearing.layer == other.id))
            out.append(other.id)
    db.session.flush()
    return out


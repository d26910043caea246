"""What a proposal would change in the published schedule, and publishing it.

Publishing keeps identities: a case whose published hearing moves or changes panel keeps the same
row, UID and gets SEQUENCE + 1; a new hearing enters the schedule with the proposal's random UID;
a published hearing its run no longer holds is cancelled (kept, never deleted), so calendars and
invites update correctly. It all happens in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from mediation.audit.services import record
from mediation.cases.models import Case
from mediation.db import now_utc
from mediation.extensions import db
from mediation.planning.models import PUBLISHED_LAYER, Hearing, HearingMember, PlanRun
from mediation.planning.runs import PlanningError

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
    return f"{h.date} {h.session.code} {h.room.centre.name} / {h.room.name}"


def proposals(run: PlanRun) -> list[Hearing]:
    return list(db.session.scalars(
        sa.select(Hearing).where(Hearing.layer == run.id)
        .options(selectinload(Hearing.members).selectinload(HearingMember.person),
                 selectinload(Hearing.case), selectinload(Hearing.room), selectinload(Hearing.session))
        .order_by(Hearing.date, Hearing.session_id, Hearing.room_id)))


def diff(run: PlanRun) -> list[Change]:
    """Each case of the run against the published schedule: new, moved, changed panel,
    cancelled or unchanged."""
    mine = {h.case_id: h for h in proposals(run)}
    planned = set((run.scope or {}).get("planned_case_ids", [])) | set(mine)
    published = {h.case_id: h for h in db.session.scalars(
        sa.select(Hearing).where(Hearing.layer == PUBLISHED_LAYER, Hearing.status == "published",
                                 Hearing.case_id.in_(planned))
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
    parts += [f"{new[p].person.name}: {old[p].role} → {new[p].role}" for p in new
              if p in old and old[p].role != new[p].role]
    return ", ".join(parts)


def summary(changes: list[Change]) -> dict[str, int]:
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    for c in changes:
        counts[c.kind] += 1
    return counts


def publish_run(run: PlanRun, user=None) -> dict[str, int]:
    """Publish a succeeded run's proposal into the schedule, in one transaction."""
    from mediation.calendar.invites import queue_invites

    claimed = db.session.execute(
        sa.update(PlanRun).where(PlanRun.id == run.id, PlanRun.status == "succeeded")
        .values(status="published", published_at=now_utc(),
                published_by_id=getattr(user, "id", None))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        db.session.refresh(run)
        raise PlanningError(_l("Run #%(id)d cannot be published: it is %(status)s.",
                               id=run.id, status=run.status))
    changes = diff(run)
    now = now_utc()
    counts = summary(changes)
    notices: list[tuple[Hearing, str, set[int]]] = []
    # 1. Published hearings the run drops are cancelled.
    for c in changes:
        if c.kind == "cancelled":
            attendees = {m.person_id for m in c.before.members}
            c.before.status, c.before.cancelled_at = "cancelled", now
            c.before.sequence += 1
            notices.append((c.before, "cancelled", attendees))
    # 2. Changed published hearings leave the booking indexes for a moment (status cancelled
    #    inside this transaction only), so a swap of two slots never trips the constraints.
    changed = [c for c in changes if c.kind in ("moved", "panel")]
    targets = {}
    for c in changed:
        targets[c.case.id] = (c.after.room_id, c.after.date, c.after.session_id,
                              c.after.starts_at, c.after.ends_at, c.after.pinned,
                              [(m.person_id, m.role) for m in c.after.members],
                              {m.person_id for m in c.before.members})
        c.before.status = "cancelled"
    db.session.flush()
    # 3. Proposals matched to a published hearing are spent.
    for c in changes:
        if c.before is not None and c.after is not None:
            db.session.delete(c.after)
    db.session.flush()
    # 4. Changed hearings take their new place and people: same row, same UID, SEQUENCE + 1.
    for c in changed:
        room_id, day, session_id, starts, ends, pinned, members, previous = targets[c.case.id]
        h = c.before
        h.members.clear()
        db.session.flush()
        h.room_id, h.date, h.session_id, h.starts_at, h.ends_at = room_id, day, session_id, starts, ends
        h.status, h.pinned, h.plan_run_id = "published", pinned or h.pinned, run.id
        h.sequence += 1
        db.session.flush()
        h.members.extend(HearingMember(person_id=p, role=r) for p, r in members)
        db.session.flush()
        notices.append((h, "updated", previous))
    # 5. New hearings move from the run's layer into the schedule.
    for c in changes:
        if c.kind == "new":
            h = c.after
            h.layer, h.status, h.published_at, h.sequence = PUBLISHED_LAYER, "published", now, 0
            notices.append((h, "published", set()))
    db.session.flush()
    for h, kind, previous in notices:
        queue_invites(h, kind=kind, previous_attendee_ids=previous)
    supersede_runs_touching({c.case.id for c in changes if c.kind != "unchanged"}, keep=run.id)
    record("plan.publish", run, user=user, after=counts,
           summary=", ".join(f"{k} {v}" for k, v in counts.items() if v))
    db.session.commit()
    notify_mail()
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
        planned = set((other.scope or {}).get("planned_case_ids", []))
        if planned & case_ids:
            other.status = "superseded"
            db.session.execute(sa.delete(Hearing).where(Hearing.layer == other.id))
            out.append(other.id)
    db.session.flush()
    return out


def notify_mail() -> None:
    """Ask the background worker to send what publishing queued (retried periodically too)."""
    from mediation import worker

    try:
        worker.submit("mail.deliver")
    except Exception:  # the queue being down must not undo a publication; the ticker retries
        import logging

        logging.getLogger(__name__).warning("could not queue mail delivery", exc_info=True)

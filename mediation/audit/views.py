"""The audit log for administrators: filter by user, action, object and date; paged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from mediation.audit.labels import action_area, action_area_label, action_label, object_type_label
from mediation.audit.models import AuditEntry
from mediation.auth.models import User
from mediation.auth.permissions import admin_required
from mediation.extensions import db
from mediation.timeutil import local_zone, parse_day
from mediation.web import paginate

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
PER_PAGE = 25


@dataclass
class AuditFilters:
    user_id: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    start: date | None = None
    end: date | None = None

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        def day(name):
            try:
                return parse_day(args.get(name, "")[:10])
            except ValueError:
                return None

        return cls(user_id=args.get("user", type=int), action=args.get("action", "")[:64].strip(),
                   object_type=args.get("type", "")[:64].strip(),
                   object_id=args.get("id", "")[:64].strip(), start=day("start"), end=day("end"))

    def args(self) -> dict:
        out = {"user": self.user_id, "action": self.action, "type": self.object_type,
               "id": self.object_id, "start": self.start, "end": self.end}
        return {k: v for k, v in out.items() if v not in (None, "")}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


def audit_statement(f: AuditFilters) -> sa.Select:
    """Newest first. Dates are calendar days in the configured zone, both ends included."""
    stmt = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if f.user_id:
        stmt = stmt.where(AuditEntry.user_id == f.user_id)
    if f.action:
        # "case." lists every case action; an exact name lists one.
        if f.action.endswith("."):
            stmt = stmt.where(AuditEntry.action.startswith(f.action, autoescape=True))
        else:
            stmt = stmt.where(AuditEntry.action == f.action)
    if f.object_type:
        stmt = stmt.where(AuditEntry.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditEntry.object_id == f.object_id)
    if f.start:
        stmt = stmt.where(AuditEntry.at >= _local_midnight(f.start))
    if f.end:
        stmt = stmt.where(AuditEntry.at < _local_midnight(f.end + timedelta(days=1)))
    return stmt


@bp.route("/")
@admin_required
def index():
    f = AuditFilters.from_args(request.args)
    page = paginate(audit_statement(f), PER_PAGE)
    users = db.session.scalars(sa.select(User).order_by(User.email)).all()
    actions = db.session.scalars(sa.select(AuditEntry.action).distinct()).all()
    types = db.session.scalars(sa.select(AuditEntry.object_type).distinct()).all()
    return render_template("audit/index.html", page=page, f=f, users=users,
                           areas=filter_options(actions, f.action),
                           types=sorted(((t, object_type_label(t)) for t in types),
                                        key=lambda pair: pair[1]),
                           action_label=action_label, object_type_label=object_type_label)


def filter_options(actions: list[str], chosen: str) -> list[tuple[str, str]]:
    """(value, words) for the action filter: one "area." entry per area of the recorded actions,
    by label, plus the chosen exact action when a link asked for one."""
    areas = {action_area(a) + ".": action_area_label(a) for a in actions}
    if chosen and chosen not in areas:
        areas[chosen] = action_label(chosen)
    return sorted(areas.items(), key=lambda pair: pair[1])

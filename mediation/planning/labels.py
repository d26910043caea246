"""Words for plan runs: their status (models.RUN_STATUSES), what they planned (scope), and the
reasons planning itself gives for an unscheduled case (a case left planning, a coordinator took
its hearing out), stored as codes and worded when shown (planner_words.register_reasons)."""

from __future__ import annotations

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mediation.cases.labels import case_event
from mediation.extensions import db
from mediation.i18n import label
from mediation.planning.scope import RunScope, ScopeError
from mediation.regions.models import Region

RUN_STATUS_LABELS = {
    "queued": _l("waiting to start"),
    "running": _l("planning"),
    "succeeded": _l("ready for review"),
    "failed": _l("failed"),
    "cancelled": _l("cancelled"),
    "published": _l("published"),
    "superseded": _l("replaced by a later plan"),
}


# Reasons for an unscheduled case that planning writes itself ({code, params} in `details`).
LEFT_PLANNING = "case.left_planning"  # params: action (a case workflow action), note
REMOVED_BY_COORDINATOR = "proposal.removed"  # params: reason (the coordinator's words)


def left_planning_text(action: str | None, note: str | None) -> str:
    """Why a case left planning, in the reader's words ("移交政法部门：note"): its unscheduled
    reason and the audit entry of its cancelled hearings."""
    label, note = case_event(action), (note or "").strip()
    return _("%(action)s: %(note)s", action=label, note=note) if note else label


def _removed(_w, p: dict) -> str:
    text = _("Removed from the proposal by a coordinator.")
    reason = (p.get("reason") or "").strip()
    return _("%(text)s %(reason)s", text=text, reason=reason) if reason else text


REASON_WORDS = {
    LEFT_PLANNING: lambda _w, p: left_planning_text(p.get("action"), p.get("note")),
    REMOVED_BY_COORDINATOR: _removed,
}


def english_reason(detail: dict) -> str:
    """The English `reasons` text beside one of these `details` (the exchange format's reasons
    are English; pages word the code)."""
    with force_locale("en"):
        return REASON_WORDS[detail["code"]](None, detail["params"])


def run_status(status: str | None) -> str:
    return label(RUN_STATUS_LABELS, status)


def run_scope(run) -> str:
    """What a run planned, in words: every case, a region's, chosen cases, or a repair."""
    try:
        scope = RunScope.from_json(run.scope)
    except ScopeError:
        return run.scope_key
    if scope.kind == "region":
        region = db.session.get(Region, scope.region_id) if scope.region_id else None
        return _("cases of %(region)s", region=region.name if region else scope.region_code)
    if scope.kind == "cases":
        n = len(scope.case_ids)
        return ngettext("%(num)d chosen case", "%(num)d chosen cases", n)
    if scope.kind == "repair":
        return _("repair after a decline")
    return _("all cases to plan")

"""Words for plan runs: their status (models.RUN_STATUSES) and what they planned (scope)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

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

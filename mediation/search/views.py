"""The search box's results page: /search?q= (grouped by kind), /search?q=&kind=cases&page=2."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from mediation.auth.permissions import can_edit, signed_in
from mediation.auth.scope import region_scope
from mediation.extensions import db
from mediation.search import services

bp = Blueprint("search", __name__, url_prefix="/search")

KIND_LABELS = {
    "cases": _l("Cases"),
    "organisations": _l("Respondents and organisations"),
    "people": _l("People of the roster"),
    "hearings": _l("Hearings"),
}


@bp.route("")
@signed_in
def index():
    q = request.args.get("q", "")[:services.MAX_QUERY]
    kind = request.args.get("kind")
    kind = kind if kind in services.KINDS else None
    page = max(1, request.args.get("page", 1, type=int))
    # The same rule as the case page: only editors see (and so search) personal details.
    personal = can_edit()
    results = services.search(q, personal=personal, region_ids=region_scope(current_user),
                              kind=kind, page=page)
    if personal:
        db.session.commit()  # the audit entry of an ID-number search
    orgs = results.groups.get("organisations")
    org_cases = services.organisation_cases([o.id for o in orgs.items]) if orgs else {}
    return render_template("search/index.html", results=results, kind=kind, page=page,
                           labels=KIND_LABELS, org_cases=org_cases, personal=personal)

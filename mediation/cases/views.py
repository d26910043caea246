from flask import Blueprint, abort, render_template, request

from mediation.cases.models import CASE_STATUSES, Case
from mediation.cases.services import search_cases
from mediation.extensions import db

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.route("/")
def index():
    status = request.args.get("status") or None
    if status is not None and status not in CASE_STATUSES:
        status = None
    q = request.args.get("q", "")[:200]
    page = search_cases(q, status, request.args.get("page", 1, type=int))
    return render_template("cases/index.html", page=page, q=q, status=status, statuses=CASE_STATUSES)


@bp.route("/<int:case_id>")
def show(case_id: int):
    case = db.session.get(Case, case_id) or abort(404)
    return render_template("cases/show.html", case=case)

from flask import Blueprint, render_template, request

from mediation.roster.services import search_people

bp = Blueprint("roster", __name__, url_prefix="/roster")


@bp.route("/")
def index():
    role = request.args.get("role") if request.args.get("role") in ("expert", "counsellor") else None
    q = request.args.get("q", "")[:200]
    page = search_people(q, role, request.args.get("page", 1, type=int))
    return render_template("roster/index.html", page=page, q=q, role=role)

from flask import Blueprint, render_template

from mediation.planning.services import recent_runs

bp = Blueprint("planning", __name__, url_prefix="/planning")


@bp.route("/")
def index():
    return render_template("planning/index.html", runs=recent_runs())

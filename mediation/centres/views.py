from flask import Blueprint, render_template

from mediation.centres.services import list_centres, list_sessions

bp = Blueprint("centres", __name__, url_prefix="/centres")


@bp.route("/")
def index():
    return render_template("centres/index.html", centres=list_centres(), sessions=list_sessions())

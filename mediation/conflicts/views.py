from flask import Blueprint, render_template

from mediation.conflicts.services import exclusions_for_case

bp = Blueprint("conflicts", __name__, url_prefix="/conflicts")


@bp.app_template_global("case_exclusions")
def _case_exclusions(case):
    return exclusions_for_case(case)


@bp.route("/")
def index():
    return render_template("conflicts/index.html")

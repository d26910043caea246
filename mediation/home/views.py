"""The start page: the work list of what needs attention today, then a line of counts."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from mediation.auth.permissions import can_edit, signed_in
from mediation.home.services import KINDS, overview, work_list

bp = Blueprint("home", __name__)


@bp.route("/")
@signed_in
def index():
    # ?show=KIND lists every item of one kind (the group's "all" link when no other page has them).
    show = request.args.get("show")
    show = show if show in KINDS else None
    groups = work_list(current_user, editor=can_edit(), only=show)
    return render_template("home/index.html", groups=groups, show=show, overview=overview())

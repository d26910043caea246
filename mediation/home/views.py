"""The start page: the areas of the app and a few counts to orient a coordinator."""

from flask import Blueprint, render_template
from flask_login import current_user

from mediation.auth.access import can_see
from mediation.auth.permissions import signed_in
from mediation.availability.services import clashes
from mediation.home.services import overview

bp = Blueprint("home", __name__)


@bp.route("/")
@signed_in
def index():
    # Needs attention: published hearings a member's own calendar now shows as busy.
    busy_clashes = [c for c in clashes() if can_see(current_user, c.hearing)]
    return render_template("home/index.html", overview=overview(), busy_clashes=busy_clashes)

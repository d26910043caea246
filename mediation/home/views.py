"""The start page: the areas of the app and a few counts to orient a coordinator."""

from flask import Blueprint, render_template

from mediation.auth.permissions import signed_in
from mediation.home.services import overview

bp = Blueprint("home", __name__)


@bp.route("/")
@signed_in
def index():
    return render_template("home/index.html", overview=overview())

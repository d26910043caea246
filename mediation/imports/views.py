from flask import Blueprint, render_template

bp = Blueprint("imports", __name__, url_prefix="/imports")


@bp.route("/")
def index():
    return render_template("imports/index.html")

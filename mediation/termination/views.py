"""The termination register page (/cases/termination-register) and its CSV/XLSX export."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from mediation.auth.permissions import can_edit, signed_in
from mediation.cases.models import CATEGORIES
from mediation.cases.services import region_choices
from mediation.spreadsheets import to_csv, to_xlsx
from mediation.termination import services
from mediation.timeutil import local_today

bp = Blueprint("termination", __name__, url_prefix="/cases/termination-register")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/")
@signed_in
def index():
    f = services.RegisterFilters.from_args(request.args)
    personal = can_edit()
    page = services.register_page(f, personal, page=max(1, request.args.get("page", 1, type=int)))
    return render_template("termination/index.html", page=page, f=f, personal=personal,
                           categories=CATEGORIES, regions=region_choices(),
                           years=services.years(), petitioners=services.petitioners)


@bp.route("/export.<fmt>")
@signed_in
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    f = services.RegisterFilters.from_args(request.args)
    header, rows = services.export_table(f, can_edit())
    filename = f"termination-register-{local_today().isoformat()}.{fmt}"
    if fmt == "csv":
        body, mimetype = to_csv(header, rows), "text/csv"
    else:
        body, mimetype = to_xlsx(header, rows, "termination-register"), XLSX
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

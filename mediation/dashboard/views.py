"""The dashboard page and its CSV/XLSX exports. Every signed-in role may read them (viewers too);
a user limited to some regions sees only their cases in every figure (mediation.auth.scope)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, render_template, request
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from mediation.auth.permissions import signed_in
from mediation.cases.models import CATEGORIES
from mediation.cases.services import STATUS_LABELS, region_choices
from mediation.dashboard import charts, services
from mediation.imports.services import to_csv, to_xlsx
from mediation.timeutil import local_today

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/")
@signed_in
def index():
    today = local_today()
    f = services.DashboardFilters.from_args(request.args, today)
    # The aggregates and charts (the costly part) are cached briefly per filters, region scope
    # and language; the lists of cases and hearings below are always live.
    key = ("dashboard", f.region_id, f.category, f.start, f.end, today, str(get_locale()),
           g.get("region_scope"), services.repeat_window_months())
    figures = services.cached(key, lambda: _figures(f, today))
    run = services.latest_finished_run()
    unscheduled_total, unscheduled = services.unscheduled_cases(f, run)
    context = {
        **figures,
        "f": f,
        "today": today,
        "week": services.week_bounds(today),
        "overdue": services.clock_cases(f, "overdue", today=today),
        "at_risk": services.clock_cases(f, "at_risk", today=today),
        # From today on when the week is busy; the export has the whole week.
        "hearings": services.hearings_this_week(f, today, limit=services.LIST_LIMIT * 2),
        "hearings_total": services.hearings_this_week_count(f, today),
        "run": run,
        "unscheduled": unscheduled,
        "unscheduled_total": unscheduled_total,
        "metrics": services.METRICS,
        "metric_labels": services.METRIC_LABELS,
        "definition": services.metric_definition,
        "regions": region_choices(),
        "categories": CATEGORIES,
        "list_limit": services.LIST_LIMIT,
    }
    return render_template("dashboard/index.html", **context)


def _figures(f: services.DashboardFilters, today) -> dict:
    backlog = services.backlog_by_status(f)
    by_month = services.metrics_by_month(f, today)
    load = {role: services.people_load(f, role) for role in ("expert", "counsellor")}
    return {
        "backlog": backlog,
        "backlog_total": sum(n for _s, n in backlog),
        "clocks": services.clock_counts(f, today),
        "load": load,
        "load_summary": {role: services.load_summary(f, role) for role in load},
        "totals": services.metric_totals(f, today),
        "by_month": by_month,
        "by_region": services.metrics_by_region(f, today),
        "by_category": services.metrics_by_category(f, today),
        "charts": _charts(backlog, by_month, load),
    }


def _charts(backlog, by_month, load) -> dict:
    months = [format_date(m, "MMM yy") for m, _figs in by_month]

    def series(metric):
        return [figs[metric].percent for _m, figs in by_month]

    return {
        "backlog": charts.bar_chart(
            [charts.Bar(str(STATUS_LABELS.get(s, s)), n) for s, n in backlog],
            _("Open cases by status")),
        "rates": charts.column_chart(months, [
            charts.Series(str(services.METRIC_LABELS[m]), series(m))
            for m in ("one_time_resolution", "on_time_acceptance", "on_time_closure")
        ], _("Rates by month"), percent=True),
        "intake": charts.column_chart(months, [
            charts.Series(_("Initial petitions"),
                          [figs["initial_repeat_ratio"].numerator for _m, figs in by_month]),
            charts.Series(_("Repeat petitions"),
                          [figs["initial_repeat_ratio"].denominator for _m, figs in by_month]),
        ], _("Cases registered by month: initial and repeat")),
        "experts": charts.bar_chart(
            [charts.Bar(f"{p.name} ({p.code})", p.hearings) for p in load["expert"]],
            _("Published hearings per expert")),
        "counsellors": charts.bar_chart(
            [charts.Bar(f"{p.name} ({p.code})", p.hearings) for p in load["counsellor"]],
            _("Published hearings per counsellor"), colour=charts.PALETTE[1]),
    }


@bp.route("/export/<name>.<fmt>")
@signed_in
def export(name: str, fmt: str):
    if name not in services.EXPORTS or fmt not in ("csv", "xlsx"):
        abort(404)
    f = services.DashboardFilters.from_args(request.args)
    header, rows = services.export_table(name, f)
    filename = f"dashboard-{name}-{local_today().isoformat()}.{fmt}"
    if fmt == "csv":
        body, mimetype = to_csv(header, rows), "text/csv"
    else:
        body, mimetype = to_xlsx(header, rows, name), XLSX
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

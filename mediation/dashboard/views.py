"""The dashboard page and its CSV/XLSX exports. Every signed-in role may read them (viewers too);
a user limited to some regions sees only their cases in every figure (mediation.auth.scope)."""

from __future__ import annotations

from types import SimpleNamespace

from babel.dates import format_skeleton
from flask import Blueprint, Response, abort, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from mediation.auth.permissions import signed_in
from mediation.cases.models import CATEGORIES
from mediation.cases.services import STATUS_LABELS, region_choices
from mediation.dashboard import charts, services
from mediation.spreadsheets import to_csv, to_xlsx
from mediation.timeutil import local_today

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/")
@signed_in
def index():
    today = local_today()
    f = services.DashboardFilters.from_args(request.args, today)
    # The aggregates, charts and lists are cached briefly per filters, region scope and language,
    # and recomputed as soon as the data they come from changes (services.cached).
    key = ("dashboard", f.region_id, f.category, f.start, f.end, today, str(get_locale()),
           g.get("region_scope"), services.repeat_window_months())
    figures = services.cached(key, lambda: {**_figures(f, today), **_lists(f, today)})
    context = {
        **figures,
        "f": f,
        "today": today,
        "week": services.week_bounds(today),
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


def _lists(f: services.DashboardFilters, today) -> dict:
    """The page's lists, copied out of the ORM objects into plain values (only what the page
    shows), so that a cached copy serves later requests without a database session."""
    def ns(**values):
        return SimpleNamespace(**values)

    def person(p):
        return ns(name=p.name) if p is not None else None

    def clock(state):
        return [(ns(id=c.id, reference=c.reference, title=c.title, status=c.status), due)
                for c, due in services.clock_cases(f, state, today=today)]

    run = services.latest_finished_run()
    unscheduled_total, unscheduled = services.unscheduled_cases(f)
    return {
        "overdue": clock("overdue"),
        "at_risk": clock("at_risk"),
        # From today on when the week is busy; the export has the whole week.
        "hearings": [
            ns(id=h.id, date=h.date, case_id=h.case_id, session=ns(name=h.session.name),
               room=ns(name=h.room.name, centre=ns(name=h.room.centre.name)),
               case=ns(reference=h.case.reference), chair=person(h.chair),
               counsellor=person(h.counsellor))
            for h in services.hearings_this_week(f, today, limit=services.LIST_LIMIT * 2)],
        "hearings_total": services.hearings_this_week_count(f, today),
        "run": None if run is None else ns(id=run.id, status=run.status,
                                           horizon_start=run.horizon_start,
                                           horizon_end=run.horizon_end),
        "unscheduled": [
            ns(case_id=u.case_id, plan_run_id=u.plan_run_id, reasons=list(u.reasons or []),
               details=list(u.details or []),
               case=ns(reference=u.case.reference, title=u.case.title, priority=u.case.priority))
            for u in unscheduled],
        "unscheduled_total": unscheduled_total,
    }


def _charts(backlog, by_month, load) -> dict:
    # The language's own month-and-year ("2026年1月", "Jan ’26"); "MMM yy" read "1月 26" in
    # Chinese, which says 26 January.
    months = [format_skeleton("yyMMM", m, locale=get_locale()) for m, _figs in by_month]

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

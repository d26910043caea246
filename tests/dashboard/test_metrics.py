"""The dashboard's figures, worked out by hand on a small city (tests/dashboard/conftest.py)."""

from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa

from mediation.dashboard import services
from mediation.dashboard.services import DashboardFilters
from mediation.regions.models import Region
from tests import factories
from tests.dashboard import factories as dash
from tests.dashboard.conftest import TODAY

YEAR = DashboardFilters(start=date(2026, 1, 1), end=date(2026, 12, 1))


def _pairs(figures: dict) -> dict[str, tuple[int, int]]:
    return {m: (f.numerator, f.denominator) for m, f in figures.items()}


def test_metric_totals_match_the_definitions(city):
    totals = services.metric_totals(YEAR, TODAY)
    assert _pairs(totals) == {
        "one_time_resolution": (2, 4),
        "initial_repeat_ratio": (6, 3),
        "on_time_acceptance": (5, 8),
        "on_time_closure": (3, 4),
    }
    assert totals["one_time_resolution"].percent == 50.0
    assert totals["initial_repeat_ratio"].value == pytest.approx(6 / 3)


def test_the_repeat_window_is_counted_in_calendar_months(app, city):
    # c4 closed on 1 February; its repeat came on 1 September, 7 months later.
    app.config["MEDIATION_REPEAT_WINDOW_MONTHS"] = 8
    try:
        assert _pairs(services.metric_totals(YEAR, TODAY))["one_time_resolution"] == (1, 4)
    finally:
        app.config["MEDIATION_REPEAT_WINDOW_MONTHS"] = 6
    app.config["MEDIATION_REPEAT_WINDOW_MONTHS"] = 7  # 1 Sep is the last day of the window
    try:
        assert _pairs(services.metric_totals(YEAR, TODAY))["one_time_resolution"] == (1, 4)
    finally:
        app.config["MEDIATION_REPEAT_WINDOW_MONTHS"] = 6


def test_metrics_by_month_date_each_metric_by_its_own_event(city):
    rows = dict(services.metrics_by_month(YEAR, TODAY))
    assert list(rows) == [date(2026, m, 1) for m in range(1, 12)]  # empty months too
    assert _pairs(rows[date(2026, 2, 1)])["one_time_resolution"] == (1, 1)  # c4 closed
    assert _pairs(rows[date(2026, 3, 1)])["one_time_resolution"] == (0, 1)  # c8, repeat r8
    assert _pairs(rows[date(2026, 9, 1)])["one_time_resolution"] == (1, 2)  # c1, c2
    assert _pairs(rows[date(2026, 9, 1)])["on_time_closure"] == (1, 2)
    # Intake and acceptance are dated by registration.
    assert _pairs(rows[date(2026, 10, 1)])["initial_repeat_ratio"] == (0, 1)  # r2
    assert _pairs(rows[date(2026, 10, 1)])["on_time_acceptance"] == (0, 1)  # r2 overdue
    assert _pairs(rows[date(2026, 11, 1)])["on_time_acceptance"] == (0, 0)  # u not due yet
    assert _pairs(rows[date(2026, 5, 1)])["initial_repeat_ratio"] == (0, 0)  # t transferred
    assert rows[date(2026, 4, 1)]["on_time_closure"].value is None
    # The months add up to the totals.
    for metric in services.METRICS:
        assert sum(figs[metric].numerator for figs in rows.values()) == \
            services.metric_totals(YEAR, TODAY)[metric].numerator


def test_metrics_by_region_group_by_the_parts_of_the_chosen_region(city):
    rows = {r.code: _pairs(figs) for r, figs in services.metrics_by_region(YEAR, TODAY)}
    assert list(rows) == ["qs", "qs.a", "qs.b"]  # the city itself (case u), then its counties
    assert rows["qs.a"]["one_time_resolution"] == (1, 2)  # c1 and c2 (in town a1)
    assert rows["qs.b"]["one_time_resolution"] == (1, 2)
    assert rows["qs.a"]["initial_repeat_ratio"] == (3, 1)  # c1, c2, soon; r2
    assert rows["qs.b"]["initial_repeat_ratio"] == (2, 2)
    assert rows["qs"]["initial_repeat_ratio"] == (1, 0)
    assert rows["qs.b"]["on_time_closure"] == (2, 2)

    county_a = DashboardFilters(region_id=city.county_a.id, start=YEAR.start, end=YEAR.end)
    rows = {r.code: _pairs(figs) for r, figs in services.metrics_by_region(county_a, TODAY)}
    assert list(rows) == ["qs.a", "qs.a.1"]
    assert rows["qs.a"]["one_time_resolution"] == (1, 1)  # c1, registered at county level
    assert rows["qs.a.1"]["one_time_resolution"] == (0, 1)  # c2
    assert _pairs(services.metric_totals(county_a, TODAY))["on_time_acceptance"] == (2, 4)


def test_category_and_period_filters(city):
    medical = DashboardFilters(category="medical_dispute", start=YEAR.start, end=YEAR.end)
    assert _pairs(services.metric_totals(medical, TODAY))["one_time_resolution"] == (1, 2)
    rows = dict(services.metrics_by_category(medical, TODAY))
    assert list(rows) == ["medical_dispute"]
    everything = dict(services.metrics_by_category(YEAR, TODAY))
    assert _pairs(everything["land_compensation"])["initial_repeat_ratio"] == (1, 1)
    autumn = DashboardFilters(start=date(2026, 9, 1), end=date(2026, 12, 1))
    assert _pairs(services.metric_totals(autumn, TODAY))["one_time_resolution"] == (1, 2)


def test_filters_from_query_arguments(city):
    f = DashboardFilters.from_args({"from": "2026-03", "to": "2026-05", "region": str(city.county_b.id),
                                    "category": "medical_dispute"}, TODAY)
    assert (f.start, f.end, f.region_id, f.category) == (
        date(2026, 3, 1), date(2026, 6, 1), city.county_b.id, "medical_dispute")
    assert f.args() == {"from": "2026-03", "to": "2026-05", "region": str(city.county_b.id),
                        "category": "medical_dispute"}
    default = DashboardFilters.from_args({}, TODAY)
    assert (default.start, default.end) == (date(2025, 12, 1), date(2026, 12, 1))
    hostile = DashboardFilters.from_args({"from": "2026-13", "to": "'; drop", "region": "999999",
                                          "category": "<script>"}, TODAY)
    assert (hostile.region_id, hostile.category, hostile.end) == (None, None, date(2026, 12, 1))
    swapped = DashboardFilters.from_args({"from": "2026-09", "to": "2026-02"}, TODAY)
    assert (swapped.start, swapped.end) == (date(2026, 2, 1), date(2026, 10, 1))
    huge = DashboardFilters.from_args({"from": "1900-01", "to": "2026-11"}, TODAY)
    assert len(huge.months) == services.MAX_MONTHS


def test_backlog_and_clocks(city):
    assert services.backlog_by_status(YEAR) == [
        ("registered", 2), ("accepted", 1), ("in_handling", 1), ("opinion_given", 0)]
    assert services.clock_counts(YEAR, TODAY) == {"overdue": 1, "at_risk": 1}
    assert [(c.reference, due) for c, due in services.clock_cases(YEAR, "overdue", today=TODAY)] \
        == [("R2", date(2026, 10, 16))]
    assert [(c.reference, due) for c, due in services.clock_cases(YEAR, "at_risk", today=TODAY)] \
        == [("SOON", date(2026, 11, 20))]
    only_b = DashboardFilters(region_id=city.county_b.id)
    assert services.clock_counts(only_b, TODAY) == {"overdue": 0, "at_risk": 0}


def test_hearings_this_week_load_and_unscheduled(city, db):
    session = factories.session_block("am", time(9), time(12))
    room = factories.centre(city.county_a).rooms[0]
    e1, e2, e3 = (factories.person() for _ in range(3))
    counsellor = factories.person(expert=False, counsellor=True)
    idle = factories.person()
    soon, u = city.cases["soon"], city.cases["u"]
    this_week = dash.published_hearing(soon, room, session, date(2026, 11, 17), e1, [e2, e3],
                                       counsellor)
    dash.published_hearing(u, room, session, date(2026, 11, 24), e1, [e2, e3])  # next week
    dash.published_hearing(u, room, session, date(2026, 11, 19), e2, [e1, e3],
                           status="cancelled")
    dash.published_hearing(u, room, session, date(2026, 11, 18), e3, [e1, e2], layer=7,
                           status="proposed")
    assert services.hearings_this_week(YEAR, TODAY) == [this_week]
    assert services.hearings_this_week(DashboardFilters(region_id=city.county_b.id), TODAY) == []

    load = {p.code: p.hearings for p in services.people_load(YEAR, "expert", limit=None)}
    assert load[e1.code] == 2 and load[e2.code] == 2 and load[idle.code] == 0
    assert services.people_load(YEAR, "expert", limit=1)[0].hearings == 2
    assert [(p.code, p.hearings) for p in services.people_load(YEAR, "counsellor")] == \
        [(counsellor.code, 1)]
    summary = services.load_summary(YEAR, "expert")
    assert summary == {"people": 4, "busy": 3, "hearings": 6, "max": 2, "mean": 1.5}
    november = DashboardFilters(start=date(2026, 11, 1), end=date(2026, 11, 1).replace(month=12))
    assert services.load_summary(november, "expert")["hearings"] == 6
    october = DashboardFilters(start=date(2026, 10, 1), end=date(2026, 11, 1))
    assert services.load_summary(october, "expert")["hearings"] == 0

    assert services.latest_finished_run() is None
    assert services.unscheduled_cases(YEAR) == (0, [])
    r2, r4 = city.cases["r2"], city.cases["r4"]  # open, without a hearing (u and soon have one)
    first = dash.finished_run({r4: ["no expert in the roster has expertise in `medical`"],
                               u: ["no room"]})
    dash.finished_run({r2: ["x"]}, status="failed")  # a failed run answers nothing
    assert services.latest_finished_run() == first
    total, rows = services.unscheduled_cases(YEAR)
    assert total == 1 and rows[0].case == r4 and "medical" in rows[0].reasons[0]
    newer = dash.finished_run({r2: ["no room"], r4: ["no room"]}, status="published")
    assert services.latest_finished_run() == newer
    total, rows = services.unscheduled_cases(YEAR, limit=1)
    assert total == 2 and len(rows) == 1 and rows[0].plan_run_id == newer.id
    assert services.unscheduled_cases(DashboardFilters(region_id=city.county_a.id))[0] == 1


def test_a_cycle_in_the_region_tree_does_not_hang_the_figures(city, db):
    loop_a = factories.region("loop.a", "county")
    loop_b = factories.region("loop.b", "town", parent=loop_a)
    db.session.execute(sa.update(Region).where(Region.id == loop_a.id).values(parent_id=loop_b.id))
    db.session.flush()
    dash.case(loop_b, "registered", date(2026, 11, 2), acceptance_due_on=date(2026, 11, 17))
    f = DashboardFilters(region_id=loop_a.id, start=YEAR.start, end=YEAR.end)
    assert services.backlog_by_status(f)[0] == ("registered", 1)
    assert services.metric_totals(f, TODAY)["initial_repeat_ratio"].numerator == 1
    assert services.metrics_by_region(f, TODAY)  # finishes


def test_export_tables_have_every_row(city):
    header, rows = services.export_table("metrics_region", YEAR, TODAY)
    assert header[:2] == ["region_code", "region"] and len(header) == 2 + 12
    assert [r[0] for r in rows] == ["qs", "qs.a", "qs.b"]
    header, rows = services.export_table("metrics_month", YEAR, TODAY)
    feb = next(r for r in rows if r[0] == "2026-02")
    assert feb[1:4] == [1, 1, 100.0]
    header, rows = services.export_table("overdue", YEAR, TODAY)
    assert rows == [["R2", city.cases["r2"].title, "land_compensation", city.town_a1.name,
                     "registered", 3, "2026-10-16"]]
    for name in services.EXPORTS:
        header, rows = services.export_table(name, YEAR, TODAY)
        assert header and all(len(r) == len(header) for r in rows)


def test_a_narrow_re_plan_does_not_hide_what_a_wider_run_left_unscheduled(city, db):
    """Issue #12 ("Counts disagree"): after a one-case re-plan the dashboard said
    "0 unscheduled", hiding the cases an earlier, wider run had left unscheduled."""
    soon, u, v = city.cases["soon"], city.cases["u"], city.cases["r4"]
    for c in (soon, u, v):
        c.status = "accepted"
    wide = dash.finished_run({soon: ["no room"], u: ["no panel"]}, start=date(2026, 11, 16))
    wide.result_cases = [soon.id, u.id, v.id]
    # A re-plan of one case, which it schedules: `soon` is settled, `u` still is not.
    narrow = dash.finished_run({}, status="published", start=date(2026, 11, 17))
    narrow.result_cases = [soon.id]
    db.session.flush()
    total, rows = services.unscheduled_cases(YEAR)
    assert total == 1 and [(r.case, r.plan_run_id) for r in rows] == [(u, wide.id)]
    assert services.export_table("unscheduled", YEAR)[1] == [
        [wide.id, u.reference, u.title, u.priority, "no panel"]]

    # A newer run that holds `u` again and leaves it unscheduled answers for it from then on.
    again = dash.finished_run({u: ["no room"]}, start=date(2026, 11, 18))
    again.result_cases = [u.id]
    db.session.flush()
    total, rows = services.unscheduled_cases(YEAR)
    assert total == 1 and rows[0].plan_run_id == again.id and rows[0].reasons == ["no room"]

    # A case that got a published hearing, or was closed, is no longer unscheduled.
    session = factories.session_block("am2", time(9), time(12))
    room = factories.centre(city.county_a).rooms[0]
    e1, e2, e3 = (factories.person() for _ in range(3))
    dash.published_hearing(u, room, session, date(2026, 11, 30), e1, [e2, e3])
    assert services.unscheduled_cases(YEAR) == (0, [])


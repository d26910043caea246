"""The dashboard over HTTP: who may read it, what it shows, its SVG charts and its exports."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from mediation.cases.models import CASE_STATUSES, CATEGORIES, Case, CaseLink
from mediation.dashboard.services import EXPORTS
from mediation.planning.models import Hearing, HearingMember
from mediation.roster.models import Person
from mediation.timeutil import local_to_utc, local_today
from tests import factories
from tests.conftest import csrf_token, sign_in
from tests.dashboard import factories as dash

SHELL_SCRIPT = '<script src="/static/vendor/bootstrap/bootstrap.bundle.min.js" defer>'


def _viewer(client, make_user):
    user, password = make_user("viewer")
    assert sign_in(client, user.email, password).status_code == 302
    return client


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/dashboard/export/backlog.csv").status_code == 302


def test_the_dashboard_in_chinese_with_its_charts(city, client, make_user, db):
    """A stray "%" in a translation ("各月比率（%）") made the Chinese dashboard a 500."""
    db.session.commit()
    _viewer(client, make_user)
    client.post("/language/zh_Hans_CN", data={"csrf_token": csrf_token(client, "/"), "next": "/"})
    response = client.get("/dashboard/?from=2026-01&to=2026-11")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "一次性化解率" in html and "<svg" in html and "各月比率" in html
    # The charts' months are the language's month and year (once "1月 26": 26 January).
    charts = "".join(re.findall(r"<svg.*?</svg>", html, re.S))
    assert "2026年1月" in charts and "1月 26" not in charts


def test_a_viewer_reads_the_dashboard_with_definitions_and_svg_charts(city, client, make_user,
                                                                        db):
    db.session.commit()
    _viewer(client, make_user)
    response = client.get("/dashboard/?from=2026-01&to=2026-11")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("One-time resolution rate", "Initial-to-repeat ratio", "On-time acceptance rate",
                 "On-time closure rate", "within 6 months of closing", "Backlog by status",
                 "Overdue and at-risk cases", "Hearings this week", "Unscheduled cases",
                 "Expert and counsellor load"):
        assert text in html, text
    assert "50.0%" in html and "2 of 4" in html  # one-time resolution, whole period
    assert "2.00 : 1" in html  # 6 initial, 3 repeat
    assert html.count("<svg") == 5 and 'role="img"' in html
    # The CSP forbids inline scripts, handlers and style attributes; the only script is the
    # shell's vendored Bootstrap bundle (the navigation toggler), none of the dashboard's own.
    assert re.findall(r"<script[^>]*>", html) == [SHELL_SCRIPT] and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)
    assert 'href="/static/css/dashboard.css' in html
    with client.get("/static/css/dashboard.css") as css:
        assert css.status_code == 200


def test_filters_narrow_the_page_and_bad_values_are_ignored(city, client, make_user, db):
    db.session.commit()
    _viewer(client, make_user)
    html = client.get(f"/dashboard/?from=2026-01&to=2026-11&region={city.county_b.id}"
                      ).get_data(as_text=True)
    # the overdue case lies in county A (its reference as a cell's text: a random CSRF token can
    # hold the letters "R2")
    assert ">R2<" not in html
    html = client.get("/dashboard/?from=2026-01&to=2026-11").get_data(as_text=True)
    assert ">R2<" in html and ">SOON<" in html
    for query in ("from=zz&to=2026-99", "region=abc&category=%3Cscript%3E", "region=-1",
                  "from=0001-01&to=9999-12"):
        response = client.get(f"/dashboard/?{query}")
        assert response.status_code == 200, query
        assert re.findall(r"<script[^>]*>", response.get_data(as_text=True)) == [SHELL_SCRIPT]


def test_a_coordinator_limited_to_a_region_sees_only_its_cases(city, client, make_user, db):
    user, password = make_user("coordinator")
    user.regions = [city.county_b]
    db.session.commit()
    assert sign_in(client, user.email, password).status_code == 302
    html = client.get("/dashboard/?from=2026-01&to=2026-11").get_data(as_text=True)
    assert ">R2<" not in html and ">SOON<" not in html  # county A
    assert "1 of 2" in html  # one-time resolution in county B only: c4 yes, c8 no
    csv_text = client.get("/dashboard/export/metrics_category.csv?from=2026-01&to=2026-11"
                          ).get_data(as_text=True)
    assert "land_compensation,0,0,,0,0," in csv_text  # county A's category is empty here


def test_home_and_navigation_link_the_dashboard(signed_in):
    html = signed_in.get("/").get_data(as_text=True)
    assert html.count('href="/dashboard/"') >= 2  # nav and the overview's main link


def test_exports_in_csv_and_xlsx_neutralise_formulas(city, client, make_user, db):
    city.cases["r2"].title = '=HYPERLINK("http://evil.example","click")'
    db.session.commit()
    _viewer(client, make_user)
    args = "from=2026-01&to=2026-11"
    response = client.get(f"/dashboard/export/overdue.csv?{args}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["reference", "title"]
    assert rows[1][:2] == ["R2", "'=HYPERLINK(\"http://evil.example\",\"click\")"]

    response = client.get(f"/dashboard/export/metrics_region.xlsx?{args}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert values[0][:3] == ("region_code", "region", "one_time_resolved_no_repeat")
    assert [v[0] for v in values[1:]] == ["qs", "qs.a", "qs.b"]

    for name in EXPORTS:
        for fmt in ("csv", "xlsx"):
            assert client.get(f"/dashboard/export/{name}.{fmt}?{args}").status_code == 200
    assert client.get("/dashboard/export/users.csv").status_code == 404
    assert client.get("/dashboard/export/backlog.pdf").status_code == 404


# --- scale -------------------------------------------------------------------------------------


def _bulk_city(db, n_cases: int, n_experts: int) -> None:
    """n_cases cases over a year in 4 counties × 5 towns, n_experts experts, 20 counsellors,
    a published hearing (3 experts + sometimes a counsellor) for every 5th case, 1 in 10 cases a
    repeat of an earlier one."""
    today = local_today()
    root = factories.region("big", "city")
    towns = []
    for c in range(4):
        county = factories.region(f"big.{c}", "county", parent=root)
        towns += [factories.region(f"big.{c}.{t}", "town", parent=county) for t in range(5)]
    session = factories.session_block("am")
    rooms = [factories.centre(towns[0]).rooms[0] for _ in range(10)]
    db.session.execute(sa.insert(Person), [
        {"code": f"E{i:05d}", "name": f"Expert {i}", "is_expert": True, "is_counsellor": i < 20,
         "active": True, "locale": "zh_Hans_CN"} for i in range(n_experts)])
    rows = []
    for i in range(n_cases):
        registered = today - timedelta(days=i % 365)
        status = CASE_STATUSES[i % len(CASE_STATUSES)]
        closed = status in ("resolved", "terminated", "not_accepted", "transferred", "referred")
        rows.append({
            "reference": f"B-{i:05d}", "title": f"Bulk {i}", "category": CATEGORIES[i % 9],
            "region_id": towns[i % len(towns)].id, "status": status, "registered_on": registered,
            "acceptance_due_on": registered + timedelta(days=15),
            "accepted_on": registered + timedelta(days=i % 20) if status != "registered" else None,
            "handling_due_on": registered + timedelta(days=75),
            "due_by": registered + timedelta(days=45),
            "closed_on": registered + timedelta(days=30 + i % 60) if closed else None,
            "priority": 1 + i % 5, "attendees": 1, "repeat_count": 1 if i % 10 == 9 else 0,
            "escalation_level": 0, "in_petition_statistics": status != "transferred",
        })
    db.session.execute(sa.insert(Case), rows)
    ids = [r[0] for r in db.session.execute(sa.select(Case.id).order_by(Case.id))]
    people = [r[0] for r in db.session.execute(sa.select(Person.id).order_by(Person.id))]
    db.session.execute(sa.insert(CaseLink), [
        {"case_id": ids[i], "earlier_case_id": ids[i - 5], "reason": "repeat"}
        for i in range(9, n_cases, 10)])
    hearings, members = [], []
    slots: dict[tuple, int] = {}
    for k, i in enumerate(range(0, n_cases, 5)):
        day = today - timedelta(days=k // len(rooms))
        slot = (day, k % len(rooms))
        slots[slot] = slots.get(slot, 0) + 1
        hearings.append({
            "uid": f"h{k}@bulk", "sequence": 0, "case_id": ids[i], "layer": 0,
            "room_id": rooms[k % len(rooms)].id, "date": day, "session_id": session.id,
            "starts_at": local_to_utc(day, session.starts_at),
            "ends_at": local_to_utc(day, session.ends_at), "status": "published",
            "pinned": False, "version": 1})
    db.session.execute(sa.insert(Hearing), hearings)
    hearing_rows = db.session.execute(
        sa.select(Hearing.id, Hearing.date).order_by(Hearing.id)).all()
    # Experts rotate by day so nobody sits twice in one slot.
    for k, (hearing_id, day) in enumerate(hearing_rows):
        panel = [people[20 + (3 * (k % len(rooms)) + j + 37 * (k // len(rooms))) % (n_experts - 20)]
                 for j in range(3)]
        roles = ["chair", "member", "member"]
        if k % 3 == 0:
            panel.append(people[k % len(rooms) % 20])
            roles.append("counsellor")
        members += [{"hearing_id": hearing_id, "date": day, "session_id": session.id,
                     "layer": 0, "status": "published", "person_id": p, "role": r,
                     "added_at": local_to_utc(day, session.starts_at)}
                    for p, r in zip(panel, roles, strict=True)]
    db.session.execute(sa.insert(HearingMember), members)
    dash.finished_run({}, start=today, end=today + timedelta(days=14))
    db.session.commit()


@pytest.mark.slow
def test_dashboard_with_10000_cases_uses_a_fixed_number_of_queries(db, client, make_user):
    _bulk_city(db, 10_000, 1_000)
    _viewer(client, make_user)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    client.get("/dashboard/")  # warm up (templates, mapper configuration)
    # Every engine: the client's app has its own.
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        response = client.get("/dashboard/")
        elapsed = time.perf_counter() - started
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    assert response.status_code == 200
    print(f"{db.engine.dialect.name}: dashboard with 10,000 cases: {elapsed * 1000:.0f} ms, "
          f"{len(statements)} statements")
    # Aggregates, not loops: the count does not grow with the data (the small city needs the
    # same number; selectin loads of this week's hearings add a few).
    assert len(statements) <= 45, statements
    assert elapsed < 5.0  # generous: the load test measures p95 under concurrency
    html = response.get_data(as_text=True)
    assert "Expert 2" in html  # the busiest experts are charted


def test_a_control_character_in_a_title_breaks_no_xlsx_export(city, client, make_user, db):
    """Issue #15, finding 7: one case title holding a BEL (\\x07) made openpyxl raise
    IllegalCharacterError, and the case export and the dashboard's case lists answered 500 for
    every user. Every cell now drops what XML cannot hold; formulas stay neutralised."""
    for case in city.cases.values():
        case.title = f"Wages\x07 {case.reference}\x1b"
    city.cases["soon"].title = "=1+1\x07"
    db.session.commit()
    _viewer(client, make_user)
    args = "from=2026-01&to=2026-11"
    titles = {}
    for url in ("/imports/export/cases.xlsx", f"/dashboard/export/overdue.xlsx?{args}",
                f"/dashboard/export/at_risk.xlsx?{args}",
                f"/dashboard/export/unscheduled.xlsx?{args}",
                "/cases/termination-register/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        rows = list(load_workbook(io.BytesIO(response.data)).active.values)
        if rows and "title" in rows[0]:
            column = rows[0].index("title")
            titles[url] = {row[column] for row in rows[1:]}
    assert "Wages R2" in titles["/imports/export/cases.xlsx"]
    assert "'=1+1" in titles["/imports/export/cases.xlsx"]
    assert "Wages R2" in titles[f"/dashboard/export/overdue.xlsx?{args}"]
    assert not any("\x07" in t or "\x1b" in t for ts in titles.values() for t in ts)

"""Import/export pages: upload → preview → commit, exports, scenarios, permissions."""

from __future__ import annotations

import io
import json
from pathlib import Path

import sqlalchemy as sa

from mediation.cases.models import Case
from mediation.roster.models import Person
from tests.conftest import csrf_token, sign_in

# A copy of ../shared/samples/scenario-small.json, so tests do not depend on the checkout layout.
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "scenario-small.json"


def _upload(client, path, data: bytes, filename: str, **form):
    token = csrf_token(client, "/imports/")
    return client.post(path, data={"csrf_token": token, "file": (io.BytesIO(data), filename),
                                   **form}, content_type="multipart/form-data")


def _commit(client, html: str, path="/imports/commit"):
    marker = 'name="token" value="'
    token = html.split(marker, 1)[1].split('"', 1)[0]
    return client.post(path, data={"csrf_token": csrf_token(client, "/imports/"),
                                   "token": token})


def test_page_documents_columns_and_offers_templates(signed_in):
    html = signed_in.get("/imports/").get_data(as_text=True)
    assert "max_per_day" in html and "/imports/template/people.csv" in html
    response = signed_in.get("/imports/template/cases.csv")
    assert response.status_code == 200
    assert response.get_data().decode("utf-8-sig").startswith("reference,title,category")


def test_upload_preview_commit_then_idempotent(signed_in, db):
    data = "code,name\nP1,王丽\nP2,Li\n".encode("gb18030")
    response = _upload(signed_in, "/imports/upload", data, "people.csv", kind="people")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 created, 0 updated" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0
    response = _commit(signed_in, html)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Person.name).where(Person.code == "P1")) == "王丽"
    again = _upload(signed_in, "/imports/upload", data, "people.csv", kind="people")
    assert "0 created, 0 updated, 2 unchanged" in again.get_data(as_text=True)


def test_bad_row_shows_error_and_no_commit_button(signed_in, db):
    data = b"code,name,max_per_day\nP1,A,1\nP2,B,-1\n"
    response = _upload(signed_in, "/imports/upload", data, "people.csv", kind="people")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "max_per_day" in html and "must be a whole number" in html
    assert 'name="token"' not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_empty_file_and_missing_file(signed_in):
    response = _upload(signed_in, "/imports/upload", b"", "empty.csv", kind="people")
    assert response.status_code == 400 and "empty" in response.get_data(as_text=True)


def test_exports_neutralise_formulas(signed_in, db):
    from tests import factories

    factories.person(code="P1", name="=1+1")
    factories.case(title="-cmd|' /C calc'!A0", reference="C-1")
    db.session.commit()
    people = signed_in.get("/imports/export/people.csv").get_data().decode("utf-8-sig")
    assert "'=1+1" in people
    cases = signed_in.get("/imports/export/cases.csv").get_data().decode("utf-8-sig")
    assert "'-cmd" in cases
    xlsx = signed_in.get("/imports/export/cases.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_scenario_upload_preview_import_and_export(signed_in, db):
    data = SAMPLE.read_bytes()
    response = _upload(signed_in, "/imports/scenario/upload", data, "scenario.json")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    assert _commit(signed_in, html, "/imports/scenario/commit").status_code == 302
    n_cases = len(json.loads(data)["cases"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == n_cases
    horizon = json.loads(data)["horizon"]
    out = signed_in.get(f"/imports/scenario/export?start={horizon['start']}&end={horizon['end']}")
    assert out.status_code == 200
    exported = json.loads(out.get_data(as_text=True))
    assert exported["format"] == "mediation-scenario/1" and len(exported["cases"]) == n_cases


def test_bad_scenario_lists_problems(signed_in, db):
    response = _upload(signed_in, "/imports/scenario/upload",
                       b'{"format": "mediation-scenario/1"}', "s.json")
    assert response.status_code == 422
    assert 'name="token"' not in response.get_data(as_text=True)


def test_viewer_cannot_post(client, make_user):
    user, password = make_user("viewer")
    sign_in(client, user.email, password)
    assert client.get("/imports/").status_code == 200
    token = csrf_token(client, "/imports/")
    for path in ("/imports/upload", "/imports/commit", "/imports/scenario/upload",
                 "/imports/scenario/commit"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403


def test_too_large_upload_is_refused_clearly(signed_in, db, monkeypatch):
    # A small limit: the test client would leak the temporary file of a real 5 MB body.
    monkeypatch.setitem(signed_in.application.config, "MEDIATION_IMPORT_MAX_BYTES",
                        5 * 1024 * 1024 // 1000)
    data = b"code,name\n" + b"P,x\n" * 2000
    response = _upload(signed_in, "/imports/upload", data, "big.csv", kind="people")
    assert response.status_code == 400
    assert "larger than" in response.get_data(as_text=True)


def test_xlsx_upload_previews(signed_in, db):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["code", "name", "colour"])
    book.active.append(["P1", "Wang", "red"])
    out = io.BytesIO()
    book.save(out)
    response = _upload(signed_in, "/imports/upload", out.getvalue(), "people.xlsx",
                       kind="people")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 created" in html
    assert "unknown column" in html


def test_case_import_is_accepted_in_the_users_name_and_page_offers_no_accept(signed_in, db):
    from datetime import timedelta

    from mediation.cases.models import CaseEvent
    from mediation.timeutil import local_today
    from tests import factories

    factories.region("city.c0", level="city")
    db.session.commit()
    registered = local_today() - timedelta(days=2)
    data = ("reference,title,category,region,registered_on,parties,party_id_numbers\n"
            f"C-1,Wages,unpaid_wages,city.c0,{registered},Wang Fang,360102199001011234\n").encode()
    response = _upload(signed_in, "/imports/upload", data, "wages.csv", kind="cases")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _commit(signed_in, response.get_data(as_text=True)).status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert (case.status, case.registered_on, case.accepted_on) == (
        "accepted", registered, local_today())
    events = list(db.session.scalars(sa.select(CaseEvent).order_by(CaseEvent.id)))
    assert [(e.action, e.note) for e in events] == [
        ("register", "imported from wages.csv"), ("accept", "imported from wages.csv")]
    assert len({e.user_id for e in events}) == 1 and events[0].user_id is not None
    html = signed_in.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="action-accept"' not in html and "imported from wages.csv" in html


def test_late_acceptance_error_is_shown_in_chinese(signed_in, db):
    from mediation.timeutil import local_today
    from tests import factories

    factories.region("city.c0", level="city")
    db.session.commit()
    signed_in.post("/language/zh_Hans_CN", data={"csrf_token": csrf_token(signed_in, "/"),
                                                 "next": "/"})
    data = ("reference,title,category,region,registered_on,accepted_on\n"
            f"C-1,Wages,unpaid_wages,city.c0,2026-01-05,{local_today()}\n").encode()
    response = _upload(signed_in, "/imports/upload", data, "c.csv", kind="cases")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "late_reason" in html and "受理期限" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_an_imported_case_history_reads_in_chinese(signed_in, db):
    """The history notes of an imported case (file name, and the reason it was accepted late) are
    worded in the reader's language, not shown as the stored 'imported from …; late: …'."""
    from mediation.timeutil import local_today
    from tests import factories

    factories.region("city.c0", level="city")
    db.session.commit()
    data = ("reference,title,category,region,registered_on,accepted_on,late_reason\n"
            f"C-1,Wages,unpaid_wages,city.c0,2026-01-05,{local_today()},卷宗迟到\n").encode()
    response = _upload(signed_in, "/imports/upload", data, "wages.csv", kind="cases")
    assert _commit(signed_in, response.get_data(as_text=True)).status_code == 302
    case = db.session.scalar(sa.select(Case))
    signed_in.post("/language/zh_Hans_CN", data={"csrf_token": csrf_token(signed_in, "/"),
                                                 "next": "/"})
    html = signed_in.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "从 wages.csv 导入" in html and "；逾期受理：卷宗迟到" in html
    assert "imported from" not in html and "late:" not in html

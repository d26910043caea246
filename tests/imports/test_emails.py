"""Email addresses are checked by one validator (mediation.emails) at every entrance: the
person form, CSV/XLSX imports, scenario imports (page and command line)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from mediation.imports import services
from mediation.roster.models import Person
from tests.conftest import csrf_token

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "scenario-small.json"
HEADER_INJECTION = "x@example.org\r\nBcc: victim@evil.example"
TWO_ADDRESSES = "a@example.org, attacker@evil.example"


def _people_csv(*emails: str) -> bytes:
    out = io.StringIO()
    out.write("code,name,email\r\n")
    for n, email in enumerate(emails, start=1):
        quoted = '"' + email.replace('"', '""') + '"'
        out.write(f"P{n},Person {n},{quoted}\r\n")
    return out.getvalue().encode("utf-8")


def _people(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person))


def test_import_refuses_header_injection_and_two_addresses_naming_row_and_column(db):
    table = services.parse_table(_people_csv("ok@example.org", HEADER_INJECTION, TWO_ADDRESSES),
                                 "people.csv")
    report = services.run_import("people", table, apply=True)
    db.session.rollback()
    assert not report.applied and _people(db) == 0
    assert [(e.row, e.column) for e in report.errors] == [(3, "email"), (4, "email")]
    assert str(report.errors[0]) == ("row 3, column email: An email address must not contain "
                                     "line breaks or other control characters.")
    assert "one email address only" in str(report.errors[1])


def test_import_stores_the_normal_form(db):
    table = services.parse_table(_people_csv("Wang.Li@EXAMPLE\u3002org"), "people.csv")
    report = services.run_import("people", table, apply=True)
    assert report.applied, report.errors
    assert db.session.scalar(sa.select(Person.email)) == "wang.li@example.org"
    # The same address typed otherwise is no change.
    again = services.run_import("people", services.parse_table(
        _people_csv("wang.li@example.org"), "people.csv"))
    assert not again.errors and again.updated == 0


def test_import_page_shows_the_error_in_chinese(signed_in, db):
    signed_in.post("/language/zh_Hans_CN", data={"csrf_token": csrf_token(signed_in, "/"),
                                                 "next": "/"})
    token = csrf_token(signed_in, "/imports/")
    response = signed_in.post("/imports/upload", data={
        "csrf_token": token, "kind": "people",
        "file": (io.BytesIO(_people_csv(HEADER_INJECTION)), "people.csv")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "电子邮箱地址不能包含换行或其他控制字符" in html
    assert 'name="token"' not in html and _people(db) == 0


def _person_form(client, email: str) -> dict:
    return {"csrf_token": csrf_token(client, "/roster/new"), "code": "E-1", "name": "Li Wei",
            "email": email, "is_expert": "y", "available_weekdays": ["1", "2"], "active": "y"}


@pytest.mark.parametrize("email, message", [
    (HEADER_INJECTION, "must not contain line breaks or other control characters"),
    (TWO_ADDRESSES, "Enter one email address only"),
    ("Li Wei <li@example.org>", "Enter one email address only"),
])
def test_person_form_refuses_what_is_not_one_address(signed_in, db, email, message):
    response = signed_in.post("/roster/new", data=_person_form(signed_in, email))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and 'aria-invalid="true"' in html
    assert _people(db) == 0


def test_person_form_stores_the_normal_form(signed_in, db):
    response = signed_in.post("/roster/new",
                              data=_person_form(signed_in, " Li.Wei@\uff45xample.org "))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Person.email)) == "li.wei@example.org"


def _bad_scenario(tmp_path) -> Path:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["people"][0]["email"] = HEADER_INJECTION
    data["people"][1]["email"] = TWO_ADDRESSES
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_scenario_page_refuses_bad_addresses(signed_in, db, tmp_path):
    path = _bad_scenario(tmp_path)
    token = csrf_token(signed_in, "/imports/")
    response = signed_in.post("/imports/scenario/upload", data={
        "csrf_token": token, "file": (io.BytesIO(path.read_bytes()), "s.json")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "people[0].email" in html and "people[1].email" in html
    assert "control characters" in html and 'name="token"' not in html
    assert _people(db) == 0


def test_scenario_command_refuses_bad_addresses(runner, db, tmp_path):
    result = runner.invoke(args=["scenario", "import", str(_bad_scenario(tmp_path))])
    assert result.exit_code == 1
    assert "people[0].email" in result.output and "people[1].email" in result.output
    assert _people(db) == 0


def test_scenario_import_stores_the_normal_form(runner, db, tmp_path):
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["people"][0]["email"] = "Expert.One@EXAMPLE\u3002org"
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["scenario", "import", str(path)])
    assert result.exit_code == 0, result.output
    code = data["people"][0]["id"]
    assert db.session.scalar(sa.select(Person.email).where(Person.code == code)) == \
        "expert.one@example.org"

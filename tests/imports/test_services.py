"""Import parsing, row-level validation, all-or-nothing, idempotency and export neutralising."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from mediation.cases.models import Case
from mediation.imports import services
from mediation.roster.models import Organisation, Person
from mediation.roster.services import get_or_create_organisation
from mediation.spreadsheets import Limits, to_csv, to_xlsx
from tests import factories

PEOPLE = (
    "code,name,roles,expertise,organisations,max_per_day,available_weekdays\n"
    "P1,王丽,expert,land,宁安镇人民政府,2,1;2;3\n"
    "P2,Li Ming,expert;counsellor,,,1,\n"
)


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_csv_utf8_bom_and_gb18030_read_the_same():
    text = "code,name\nP1,王丽\n"
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"),
                 text.encode("gb18030")):
        table = services.parse_table(data, "people.csv")
        assert table.header == ["code", "name"]
        assert table.rows == [(2, {"code": "P1", "name": "王丽"})]


def test_xlsx_is_read_with_numbers_and_dates():
    from datetime import date

    book = Workbook()
    sheet = book.active
    sheet.append(["Reference", "Registered on", "Priority"])
    sheet.append(["C-1", date(2026, 11, 2), 4])
    out = io.BytesIO()
    book.save(out)
    table = services.parse_table(out.getvalue(), "cases.xlsx")
    assert table.header == ["reference", "registered_on", "priority"]
    assert table.rows == [(2, {"reference": "C-1", "registered_on": "2026-11-02", "priority": "4"})]


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"  \n\n", "empty"),
    (b"PK\x03\x04garbage", "XLSX"),
    (b",,\n", "empty"),
    (b"code,code\nP1,P2\n", "twice"),
])
def test_hostile_files_are_refused_with_a_message(data, message):
    with pytest.raises(services.ImportFileError, match=message):
        services.parse_table(data, "x.csv")


def test_too_large_and_too_many_rows():
    with pytest.raises(services.ImportFileError, match="larger than 5 MB"):
        services.parse_table(b"code\n" + b"x" * (Limits().max_bytes + 1), "x.csv")
    with pytest.raises(services.ImportFileError, match="Row 5 holds data, but a file may have "
                                                       "at most 3 rows below the header"):
        services.parse_table(b"code\n1\n2\n3\n4\n", "x.csv", Limits(max_rows=3))
    # Empty rows past the limit are no data.
    table = services.parse_table(b"code\n1\n2\n3\n,\n\n\n", "x.csv", Limits(max_rows=3))
    assert [n for n, _values in table.rows] == [2, 3, 4]


def test_people_import_creates_then_is_idempotent(db):
    factories.expertise("land")
    get_or_create_organisation("Ning'an Town Government", ["宁安镇人民政府"])
    db.session.commit()
    table = services.parse_table(PEOPLE.encode("utf-8"), "people.csv")
    preview = services.run_import("people", table)
    assert preview.ok and (preview.created, preview.updated) == (2, 0)
    db.session.rollback()
    assert _count(db, Person) == 0
    report = services.run_import("people", table, apply=True)
    db.session.commit()
    assert report.applied and report.created == 2
    p1 = db.session.scalar(sa.select(Person).where(Person.code == "P1"))
    assert [o.name for o in p1.organisations] == ["Ning'an Town Government"]  # via the alias
    assert p1.available_weekdays == [1, 2, 3] and p1.max_per_day == 2
    again = services.run_import("people", table, apply=True)
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.summary() == "0 created, 0 updated, 2 unchanged"
    assert _count(db, Organisation) == 1


def test_a_changed_cell_is_an_update(db):
    table = services.parse_table(b"code,name,max_per_day\nP1,A,1\n", "p.csv")
    services.run_import("people", table, apply=True)
    db.session.commit()
    changed = services.parse_table(b"code,name,max_per_day\nP1,A,3\n", "p.csv")
    report = services.run_import("people", changed)
    assert report.updated == 1 and report.rows[0].changes == ["max_per_day"]


def test_row_errors_name_row_and_column_and_nothing_is_written(db):
    data = (b"code,name,max_per_day,colour\n"
            b"P1,Good,1,red\n"
            b"P2,Also good,2,\n"
            b"P3,Bad,two,\n"
            b"P1,Duplicate,1,\n")
    report = services.run_import("people", services.parse_table(data, "p.csv"), apply=True)
    db.session.rollback()
    assert not report.applied
    assert [(e.row, e.column) for e in report.errors] == [(4, "max_per_day"), (5, "code")]
    assert str(report.errors[0]) == "row 4, column max_per_day: must be a whole number from 0 to 10"
    assert [(w.row, w.column) for w in report.warnings] == [(1, "colour")]
    assert _count(db, Person) == 0


def test_missing_required_column(db):
    report = services.run_import("people", services.parse_table(b"code\nP1\n", "p.csv"))
    assert [(e.row, e.column) for e in report.errors] == [(1, "name")]


def test_organisations_upsert_by_name_or_alias(db):
    data = ("name,aliases,kind,parent\n"
            "Ning'an Town Government,宁安镇人民政府,government,County Government\n"
            "County Government,,government,\n").encode()
    table = services.parse_table(data, "o.csv")
    first = services.run_import("organisations", table, apply=True)
    db.session.commit()
    assert first.applied and first.created == 2
    town = services.find_organisation("宁安镇人民政府")
    assert town.parent.name == "County Government"
    by_alias = services.parse_table(
        "name,kind\n宁安镇人民政府,government\n".encode(), "o.csv")
    again = services.run_import("organisations", by_alias, apply=True)
    assert (again.created, again.updated) == (0, 0)
    second = services.run_import("organisations", table, apply=True)
    db.session.commit()
    assert (second.created, second.updated) == (0, 0)
    assert _count(db, Organisation) == 2


def test_cases_import_and_errors(db):
    factories.region("city.c0", level="city")
    db.session.commit()
    good = ("reference,title,category,region,registered_on,accepted_on,priority,respondents,"
            "parties\n"
            "C-1,Wages,unpaid_wages,city.c0,2026-11-02,2026-11-03,4,Acme Ltd,Zhang San;Li Si\n")
    report = services.run_import("cases", services.parse_table(good.encode(), "c.csv"),
                                 apply=True)
    db.session.commit()
    assert report.applied and report.created == 1
    case = db.session.scalar(sa.select(Case))
    assert [p.name for p in case.parties] == ["Zhang San", "Li Si"]
    assert [o.name for o in case.respondents] == ["Acme Ltd"]
    again = services.run_import("cases", services.parse_table(good.encode(), "c.csv"),
                                apply=True)
    assert (again.created, again.updated) == (0, 0)
    bad = ("reference,title,category,region,registered_on,priority\n"
           "C-2,X,nonsense,nowhere,2026-13-01,9\n")
    report = services.run_import("cases", services.parse_table(bad.encode(), "c.csv"))
    assert {e.column for e in report.errors} == {"category", "region", "registered_on",
                                                 "priority"}


def test_export_neutralises_formulas_and_round_trips(db):
    factories.person(code="P1", name="=HYPERLINK(\"http://x\")")
    factories.person(code="P2", name="@SUM(A1)")
    db.session.commit()
    header, rows = services.export_rows("people")
    text = to_csv(header, rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text
    book = load_workbook(io.BytesIO(to_xlsx(header, rows)))
    names = [row[1] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert names == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)"]
    report = services.run_import("people", services.parse_table(text.encode(), "p.csv"))
    assert report.ok and (report.created, report.updated) == (0, 0)


def test_preview_reports_organisation_changes_without_writing(db):
    table = services.parse_table(b"code,name,organisations\nP1,A,Acme\n", "p.csv")
    services.run_import("people", table, apply=True)
    db.session.commit()
    moved = services.parse_table(b"code,name,organisations\nP1,A,Other Co\n", "p.csv")
    report = services.run_import("people", moved)
    db.session.rollback()
    assert report.updated == 1 and "organisations" in report.rows[0].changes
    assert _count(db, Organisation) == 1
    applied = services.run_import("people", moved, apply=True)
    db.session.commit()
    assert applied.updated == 1
    again = services.run_import("people", moved, apply=True)
    assert (again.created, again.updated) == (0, 0)

"""Imports whose preview passed but whose commit answered 500 (issue #15, finding 8): numbers
beyond the database's range or the domain's sense, dates outside the sane window, organisations
that supervise each other. The preview refuses each with the row and column; nothing is written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mediation.cases.models import Case
from mediation.imports import services
from mediation.roster.models import Organisation, Person
from mediation.roster.services import get_or_create_organisation
from tests import factories


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _refused(db, kind: str, text: str, column: str, model) -> None:
    table = services.parse_table(text.encode("utf-8"), f"{kind}.csv")
    preview = services.run_import(kind, table)
    assert not preview.ok
    assert column in {e.column for e in preview.errors}, preview.errors
    db.session.rollback()
    report = services.run_import(kind, table, apply=True)
    assert not report.applied
    db.session.rollback()
    assert _count(db, model) == 0


@pytest.mark.parametrize(("column", "value"), [
    ("max_hearings", "99999999999"), ("max_hearings", "1001"), ("max_per_day", "99999999999"),
    ("max_per_day", "11"),
])
def test_people_numbers_beyond_reason_are_refused(db, column, value):
    _refused(db, "people", f"code,name,roles,{column}\nP1,Li,expert,{value}\n", column, Person)


@pytest.mark.parametrize(("column", "value"), [
    ("attendees", "99999999999"), ("attendees", "10001"), ("repeat_count", "99999999999"),
    ("registered_on", "9999-12-31"), ("registered_on", "0001-01-01"),
])
def test_case_numbers_and_dates_beyond_reason_are_refused(db, column, value):
    factories.region("city.c0", level="city")
    db.session.commit()
    head = "reference,title,category,region,late_reason,registered_on"
    row = "C-1,Wages,unpaid_wages,city.c0,imported backlog,2026-11-02"
    if column == "registered_on":
        text = f"{head}\n{row.rsplit(',', 1)[0]},{value}\n"
    else:
        text = f"{head},{column}\n{row},{value}\n"
    _refused(db, "cases", text, column, Case)


def test_two_organisations_that_supervise_each_other_are_refused(db):
    _refused(db, "organisations", "name,parent\nCounty Bureau,Town Office\nTown Office,County Bureau\n",
             "parent", Organisation)


def test_a_loop_through_a_known_organisation_is_refused(db):
    bureau = get_or_create_organisation("County Bureau")
    office = get_or_create_organisation("Town Office")
    office.parent = bureau
    db.session.commit()
    table = services.parse_table(b"name,parent\nCounty Bureau,Town Office\n", "o.csv")
    preview = services.run_import("organisations", table)
    assert not preview.ok and {e.column for e in preview.errors} == {"parent"}
    assert any("Town Office" in e.message and "County Bureau" in e.message
               for e in preview.errors)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Organisation, bureau.id).parent_id is None


def test_a_plain_supervising_department_still_imports(db):
    table = services.parse_table(b"name,parent\nTown Office,County Bureau\nCounty Bureau,\n"
, "o.csv")
    report = services.run_import("organisations", table, apply=True)
    db.session.commit()
    assert report.applied
    office = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Town Office"))
    assert office.parent.name == "County Bureau"

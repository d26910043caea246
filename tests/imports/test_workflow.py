"""Imported cases enter the case workflow (issue #12 point 4): registered and accepted through the
same service functions as the case form and the Accept action, with the clocks' deadlines, an
attributed history naming the file, the repeat check and the termination-register check."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from mediation.cases import services as cases
from mediation.cases.clocks import deadline, limits
from mediation.cases.models import Case, CaseEvent, CaseLink
from mediation.exchange.services import plannable_cases
from mediation.imports import services
from mediation.timeutil import local_today
from tests import factories

HEADER = ["reference", "title", "category", "region", "registered_on", "accepted_on",
          "respondents", "parties", "party_id_numbers", "party_phones", "late_reason"]


@pytest.fixture
def setup(db, make_user, app):
    factories.region("city.c0", level="city")
    user, _password = make_user("coordinator", name="Chen Jing")
    db.session.commit()
    with app.test_request_context():
        yield user


def _csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(ref="C-1", registered=None, accepted=None, respondents="Acme Ltd",
         parties="Wang Fang", ids="360102199001011234", phones="", late=""):
    today = local_today()
    registered = registered or today - timedelta(days=3)
    accepted = accepted if accepted is not None else today - timedelta(days=1)
    return [ref, "Unpaid wages", "unpaid_wages", "city.c0", str(registered),
            str(accepted) if accepted else "", respondents, parties, ids, phones, late]


def _import(data: bytes, filename: str, user, apply=True):
    table = services.parse_table(data, filename)
    return services.run_import("cases", table, apply=apply, user=user, source=filename)


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_imported_case_is_registered_and_accepted_with_clocks_and_history(db, setup, fmt):
    user = setup
    row = _row()
    data = _csv([row]) if fmt == "csv" else _xlsx([row])
    report = _import(data, f"cases.{fmt}", user)
    assert report.applied, [str(e) for e in report.errors]
    db.session.commit()
    case = db.session.scalar(sa.select(Case))
    registered = local_today() - timedelta(days=3)
    accepted = local_today() - timedelta(days=1)
    lim = limits()
    assert case.status == "accepted"
    assert case.registered_on == registered and case.accepted_on == accepted
    assert case.acceptance_due_on == deadline(registered, lim["accept_days"])
    assert case.handling_due_on == deadline(accepted, lim["handle_days"])
    assert case.due_by == deadline(accepted, lim["hearing_days"])
    events = list(db.session.scalars(sa.select(CaseEvent).order_by(CaseEvent.id)))
    assert [e.action for e in events] == ["register", "accept"]
    assert all(e.user_id == user.id for e in events)
    assert all(e.note and f"imported from cases.{fmt}" in e.note for e in events)
    assert case.parties[0].id_number == "360102199001011234"
    assert "accept" not in cases.allowed_actions(case)
    assert case in plannable_cases()


def test_imported_repeat_is_flagged_like_a_typed_one(db, setup):
    user = setup
    earlier = _import(_csv([_row("C-1")]), "first.csv", user)
    assert earlier.applied
    db.session.commit()
    # Same person (ID number with a space and a lower-case x), same category and respondent.
    again = _import(_csv([_row("C-2", ids="36010219900101123x", respondents="Acme Ltd")]),
                    "second.csv", user)
    first = _import(_csv([_row("C-3", ids="360102 19900101123X")]), "third.csv", user)
    assert again.applied and first.applied
    db.session.commit()
    c2, c3 = (db.session.scalar(sa.select(Case).where(Case.reference == r)) for r in ("C-2", "C-3"))
    assert c2.earlier_links == []  # another person (different ID number)
    assert [(lk.earlier_case.reference, lk.status) for lk in c3.earlier_links] == [
        ("C-2", "confirmed")]
    assert c3.repeat_count == 1 and c3.priority == 4
    assert "repeat_detected" in [e.action for e in c3.events]


def test_same_person_without_respondent_is_a_possible_repeat(db, setup):
    user = setup
    assert _import(_csv([_row("C-1")]), "a.csv", user).applied
    assert _import(_csv([_row("C-2", respondents="")]), "b.csv", user).applied
    db.session.commit()
    c2 = db.session.scalar(sa.select(Case).where(Case.reference == "C-2"))
    assert [(lk.earlier_case.reference, lk.status) for lk in c2.earlier_links] == [
        ("C-1", "possible")]
    assert c2.repeat_count == 0 and c2.priority == 3


def test_bad_rows_are_errors_naming_row_and_column_and_nothing_is_written(db, setup):
    user = setup
    today = local_today()
    long_ago = today - timedelta(days=60)
    rows = [
        _row("C-1"),  # good
        _row("C-2", registered=today - timedelta(days=2), accepted=today - timedelta(days=5)),
        _row("C-3", registered=long_ago, accepted=today - timedelta(days=1)),  # late, no reason
        _row("C-4", accepted=today + timedelta(days=2)),  # in the future
        _row("C-5", registered=today + timedelta(days=1), accepted=""),
    ]
    report = _import(_csv(rows), "bad.csv", user)
    db.session.rollback()
    assert not report.applied
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "accepted_on"), (4, "late_reason"), (5, "accepted_on"), (6, "registered_on")]
    assert "row 4, column late_reason" in str(report.errors[1])
    assert _count(db, Case) == 0 and _count(db, CaseEvent) == 0


def test_late_acceptance_with_a_reason_is_accepted(db, setup):
    user = setup
    today = local_today()
    row = _row(registered=today - timedelta(days=60), accepted=today - timedelta(days=1),
               late="file found in the archive")
    report = _import(_csv([row]), "late.csv", user)
    assert report.applied, [str(e) for e in report.errors]
    db.session.commit()
    accept = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.action == "accept"))
    assert "file found in the archive" in accept.note


def test_matter_in_the_termination_register_is_a_row_error(db, setup):
    user = setup
    assert _import(_csv([_row("C-1")]), "a.csv", user).applied
    first = db.session.scalar(sa.select(Case))
    first.status = "opinion_given"
    cases.update_checklist(first, {name: {"state": "done"} for name, _ in cases.CHECKLIST}, user)
    cases.transition(first, "terminate", user, reason="No new facts after the review.")
    db.session.commit()
    report = _import(_csv([_row("C-9"), _row("C-2")]), "b.csv", user)
    db.session.rollback()
    assert not report.applied
    assert [(e.row, e.column) for e in report.errors] == [(2, "parties"), (3, "parties")]
    assert "C-1" in report.errors[0].message
    assert _count(db, Case) == 1 and _count(db, CaseLink) == 0


def test_preview_writes_nothing_and_reports_the_same_errors(db, setup):
    user = setup
    bad = _row("C-2", registered=local_today() - timedelta(days=2),
               accepted=local_today() - timedelta(days=5))
    preview = _import(_csv([_row("C-1"), bad]), "p.csv", user, apply=False)
    assert [(e.row, e.column) for e in preview.errors] == [(3, "accepted_on")]
    good = _import(_csv([_row("C-1")]), "p.csv", user, apply=False)
    assert good.ok and good.created == 1
    db.session.rollback()
    assert _count(db, Case) == 0

"""An adjourned, postponed or no-show hearing puts its case back into the planner's input; a
held one keeps it out (issue #12, hearings in the case's life)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mediation.cases.models import Case
from mediation.cases.services import CaseFilters, case_list_statement
from mediation.extensions import db as _db
from mediation.planning.publish import diff, publish_run
from mediation.planning.runs import RunRequest, build_input, run_now, start_run
from tests.conftest import sign_in
from tests.hearings.helpers import published_hearing, with_outcome
from tests.planning.conftest import HORIZON


def _input_cases(world) -> set[str]:
    run = start_run(RunRequest(*HORIZON), world.user, background=False)
    return {c.id for c in build_input(run).scenario.cases}


def _unscheduled(case) -> bool:
    return case.id in set(_db.session.scalars(
        case_list_statement(CaseFilters(unscheduled=True)).with_only_columns(Case.id)))


def test_a_case_with_a_published_hearing_is_not_planned_again(db, world):
    case = world.cases[0]
    published_hearing(case, people=world.experts[:3])
    assert case.reference not in _input_cases(world)
    assert not _unscheduled(case)


@pytest.mark.parametrize("result", ["adjourned", "postponed", "no_show"])
def test_after_adjourned_the_case_is_in_the_planner_input_again(db, world, result):
    case = world.cases[0]
    with_outcome(case, result, people=world.experts[:3], user=world.user)
    db.session.commit()
    assert case.reference in _input_cases(world)
    assert _unscheduled(case)


def test_after_held_the_case_is_not_planned_again(db, world):
    case = world.cases[0]
    with_outcome(case, "held", agreement=False, people=world.experts[:3], user=world.user)
    db.session.commit()
    assert case.reference not in _input_cases(world)
    assert not _unscheduled(case)


def test_publishing_the_new_plan_keeps_the_adjourned_hearing_as_it_was(db, world):
    case = world.cases[0]
    old = with_outcome(case, "adjourned", people=world.experts[:3], user=world.user)
    db.session.commit()
    before = (old.date, old.room_id, old.sequence, old.status)
    run = run_now(RunRequest(*HORIZON, time_limit=5), world.user)
    assert run.status == "succeeded", run.error
    change = next(c for c in diff(run) if c.case.id == case.id)
    assert change.kind == "new"  # a new hearing, not a move of the adjourned one
    publish_run(run, world.user)
    db.session.commit()
    db.session.refresh(old)
    assert (old.date, old.room_id, old.sequence, old.status) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(old)).where(
        type(old).case_id == case.id, type(old).status == "published")) == 2


def test_the_case_page_lists_a_current_runs_proposal(db, world, planned, client):
    case = world.cases[0]
    sign_in(client, world.user.email, "correct horse battery")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    section = html.split('id="hearings"')[1].split("</section>")[0]
    assert f"run {planned.id}" in section and "proposed" in section
    assert "Record the outcome" not in section  # a proposal has no outcome

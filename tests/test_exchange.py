"""The database holds every field of the exchange format: scenario and plan round trips."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

import scheduler
from mediation.cases.models import Case, Party
from mediation.conflicts.models import Conflict
from mediation.exchange.services import export_plan, export_scenario, import_scenario
from mediation.planning.models import Hearing, PlanRun
from mediation.planning.runs import store_plan
from mediation.roster.models import Organisation, Person
from mediation.roster.services import add_alias
from tests.conftest import csrf_token, sign_in

# A copy of ../shared/samples/scenario-small.json, so tests do not depend on the checkout layout.
SAMPLE = Path(__file__).resolve().parent / "data" / "scenario-small.json"


def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def canonical(data: dict) -> dict:
    """Order-free form: lists that are sets are sorted, duplicate conflict rows collapse."""
    d = scheduler.scenario_to_dict(scheduler.scenario_from_dict(data))
    for p in d["people"]:
        for key in ("roles", "expertise", "organisations", "regions", "available_weekdays"):
            if p.get(key) is not None:
                p[key] = sorted(p[key])
        p["unavailable"] = sorted(p.get("unavailable", []), key=lambda u: (u["date"], u.get("session") or ""))
    for c in d["cases"]:
        c["required_expertise"] = sorted(c["required_expertise"])
        c["respondents"] = sorted(c["respondents"])
        c["parties"] = sorted(c["parties"], key=lambda p: p["name"])
    for c in d["centres"]:
        c["rooms"] = sorted(c["rooms"], key=lambda r: r["id"])
        for key in ("open_weekdays", "closed_dates", "open_dates"):
            c[key] = sorted(c[key])
    d["conflicts"] = sorted({json.dumps(c, sort_keys=True) for c in d["conflicts"]})
    for key in ("regions", "centres", "people", "cases", "sessions"):
        d[key] = sorted(d[key], key=lambda x: x["id"])
    return d


def _horizon(data: dict) -> tuple[date, date]:
    return date.fromisoformat(data["horizon"]["start"]), date.fromisoformat(data["horizon"]["end"])


def test_scenario_round_trip_keeps_every_field(db):
    data = sample()
    import_scenario(data)
    db.session.commit()
    exported = scheduler.scenario_to_dict(export_scenario(*_horizon(data), timezone=data["timezone"]))
    assert canonical(exported) == canonical(data)


def test_an_imported_cases_history_is_in_the_readers_language(db, client, make_user):
    """An imported case's history once read "import → 已受理 · Imported from a scenario" on a
    Chinese page: the action's code and an English note."""
    import_scenario(sample())
    db.session.commit()
    case = db.session.scalars(sa.select(Case).order_by(Case.id)).first()
    admin, password = make_user("admin")
    sign_in(client, admin.email, password)

    def timeline() -> str:
        html = client.get(f"/cases/{case.id}").get_data(as_text=True)
        return html.split('class="timeline"')[1].split("</ol>")[0]

    assert "Import → accepted · from a scenario file" in timeline()
    client.post("/language/zh_Hans_CN", data={"csrf_token": csrf_token(client, "/"), "next": "/"})
    assert "导入 → 已受理 · 来自场景文件" in timeline()
    assert "import" not in timeline().lower() and "scenario" not in timeline()


def test_importing_twice_changes_nothing(db):
    first = import_scenario(sample())
    db.session.commit()
    assert first.created["cases"] == len(sample()["cases"])
    counts = {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
              for m in (Case, Person, Conflict, Organisation)}
    second = import_scenario(sample())
    db.session.commit()
    assert str(second) == "created nothing; updated nothing"
    assert counts == {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
                      for m in (Case, Person, Conflict, Organisation)}


def test_a_changed_field_is_updated(db):
    import_scenario(sample())
    db.session.commit()
    data = sample()
    data["cases"][0]["priority"] = 5 if data["cases"][0]["priority"] != 5 else 1
    summary = import_scenario(data)
    db.session.commit()
    assert summary.updated == {"cases": 1} and summary.created == {}
    case = db.session.scalar(sa.select(Case).filter_by(reference=data["cases"][0]["id"]))
    assert case.priority == data["cases"][0]["priority"]


def test_bad_scenario_names_every_field_and_writes_nothing(db):
    data = sample()
    data["cases"][3]["due_by"] = "2026-13-45"
    data["centres"][0]["rooms"][0]["capacity"] = 0
    del data["people"][2]["roles"]
    with pytest.raises(scheduler.ScenarioError) as caught:
        import_scenario(data)
    db.session.rollback()
    text = "\n".join(caught.value.problems)
    assert "cases[3].due_by" in text and "centres[0].rooms[0].capacity" in text
    assert "people[2].roles" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_export_maps_conflicts_aliases_and_fixed_hearings(db):
    data = sample()
    import_scenario(data)
    db.session.commit()
    start, end = _horizon(data)
    person = db.session.scalar(sa.select(Person).filter_by(code=data["people"][0]["id"]))
    case = db.session.scalar(sa.select(Case).filter_by(reference=data["cases"][0]["id"]))
    other = db.session.scalar(sa.select(Case).filter_by(reference=data["cases"][1]["id"]))
    now = datetime.now(UTC)
    # An organisation known by an alias still exports under its record name.
    respondent = case.respondents[0]
    add_alias(respondent, "宁安镇人民政府")
    case.parties.append(Party(name="Private Person", id_number="110101199001011234", phone="13900000000"))
    db.session.flush()
    db.session.add_all([
        Conflict(person=person, case=case, kind="waivable", reason="business ties"),
        Conflict(person=person, case=other, kind="waivable", reason="waived ties", waived_at=now,
                 waiver_reason="ties ended in 2019"),
        Conflict(person=person, organisation=respondent, kind="hard", reason="false match",
                 dismissed_at=now, dismissal_reason="different person of the same name"),
        Conflict(person=person, party=case.parties[-1], kind="hard", reason="cousin"),
    ])
    db.session.commit()
    exported = scheduler.scenario_to_dict(export_scenario(start, end))
    mine = [c for c in exported["conflicts"] if c["person"] == person.code and c["reason"] != "declared relationship"]
    assert {"person": person.code, "kind": "hard", "reason": "business ties", "case": case.reference} in mine
    assert {"person": person.code, "kind": "soft", "reason": "waived ties", "case": other.reference} in mine
    assert {"person": person.code, "kind": "hard", "case": case.reference,
            "reason": "conflict with a party of this case: cousin"} in mine
    assert all(c["reason"] != "false match" for c in mine)
    text = json.dumps(exported, ensure_ascii=False)
    assert "宁安镇人民政府" not in text and respondent.name in text
    # Private party details never reach a scenario.
    assert "110101199001011234" not in text and "13900000000" not in text
    # The export is a valid scenario for the planner.
    scheduler.scenario_from_dict(exported)


def _plan_for(data: dict) -> dict:
    """A plan touching two cases (storage does not judge rules), the rest unscheduled."""
    people = [p for p in data["people"] if "expert" in p["roles"]]
    counsellor = next(p for p in data["people"] if "counsellor" in p["roles"])
    centre = data["centres"][0]
    start = data["horizon"]["start"]
    cases = data["cases"]
    return {
        "format": "mediation-plan/1",
        "hearings": [
            {"case": cases[0]["id"], "date": start, "session": "am", "centre": centre["id"],
             "room": centre["rooms"][0]["id"], "panel": [p["id"] for p in people[:3]],
             "chair": people[1]["id"], "counsellor": counsellor["id"]},
            {"case": cases[1]["id"], "date": start, "session": "pm", "centre": centre["id"],
             "room": centre["rooms"][1]["id"], "panel": [p["id"] for p in people[3:6]],
             "chair": people[3]["id"], "counsellor": None},
        ],
        "unscheduled": [{"case": c["id"], "reasons": [f"reason for {c['id']}", "second reason"]}
                        for c in cases[2:]],
        "stats": {"objective": 7, "bound": 9, "status": "FEASIBLE", "solve_seconds": 1.25},
    }


def test_plan_round_trip_keeps_every_field(db):
    data = sample()
    import_scenario(data)
    run = PlanRun(horizon_start=date.fromisoformat(data["horizon"]["start"]),
                  horizon_end=date.fromisoformat(data["horizon"]["end"]), status="succeeded")
    db.session.add(run)
    plan = _plan_for(data)
    store_plan(run, scheduler.plan_from_dict(copy.deepcopy(plan)))
    db.session.commit()
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert (run.objective, run.bound, run.solver_status) == (7, 9, "FEASIBLE")
    assert scheduler.plan_to_dict(export_plan(run)) == plan
    hearing = run.hearings[0]
    assert hearing.status == "proposed" and hearing.chair.code == plan["hearings"][0]["chair"]
    # 09:00 in Shanghai is 01:00 UTC.
    assert hearing.starts_at == datetime.fromisoformat(f"{plan['hearings'][0]['date']}T01:00:00+00:00")


def test_published_hearings_become_fixed(db):
    """By default the published schedule is fixed; a run's proposals (even pinned) are not,
    unless the caller passes them (a re-run keeps its base run's pinned proposals)."""
    data = sample()
    import_scenario(data)
    run = PlanRun(horizon_start=date.fromisoformat(data["horizon"]["start"]),
                  horizon_end=date.fromisoformat(data["horizon"]["end"]))
    db.session.add(run)
    store_plan(run, scheduler.plan_from_dict(_plan_for(data)))
    first, second = run.hearings
    first.layer, first.status = 0, "published"
    second.pinned = True
    db.session.commit()
    fixed = export_scenario(*_horizon(data)).fixed
    assert [f.case for f in fixed] == [first.case.reference]
    assert fixed[0].chair == first.chair.code and fixed[0].counsellor == first.counsellor.code
    first.status = "cancelled"
    db.session.commit()
    assert export_scenario(*_horizon(data)).fixed == ()
    chosen = export_scenario(*_horizon(data), fixed_hearings=[second]).fixed
    assert [f.case for f in chosen] == [second.case.reference]
    # Importing a fixed hearing publishes it once; importing it again adds no duplicate.
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Hearing))
    exported = scheduler.scenario_to_dict(export_scenario(*_horizon(data), fixed_hearings=[second]))
    for _ in range(2):
        import_scenario(exported)
        db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)) == before + 1


def test_cli_import_export(runner, db, tmp_path):
    result = runner.invoke(args=["scenario", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output
    again = runner.invoke(args=["scenario", "import", str(SAMPLE)])
    assert "created nothing; updated nothing" in again.output
    out = tmp_path / "out.json"
    data = sample()
    result = runner.invoke(args=["scenario", "export", str(out), "--from", data["horizon"]["start"],
                                 "--to", data["horizon"]["end"]])
    assert result.exit_code == 0, result.output
    assert canonical(json.loads(out.read_text())) == canonical(data)
    bad = tmp_path / "bad.json"
    broken = sample()
    broken["cases"][1]["region"] = "atlantis"
    bad.write_text(json.dumps(broken))
    result = runner.invoke(args=["scenario", "import", str(bad)])
    assert result.exit_code == 1
    assert "cases[1].region" in result.output and "nothing imported" in result.output


def test_supervising_department_conflicts_reach_the_planner_until_waived(db):
    data = sample()
    import_scenario(data)
    db.session.commit()
    case = db.session.scalar(sa.select(Case).filter_by(reference=data["cases"][0]["id"]))
    respondent = case.respondents[0]
    bureau = Organisation(name="County Supervising Bureau")
    sibling = Organisation(name="Sibling Office", parent=bureau)
    respondent.parent = bureau
    person = db.session.scalar(sa.select(Person).filter_by(code=data["people"][0]["id"]))
    person.organisations = [sibling]
    db.session.commit()

    def mine():
        exported = scheduler.scenario_to_dict(export_scenario(*_horizon(data)))
        return [c for c in exported["conflicts"] if c["person"] == person.code and c.get("case") == case.reference]

    found = mine()
    assert len(found) == 1 and found[0]["kind"] == "hard"
    from mediation.conflicts.services import undecided_automatic_conflicts

    finding = undecided_automatic_conflicts([case])[0]
    db.session.add(Conflict(person=person, case=case, kind="waivable", reason=finding.reason,
                            source="automatic", basis_organisation=finding.basis_organisation,
                            rule=finding.rule, waived_at=datetime.now(UTC), waiver_reason="no ties"))
    db.session.commit()
    assert [c["kind"] for c in mine()] == ["soft"]


@pytest.mark.parametrize("token, message", [
    ("1e999", "the number 1e999, outside"),
    ("[" * 5000 + "]" * 5000, "nested more than 32 levels deep"),
    ('"\\ud800"', "lone UTF-16 surrogate"),
])
def test_cli_import_reads_the_file_within_bounds(runner, db, tmp_path, token, message):
    """The command reads a scenario as the upload does (mediation/bounded_json.py)."""
    scenario = sample()
    scenario["cases"][0]["attendees"] = "@@"
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(scenario).replace('"@@"', token), encoding="utf-8")
    result = runner.invoke(args=["scenario", "import", str(path)])
    assert result.exit_code == 1
    assert "cannot read a JSON scenario" in result.output and message in result.output
    stdin = runner.invoke(args=["scenario", "import", "-"], input=path.read_bytes())
    assert stdin.exit_code == 1 and message in stdin.output

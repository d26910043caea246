"""Exchange-format I/O: round trips, and bad input reported field by field, all at once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler import (
    ScenarioError,
    load_scenario,
    plan_from_dict,
    plan_to_dict,
    scenario_from_dict,
    scenario_to_dict,
    solve,
)
from tests.scheduler.helpers import SAMPLE, base, sample_dict

ROOT = Path(__file__).resolve().parents[2]


def test_sample_round_trip_is_equivalent() -> None:
    data = sample_dict()
    again = scenario_to_dict(scenario_from_dict(data))
    assert again == data
    assert scenario_from_dict(again) == scenario_from_dict(data)


def test_unknown_fields_are_ignored() -> None:
    data = sample_dict()
    data["name"] = "extra"
    data["cases"][0]["leader"] = "Party secretary"
    data["people"][0]["phone"] = "123"
    scenario = scenario_from_dict(data)
    assert scenario.cases[0].id == data["cases"][0]["id"]


def test_optional_fields_stay_absent() -> None:
    data = base()
    del data["people"][0]["unavailable"]
    scenario = scenario_from_dict(data)
    person = scenario.people[0]
    assert person.regions is None and person.max_hearings is None
    out = scenario_to_dict(scenario)["people"][0]
    assert "regions" not in out and "max_hearings" not in out and "available_weekdays" not in out


def test_plan_round_trip() -> None:
    scenario = load_scenario(SAMPLE)
    plan = solve(scenario, time_limit=5)
    data = plan_to_dict(plan)
    assert plan_to_dict(plan_from_dict(json.loads(json.dumps(data)))) == data


def test_several_problems_are_reported_together_with_their_paths() -> None:
    data = sample_dict()
    del data["cases"][12]["due_by"]
    data["cases"][3]["accepted_on"] = "2026-13-45"
    data["cases"][4]["region"] = "nowhere"
    data["centres"][0]["rooms"][1]["capacity"] = 0
    data["people"][2]["id"] = data["people"][1]["id"]
    data["cases"][5]["priority"] = "high"
    data["cases"][6]["attendees"] = True
    data["conflicts"][0]["person"] = "NOBODY"
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data)
    problems = err.value.problems
    text = "\n".join(problems)
    assert "cases[12].due_by: missing field" in text
    assert "cases[3].accepted_on: not a valid date" in text
    assert "centres[0].rooms[1].capacity: must be at least 1" in text
    assert "cases[5].priority: expected an integer" in text
    assert "cases[6].attendees: expected an integer" in text
    # references are checked once every record reads cleanly
    data = sample_dict()
    data["cases"][4]["region"] = "nowhere"
    data["people"][2]["id"] = data["people"][1]["id"]
    data["conflicts"][0]["person"] = "NOBODY"
    data["fixed"] = [{"case": "CASE-X", "date": "2026-12-01", "session": "noon", "room": "R?",
                      "panel": ["E0000"], "counsellor": None}]
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data)
    text = "\n".join(err.value.problems)
    for expected in ("cases[4].region: unknown region 'nowhere'",
                     "people[2].id: duplicate id 'E0001'",
                     "conflicts[0].person: unknown person 'NOBODY'",
                     "fixed[0].case: unknown case 'CASE-X'",
                     "fixed[0].session: unknown session 'noon'",
                     "fixed[0].room: unknown room 'R?'"):
        assert expected in text


def test_wrong_types_at_the_top() -> None:
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({"format": "mediation-scenario/1", "cases": {}, "people": 3})
    text = "\n".join(err.value.problems)
    assert "cases: expected a list" in text and "people: expected a list" in text
    assert "horizon: missing field" in text and "timezone: missing field" in text
    with pytest.raises(ScenarioError):
        scenario_from_dict([])


def test_plan_errors_name_their_place() -> None:
    with pytest.raises(ScenarioError) as err:
        plan_from_dict({"format": "mediation-plan/1",
                        "hearings": [{"case": "A", "date": "2026-02-30", "session": "am"}]})
    text = "\n".join(err.value.problems)
    assert "hearings[0].date: not a valid date" in text
    assert "hearings[0].room: missing field" in text


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scheduler", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    data = sample_dict()
    data["cases"][12]["due_by"] = "soon"
    data["centres"][1]["rooms"][0]["capacity"] = 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = _cli("solve", str(bad), "--out", str(tmp_path / "plan.json"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cases[12].due_by" in result.stderr and "centres[1].rooms[0].capacity" in result.stderr
    not_json = tmp_path / "broken.json"
    not_json.write_text("{ nope")
    for args in (("check", str(not_json), str(not_json)), ("explain", str(bad), "CASE-00001"),
                 ("solve", str(tmp_path / "missing.json"), "--out", "x.json")):
        result = _cli(*args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr and "error" in result.stderr


def test_cli_solve_check_explain(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = _cli("solve", str(SAMPLE), "--out", str(out), "--time-limit", "8")
    assert result.returncode == 0, result.stderr
    assert "objective" in result.stdout and "bound" in result.stdout and "status" in result.stdout
    assert _cli("check", str(SAMPLE), str(out)).returncode == 0
    plan = json.loads(out.read_text())
    plan["hearings"][0]["panel"] = plan["hearings"][0]["panel"][:2]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(plan))
    result = _cli("check", str(SAMPLE), str(broken))
    assert result.returncode == 1 and "rule 1" in result.stdout
    case_id = plan["hearings"][0]["case"]
    result = _cli("explain", str(SAMPLE), case_id, "--plan", str(out))
    assert result.returncode == 0 and "Scheduled on" in result.stdout
    result = _cli("explain", str(SAMPLE), "CASE-00001")
    assert result.returncode == 0 and "schedulable" in result.stdout
    assert _cli("explain", str(SAMPLE), "NO-SUCH-CASE").returncode == 2

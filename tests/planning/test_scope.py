"""RunScope: a run's inputs, typed, validated and stored as JSON apart from its results."""

from __future__ import annotations

from datetime import date

import pytest

from mediation.planning.scope import RunScope, ScopeError

EXAMPLES = [
    RunScope(),
    RunScope("all", date(2026, 12, 1), date(2026, 12, 31), release_published=True, seed=7),
    RunScope("region", date(2026, 12, 1), date(2026, 12, 31), region_code="A", region_id=3),
    RunScope("cases", case_ids=(1, 2, 5), base_run_id=4),
    RunScope("repair", date(2026, 12, 1), date(2027, 1, 31), case_ids=(9,), release_ids=(11, 12)),
]


@pytest.mark.parametrize("scope", EXAMPLES, ids=lambda s: s.kind)
def test_round_trip(scope):
    data = scope.to_json()
    assert all(isinstance(k, str) for k in data)
    assert RunScope.from_json(data) == scope
    import json

    assert RunScope.from_json(json.loads(json.dumps(data))) == scope


def test_keys_say_which_runs_exclude_each_other():
    assert RunScope().key == "all"
    assert RunScope("region", region_code="A", region_id=1).key == "region:A"
    assert RunScope("cases", case_ids=(1, 2)).key == RunScope("cases", case_ids=(1, 2)).key
    assert RunScope("cases", case_ids=(1, 2)).key != RunScope("cases", case_ids=(1, 3)).key
    assert RunScope("repair", case_ids=(1,), release_ids=(4, 5)).key == "repair:4,5"


def test_rows_written_before_the_typed_scope_still_read():
    old = {"kind": "repair", "case_ids": [3], "release": [8], "release_published": False,
           "seed": 0, "planned_case_ids": [3]}
    assert RunScope.from_json(old) == RunScope("repair", case_ids=(3,), release_ids=(8,))
    assert RunScope.from_json({"kind": "region", "region": "A", "region_id": 2}).region_code == "A"
    assert "planned_case_ids" not in RunScope.from_json(old).to_json()


@pytest.mark.parametrize("data, message", [
    ({"kind": "galaxy"}, "unknown scope kind"),
    ({"kind": "region"}, "region scope needs"),
    ({"kind": "cases", "case_ids": []}, "at least one case"),
    ({"kind": "cases", "case_ids": [2, 1]}, "sorted and distinct"),
    ({"kind": "cases", "case_ids": ["1"]}, "integers"),
    ({"kind": "repair", "case_ids": [1]}, "published hearings"),
    ({"kind": "all", "release_ids": [1]}, "only a repair"),
    ({"horizon_start": "2026-12-01"}, "both its first and its last"),
    ({"horizon_start": "2026-12-02", "horizon_end": "2026-12-01"}, "start on or before"),
    ({"horizon_start": "tomorrow", "horizon_end": "2026-12-01"}, "malformed"),
    ({"kind": "all", "colour": "red"}, "unknown scope keys: colour"),
    ({"seed": "7"}, "seed must be an integer"),
    ([], "JSON object"),
])
def test_invalid_scopes_are_refused_with_a_reason(data, message):
    with pytest.raises(ScopeError, match=message):
        RunScope.from_json(data)


def test_a_scope_is_frozen():
    scope = RunScope()
    with pytest.raises(AttributeError):
        scope.kind = "region"  # type: ignore[misc]

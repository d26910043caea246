"""Importing hostile input fails cleanly: broken encodings, binary junk, malformed or deeply
nested scenario JSON, circular region trees. Nothing is stored."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest

from tests.conftest import csrf_token
from tests.security.world import count_rows

SCENARIO = json.loads((Path(__file__).resolve().parents[1] / "data" / "scenario-small.json")
                      .read_text(encoding="utf-8"))


def _upload(client, url, body: bytes, filename: str, **form):
    token = csrf_token(client, "/imports/")
    return client.post(url, data={"csrf_token": token, **form,
                                  "file": (io.BytesIO(body), filename)})


@pytest.mark.parametrize(("body", "filename"), [
    (b"code,name\n\xff\xfe\x00broken\x80\x81", "people.csv"),
    ("code,name\nE1,Li\n".encode("utf-16"), "people.csv"),
    (b"\x00" * 5000, "people.csv"),
    (b"PK\x03\x04 not really a zip", "people.xlsx"),
    (b"", "people.csv"),
    (b"code,name\n" + b"E1," + b"x" * 200_000 + b"\n", "people.csv"),
    (b"\"unterminated,quote\n" * 100, "people.csv"),
])
def test_broken_tables_fail_cleanly(db, signed_in, body, filename):
    before = count_rows()
    response = _upload(signed_in, "/imports/upload", body, filename, kind="people")
    assert 400 <= response.status_code < 500, response.status_code
    assert count_rows() == before


def _circular():
    data = copy.deepcopy(SCENARIO)
    regions = data["regions"]
    regions[0]["parent"] = regions[-1]["id"]  # the city now sits below one of its own villages
    return data


def _self_parent():
    data = copy.deepcopy(SCENARIO)
    data["regions"][1]["parent"] = data["regions"][1]["id"]
    return data


@pytest.mark.parametrize("body", [
    b"{not json",
    b"[1, 2, 3]",
    b"\xff\xfe{}",
    b"[" * 100_000 + b"]" * 100_000,  # deeper than the JSON parser's recursion limit
    json.dumps({"format": "mediation-scenario/1"}).encode(),
    json.dumps({**SCENARIO, "regions": "everywhere"}).encode(),
    json.dumps({**SCENARIO, "horizon": {"start": "2026-02-30", "end": "x"}}).encode(),
    json.dumps(_circular()).encode(),
    json.dumps(_self_parent()).encode(),
])
def test_malformed_scenarios_fail_cleanly(db, signed_in, body):
    before = count_rows()
    response = _upload(signed_in, "/imports/scenario/upload", body, "scenario.json")
    assert 400 <= response.status_code < 500, response.status_code
    assert count_rows() == before


def test_the_sample_scenario_still_imports(db, signed_in):
    response = _upload(signed_in, "/imports/scenario/upload", json.dumps(SCENARIO).encode(),
                       "scenario.json")
    assert response.status_code == 200

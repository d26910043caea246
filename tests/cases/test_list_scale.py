"""The case list stays fast with 10,000 cases (measured and printed; asserted only loosely)."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mediation.cases.models import CASE_STATUSES, CATEGORIES, Case, Party
from tests.conftest import sign_in

N = 10_000


@pytest.mark.slow
def test_filtered_list_with_10000_cases(db, world, client):
    today = date(2026, 11, 2)
    regions = [world.county.id, world.town.id, world.village.id, world.other_county.id]
    rows = []
    for i in range(N):
        registered = today - timedelta(days=i % 90)
        rows.append({
            "reference": f"QS-BULK-{i:05d}", "title": f"Bulk case {i}",
            "category": CATEGORIES[i % len(CATEGORIES)], "region_id": regions[i % 4],
            "status": CASE_STATUSES[i % len(CASE_STATUSES)], "registered_on": registered,
            "acceptance_due_on": registered + timedelta(days=15),
            "handling_due_on": registered + timedelta(days=60),
            "due_by": registered + timedelta(days=30), "priority": 1 + i % 5,
            "needs_counsellor": i % 3 == 0, "attendees": 1, "repeat_count": 0,
            "escalation_level": 0,
        })
    db.session.execute(sa.insert(Case), rows)
    ids = db.session.execute(sa.select(Case.id, Case.reference)).all()
    db.session.execute(sa.insert(Party), [
        {"case_id": case_id, "kind": "person", "name": f"Petitioner {ref[-5:]}"}
        for case_id, ref in ids
    ])
    db.session.commit()
    sign_in(client, world.user.email, "correct horse battery")
    queries = [
        f"/cases/?region={world.town.id}&status=in_handling&needs_counsellor=1&sort=due",
        "/cases/?q=Petitioner%200999&sort=priority",
        "/cases/?overdue=1&sort=priority&page=3",
        "/cases/?unscheduled=1&category=unpaid_wages",
        "/cases/?sort=reference&page=150",
    ]
    client.get(queries[0])  # warm up (template compilation)
    for path in queries:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        print(f"{db.engine.dialect.name} {path}: {elapsed * 1000:.0f} ms")
        assert response.status_code == 200
        assert elapsed < 2.0, f"{path} took {elapsed:.2f} s"
    html = client.get("/cases/?q=Petitioner%2001234").get_data(as_text=True)
    assert "QS-BULK-01234" in html

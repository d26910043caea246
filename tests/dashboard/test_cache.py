"""The dashboard's cache (figures and lists together): a change to the data shows at once."""

from __future__ import annotations

import sqlalchemy as sa

from mediation.cases.models import Case
from tests.conftest import sign_in


def test_cached_lists_follow_a_change_at_once(city, client, make_user, db):
    db.session.commit()
    user, password = make_user("viewer")
    assert sign_in(client, user.email, password).status_code == 302
    page = "/dashboard/?from=2026-01&to=2026-11"
    assert client.get(page).status_code == 200  # fills the cache
    first = client.get(page).get_data(as_text=True)
    overdue = db.session.scalar(sa.select(Case).where(Case.reference == "R2"))
    assert ">R2<" in first and "Renamed overdue case" not in first
    overdue.title = "Renamed overdue case"
    db.session.commit()
    assert "Renamed overdue case" in client.get(page).get_data(as_text=True)
    overdue.status = "resolved"
    db.session.commit()
    assert ">R2<" not in client.get(page).get_data(as_text=True)

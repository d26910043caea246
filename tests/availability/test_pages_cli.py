"""The person page's calendar box and the `mediation availability` commands."""

from __future__ import annotations

import json
from datetime import time, timedelta

import sqlalchemy as sa

from mediation.audit.models import AuditEntry
from mediation.availability import services
from mediation.availability.models import CalendarSource, ImportedBusy
from mediation.timeutil import local_today
from tests import factories as F
from tests.availability import ics
from tests.conftest import csrf_token, sign_in

SECRET_PATH = "/calendar/ical/e0026%40gmail.com/private-5f2d9a0c1b7e4e/basic.ics"


def _world(db):
    F.session_block("am", time(9), time(12))
    F.session_block("pm", time(14), time(17, 30))
    person = F.person(code="E0026", name="Li Wei")
    db.session.commit()
    return person


def _base():
    today = local_today()
    return today + timedelta(days=(-today.weekday()) % 7 + 7)


def test_a_coordinator_sets_the_address_and_syncs_from_the_person_page(
        db, signed_in, ics_server, allow_private):
    person = _world(db)
    base = _base()
    url = ics_server.serve(SECRET_PATH.replace("%40", "@"), ics.sample(base))
    page = f"/roster/{person.id}"
    html = signed_in.get(page).get_data(as_text=True)
    assert "Busy times from their own calendar" in html and "No calendar address is set." in html
    token = csrf_token(signed_in, page)
    r = signed_in.post(f"/availability/people/{person.id}/url", data={"csrf_token": token, "url": url})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/roster/{person.id}#busy-calendar")
    html = signed_in.get(page).get_data(as_text=True)
    assert "Calendar address saved." in html
    assert "http://127.0.0.1/…" in html and "private-5f2d9a0c1b7e4e" not in html
    assert "not fetched yet" in html
    r = signed_in.post(f"/availability/people/{person.id}/sync", data={"csrf_token": token})
    html = signed_in.get(page).get_data(as_text=True)
    assert "Calendar imported: 9 busy sessions." in html
    assert "imported" in html and "all-day event" in html
    # Shown apart from the hand-entered dates; no event title ever reaches the page.
    assert html.index("Busy times from their own calendar") != html.index("Unavailable dates")
    assert ics.SECRET_TITLE not in html and "private notes" not in html
    assert "No unavailable dates recorded." in html  # nothing became a hand entry
    # A failure is shown in words, with the last good import kept.
    ics_server.serve(SECRET_PATH.replace("%40", "@"), "<html>not a calendar</html>")
    signed_in.post(f"/availability/people/{person.id}/sync", data={"csrf_token": token})
    html = signed_in.get(page).get_data(as_text=True)
    assert "Calendar import failed: The address did not return a calendar file that could be read." in html
    assert "The last good import is kept." in html and "all-day event" in html
    # The address never reaches the audit log.
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type.ilike("%calendar%"))).all()
    assert entries and "private-5f2d9a0c1b7e4e" not in json.dumps([[e.before, e.after, e.summary] for e in entries])
    # Clearing removes the address and the import.
    signed_in.post(f"/availability/people/{person.id}/url", data={"csrf_token": token, "clear": "1"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportedBusy)) == 0
    assert "No calendar address is set." in signed_in.get(page).get_data(as_text=True)


def test_a_refused_address_names_the_field_and_writes_nothing(db, signed_in):
    person = _world(db)
    token = csrf_token(signed_in, f"/roster/{person.id}")
    r = signed_in.post(f"/availability/people/{person.id}/url",
                       data={"csrf_token": token, "url": "ftp://example.org/cal.ics"},
                       follow_redirects=True)
    assert "Calendar address: only http, https (or webcal)" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarSource)) == 0


def test_the_page_shows_a_private_address_refusal_in_words(db, signed_in, ics_server):
    person = _world(db)
    services.set_calendar_url(person, ics_server.serve("/cal.ics", ics.calendar()))
    db.session.commit()
    token = csrf_token(signed_in, f"/roster/{person.id}")
    signed_in.post(f"/availability/people/{person.id}/sync", data={"csrf_token": token})
    html = signed_in.get(f"/roster/{person.id}").get_data(as_text=True)
    assert "The address leads to a private or local network address" in html
    assert "failed" in html


def test_viewers_see_the_status_but_cannot_change_or_sync(db, client, make_user, ics_server):
    person = _world(db)
    services.set_calendar_url(person, ics_server.serve("/cal.ics", ics.calendar()))
    db.session.commit()
    user, password = make_user("viewer")
    sign_in(client, user.email, password)
    html = client.get(f"/roster/{person.id}").get_data(as_text=True)
    assert "http://127.0.0.1/…" in html and "Sync now" not in html and 'name="url"' not in html
    token = csrf_token(client, f"/roster/{person.id}")
    assert client.post(f"/availability/people/{person.id}/sync", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/availability/people/{person.id}/url",
                       data={"csrf_token": token, "url": "https://example.org/x.ics"}).status_code == 403


def test_cli_sets_syncs_and_clears(db, runner, ics_server, allow_private):
    _world(db)
    base = _base()
    url = ics_server.serve("/e0026.ics", ics.all_day(base, 2))
    result = runner.invoke(args=["availability", "url", "e0026", url])
    assert result.exit_code == 0, result.output
    assert "E0026: calendar address set (http://127.0.0.1/…)" in result.output
    assert "e0026.ics" not in result.output
    result = runner.invoke(args=["availability", "sync", "--person", "E0026"])
    assert result.exit_code == 0, result.output
    assert "E0026: ok 4 busy sessions (1 events)" in result.output
    ics_server.serve("/e0026.ics", "x" * 100)
    result = runner.invoke(args=["availability", "sync"])
    assert result.exit_code == 1
    assert "E0026: error not_calendar" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportedBusy)) == 4
    result = runner.invoke(args=["availability", "url", "E0026", "ftp://example.org/x"])
    assert result.exit_code != 0 and "only http, https" in result.output
    result = runner.invoke(args=["availability", "url", "E9999", url])
    assert result.exit_code != 0 and "no person with code or id 'E9999'" in result.output
    result = runner.invoke(args=["availability", "url", "E0026", "--clear"])
    assert result.exit_code == 0 and "calendar address removed" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarSource)) == 0

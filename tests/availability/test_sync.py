"""Fetching and importing a person's calendar from a real local HTTP server."""

from __future__ import annotations

import socket
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from mediation.availability import fetch as fetch_module
from mediation.availability import services
from mediation.availability.fetch import FetchError, fetch, resolve
from mediation.availability.models import CalendarSource, ImportedBusy
from mediation.centres.models import HearingSession
from mediation.timeutil import local_today
from tests import factories as F
from tests.availability import ics


@pytest.fixture
def sessions(db):
    am = F.session_block("am", time(9), time(12))
    pm = F.session_block("pm", time(14), time(17, 30))
    return am, pm


@pytest.fixture
def base():
    """A Monday two to three weeks ahead."""
    today = local_today()
    return today + timedelta(days=(-today.weekday()) % 7 + 14)


def _busy(db, person) -> set:
    rows = db.session.execute(
        sa.select(ImportedBusy.date, ImportedBusy.session_id).where(ImportedBusy.person_id == person.id))
    codes = {s.id: s.code for s in db.session.scalars(sa.select(HearingSession))}
    return {(day, codes[sid]) for day, sid in rows}


def _source(db, person, url) -> CalendarSource:
    source = services.set_calendar_url(person, url)
    db.session.commit()
    return source


def test_recurrence_exceptions_all_day_and_time_zones(db, sessions, base, ics_server, allow_private):
    person = F.person(code="E0026")
    source = _source(db, person, ics_server.serve("/cal.ics", ics.sample(base)))
    services.sync_source(source)
    db.session.commit()
    assert source.status == "ok" and source.error_code is None
    assert _busy(db, person) == ics.expected(base)
    assert source.events_count == 8  # 3 weekly + utc + all-day + london + new york + floating
    # The UTC times of the event are kept for display; no title, description or location.
    row = db.session.scalar(sa.select(ImportedBusy).where(ImportedBusy.date == base + timedelta(days=1)))
    assert (row.starts_at.hour, row.ends_at.hour) == (6, 7)
    columns = {c.name for c in ImportedBusy.__table__.columns}
    assert not columns & {"summary", "title", "description", "location"}


def test_etag_answers_304_and_keeps_the_import(db, sessions, base, ics_server, allow_private):
    person = F.person()
    source = _source(db, person, ics_server.serve("/cal.ics", ics.sample(base), etag='"v1"'))
    services.sync_source(source)
    db.session.commit()
    first_check = source.checked_at
    assert source.etag == '"v1"'
    before = _busy(db, person)
    services.sync_source(source)
    db.session.commit()
    path, headers = ics_server.requests[-1]
    assert headers.get("If-None-Match") == '"v1"'
    assert source.status == "ok" and source.checked_at > first_check
    assert _busy(db, person) == before
    # Last-Modified goes back as If-Modified-Since.
    stamp = "Wed, 02 Dec 2026 08:00:00 GMT"
    ics_server.serve("/cal.ics", ics.sample(base), headers={"Last-Modified": stamp})
    services.sync_source(source, today=local_today() + timedelta(days=2))
    services.sync_source(source, today=local_today() + timedelta(days=2))
    db.session.commit()
    assert source.last_modified == stamp and source.etag is None
    assert ics_server.requests[-1][1].get("If-Modified-Since") == stamp
    # A new day moves the window: the file is fetched in full again (no conditional headers).
    services.sync_source(source, today=local_today() + timedelta(days=1))
    db.session.commit()
    assert "If-None-Match" not in ics_server.requests[-1][1]


def test_a_10_mb_file_is_too_large_and_the_last_good_import_is_kept(
        db, sessions, base, ics_server, allow_private):
    person = F.person()
    source = _source(db, person, ics_server.serve("/cal.ics", ics.sample(base)))
    services.sync_source(source)
    db.session.commit()
    good = _busy(db, person)
    last_success = source.last_success_at
    padding = "X-FILLER:" + "x" * 60 + "\r\n"
    big = ics.sample(base).replace("END:VCALENDAR", padding * (10 * 1024 * 1024 // len(padding)) + "END:VCALENDAR")
    assert len(big) > 10 * 1024 * 1024
    ics_server.serve("/cal.ics", big)
    services.sync_source(source)
    db.session.commit()
    assert (source.status, source.error_code) == ("error", "too_large")
    assert _busy(db, person) == good and source.last_success_at == last_success


def test_the_cap_holds_without_a_content_length(ics_server):
    """A server that sends no Content-Length: at most cap + 1 bytes are read."""
    ics_server.serve("/big.ics", b"x" * 5000, headers={"X-No-Length": "1"})
    with pytest.raises(FetchError) as info:
        fetch(ics_server.url("/big.ics"), max_bytes=4000, allow_private=True)
    assert info.value.code == "too_large" and "more than 4000" in info.value.detail
    ics_server.serve("/small.ics", b"x" * 4000, headers={"X-No-Length": "1"})
    assert len(fetch(ics_server.url("/small.ics"), max_bytes=4000, allow_private=True).body) == 4000


def test_a_malformed_file_is_not_a_calendar_and_the_last_good_import_is_kept(
        db, sessions, base, ics_server, allow_private):
    person = F.person()
    source = _source(db, person, ics_server.serve("/cal.ics", ics.sample(base)))
    services.sync_source(source)
    db.session.commit()
    good = _busy(db, person)
    for body in ("<html><body>Sign in to Google</body></html>",
                 "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:garbage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                 ""):
        ics_server.serve("/cal.ics", body)
        services.sync_source(source)
        db.session.commit()
        assert (source.status, source.error_code) == ("error", "not_calendar"), body
        assert _busy(db, person) == good
    # Recovery: a good file again replaces the rows and clears the error.
    ics_server.serve("/cal.ics", ics.all_day(base, 1))
    services.sync_source(source)
    db.session.commit()
    assert source.status == "ok" and source.error_code is None and source.error_detail is None
    assert _busy(db, person) == {(base, "am"), (base, "pm")}


def test_loopback_is_refused_unless_the_setting_allows_it(app, db, sessions, base, ics_server):
    assert app.config["MEDIATION_CALENDAR_ALLOW_PRIVATE"] is False
    person = F.person()
    source = _source(db, person, ics_server.serve("/cal.ics", ics.sample(base)))
    services.sync_source(source)
    db.session.commit()
    assert (source.status, source.error_code) == ("error", "private_address")
    assert ics_server.requests == []  # refused before connecting
    app.config["MEDIATION_CALENDAR_ALLOW_PRIVATE"] = True
    try:
        services.sync_source(source)
        db.session.commit()
    finally:
        app.config["MEDIATION_CALENDAR_ALLOW_PRIVATE"] = False
    assert source.status == "ok" and _busy(db, person) == ics.expected(base)


def test_a_redirect_to_a_private_address_is_refused(app, db, sessions, base, ics_server, monkeypatch):
    """calendar.example.org stands for a public host whose server is the local test server; it
    redirects to 127.0.0.1, which must be checked again and refused."""
    real = fetch_module.resolve

    def fake_resolve(host, port, allow_private):
        return "127.0.0.1" if host == "calendar.example.org" else real(host, port, allow_private)

    monkeypatch.setattr(fetch_module, "resolve", fake_resolve)
    ics_server.serve("/private.ics", ics.sample(base))
    ics_server.serve("/public.ics", status=302, headers={"Location": ics_server.url("/private.ics")})
    person = F.person()
    source = _source(db, person, f"http://calendar.example.org:{ics_server.port}/public.ics")
    services.sync_source(source)
    db.session.commit()
    assert (source.status, source.error_code) == ("error", "private_address")
    assert [p for p, _h in ics_server.requests] == ["/public.ics"]
    # A redirect to a public-looking host is followed (relative Location too).
    ics_server.serve("/public.ics", status=301, headers={"Location": "/moved.ics"})
    ics_server.serve("/moved.ics", ics.all_day(base, 1))
    services.sync_source(source)
    db.session.commit()
    assert source.status == "ok" and _busy(db, person) == {(base, "am"), (base, "pm")}
    # A loop of redirects stops.
    ics_server.serve("/public.ics", status=302, headers={"Location": "/public.ics"})
    services.sync_source(source)
    assert source.error_code == "redirects"


@pytest.mark.parametrize("address", ["10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1",
                                     "169.254.169.254", "0.0.0.0", "224.0.0.1", "::1",  # noqa: S104
                                     "fe80::1", "fc00::1", "::ffff:127.0.0.1", "100.64.0.1"])
def test_private_loopback_link_local_and_reserved_addresses_are_refused(address):
    with pytest.raises(FetchError) as info:
        resolve(address, 80, allow_private=False)
    assert info.value.code == "private_address"
    assert resolve(address, 80, allow_private=True)


def test_a_public_address_is_allowed():
    assert resolve("8.8.8.8", 443, allow_private=False) == "8.8.8.8"


def test_only_http_and_https(db):
    assert services.normalise_url(" webcal://p59-caldav.icloud.com/published/2/abc ") \
        == "https://p59-caldav.icloud.com/published/2/abc"
    assert services.normalise_url("https://example.org/日历.ics?a=b&c=%20") \
        == "https://example.org/%E6%97%A5%E5%8E%86.ics?a=b&c=%20"
    for bad in ("ftp://example.org/cal.ics", "file:///etc/passwd", "javascript:alert(1)",
                "example.org/cal.ics", "https:///nohost", "https://exa mple.org/x"):
        with pytest.raises(services.AvailabilityError, match="Calendar address"):
            services.normalise_url(bad)
    with pytest.raises(FetchError) as info:
        fetch("gopher://example.org/")
    assert info.value.code == "bad_scheme"


def test_http_errors_unreachable_and_timeout(db, sessions, ics_server, allow_private):
    with pytest.raises(FetchError) as info:
        fetch(ics_server.url("/missing.ics"), allow_private=True)
    assert info.value.code == "http_status" and "404" in info.value.detail
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(FetchError) as info:
        fetch(f"http://127.0.0.1:{port}/cal.ics", allow_private=True)
    assert info.value.code == "unreachable"
    with pytest.raises(FetchError) as info:
        fetch("http://no-such-host.invalid/cal.ics", allow_private=True)
    assert info.value.code == "unreachable"
    ics_server.serve("/slow.ics", ics.calendar(), delay=2)
    with pytest.raises(FetchError) as info:
        fetch(ics_server.url("/slow.ics"), timeout=0.5, allow_private=True)
    assert info.value.code == "timeout"


def test_changing_or_clearing_the_address_drops_the_old_import(db, sessions, base, ics_server,
                                                               allow_private):
    person = F.person()
    source = _source(db, person, ics_server.serve("/cal.ics", ics.sample(base)))
    services.sync_source(source)
    db.session.commit()
    assert _busy(db, person)
    services.set_calendar_url(person, source.url)  # the same address: nothing changes
    db.session.commit()
    assert _busy(db, person) and source.status == "ok"
    services.set_calendar_url(person, ics_server.url("/other.ics"))
    db.session.commit()
    assert _busy(db, person) == set() and source.status == "never" and source.etag is None
    services.set_calendar_url(person, "")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarSource)) == 0


def test_the_periodic_task_syncs_sources_not_checked_lately(app, db, sessions, base, ics_server,
                                                            allow_private):
    a, b = F.person(), F.person()
    _source(db, a, ics_server.serve("/a.ics", ics.all_day(base, 1)))
    _source(db, b, ics_server.serve("/b.ics", ics.all_day(base, 2)))
    assert services.sync_due_task() == 2
    assert len(_busy(db, a)) == 2 and len(_busy(db, b)) == 4
    assert services.sync_due_task() == 0  # checked within MEDIATION_CALENDAR_INTERVAL_MINUTES
    src = services.source_of(a)
    src.checked_at = src.checked_at - timedelta(minutes=61)
    db.session.commit()
    assert services.sync_due_task() == 1
    from mediation import worker
    assert worker.PERIODIC["availability.sync"] is services.sync_due_task

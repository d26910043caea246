"""The expert's page by signed link: token rules (same 404s, rotate, revoke, hash only
stored, redaction), what the page shows (centre address, no petitioner data), the .ics
download, the coordinators' link box, and `mediation people link`."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from mediation import secret_links
from mediation.attendance import services
from mediation.attendance.models import HearingResponse, PersonLink
from mediation.calendar import services as feed_services
from mediation.calendar.redact import RedactFeedTokens, redact
from mediation.timeutil import local_today
from tests.calendar import factories as cf
from tests.calendar.conftest import BASE_URL
from tests.calendar.factories import SECRET_DETAIL, SECRET_NAME, SECRET_NAME_ZH, SECRET_TITLE


@pytest.fixture
def panel(db, calendar_config):
    chair = cf.person(locale="en", name="Chair Zhang")
    member = cf.person(locale="en", name="Member Li")
    other = cf.person(locale="zh_Hans_CN", name="Wang Wu")
    day = local_today() + timedelta(days=7)
    hearing = cf.hearing(day=day, members=[(chair, "chair"), (member, "member"),
                                           (other, "member")])
    db.session.commit()
    return {"chair": chair, "member": member, "other": other, "hearing": hearing}


def _token(db, person) -> str:
    token = services.token_of(services.ensure_link(person))
    db.session.commit()
    return token


def test_tokens_are_hashed_rotated_revoked_and_unknown_ones_all_404(db, client, panel):
    member = panel["member"]
    token = _token(db, member)
    row = db.session.scalar(sa.select(PersonLink).where(PersonLink.person_id == member.id))
    # Only the hash and a seed are stored; the token is derived with its own domain string.
    assert row.token_hash == services.hash_token(token) and token not in (row.seed, row.token_hash)
    assert secret_links.derive(feed_services.DOMAIN, row.seed) != token
    assert client.get(f"/p/{token}").status_code == 200

    new = services.token_of(services.rotate_link(member))
    db.session.commit()
    assert new != token
    assert client.get(f"/p/{new}").status_code == 200
    paths = (token, "x" * 43, "short", "a/../b")
    responses = [client.get(f"/p/{path}") for path in paths]
    assert {r.status_code for r in responses} == {404}
    # The same page for unknown, revoked and malformed (but for the path the language switch
    # returns to): nothing tells them apart.
    assert len({r.get_data(as_text=True).replace(path, "")
                for r, path in zip(responses[:3], paths, strict=False)}) == 1

    assert services.revoke_link(member)
    db.session.commit()
    assert client.get(f"/p/{new}").status_code == 404
    assert services.revoke_link(member) is False
    # An inactive person's link stops working too.
    again = _token(db, member)
    member.active = False
    db.session.commit()
    assert client.get(f"/p/{again}").status_code == 404


def test_tokens_are_redacted_from_logs(app, caplog):
    line = '127.0.0.1 - - "GET /p/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde HTTP/1.1" 200'
    assert "AbCdEf" not in redact(line) and "/p/[redacted]" in redact(line)
    post = "POST /p/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde/hearings/4/answer"
    assert redact(post) == "POST /p/[redacted]/hearings/4/answer"
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "%s", (line,), None)
    RedactFeedTokens().filter(record)
    assert "AbCdEf" not in record.getMessage()


def test_the_page_shows_the_hearing_and_no_petitioner_data(db, client, panel):
    hearing, member = panel["hearing"], panel["member"]
    body = client.get(f"/p/{_token(db, member)}").get_data(as_text=True)
    centre = hearing.room.centre
    for shown in (centre.name, centre.address, hearing.room.name, hearing.case.reference,
                  "Chair Zhang", "Wang Wu", "panel member", "hearings@mediation.example.org",
                  "09:00", "12:00"):
        assert str(escape(shown)) in body, shown
    for secret in (SECRET_TITLE, SECRET_DETAIL, SECRET_NAME, SECRET_NAME_ZH):
        assert secret not in body
    assert 'name="viewport"' in body and "csrf_token" not in body


def test_the_page_speaks_the_persons_language_with_a_switch(db, client, panel):
    token = _token(db, panel["other"])  # locale zh_Hans_CN
    body = client.get(f"/p/{token}").get_data(as_text=True)
    assert "我的评议会" in body and 'lang="zh-CN"' in body and "English" in body
    english = client.get(f"/p/{token}?lang=en").get_data(as_text=True)
    assert "My hearings" in english


def test_one_hearing_downloads_as_ics_with_the_page_link(db, client, panel):
    hearing, member = panel["hearing"], panel["member"]
    token = _token(db, member)
    response = client.get(f"/p/{token}/hearings/{hearing.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    data = response.get_data(as_text=True)
    assert hearing.uid in data and SECRET_TITLE not in data
    assert f"{BASE_URL}/p/{token}" in data.replace("\r\n ", "")
    # Someone else's hearing, or a bad token: the same 404.
    foreign = cf.hearing(day=hearing.date, members=[(cf.person(), "chair")])
    db.session.commit()
    assert client.get(f"/p/{token}/hearings/{foreign.id}.ics").status_code == 404
    assert client.get(f"/p/{'y' * 43}/hearings/{hearing.id}.ics").status_code == 404


def test_invites_and_personal_feed_events_link_to_the_page(db, panel):
    from mediation.calendar.events import vevent
    from mediation.calendar.invites import build_message, page_url_of
    from mediation.db import now_utc

    hearing, member = panel["hearing"], panel["member"]
    url = page_url_of(member)  # made for a person who never had a link
    token = services.current_link_token(member)
    assert url == f"{BASE_URL}/p/{token}"
    _subject, message = build_message(hearing, member, "member", "REQUEST", "published",
                                      now_utc())
    assert "sign-in required" not in message
    event = vevent(hearing, dtstamp=now_utc(), role="member", page_url=url)
    assert str(event["URL"]) == url and url in str(event["DESCRIPTION"])
    # Once revoked, no new link is made behind the coordinator's back.
    services.revoke_link(member)
    assert page_url_of(member) is None


def test_coordinators_see_copy_rotate_revoke_on_the_person_page(db, client, signed_in, panel):
    member = panel["member"]
    page = client.get(f"/roster/{member.id}").get_data(as_text=True)
    assert 'id="page-link"' in page and "No page link yet." in page
    from tests.conftest import csrf_token

    token = csrf_token(client, f"/roster/{member.id}")
    assert client.post(f"/attendance/people/{member.id}/link/rotate",
                       data={"csrf_token": token}).status_code == 302
    link = services.current_link_token(member)
    page = client.get(f"/roster/{member.id}").get_data(as_text=True)
    assert f"/p/{link}" in page
    assert client.post(f"/attendance/people/{member.id}/link/revoke",
                       data={"csrf_token": token}).status_code == 302
    assert services.current_link_token(member) is None


def test_people_link_command_prints_the_link(db, runner, panel):
    result = runner.invoke(args=["people", "link", panel["chair"].code])
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert url == f"{BASE_URL}/p/{services.current_link_token(panel['chair'])}"
    assert runner.invoke(args=["people", "link", "NOPE"]).exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HearingResponse)) == 0


def test_the_personal_feed_follows_the_page_link_at_once(db, client, panel):
    from mediation.calendar.services import ensure_token
    from mediation.calendar.services import token_of as feed_token_of

    member = panel["member"]
    feed = feed_token_of(ensure_token("person", member))
    db.session.commit()

    def body() -> str:
        return client.get(f"/feeds/{feed}.ics").get_data(as_text=True).replace("\r\n ", "")

    assert "/calendar/hearings/" in body()  # no page link yet: the sign-in link
    token = _token(db, member)
    assert f"{BASE_URL}/p/{token}" in body()
    new = services.token_of(services.rotate_link(member))
    db.session.commit()
    assert f"{BASE_URL}/p/{new}" in body() and token not in body()
    # Shared feeds keep the sign-in link.
    room_feed = feed_token_of(ensure_token("room", panel["hearing"].room))
    db.session.commit()
    room = client.get(f"/feeds/{room_feed}.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "/p/" not in room and "/calendar/hearings/" in room

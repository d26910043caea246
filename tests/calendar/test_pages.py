"""Pages and commands: the person page's feed box, the feeds page, the outbox, `mediation feeds`,
and tokens kept out of logs."""

from __future__ import annotations

import logging
import re
import urllib.request
from datetime import date

import sqlalchemy as sa

from mediation.auth.models import User
from mediation.calendar import views
from mediation.calendar.invites import queue_invites
from mediation.calendar.mail import deliver_pending
from mediation.calendar.models import INVALID_ADDRESS, NO_ADDRESS, FeedToken, OutboxMessage
from mediation.calendar.redact import GunicornLogger, RedactFeedTokens, redact
from mediation.calendar.services import ensure_token, token_of
from mediation.extensions import db as database
from tests import factories as f
from tests.calendar import factories as cf
from tests.calendar.conftest import BASE_URL
from tests.conftest import csrf_token, sign_in

URL_RE = re.compile(re.escape(BASE_URL) + r"/feeds/([A-Za-z0-9_-]{43})\.ics")


def _viewer(client, make_user):
    user, password = make_user("viewer")
    assert sign_in(client, user.email, password).status_code == 302
    return client


def test_editors_see_and_manage_the_persons_feed(db, signed_in, calendar_config):
    person = cf.person()
    db.session.commit()
    page = signed_in.get(f"/roster/{person.id}").get_data(as_text=True)
    assert 'id="feed"' in page and "No feed link yet." in page and not URL_RE.search(page)
    assert 'src="/static/js/feeds.js"' in page and "onclick" not in page

    token = csrf_token(signed_in, f"/roster/{person.id}")
    made = signed_in.post(f"/calendar/feeds/person/{person.id}/rotate",
                          data={"csrf_token": token, "next": f"/roster/{person.id}#feed"})
    assert made.status_code == 302 and made.headers["Location"].endswith(f"/roster/{person.id}#feed")
    page = signed_in.get(f"/roster/{person.id}").get_data(as_text=True)
    first = URL_RE.search(page).group(1)
    assert f"webcal://mediation.example.org/feeds/{first}.ics" in page
    assert signed_in.get(f"/feeds/{first}.ics").status_code == 200

    signed_in.post(f"/calendar/feeds/person/{person.id}/rotate",
                   data={"csrf_token": token, "next": f"/roster/{person.id}"})
    second = URL_RE.search(signed_in.get(f"/roster/{person.id}").get_data(as_text=True)).group(1)
    assert second != first
    assert signed_in.get(f"/feeds/{first}.ics").status_code == 404
    signed_in.post(f"/calendar/feeds/person/{person.id}/revoke",
                   data={"csrf_token": token, "next": "https://evil.example/"})
    assert signed_in.get(f"/feeds/{second}.ics").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedToken)
                             .where(FeedToken.revoked_at.is_(None))) == 0


def test_viewers_see_no_feed_link_and_cannot_change_it(db, client, make_user, calendar_config):
    person = cf.person()
    token = token_of(ensure_token("person", person))
    db.session.commit()
    viewer = _viewer(client, make_user)
    page = viewer.get(f"/roster/{person.id}").get_data(as_text=True)
    assert token not in page and 'id="feed"' not in page
    form = csrf_token(viewer, f"/roster/{person.id}")
    assert viewer.post(f"/calendar/feeds/person/{person.id}/rotate",
                       data={"csrf_token": form}).status_code == 403
    assert viewer.get("/calendar/feeds").status_code == 403
    assert viewer.get("/calendar/outbox").status_code == 403


def test_feeds_page_manages_my_feed_and_room_feeds(db, signed_in, make_user, calendar_config):
    centre = f.centre()
    db.session.commit()
    page = signed_in.get("/calendar/feeds").get_data(as_text=True)
    assert centre.name in page and "Hearings of cases in every region." in page
    form = csrf_token(signed_in, "/calendar/feeds")
    me = db.session.scalar(sa.select(FeedToken.__table__.c.id).limit(1))
    assert me is None

    coordinator = db.session.scalar(sa.select(User).where(User.role == "coordinator"))
    signed_in.post(f"/calendar/feeds/coordinator/{coordinator.id}/rotate",
                   data={"csrf_token": form})
    signed_in.post(f"/calendar/feeds/room/{centre.rooms[0].id}/rotate", data={"csrf_token": form})
    page = signed_in.get("/calendar/feeds").get_data(as_text=True)
    assert len(set(URL_RE.findall(page))) == 2
    # Somebody else's coordinator feed is theirs alone.
    other, _ = make_user("coordinator")
    assert signed_in.post(f"/calendar/feeds/coordinator/{other.id}/rotate",
                          data={"csrf_token": form}).status_code == 403
    assert signed_in.post(f"/calendar/feeds/planet/{other.id}/rotate",
                          data={"csrf_token": form}).status_code == 404


def test_outbox_page_lists_messages_and_sends_a_failed_one_again(db, signed_in, calendar_config):
    nobody = cf.person(email=None)
    someone = cf.person()
    h = cf.hearing(day=date(2026, 12, 1), members=[(nobody, "chair"), (someone, "member")])
    queue_invites(h, kind="published")
    db.session.commit()
    deliver_pending()
    page = signed_in.get("/calendar/outbox").get_data(as_text=True)
    assert h.case.reference in page and "No email address: this message is not sent" in page
    assert "sent (1)" in page and "failed (1)" in page
    assert calendar_config["MEDIATION_OUTBOX_DIR"] in page
    failed = signed_in.get("/calendar/outbox?status=failed").get_data(as_text=True)
    assert nobody.code in failed and someone.email not in failed
    sent = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.status == "sent"))
    eml = signed_in.get(f"/calendar/outbox/{sent.id}.eml")
    assert eml.status_code == 200 and eml.mimetype == "message/rfc822"
    assert eml.get_data() == sent.message.encode()
    # A failed message with an address can be sent again.
    sent.status, sent.last_error = "failed", "451 try later"
    db.session.commit()
    form = csrf_token(signed_in, "/calendar/outbox")
    assert signed_in.post(f"/calendar/outbox/{sent.id}/retry",
                          data={"csrf_token": form}).status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxMessage, sent.id).status == "pending"


def test_the_outbox_says_why_a_message_failed_in_the_readers_language(db, signed_in,
                                                                      calendar_config):
    """The reason is stored as a code and worded when shown: a reader in Chinese reads it in
    Chinese whatever language the publisher used (it once showed "P0001 has no email address");
    a mail server's own answer is shown as it came, after a translated lead."""
    nobody, invalid, refused = cf.person(email=None), cf.person(), cf.person()
    h = cf.hearing(day=date(2026, 12, 1),
                   members=[(nobody, "chair"), (invalid, "member"), (refused, "member")])
    queue_invites(h, kind="published")
    db.session.commit()
    rows = {m.person_id: m for m in db.session.scalars(sa.select(OutboxMessage))}
    assert rows[nobody.id].last_error == NO_ADDRESS
    database.session.execute(sa.update(OutboxMessage).where(
        OutboxMessage.id == rows[invalid.id].id).values(
        recipient="a@example.org, b@example.org"))
    rows[refused.id].status, rows[refused.id].last_error = "failed", "550 no such mailbox"
    db.session.commit()
    assert deliver_pending()["failed"] == 1
    db.session.expire_all()
    assert db.session.get(OutboxMessage, rows[invalid.id].id).last_error == INVALID_ADDRESS
    signed_in.post("/language/zh_Hans_CN", data={"csrf_token": csrf_token(signed_in, "/"),
                                                 "next": "/"})
    page = signed_in.get("/calendar/outbox?status=failed").get_data(as_text=True)
    assert '<html lang="zh-CN"' in page
    assert "没有邮箱地址，本邮件未发送；请在该人员页面添加邮箱地址。" in page
    assert "所存邮箱地址无效，本邮件未发送；请在该人员页面更正邮箱地址。" in page
    assert '上次发送失败： <span translate="no">550 no such mailbox</span>' in page
    assert "has no email address" not in page and NO_ADDRESS not in page
    assert "not a valid email address" not in page and INVALID_ADDRESS not in page


def test_feeds_url_command_prints_the_same_url_each_time(db, runner, client, calendar_config):
    """Commands take the person's code, as people see it (issue #13 point 8); ids still work."""
    person = cf.person()
    db.session.commit()
    first = runner.invoke(args=["feeds", "url", person.code])
    assert first.exit_code == 0, first.output
    url = first.output.strip().splitlines()[-1]
    assert URL_RE.fullmatch(url)
    again = runner.invoke(args=["feeds", "url", person.code.lower()]).output.strip().splitlines()
    assert again[-1] == url
    by_id = runner.invoke(args=["feeds", "url", str(person.id)]).output.strip().splitlines()[-1]
    assert by_id == url
    assert client.get(url.removeprefix(BASE_URL)).status_code == 200
    webcal = runner.invoke(args=["feeds", "url", "--webcal", person.code]).output.strip()
    assert webcal == url.replace("https://", "webcal://")
    rotated = runner.invoke(args=["feeds", "rotate", person.code]).output.strip()
    assert rotated != url and client.get(url.removeprefix(BASE_URL)).status_code == 404
    assert runner.invoke(args=["feeds", "revoke", person.code]).output.strip() == "Revoked."
    unknown = runner.invoke(args=["feeds", "url", "E99999"])
    assert unknown.exit_code != 0 and "no person with code or id 'E99999'" in unknown.output
    assert runner.invoke(args=["feeds", "url", "999999"]).exit_code != 0


def test_tokens_never_reach_the_request_log(db, live_server, caplog, calendar_config):
    person = cf.person()
    token = token_of(ensure_token("person", person))
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        with urllib.request.urlopen(f"{live_server}/feeds/{token}.ics") as response:  # noqa: S310
            assert response.status == 200
        try:
            urllib.request.urlopen(f"{live_server}/feeds/{'x' * 43}.ics")  # noqa: S310
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/feeds/[redacted].ics" in text
    assert token not in text and "x" * 43 not in text


def test_redaction_filter_and_gunicorn_atoms():
    token = "A" * 43
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s %s',
                               (f"GET /feeds/{token}.ics HTTP/1.1", "200", "-"), None)
    RedactFeedTokens().filter(record)
    assert record.getMessage() == '"GET /feeds/[redacted].ics HTTP/1.1" 200 -'
    assert redact(f"https://x/feeds/{token}.ics?x=1") == "https://x/feeds/[redacted].ics?x=1"

    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    logger = GunicornLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/feeds/{token}.ics",
               "PATH_INFO": f"/feeds/{token}.ics", "SERVER_PROTOCOL": "HTTP/1.1",
               "QUERY_STRING": ""}
    atoms = logger.atoms(SimpleNamespace(status="200 OK", sent=10, headers=[]), [], environ,
                         timedelta(seconds=0))
    assert token not in str(atoms)
    assert atoms["r"] == "GET /feeds/[redacted].ics HTTP/1.1"


def test_the_link_in_feeds_and_invites_needs_sign_in(db, client, signed_in, calendar_config):
    h = cf.hearing(day=date(2026, 12, 1))
    db.session.commit()
    response = signed_in.get(f"/calendar/hearings/{h.uid}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{h.case_id}") or \
        "/planning/" in response.headers["Location"]
    assert signed_in.get("/calendar/hearings/nope@mediation").status_code == 404
    signed_in.post("/logout", data={"csrf_token": csrf_token(signed_in, "/")})
    anonymous = signed_in.get(f"/calendar/hearings/{h.uid}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


# --- long lists: paging, filters, region scope ------------------------------------------------

ROW_RE = re.compile(r'<tr class="status-[a-z]+[^"]*" id="m(\d+)">')


def _message(h, person, status="sent", reason="published") -> OutboxMessage:
    m = OutboxMessage(hearing_id=h.id, person_id=person.id, reason=reason, method="REQUEST",
                      uid=h.uid, sequence=h.sequence, recipient=person.email, subject="Hearing",
                      message="Subject: Hearing\r\n\r\nx", status=status,
                      last_error="550 no such mailbox" if status == "failed" else None)
    database.session.add(m)
    database.session.flush()
    return m


def _shown(client, url) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [int(n) for n in ROW_RE.findall(response.get_data(as_text=True))]


def test_outbox_is_paged_newest_first_and_filtered_by_status_and_person(
        db, signed_in, calendar_config, monkeypatch):
    anna, bo = cf.person(name="Anna Lindqvist"), cf.person(name="Bo Zhang")
    h = cf.hearing(day=date(2026, 12, 1), members=[(anna, "chair"), (bo, "member")])
    ids = [_message(h, anna if n % 2 else bo, status="failed" if n in (1, 4) else "sent").id
           for n in range(7)]
    db.session.commit()
    newest = ids[::-1]
    monkeypatch.setattr(views, "OUTBOX_PER_PAGE", 3)
    page = signed_in.get("/calendar/outbox").get_data(as_text=True)
    assert [int(n) for n in ROW_RE.findall(page)] == newest[:3]
    assert "Page 1 of 3" in page and "/calendar/outbox?page=2" in page
    assert _shown(signed_in, "/calendar/outbox?page=2") == newest[3:6]
    # Past the end (or nonsense): the last page, or the first; never an error.
    assert _shown(signed_in, "/calendar/outbox?page=40") == newest[6:]
    assert _shown(signed_in, "/calendar/outbox?page=-3") == newest[:3]
    # Failed ones are flagged with a way to them, and the status filter narrows the list.
    assert "2 invites could not be sent." in page and "failed (2)" in page
    assert _shown(signed_in, "/calendar/outbox?status=failed") == [ids[4], ids[1]]
    # By person: code or part of the name; the counts follow the person.
    assert _shown(signed_in, f"/calendar/outbox?person={anna.code}") == [ids[5], ids[3], ids[1]]
    by_name = signed_in.get("/calendar/outbox?person=zhang").get_data(as_text=True)
    assert [int(n) for n in ROW_RE.findall(by_name)] == [ids[6], ids[4], ids[2]]
    assert "sent (3)" in by_name and "failed (1)" in by_name
    assert "status=failed&amp;person=zhang" in by_name
    assert _shown(signed_in, "/calendar/outbox?person=nobody-like-this") == []
    # Sending a failed one again returns to the page it was sent from.
    form = csrf_token(signed_in, "/calendar/outbox")
    back = signed_in.post(f"/calendar/outbox/{ids[4]}/retry",
                          data={"csrf_token": form, "next": "/calendar/outbox?page=2"})
    assert back.headers["Location"].endswith("/calendar/outbox?page=2")
    assert db.session.get(OutboxMessage, ids[4]).status == "pending"


def test_outbox_shows_and_counts_only_the_viewers_regions(db, client, make_user,
                                                           calendar_config):
    home, other = f.region(), f.region()
    person = cf.person()
    mine = cf.hearing(case=f.case(home), members=[(person, "chair")])
    theirs = cf.hearing(case=f.case(other), day=date(2026, 11, 4), members=[(person, "chair")])
    kept = _message(mine, person, status="failed")
    hidden = _message(theirs, person, status="failed")
    _message(theirs, person, status="sent")
    user, password = make_user("coordinator")
    user.regions = [home]
    db.session.commit()
    sign_in(client, user.email, password)
    page = client.get("/calendar/outbox").get_data(as_text=True)
    assert [int(n) for n in ROW_RE.findall(page)] == [kept.id]
    assert "failed (1)" in page and "sent (0)" in page and "All (1)" in page
    assert theirs.case.reference not in page
    assert _shown(client, f"/calendar/outbox?person={person.code}&status=failed") == [kept.id]
    assert client.get(f"/calendar/outbox/{hidden.id}.eml").status_code == 404


PERSON_ROW_RE = re.compile(r'<tr id="person-(\d+)">')


def test_feeds_page_lists_people_in_a_paged_filtered_table(db, signed_in, calendar_config,
                                                           monkeypatch):
    people = [cf.person(code=f"FEED{n}", name=f"Feed Person {n}") for n in range(5)]
    counsellor = f.person(code="FEEDC", name="Counsellor Qian", expert=False, counsellor=True)
    retired = f.person(code="FEEDX", name="Retired", active=False)
    ensure_token("person", people[1])
    ensure_token("person", people[3])
    db.session.commit()
    page = signed_in.get("/calendar/feeds").get_data(as_text=True)
    listed = [int(n) for n in PERSON_ROW_RE.findall(page)]
    assert listed == [p.id for p in people] + [counsellor.id] and retired.id not in listed
    assert len(set(URL_RE.findall(page))) == 2  # the two people's links, in the table
    assert page.count("No link") == 4

    def shown(url):
        return [int(n) for n in PERSON_ROW_RE.findall(signed_in.get(url).get_data(as_text=True))]

    assert shown("/calendar/feeds?link=with") == [people[1].id, people[3].id]
    assert shown("/calendar/feeds?link=without") == [people[0].id, people[2].id, people[4].id,
                                                      counsellor.id]
    assert shown("/calendar/feeds?role=counsellor") == [counsellor.id]
    assert shown("/calendar/feeds?q=feed3") == [people[3].id]
    assert shown("/calendar/feeds?q=qian&role=expert") == []
    monkeypatch.setattr(views, "FEEDS_PER_PAGE", 2)
    first = signed_in.get("/calendar/feeds?link=without").get_data(as_text=True)
    assert "/calendar/feeds?page=2&amp;link=without#people" in first
    assert shown("/calendar/feeds?link=without&page=2") == [people[4].id, counsellor.id]
    assert shown("/calendar/feeds?link=without&page=9") == [people[4].id, counsellor.id]
    monkeypatch.setattr(views, "FEEDS_PER_PAGE", 50)
    # The actions still work from the table and come back to the same page.
    form = csrf_token(signed_in, "/calendar/feeds")
    back = f"/calendar/feeds?link=without&page=2#person-{counsellor.id}"
    made = signed_in.post(f"/calendar/feeds/person/{counsellor.id}/rotate",
                          data={"csrf_token": form, "next": back})
    assert made.headers["Location"].endswith(back)
    assert shown("/calendar/feeds?link=with") == [people[1].id, people[3].id, counsellor.id]
    signed_in.post(f"/calendar/feeds/person/{people[1].id}/revoke", data={"csrf_token": form})
    assert shown("/calendar/feeds?link=with") == [people[3].id, counsellor.id]


def test_feeds_page_shows_only_the_viewers_centres(db, client, make_user, calendar_config):
    home, other = f.region(), f.region()
    mine, theirs = f.centre(home), f.centre(other)
    user, password = make_user("coordinator")
    user.regions = [home]
    db.session.commit()
    sign_in(client, user.email, password)
    page = client.get("/calendar/feeds").get_data(as_text=True)
    assert f'id="centre-{mine.id}"' in page and f'id="centre-{theirs.id}"' not in page
    assert theirs.name not in page
    # A centre's rooms are folded under it, unfolded when one of them has a link.
    assert '<details class="mt-1 feed-rooms">' in page and f'id="room-{mine.rooms[0].id}"' in page
    ensure_token("room", mine.rooms[0])
    db.session.commit()
    page = client.get("/calendar/feeds").get_data(as_text=True)
    assert '<details class="mt-1 feed-rooms" open>' in page and len(URL_RE.findall(page)) == 1

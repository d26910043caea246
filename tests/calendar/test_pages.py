"""Pages and commands: the person page's feed box, the feeds page, the outbox, `mediation feeds`,
and tokens kept out of logs."""

from __future__ import annotations

import logging
import re
import urllib.request
from datetime import date

import sqlalchemy as sa

from mediation.calendar.invites import queue_invites
from mediation.calendar.mail import deliver_pending
from mediation.calendar.models import FeedToken, OutboxMessage
from mediation.calendar.redact import GunicornLogger, RedactFeedTokens, redact
from mediation.calendar.services import ensure_token, token_of
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
    from mediation.auth.models import User

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
    assert h.case.reference in page and f"{nobody.code} has no email address" in page
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

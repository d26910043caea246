"""Replies from calendar apps (issue #13 point 3): the iMIP REPLY a calendar app mails when an
expert presses Yes / No / Maybe reaches the reply mailbox, read over IMAP from a real dovecot
(tests/mailserver.py), and is applied exactly like the expert's page buttons."""

from __future__ import annotations

import json
import logging
from email.message import EmailMessage
from email.utils import formataddr

import pytest
import sqlalchemy as sa

from mediation.attendance.models import HearingResponse
from mediation.calendar import replies
from mediation.calendar.models import OutboxMessage
from mediation.config import ConfigError, load_config
from mediation.conflicts.models import Conflict
from mediation.planning.models import Hearing, PlanRun
from mediation.planning.publish import publish_run
from tests.mailserver import mailserver  # noqa: F401

REPLY_ADDRESS = "replies@mediation.example.org"


@pytest.fixture
def imap(app, _web_app, mailserver, calendar_config, monkeypatch):  # noqa: F811
    values = {"IMAP_HOST": mailserver.host, "IMAP_PORT": mailserver.port, "IMAP_SSL": False,
              "IMAP_STARTTLS": False, "IMAP_USERNAME": mailserver.username,
              "IMAP_PASSWORD": mailserver.password, "IMAP_MAILBOX": "INBOX",
              "IMAP_DONE_MAILBOX": "Processed", "MEDIATION_REPLY_ADDRESS": REPLY_ADDRESS}
    for target in (app, _web_app):
        for key, value in values.items():
            monkeypatch.setitem(target.config, key, value)
    return mailserver


def _published(db, world, planned) -> Hearing:
    publish_run(planned, world.user)
    db.session.commit()
    return db.session.scalars(sa.select(Hearing).where(Hearing.layer == 0)
                              .order_by(Hearing.id)).first()


def reply(uid: str, attendee: str, partstat: str, sequence: int | None = 0, *,
          sender: str | None = None, comment: str | None = None, method: str = "REPLY",
          name: str = "An Expert") -> bytes:
    """An iMIP REPLY as Gmail sends it: text, then the calendar inline and as invite.ics."""
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
             "VERSION:2.0", "CALSCALE:GREGORIAN", f"METHOD:{method}", "BEGIN:VEVENT",
             "DTSTART:20261201T010000Z", "DTEND:20261201T030000Z",
             "DTSTAMP:20261129T120000Z", f"ORGANIZER;CN=Hearings Office:mailto:{REPLY_ADDRESS}",
             f"UID:{uid}",
             f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};"
             f"CN={name};X-NUM-GUESTS=0:mailto:{attendee}"]
    if sequence is not None:
        lines.append(f"SEQUENCE:{sequence}")
    if comment:
        lines.append(f"COMMENT:{comment}")
    lines += ["SUMMARY:Hearing", "STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR"]
    ics = ("\r\n".join(lines) + "\r\n").encode()
    msg = EmailMessage()
    msg["From"] = formataddr((name, sender or attendee))
    msg["To"] = REPLY_ADDRESS
    msg["Subject"] = f"{partstat.title()}: Hearing"
    msg.set_content(f"{name} has answered {partstat.lower()}.\n")
    msg.add_alternative(ics, maintype="text", subtype="calendar",
                        params={"method": method, "charset": "UTF-8"})
    msg.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    return msg.as_bytes()


def _members(h: Hearing):
    return [m.person for m in h.members]


def _fetch(app):
    with app.app_context():
        return replies.fetch_replies().as_dict()


def test_declining_in_a_calendar_app_does_what_the_page_does(db, world, planned, imap, caplog):
    """Done when (issue #13 point 3): a decline from a calendar app, arriving through IMAP, is
    recorded (channel email), declares the conflict, tells the coordinator and starts the repair
    proposal, as the page's decline does (tests/attendance/test_decline.py)."""
    h = _published(db, world, planned)
    leaving = next(m.person for m in h.members if m.role == "member")
    imap.append(reply(h.uid, leaving.email.upper(), "DECLINED", h.sequence,
                      comment="surgery that week"))

    with caplog.at_level(logging.INFO, logger="mediation.calendar.replies"):
        counts = replies.fetch_replies().as_dict()
    assert counts["messages"] == 1 and counts["applied"] == 1 and counts["ignored"] == 0
    assert counts["applied_by_answer"] == {"declined": 1}
    db.session.expire_all()
    answer = db.session.scalar(sa.select(HearingResponse))
    assert (answer.person_id, answer.response, answer.reason, answer.channel) == (
        leaving.id, "declined", "surgery that week", "email")
    assert answer.recorded_by_id is None
    conflict = db.session.scalar(sa.select(Conflict).where(Conflict.person_id == leaving.id))
    assert conflict.kind == "hard" and conflict.case_id == h.case_id
    assert "surgery that week" in conflict.reason
    notice = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.reason == "declined"))
    assert notice.recipient == world.user.email and notice.method == "NOTICE"
    assert leaving.name in notice.subject
    run = db.session.get(PlanRun, answer.repair_run_id)
    assert run.status == "succeeded" and run.scope["kind"] == "repair"
    assert "reply applied: declined" in caplog.text

    # Handled: moved to Processed, seen; never read twice.
    assert imap.mailbox("INBOX") == []
    [(flags, _body)] = imap.mailbox("Processed")
    assert "\\Seen" in flags
    again = replies.fetch_replies().as_dict()
    assert again["messages"] == 0 and again["applied"] == 0
    # Even put back unseen, the same answer is not applied twice.
    imap.append(reply(h.uid, leaving.email, "DECLINED", h.sequence, comment="again"))
    assert replies.fetch_replies().as_dict()["ignored_by_reason"] == {"already-answered": 1}
    [(flags, _body)] = imap.mailbox("INBOX")
    assert "\\Seen" in flags and len(imap.mailbox("Processed")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HearingResponse)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == 1


def test_accepted_and_tentative_are_recorded_without_a_conflict(db, world, planned, imap):
    h = _published(db, world, planned)
    first, second, third = _members(h)[:3]
    imap.append(reply(h.uid, first.email, "ACCEPTED", h.sequence))
    imap.append(reply(h.uid, second.email, "TENTATIVE", h.sequence))
    # A decline without a COMMENT still needs a reason: the app says where it came from.
    imap.append(reply(h.uid, third.email, "DECLINED", None))
    counts = replies.fetch_replies().as_dict()
    assert counts["applied_by_answer"] == {"accepted": 1, "tentative": 1, "declined": 1}
    db.session.expire_all()
    answers = {a.person_id: (a.response, a.channel, a.reason)
               for a in db.session.scalars(sa.select(HearingResponse))}
    assert answers == {first.id: ("accepted", "email", None),
                       second.id: ("tentative", "email", None),
                       third.id: ("declined", "email", "Declined from a calendar app.")}
    assert {c.person_id for c in db.session.scalars(sa.select(Conflict))} == {third.id}
    assert len(imap.mailbox("Processed")) == 3


def test_replies_that_do_not_fit_are_ignored_logged_and_never_applied(db, world, planned, imap,
                                                                     caplog):
    h = _published(db, world, planned)
    member = _members(h)[0]
    outsider = next(p for p in world.experts if p.id not in {m.person_id for m in h.members})
    other = db.session.scalars(sa.select(Hearing).where(Hearing.layer == 0, Hearing.id != h.id)
                               .order_by(Hearing.id)).first()
    db.session.execute(sa.update(Hearing).where(Hearing.id == h.id).values(sequence=2))
    db.session.commit()

    imap.append(reply("no-such-hearing@mediation.example.org", member.email, "DECLINED", 2))
    imap.append(reply(h.uid, outsider.email, "DECLINED", 2))  # not on the hearing
    imap.append(reply(h.uid, member.email, "DECLINED", 1, comment="old news"))  # stale
    imap.append(reply(h.uid, member.email, "ACCEPTED", 3))  # a SEQUENCE never sent
    imap.append(reply(h.uid, member.email, "NEEDS-ACTION", 2))
    imap.append(reply(h.uid, member.email, "ACCEPTED", 2, method="REQUEST"))  # not a reply
    if other is not None:  # a proposal's UID is not a published hearing's
        imap.append(reply(other.uid + "-x", member.email, "ACCEPTED", 0))
    plain = EmailMessage()
    plain["From"] = member.email
    plain["To"] = REPLY_ADDRESS
    plain["Subject"] = "Question about the hearing"
    plain.set_content("Where do I park?\n")
    imap.append(plain.as_bytes())
    imap.append(b"From: x@example.org\r\nContent-Type: text/calendar; method=REPLY\r\n\r\n"
                b"BEGIN:VCALENDAR\r\nthis is not a calendar\r\n")

    with caplog.at_level(logging.INFO, logger="mediation.calendar.replies"):
        counts = replies.fetch_replies().as_dict()
    assert counts["applied"] == 0 and counts["errors"] == 0
    ignored = counts["ignored_by_reason"]
    assert ignored["unknown-uid"] == (2 if other is not None else 1)
    assert ignored["not-on-hearing"] == 1 and ignored["stale-sequence"] == 1
    assert ignored["unknown-sequence"] == 1 and ignored["unsupported-partstat"] == 1
    assert ignored["not-a-reply"] == 1 and ignored["not-a-calendar-reply"] == 2
    assert "reply ignored: stale-sequence (SEQUENCE 1 < 2" in caplog.text
    assert f"reply ignored: not-on-hearing ({outsider.email}" in caplog.text
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HearingResponse)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == 0
    # All handled, none read again: left in the mailbox (a person may want to read them), seen.
    left = imap.mailbox("INBOX")
    assert len(left) == 9 and all("\\Seen" in flags for flags, _body in left)
    assert imap.mailbox("Processed") == []
    assert replies.fetch_replies().as_dict()["messages"] == 0


def test_a_reply_sent_from_another_address_is_applied_and_logged(db, world, planned, imap,
                                                                 caplog):
    h = _published(db, world, planned)
    first, second = _members(h)[:2]
    # Sent from a private address for the invited one: the attendee decides, with a warning.
    imap.append(reply(h.uid, first.email, "ACCEPTED", h.sequence,
                      sender="someone.private@example.net"))
    # An attendee address the app rewrote (an alias), sent from the invited address: the sender.
    imap.append(reply(h.uid, "alias@example.net", "TENTATIVE", h.sequence, sender=second.email))
    with caplog.at_level(logging.WARNING, logger="mediation.calendar.replies"):
        counts = replies.fetch_replies().as_dict()
    assert counts["applied_by_answer"] == {"accepted": 1, "tentative": 1}
    assert f"sent by someone.private@example.net for attendee {first.email}" in caplog.text
    assert "attendee alias@example.net is not on the hearing" in caplog.text
    db.session.expire_all()
    assert {(a.person_id, a.response) for a in db.session.scalars(sa.select(HearingResponse))} \
        == {(first.id, "accepted"), (second.id, "tentative")}


def test_without_a_done_mailbox_handled_mail_stays_seen(db, world, planned, imap, app,
                                                        monkeypatch):
    monkeypatch.setitem(app.config, "IMAP_DONE_MAILBOX", "")
    h = _published(db, world, planned)
    imap.append(reply(h.uid, _members(h)[0].email, "ACCEPTED", h.sequence))
    assert replies.fetch_replies().as_dict()["applied"] == 1
    [(flags, _body)] = imap.mailbox("INBOX")
    assert "\\Seen" in flags and imap.mailbox("Processed") == []
    assert replies.fetch_replies().as_dict()["messages"] == 0


def test_the_command_prints_the_counts(db, world, planned, imap, runner):
    h = _published(db, world, planned)
    imap.append(reply(h.uid, _members(h)[0].email, "ACCEPTED", h.sequence))
    imap.append(reply("unknown@example.org", _members(h)[0].email, "ACCEPTED", 0))
    result = runner.invoke(args=["mail", "fetch-replies"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output.strip().splitlines()[-1])
    assert printed["applied"] == 1 and printed["applied_by_answer"] == {"accepted": 1}
    assert printed["ignored"] == 1 and printed["ignored_by_reason"] == {"unknown-uid": 1}
    assert printed["messages"] == 2 and printed["configured"] is True


def test_the_periodic_task_reads_the_mailbox(db, world, planned, imap, monkeypatch):
    monkeypatch.setattr(replies, "_last_fetch", {})
    h = _published(db, world, planned)
    imap.append(reply(h.uid, _members(h)[0].email, "ACCEPTED", h.sequence))
    replies.fetch_task()
    db.session.expire_all()
    assert db.session.scalar(sa.select(HearingResponse)).channel == "email"
    # Within IMAP_INTERVAL_SECONDS the next tick does not connect again.
    imap.append(reply(h.uid, _members(h)[1].email, "ACCEPTED", h.sequence))
    replies.fetch_task()
    assert len(imap.mailbox("INBOX")) == 1


def test_without_imap_host_nothing_is_read(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "IMAP_HOST", None)
    assert replies.fetch_replies().configured is False
    replies.fetch_task()  # nothing to do, no error
    result = runner.invoke(args=["mail", "fetch-replies"])
    assert result.exit_code == 0 and "IMAP_HOST is not set" in result.output


def test_imap_settings(tmp_path, monkeypatch):
    for name in ("IMAP_HOST", "IMAP_PORT", "IMAP_SSL", "IMAP_STARTTLS", "IMAP_USERNAME",
                 "IMAP_PASSWORD", "IMAP_MAILBOX", "IMAP_DONE_MAILBOX",
                 "MEDIATION_REPLY_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(tmp_path, {"SECRET_KEY": "t"})
    assert (config["IMAP_HOST"], config["IMAP_PORT"], config["IMAP_SSL"]) == (None, 993, True)
    assert (config["IMAP_MAILBOX"], config["IMAP_DONE_MAILBOX"]) == ("INBOX", "Processed")
    assert config["MEDIATION_REPLY_ADDRESS"] is None
    monkeypatch.setenv("IMAP_SSL", "0")
    monkeypatch.setenv("IMAP_STARTTLS", "1")
    config = load_config(tmp_path, {"SECRET_KEY": "t"})
    assert (config["IMAP_PORT"], config["IMAP_STARTTLS"]) == (143, True)
    monkeypatch.setenv("IMAP_HOST", "imap.example.org")
    with pytest.raises(ConfigError, match="IMAP_USERNAME"):
        load_config(tmp_path, {"SECRET_KEY": "t"})
    monkeypatch.setenv("IMAP_SSL", "1")
    monkeypatch.setenv("IMAP_USERNAME", "u")
    monkeypatch.setenv("IMAP_PASSWORD", "p")
    with pytest.raises(ConfigError, match="IMAP_STARTTLS"):
        load_config(tmp_path, {"SECRET_KEY": "t"})
    monkeypatch.setenv("MEDIATION_REPLY_ADDRESS", "nobody")
    monkeypatch.setenv("IMAP_STARTTLS", "0")
    with pytest.raises(ConfigError, match="MEDIATION_REPLY_ADDRESS"):
        load_config(tmp_path, {"SECRET_KEY": "t"})


def test_one_reader_at_a_time(db, world, planned, imap):
    """Every web process's ticker, the worker and the command may try at once: a second reader
    while one holds the lock reads nothing (so a decline is never applied twice)."""
    h = _published(db, world, planned)
    imap.append(reply(h.uid, _members(h)[0].email, "DECLINED", h.sequence, comment="ill"))
    with replies.fetch_lock() as got:
        assert got
        busy = replies.fetch_replies().as_dict()
    assert busy["busy"] is True and busy["messages"] == 0
    assert len(imap.mailbox("INBOX")) == 1
    done = replies.fetch_replies().as_dict()
    assert done["busy"] is False and done["applied"] == 1


def test_a_reply_that_fails_unexpectedly_is_read_again(db, world, planned, imap, monkeypatch):
    """The database gone for a moment: nothing half-written, the message stays unseen and is
    applied on the next fetch."""
    h = _published(db, world, planned)
    imap.append(reply(h.uid, _members(h)[0].email, "DECLINED", h.sequence, comment="ill"))

    def broken(*args, **kwargs):
        raise RuntimeError("connection lost")

    with monkeypatch.context() as patched:
        patched.setattr(replies, "respond", broken)
        failed = replies.fetch_replies().as_dict()
    assert failed["errors"] == 1 and failed["applied"] == 0
    [(flags, _body)] = imap.mailbox("INBOX")
    assert "\\Seen" not in flags
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == 0
    assert replies.fetch_replies().as_dict()["applied"] == 1
    assert imap.mailbox("INBOX") == []


def test_an_unreachable_or_refusing_server_is_a_clear_command_error(db, imap, app, runner,
                                                                    monkeypatch):
    monkeypatch.setitem(app.config, "IMAP_PASSWORD", "wrong")
    result = runner.invoke(args=["mail", "fetch-replies"])
    assert result.exit_code == 1 and f"IMAP 127.0.0.1:{imap.port}" in result.output
    monkeypatch.setitem(app.config, "IMAP_PORT", 1)
    result = runner.invoke(args=["mail", "fetch-replies"])
    assert result.exit_code == 1 and "IMAP 127.0.0.1:1:" in result.output


def test_a_reply_matches_its_member_however_the_address_is_spelt(db, world, planned, imap):
    """Sender and attendee compared in the accounts' normal form (mediation.emails): a
    calendar app that writes the domain in capitals or full-width letters is still the member."""
    h = _published(db, world, planned)
    member = _members(h)[0]
    local, domain = member.email.split("@")
    spelt = f"{local.upper()}@{domain.replace('e', 'ｅ', 1).upper()}"
    # sent from an address of their own that is not on the hearing: only the attendee matches
    imap.append(reply(h.uid, spelt, "ACCEPTED", h.sequence, sender="home@elsewhere.example"))
    counts = replies.fetch_replies().as_dict()
    assert counts["applied_by_answer"] == {"accepted": 1}, counts
    db.session.expire_all()
    answer = db.session.scalar(sa.select(HearingResponse))
    assert answer.person_id == member.id

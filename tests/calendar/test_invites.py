"""iMIP invites: what queue_invites puts in the outbox for each kind of change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mediation.calendar.invites import queue_invites
from mediation.calendar.models import NO_ADDRESS, OutboxMessage
from mediation.hearings.lifecycle import seen
from mediation.planning.models import Hearing
from tests.calendar import factories as cf
from tests.calendar.checks import check_calendar, parse_message, parts, props
from tests.calendar.conftest import BASE_URL


def _calendar_of(message: OutboxMessage):
    """(mail, text part, calendar bytes), checking the CalConnect iMIP layout: multipart/mixed
    holding an alternative of text, HTML and `text/calendar; method=…`, then an .ics file."""
    mail = parse_message(message.message)
    assert mail.get_content_type() == "multipart/mixed"
    alternative, attachment = mail.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == \
        ["text/plain", "text/html", "text/calendar"]
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_filename() == "invite.ics"
    found = parts(mail)
    ics, part = found["text/calendar"]
    assert part.get_param("method") == message.method
    assert part.get_content_charset() == "utf-8"
    assert attachment.get_payload(decode=True) == ics
    html = found["text/html"][0].decode("utf-8")
    assert hearing_reference(message) in html
    return mail, found["text/plain"][0].decode("utf-8"), ics


def hearing_reference(message: OutboxMessage) -> str:
    return message.hearing.case.reference


@pytest.fixture
def hearing(db, calendar_config):
    chair = cf.person(locale="en")
    member = cf.person(locale="zh_Hans_CN")
    counsellor = cf.person(expert=False, counsellor=True, locale="en")
    h = cf.hearing(day=date(2026, 12, 1), members=[(chair, "chair"), (member, "member"),
                                                   (counsellor, "counsellor")])
    db.session.commit()
    return h


def test_publishing_queues_one_request_per_attendee(db, hearing):
    messages = queue_invites(hearing, kind="published")
    assert [m.method for m in messages] == ["REQUEST"] * 3
    assert {m.recipient for m in messages} == {m.person.email for m in hearing.members}
    assert all(m.status == "pending" and m.sequence == 0 and m.uid == hearing.uid
               for m in messages)
    for message, member in zip(messages, hearing.members, strict=True):
        mail, text, ics = _calendar_of(message)
        ical, _vcal = check_calendar(ics, method="REQUEST")
        event = ical.walk("VEVENT")[0]
        assert str(event["UID"]) == hearing.uid and int(event["SEQUENCE"]) == 0
        assert str(event["ORGANIZER"]) == "mailto:hearings@mediation.example.org"
        assert event["ORGANIZER"].params["CN"] == "Hearings Office"
        assert str(event["ATTENDEE"]) == f"mailto:{member.person.email}"
        # Issue #13 point 3, the named defect "Invites say RSVP=FALSE": calendar apps only
        # offer Yes/No/Maybe and mail a REPLY when the invite asks for one.
        assert event["ATTENDEE"].params["RSVP"] == "TRUE"
        assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
        assert mail["Reply-To"] == "Hearings Office <hearings@mediation.example.org>"
        assert event["ATTENDEE"].params["ROLE"] == ("CHAIR" if member.role == "chair"
                                                    else "REQ-PARTICIPANT")
        assert str(event["STATUS"]) == "CONFIRMED" and str(event["TRANSP"]) == "OPAQUE"
        centre = hearing.room.centre
        assert str(event["LOCATION"]) == f"{centre.name}, {hearing.room.name}, {centre.address}"
        (alarm,) = event.walk("VALARM")
        assert alarm.decoded("TRIGGER") == timedelta(days=-1)
        assert mail["To"] == member.person.email
        assert mail["From"] == "Hearings Office <hearings@mediation.example.org>"
        assert hearing.case.reference in mail["Subject"]
        # Experts have no account: the link opens their own page (issue #13).
        assert hearing.case.reference in text and f"{BASE_URL}/p/" in text
        assert "sign-in required" not in text
        assert centre.address in text
        # A first invitation replaces nothing (issue #13).
        assert "replaces earlier versions" not in text and "earlier" not in text


def test_queueing_only_adds_to_the_session(db, hearing):
    queue_invites(hearing, kind="published")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_text_part_is_in_the_attendees_language(db, hearing):
    by_locale = {}
    for message in queue_invites(hearing, kind="published"):
        _mail, text, _ics = _calendar_of(message)
        by_locale.setdefault(message.person.locale, []).append((message, text))
    english = by_locale["en"][0][1]
    chinese = by_locale["zh_Hans_CN"][0][1]
    assert "Tuesday, December 1, 2026" in english and "9:00" in english
    assert "2026年12月1日星期二" in chinese and "09:00" in chinese
    assert "(chair)" in props(_calendar_of(by_locale["en"][0][0])[2], "SUMMARY")[0]


def test_the_time_zone_is_named_in_the_attendees_language(db, hearing):
    """The text once said "(Asia/Shanghai)", the zone's identifier, to a Chinese reader."""
    texts = {m.person.locale: _calendar_of(m)[1] for m in queue_invites(hearing, kind="published")}
    assert "09:00 至 12:00，中国（上海）时间" in texts["zh_Hans_CN"]
    assert "China (Shanghai) Time" in texts["en"]
    assert all("Asia/Shanghai" not in text for text in texts.values())


def test_an_update_uninvites_the_removed_invites_the_new_and_tells_only_those_it_changes(
        db, hearing):
    """Issue #13: a newcomer got "changed" instead of an invitation, everyone got "Changed"
    with SEQUENCE + 1 whether or not anything changed for them, and the CANCEL to a removed
    attendee carried STATUS:CANCELLED, which RFC 5546 §3.2.5 forbids when uninviting."""
    first = {m.person_id: m for m in queue_invites(hearing, kind="published")}
    db.session.commit()
    previous = [m.person_id for m in hearing.members]
    before = {**seen(hearing), "sequence": hearing.sequence}
    chair, leaving, counsellor = (m.person for m in hearing.members)
    newcomer = cf.person(locale="en")
    cf.remove_member(hearing, leaving)
    cf.add_member(hearing, newcomer, "member")
    hearing.sequence += 1
    db.session.flush()
    hearing = db.session.get(Hearing, hearing.id)
    messages = queue_invites(hearing, kind="updated", previous_attendee_ids=previous,
                             before=before)
    db.session.commit()
    by_person = {m.person_id: m for m in messages}
    # The chair and the counsellor see the same time, place and role: no mail for them.
    assert set(by_person) == {leaving.id, newcomer.id}
    assert by_person[leaving.id].method == "CANCEL" and by_person[leaving.id].reason == "removed"
    assert by_person[newcomer.id].method == "REQUEST"
    assert by_person[newcomer.id].reason == "published"
    _mail, text, ics = _calendar_of(by_person[newcomer.id])
    assert "invited" in text and "changed" not in text.lower()
    _mail, text, ics = _calendar_of(by_person[leaving.id])
    ical, _ = check_calendar(ics, method="CANCEL")
    event = ical.walk("VEVENT")[0]
    assert str(event["UID"]) == hearing.uid and int(event["SEQUENCE"]) == 1
    assert int(event["SEQUENCE"]) > int(check_calendar(
        _calendar_of(first[leaving.id])[2], method="REQUEST")[0].walk("VEVENT")[0]["SEQUENCE"])
    assert "STATUS" not in event
    assert str(event["ATTENDEE"]) == f"mailto:{leaving.email}"
    assert chair.id in first and counsellor.id in first


def test_a_move_tells_every_attendee_with_the_old_time_and_place(db, hearing):
    previous = [m.person_id for m in hearing.members]
    before = {**seen(hearing), "sequence": hearing.sequence}
    cf.move(hearing, days=1)
    hearing = db.session.get(Hearing, hearing.id)
    messages = queue_invites(hearing, kind="updated", previous_attendee_ids=previous,
                             before=before)
    assert {m.person_id for m in messages} == set(previous)
    for message in messages:
        assert message.method == "REQUEST" and message.reason == "updated"
        _mail, text, ics = _calendar_of(message)
        if message.person.locale == "en":
            assert "Tuesday, December 1, 2026" in text and "Previously:" in text
            assert "Wednesday, December 2, 2026" in text
        event = check_calendar(ics, method="REQUEST")[0].walk("VEVENT")[0]
        assert int(event["SEQUENCE"]) == 1


def test_cancelling_sends_cancel_to_every_attendee(db, hearing):
    attendees = {m.person_id for m in hearing.members}
    cf.cancel(hearing)
    hearing = db.session.get(Hearing, hearing.id)
    messages = queue_invites(hearing, kind="cancelled")
    assert {m.person_id for m in messages} == attendees
    for message in messages:
        assert message.method == "CANCEL" and message.reason == "cancelled"
        _mail, text, ics = _calendar_of(message)
        ical, _ = check_calendar(ics, method="CANCEL")
        event = ical.walk("VEVENT")[0]
        assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert not event.walk("VALARM")
        assert str(event["UID"]) == hearing.uid


def test_contract_errors_are_refused(db, hearing):
    with pytest.raises(ValueError, match="kind"):
        queue_invites(hearing, kind="moved")
    with pytest.raises(ValueError, match="cancelled hearing"):
        queue_invites(hearing, kind="cancelled")


def test_an_attendee_without_address_is_visible_not_skipped(db, calendar_config):
    nobody = cf.person(email=None)
    h = cf.hearing(members=[(nobody, "chair")])
    (message,) = queue_invites(h, kind="published")
    db.session.commit()
    assert message.status == "failed" and message.recipient is None
    assert message.last_error == NO_ADDRESS  # worded when shown (mediation.calendar.labels)


def test_the_reply_address_is_the_organizer_and_the_reply_to(db, hearing, app, monkeypatch):
    """MEDIATION_REPLY_ADDRESS: calendar apps mail their REPLY to the ORGANIZER; mail programs
    answer to Reply-To. The From header stays MAIL_FROM."""
    monkeypatch.setitem(app.config, "MEDIATION_REPLY_ADDRESS", "replies@mediation.example.org")
    [message, *_rest] = queue_invites(hearing, kind="published")
    mail, _text, ics = _calendar_of(message)
    ical, _vcal = check_calendar(ics, method="REQUEST")
    event = ical.walk("VEVENT")[0]
    assert str(event["ORGANIZER"]) == "mailto:replies@mediation.example.org"
    assert event["ORGANIZER"].params["CN"] == "Hearings Office"
    assert event["ATTENDEE"].params["RSVP"] == "TRUE"
    assert mail["From"] == "Hearings Office <hearings@mediation.example.org>"
    assert mail["Reply-To"] == "Hearings Office <replies@mediation.example.org>"
    # A cancellation asks for no answer.
    hearing.status = "cancelled"
    db.session.flush()
    [cancel, *_rest] = queue_invites(hearing, kind="cancelled")
    mail, _text, ics = _calendar_of(cancel)
    event = check_calendar(ics, method="CANCEL")[0].walk("VEVENT")[0]
    assert event["ATTENDEE"].params["RSVP"] == "FALSE" and mail["Reply-To"] is None

"""iMIP invites: what queue_invites puts in the outbox for each kind of change."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from mediation.calendar.invites import queue_invites
from mediation.calendar.models import OutboxMessage
from mediation.planning.models import Hearing
from tests.calendar import factories as cf
from tests.calendar.checks import check_calendar, parse_message, parts, props


def _calendar_of(message: OutboxMessage):
    mail = parse_message(message.message)
    found = parts(mail)
    assert set(found) == {"text/plain", "text/calendar"}
    ics, part = found["text/calendar"]
    assert part.get_param("method") == message.method
    assert part.get_content_charset() == "utf-8"
    return mail, found["text/plain"][0].decode("utf-8"), ics


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
        assert event["ATTENDEE"].params["ROLE"] == ("CHAIR" if member.role == "chair"
                                                    else "REQ-PARTICIPANT")
        assert str(event["STATUS"]) == "CONFIRMED"
        assert mail["To"] == member.person.email
        assert mail["From"] == "Hearings Office <hearings@mediation.example.org>"
        assert hearing.case.reference in mail["Subject"]
        assert hearing.case.reference in text and "/calendar/hearings/" in text


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


def test_an_update_cancels_for_people_taken_off_and_re_requests_for_the_rest(db, hearing):
    first = {m.person_id: m for m in queue_invites(hearing, kind="published")}
    db.session.commit()
    previous = [m.person_id for m in hearing.members]
    leaving = hearing.members[1].person
    newcomer = cf.person(locale="en")
    cf.remove_member(hearing, leaving)
    cf.add_member(hearing, newcomer, "member")
    cf.move(hearing, days=1)
    hearing = db.session.get(Hearing, hearing.id)
    messages = queue_invites(hearing, kind="updated", previous_attendee_ids=previous)
    db.session.commit()
    by_person = {m.person_id: m for m in messages}
    assert by_person[leaving.id].method == "CANCEL" and by_person[leaving.id].reason == "removed"
    assert by_person[newcomer.id].method == "REQUEST"
    assert {pid for pid, m in by_person.items() if m.method == "REQUEST"} == \
        {m.person_id for m in hearing.members}
    for pid, message in by_person.items():
        _mail, _text, ics = _calendar_of(message)
        ical, _ = check_calendar(ics, method=message.method)
        event = ical.walk("VEVENT")[0]
        assert str(event["UID"]) == hearing.uid  # same event, updated in place
        assert int(event["SEQUENCE"]) == 1
        if pid in first:
            old_event = check_calendar(_calendar_of(first[pid])[2], method="REQUEST")[0]
            assert int(event["SEQUENCE"]) > int(old_event.walk("VEVENT")[0]["SEQUENCE"])
        if message.method == "CANCEL":
            assert str(event["STATUS"]) == "CANCELLED"
            assert str(event["ATTENDEE"]) == f"mailto:{leaving.email}"


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
    assert nobody.code in message.last_error

"""The iCalendar writer on its own: folding, escaping, UTC — checked by both parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import icalendar
import pytest
import vobject
from hypothesis import given
from hypothesis import strategies as st

from mediation.calendar.ical import Component, escape_text, fold, param_value, utc
from mediation.config import ConfigError, load_config
from tests.calendar.checks import check_bytes


def _calendar(summary: str, location: str = "Centre, Room") -> bytes:
    event = (Component("VEVENT").add("UID", "0" * 32 + "@mediation").add("SEQUENCE", "0")
             .add("DTSTAMP", "20261101T000000Z").add("DTSTART", "20261103T010000Z")
             .add("DTEND", "20261103T040000Z").add("CREATED", "20261101T000000Z")
             .add("LAST-MODIFIED", "20261101T000000Z")
             .text("SUMMARY", summary).text("LOCATION", location))
    calendar = Component("VCALENDAR").add("PRODID", "-//t//t//EN").add("VERSION", "2.0")
    calendar.children.append(event)
    return calendar.to_bytes()


def test_fold_at_75_octets_with_a_single_space():
    line = "DESCRIPTION:" + "x" * 200
    folded = fold(line)
    physical = folded.split(b"\r\n")[:-1]
    assert [len(p) for p in physical] == [75, 75, 64]  # 212 octets = 75 + 74 + 63
    assert all(p.startswith(b" ") for p in physical[1:])
    assert folded.replace(b"\r\n ", b"") == line.encode() + b"\r\n"
    assert fold("SHORT:x") == b"SHORT:x\r\n"
    assert len(fold("X:" + "y" * 73)) == 75 + 2  # exactly 75 octets: not folded


def test_fold_never_splits_a_multibyte_character():
    line = "SUMMARY:" + "调解会" * 40
    for physical in fold(line).split(b"\r\n")[:-1]:
        assert len(physical) <= 75
        physical.decode("utf-8")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_text_survives_both_parsers(text):
    data = _calendar(text, location=text[:50])
    check_bytes(data)
    # What comes back is the text with line breaks normalised to \n.
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == expected
    assert vobject.readOne(data.decode("utf-8")).vevent.summary.value == expected


def test_escaping_and_parameters():
    assert escape_text('a,b;c\\d\ne') == "a\\,b\\;c\\\\d\\ne"
    assert param_value("Hearings Office") == "Hearings Office"
    assert param_value('Office: "A", B') == '"Office: A, B"'


def test_times_are_utc_and_never_naive():
    shanghai = timezone(timedelta(hours=8))
    assert utc(datetime(2026, 11, 3, 9, 0, tzinfo=shanghai)) == "20261103T010000Z"
    assert utc(datetime(2026, 11, 3, 1, 0, 30, 999, tzinfo=UTC)) == "20261103T010030Z"
    with pytest.raises(ValueError, match="naive"):
        utc(datetime(2026, 11, 3, 9, 0))


def test_calendar_settings_are_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIATION_BASE_URL", "https://mediation.example.org/")
    config = load_config(tmp_path, {"SECRET_KEY": "k"})
    assert config["MEDIATION_BASE_URL"] == "https://mediation.example.org"
    assert config["MEDIATION_OUTBOX_DIR"] == str(tmp_path / "outbox")
    for name, value in (("MEDIATION_BASE_URL", "mediation.example.org"),
                        ("MEDIATION_BASE_URL", "ftp://x"),
                        ("MEDIATION_FEED_CANCELLED_DAYS", "7"),
                        ("MEDIATION_MAIL_MAX_ATTEMPTS", "0")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError, match=name):
            load_config(tmp_path, {"SECRET_KEY": "k"})
        monkeypatch.delenv(name)

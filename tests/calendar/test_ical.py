"""The iCalendar envelope built with the `icalendar` library: folding, escaping, UTC, stable
bytes — checked by both parsers and by our own byte rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import icalendar
import pytest
import vobject
from hypothesis import given
from hypothesis import strategies as st

from mediation.calendar.ical import address, new_calendar, to_bytes, utc
from mediation.config import ConfigError, load_config
from tests.calendar.checks import check_bytes, unfold

STAMP = datetime(2026, 11, 1, tzinfo=UTC)


def _calendar(summary: str, location: str = "Centre, Room", description: str = "") -> bytes:
    event = icalendar.Event()
    event.add("UID", "0" * 32 + "@mediation")
    event.add("SEQUENCE", 0)
    event.add("DTSTAMP", STAMP)
    event.add("DTSTART", datetime(2026, 11, 3, 1, tzinfo=UTC))
    event.add("DTEND", datetime(2026, 11, 3, 4, tzinfo=UTC))
    event.add("CREATED", STAMP)
    event.add("LAST-MODIFIED", STAMP)
    event.add("SUMMARY", summary)
    event.add("LOCATION", location)
    if description:
        event.add("DESCRIPTION", description)
    calendar = new_calendar()
    calendar.add_component(event)
    return to_bytes(calendar)


def test_long_lines_fold_at_75_octets_with_a_single_space():
    data = _calendar("s", description="x" * 200)
    check_bytes(data)
    physical = [line for line in data.split(b"\r\n") if b"x" * 20 in line]
    assert len(physical) == 3 and all(len(p) <= 75 for p in physical)
    assert all(p.startswith(b" ") for p in physical[1:])
    assert "DESCRIPTION:" + "x" * 200 in unfold(data)


def test_folding_never_splits_a_multibyte_character():
    data = _calendar("调解会" * 40)
    check_bytes(data)  # every physical line <= 75 octets and valid UTF-8 on its own
    assert "SUMMARY:" + "调解会" * 40 in unfold(data)


def test_unchanged_input_gives_identical_bytes():
    assert _calendar("Hearing QS-1", "A, B") == _calendar("Hearing QS-1", "A, B")
    assert _calendar("Hearing QS-1") != _calendar("Hearing QS-2")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_text_survives_both_parsers(text):
    data = _calendar(text, location=text[:50])
    check_bytes(data)
    # What comes back is the text with line breaks normalised to \n.
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == expected
    assert vobject.readOne(data.decode("utf-8")).vevent.summary.value == expected


def test_text_escaping_and_parameter_quoting():
    data = _calendar('a,b;c\\d\ne')
    assert "SUMMARY:a\\,b\\;c\\\\d\\ne" in unfold(data)
    calendar = new_calendar(method="REQUEST")
    event = icalendar.Event()
    event.add("ORGANIZER", address("office@example.org", 'Office: "A", B'))
    event.add("ATTENDEE", address("x@example.org", role="CHAIR", partstat="NEEDS-ACTION"))
    calendar.add_component(event)
    lines = unfold(to_bytes(calendar))
    assert "METHOD:REQUEST" in lines
    # RFC 6868: a double quote in a parameter value is written ^' inside quotes.
    assert "ORGANIZER;CN=\"Office: ^'A^', B\":mailto:office@example.org" in lines
    assert "ATTENDEE;PARTSTAT=NEEDS-ACTION;ROLE=CHAIR:mailto:x@example.org" in lines


def test_times_are_utc_and_never_naive():
    shanghai = timezone(timedelta(hours=8))
    assert utc(datetime(2026, 11, 3, 9, 0, tzinfo=shanghai)) == datetime(2026, 11, 3, 1,
                                                                          tzinfo=UTC)
    assert utc(datetime(2026, 11, 3, 1, 0, 30, 999, tzinfo=UTC)) == datetime(2026, 11, 3, 1, 0,
                                                                              30, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        utc(datetime(2026, 11, 3, 9, 0))
    data = _calendar("s")
    assert "DTSTART:20261103T010000Z" in unfold(data)


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

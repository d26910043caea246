"""Validation of generated calendars by two independent parsers plus our own RFC 5545 checks
(what the parsers tolerate: bare LF, long lines, duplicate UIDs, non-UTC times…)."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email import policy

import icalendar
import vobject

UTC_STAMP = re.compile(r"^\d{8}T\d{6}Z$")


def unfold(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def escaped(value: str) -> str:
    """`value` as a TEXT property writes it (RFC 5545 §3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def location_of(room) -> str:
    """The LOCATION text of a hearing in `room`: centre, room and street address."""
    centre = room.centre
    return ", ".join(p for p in (centre.name, room.name, centre.address) if p)


def props(data: bytes, name: str) -> list[str]:
    """Values of every content line named `name` (parameters dropped)."""
    out = []
    for line in unfold(data):
        head, _, value = line.partition(":")
        if head.split(";", 1)[0] == name:
            out.append(value)
    return out


def check_bytes(data: bytes) -> None:
    """Our own checks of the raw stream."""
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b""), "bare LF"
    assert b"\r" not in data.replace(b"\r\n", b""), "bare CR"
    physical = data.split(b"\r\n")[:-1]
    for line in physical:
        assert len(line) <= 75, f"line longer than 75 octets: {line!r}"
        line.decode("utf-8")  # folding never splits a UTF-8 sequence
    lines = unfold(data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VCALENDAR") == 1 and lines.count("END:VCALENDAR") == 1
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT")
    assert props(data, "VERSION") == ["2.0"]
    assert len(props(data, "PRODID")) == 1
    uids = props(data, "UID")
    assert len(uids) == len(set(uids)) == lines.count("BEGIN:VEVENT"), "UIDs missing or repeated"
    for uid in uids:
        assert re.fullmatch(r"[0-9a-f]{32}@mediation", uid), uid
    for name in ("DTSTAMP", "DTSTART", "DTEND", "CREATED", "LAST-MODIFIED"):
        # CREATED and LAST-MODIFIED are optional; compact (shared) feeds leave them out.
        optional = name in ("CREATED", "LAST-MODIFIED")
        assert len(props(data, name)) in ((0, len(uids)) if optional else (len(uids),))
        for value in props(data, name):
            assert UTC_STAMP.match(value), f"{name} not in UTC: {value}"
    for value in props(data, "SEQUENCE"):
        assert int(value) >= 0


def check_icalendar(data: bytes) -> icalendar.Calendar:
    calendar = icalendar.Calendar.from_ical(data)
    for component in calendar.walk():
        assert component.errors == [], (component.name, component.errors)
    for event in calendar.walk("VEVENT"):
        for name in ("DTSTAMP", "DTSTART", "DTEND"):
            value = event.decoded(name)
            assert isinstance(value, datetime) and value.utcoffset().total_seconds() == 0
            assert value.tzinfo is not None
        assert event.decoded("DTSTART") < event.decoded("DTEND")
    # Round trip: what icalendar reads, it writes back with the same events.
    again = icalendar.Calendar.from_ical(calendar.to_ical())
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == \
        [str(e["UID"]) for e in calendar.walk("VEVENT")]
    return calendar


def check_vobject(data: bytes):
    calendar = vobject.readOne(data.decode("utf-8"), validate=True)
    calendar.validate(raiseException=True, complainUnrecognized=False)
    for event in getattr(calendar, "vevent_list", []):
        assert event.dtstart.value.tzinfo is not None
        assert event.dtstart.value.utcoffset().total_seconds() == 0
        assert event.dtstamp.value.astimezone(UTC) <= datetime.now(UTC)
    return calendar


def check_calendar(data: bytes, *, method: str | None = None):
    """All three checks; `method` None for a subscription feed (which must have no METHOD)."""
    check_bytes(data)
    assert props(data, "METHOD") == ([method] if method else [])
    return check_icalendar(data), check_vobject(data)


def parse_message(raw: bytes | str) -> email.message.EmailMessage:
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return email.message_from_bytes(raw, policy=policy.SMTP)


def parts(message) -> dict[str, tuple[bytes, object]]:
    """content type → (decoded payload, part)."""
    return {part.get_content_type(): (part.get_payload(decode=True), part)
            for part in message.walk() if not part.is_multipart()}


def every_byte(raw: bytes | str) -> bytes:
    """The raw message plus every decoded part and decoded header, for privacy searches."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    message = parse_message(raw)
    out = [raw]
    for key, value in message.items():
        out.append(f"{key}: {value}".encode())
    for payload, _part in parts(message).values():
        out.append(payload)
    return b"\n".join(out)

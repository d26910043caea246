"""A small, strict iCalendar (RFC 5545) writer.

We write the bytes ourselves rather than through a library so that every rule the feeds depend
on is visible here and pinned by tests: CRLF line ends, folding at 75 octets without splitting a
UTF-8 character, TEXT escaping, UTC date-times, and output that depends on nothing but its input
(unchanged data must give identical bytes, or calendar clients and HTTP caches see a change).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

CRLF = b"\r\n"
MAX_OCTETS = 75
PRODID = "-//Mediation scheduling//Hearing calendars 1.0//EN"


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11); bare CR is dropped, line breaks become \\n."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def param_value(value: str) -> str:
    """A parameter value, quoted when it holds ':', ';' or ',' (RFC 5545 §3.2). Quotes and
    control characters cannot be represented and are dropped."""
    value = "".join(ch for ch in value if ch >= " " and ch not in '"\x7f')
    return f'"{value}"' if any(ch in value for ch in ":;,") else value


def utc(value: datetime) -> str:
    """DATE-TIME in UTC form (`19980119T070000Z`); naive values are refused."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: calendar times must be aware")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> bytes:
    """One content line, folded so that no physical line exceeds 75 octets (§3.1)."""
    data = line.encode("utf-8")
    if len(data) <= MAX_OCTETS:
        return data + CRLF
    out, chunk, limit = [], bytearray(), MAX_OCTETS
    for ch in line:
        encoded = ch.encode("utf-8")
        if len(chunk) + len(encoded) > limit:
            out.append(bytes(chunk))
            # Continuation lines start with one space, which counts towards their 75 octets.
            chunk, limit = bytearray(), MAX_OCTETS - 1
        chunk += encoded
    out.append(bytes(chunk))
    return CRLF.join([out[0]] + [b" " + part for part in out[1:]]) + CRLF


@dataclass
class Prop:
    name: str
    value: str
    params: Sequence[tuple[str, str]] = ()

    def line(self) -> str:
        params = "".join(f";{key}={param_value(val)}" for key, val in self.params)
        return f"{self.name}{params}:{self.value}"


@dataclass
class Component:
    name: str
    props: list[Prop] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def add(self, name: str, value: str, *params: tuple[str, str]) -> Component:
        self.props.append(Prop(name, value, params))
        return self

    def text(self, name: str, value: str, *params: tuple[str, str]) -> Component:
        return self.add(name, escape_text(value), *params)

    def lines(self) -> Iterable[str]:
        yield f"BEGIN:{self.name}"
        for prop in self.props:
            yield prop.line()
        for child in self.children:
            yield from child.lines()
        yield f"END:{self.name}"

    def to_bytes(self) -> bytes:
        return b"".join(fold(line) for line in self.lines())

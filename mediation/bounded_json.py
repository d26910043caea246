"""JSON from outside (scenario uploads, request bodies) read with bounds, so that no document can
make a request fail with a 500 or reach the database with a value it cannot store.

`loads` refuses with `UnusableJSON`, whose message says why: text that is not JSON (or not
UTF-8), nesting deeper than `MAX_DEPTH`, a number beyond a database integer (10^12, 1e999),
NaN or Infinity, a NUL character or a lone UTF-16 surrogate (`"\\ud800"`) in any string or key.
The size is bounded by the caller (the upload's limit, `MAX_CONTENT_LENGTH` for a body).
"""

from __future__ import annotations

import json
import re

from flask import has_request_context
from flask_babel import gettext

__all__ = ["MAX_DEPTH", "MAX_NUMBER", "NotJSON", "UnusableJSON", "loads"]

MAX_DEPTH = 32  # a scenario is 4 levels deep, a form body 2
MAX_NUMBER = 2**31 - 1  # the database's integer
_MAX_DIGITS = 24  # a longer number is refused before Python converts it
_SURROGATE = re.compile("[\ud800-\udfff]")


def _(text: str, **values) -> str:
    """Translated in a request; plain English outside one (the CLI)."""
    if has_request_context():
        return gettext(text, **values)
    return text % values if values else text


class UnusableJSON(ValueError):
    """The document is not JSON, or holds something no feature can use; the message says what."""


class NotJSON(UnusableJSON):
    """Not JSON at all (a syntax error, or bytes that are not UTF-8)."""


def _number_refused(text: str) -> UnusableJSON:
    shown = text if len(text) <= 20 else text[:17] + "…"
    return UnusableJSON(_("The JSON holds the number %(number)s, outside ±%(max)s.",
                          number=shown, max=f"{MAX_NUMBER:,}"))


def _integer(text: str) -> int:
    if len(text) > _MAX_DIGITS:
        raise _number_refused(text)
    value = int(text)
    if abs(value) > MAX_NUMBER:
        raise _number_refused(text)
    return value


def _float(text: str) -> float:
    if len(text) > _MAX_DIGITS + 8:
        raise _number_refused(text)
    value = float(text)
    if not abs(value) <= MAX_NUMBER:  # also inf (1e999)
        raise _number_refused(text)
    return value


def _constant(text: str):
    raise UnusableJSON(_("The JSON holds %(value)s, which is not a number.", value=text))


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise UnusableJSON(_("The JSON holds a NUL character in a text."))
    if _SURROGATE.search(text):
        raise UnusableJSON(_("The JSON holds an invalid character (a lone UTF-16 surrogate) "
                             "in a text."))


def _nested_too_deep(max_depth: int) -> UnusableJSON:
    return UnusableJSON(_("The JSON is nested more than %(n)s levels deep.", n=max_depth))


def loads(data: bytes | str, max_depth: int = MAX_DEPTH) -> object:
    """Parse `data` (UTF-8 bytes, a BOM allowed, or text) within the bounds above."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise NotJSON(_("The file is not JSON.")) from None
    try:
        value = json.loads(data, parse_int=_integer, parse_float=_float,
                           parse_constant=_constant)
    except UnusableJSON:
        raise
    except RecursionError:  # far deeper than max_depth: Python's own limit stopped it
        raise _nested_too_deep(max_depth) from None
    except ValueError:
        raise NotJSON(_("The file is not JSON.")) from None
    # Every value once, without recursion: (value, depth of the containers around it).
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth >= max_depth:
                raise _nested_too_deep(max_depth)
            if isinstance(item, dict):
                for key, inner in item.items():
                    _check_text(key)
                    stack.append((inner, depth + 1))
            else:
                stack.extend((inner, depth + 1) for inner in item)
    return value

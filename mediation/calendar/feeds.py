"""Subscription feeds (RFC 5545 + RFC 7986 calendar properties), one VCALENDAR per request.

No METHOD: a feed is a published calendar, not an iTIP message. DTSTAMP is the hearing's last
visible change (`last_modified_at`) (RFC 5545 §3.8.7.2: without METHOD it means LAST-MODIFIED), never the time of the request,
so unchanged data gives identical bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from icalendar import vText

from mediation.attendance.services import current_link_token
from mediation.calendar.events import last_modified, vevent
from mediation.calendar.ical import new_calendar, to_bytes
from mediation.calendar.kinds import KINDS, REMOVED
from mediation.calendar.links import person_page_url, public_base_url
from mediation.calendar.models import FeedToken
from mediation.calendar.services import feed_day, feed_hearings
from mediation.calendar.version import current_version

# How often clients should poll (most honour it only loosely; Google refreshes in 8-24 hours).
REFRESH = "PT1H"
REFRESH_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str
    # The same bytes gzipped (made once per render, served when the client accepts gzip).
    gzipped: bytes = b""


def feed_locale(row: FeedToken) -> str:
    return KINDS[row.kind].locale(row) or current_app.config["BABEL_DEFAULT_LOCALE"]


def calendar_name(row: FeedToken) -> str:
    return KINDS[row.kind].calendar_name(row)


def page_url_of(row: FeedToken) -> str | None:
    """A personal feed's events link to the person's own page (when they have a live link)."""
    if row.kind != "person" or row.person is None:
        return None
    token = current_link_token(row.person)
    return person_page_url(token) if token else None


def render_feed(row: FeedToken, now: datetime | None = None) -> Feed:
    page_url = page_url_of(row)
    with force_locale(feed_locale(row)):
        calendar = new_calendar()
        name = calendar_name(row)
        calendar.add("NAME", vText(name))
        calendar.add("X-WR-CALNAME", vText(name))
        calendar.add("REFRESH-INTERVAL", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
        calendar.add("X-PUBLISHED-TTL", REFRESH)
        compact = not KINDS[row.kind].with_role
        for hearing, role in feed_hearings(row, now):
            if compact:
                calendar.add_component(vevent(hearing, dtstamp=last_modified(hearing),
                                              compact=True))
            elif role == REMOVED:
                # Taken off this hearing: cancelled for this reader, whatever it is for others.
                calendar.add_component(vevent(hearing, dtstamp=last_modified(hearing),
                                              status="CANCELLED", page_url=page_url))
            else:
                calendar.add_component(vevent(hearing, dtstamp=last_modified(hearing),
                                              role=role, page_url=page_url))
        body = to_bytes(calendar)
    # mtime=0: the compressed bytes, like the plain ones, depend on nothing but the data.
    return Feed(body=body, etag=hashlib.sha256(body).hexdigest()[:40],
                gzipped=gzip.compress(body, compresslevel=6, mtime=0))


# Rendered feeds per server process, keyed by everything a feed's bytes depend on, so that a
# feed whose data is unchanged costs one query instead of loading and writing every event.
CACHE_MAX_BYTES = 16 * 1024 * 1024
_cache: OrderedDict[tuple, Feed] = OrderedDict()
_cache_bytes = 0
_cache_lock = threading.Lock()


def cached_feed(row: FeedToken) -> Feed:
    """`render_feed(row)`, reused while the token, language, calendar name, public address,
    the stored version of everything feeds show (mediation.calendar.version) and the day (the
    windows move by whole days) are unchanged (least recently used out first)."""
    global _cache_bytes
    locale = feed_locale(row)
    with force_locale(locale):
        name = calendar_name(row)
    key = (row.token_hash, locale, name, public_base_url(), current_version(), feed_day())
    with _cache_lock:
        feed = _cache.get(key)
        if feed is not None:
            _cache.move_to_end(key)
            return feed
    feed = render_feed(row)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = feed
            _cache_bytes += len(feed.body) + len(feed.gzipped)
        while _cache_bytes > CACHE_MAX_BYTES and len(_cache) > 1:
            _old, dropped = _cache.popitem(last=False)
            _cache_bytes -= len(dropped.body) + len(dropped.gzipped)
    return feed

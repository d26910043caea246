"""Subscription feeds (RFC 5545 + RFC 7986 calendar properties), one VCALENDAR per request.

No METHOD: a feed is a published calendar, not an iTIP message. DTSTAMP is the hearing's last
visible change (`last_modified_at`) (RFC 5545 §3.8.7.2: without METHOD it means LAST-MODIFIED), never the time of the request,
so unchanged data gives identical bytes.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale

from mediation.calendar.events import last_modified, vevent
from mediation.calendar.ical import PRODID, Component
from mediation.calendar.kinds import KINDS
from mediation.calendar.links import base_url
from mediation.calendar.models import FeedToken
from mediation.calendar.services import feed_hearings, feed_version

# How often clients should poll (most honour it only loosely; Google refreshes in 8-24 hours).
REFRESH = "PT1H"


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str


def feed_locale(row: FeedToken) -> str:
    return KINDS[row.kind].locale(row) or current_app.config["BABEL_DEFAULT_LOCALE"]


def calendar_name(row: FeedToken) -> str:
    return KINDS[row.kind].calendar_name(row)


def render_feed(row: FeedToken, now: datetime | None = None) -> Feed:
    with force_locale(feed_locale(row)):
        calendar = Component("VCALENDAR")
        calendar.add("PRODID", PRODID)
        calendar.add("VERSION", "2.0")
        calendar.add("CALSCALE", "GREGORIAN")
        name = calendar_name(row)
        calendar.text("NAME", name)
        calendar.text("X-WR-CALNAME", name)
        calendar.add("REFRESH-INTERVAL", REFRESH, ("VALUE", "DURATION"))
        calendar.add("X-PUBLISHED-TTL", REFRESH)
        for hearing, role in feed_hearings(row, now):
            calendar.children.append(vevent(hearing, dtstamp=last_modified(hearing), role=role))
        body = calendar.to_bytes()
    return Feed(body=body, etag=hashlib.sha256(body).hexdigest()[:40])


# Rendered feeds per server process, keyed by everything a feed's bytes depend on, so that a
# feed whose data is unchanged costs one query instead of loading and writing every event.
CACHE_MAX_BYTES = 16 * 1024 * 1024
_cache: OrderedDict[tuple, Feed] = OrderedDict()
_cache_bytes = 0
_cache_lock = threading.Lock()


def cached_feed(row: FeedToken) -> Feed:
    """`render_feed(row)`, reused while the token, language, calendar name, public address and
    the events' data (`feed_version`) are unchanged (least recently used out first)."""
    global _cache_bytes
    locale = feed_locale(row)
    with force_locale(locale):
        name = calendar_name(row)
    key = (row.token_hash, locale, name, base_url(), feed_version(row))
    with _cache_lock:
        feed = _cache.get(key)
        if feed is not None:
            _cache.move_to_end(key)
            return feed
    feed = render_feed(row)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = feed
            _cache_bytes += len(feed.body)
        while _cache_bytes > CACHE_MAX_BYTES and len(_cache) > 1:
            _old, dropped = _cache.popitem(last=False)
            _cache_bytes -= len(dropped.body)
    return feed

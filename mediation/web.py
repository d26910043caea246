"""Request-wide behaviour: access declarations (`@public` and the `Access` every view carries),
idle sign-out, security headers, template helpers and error pages.

The declarations are enforced by `auth.enforce` (installed by `create_app`), which also knows
roles and regions; this module imports no feature package.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlsplit

import sqlalchemy as sa
from babel import dates as babel_dates
from flask import (
    Flask,
    Request,
    current_app,
    g,
    render_template,
    request,
    session,
)
from flask_babel import format_date, format_decimal, get_locale, get_timezone, get_translations
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from mediation import bounded_json
from mediation.db import DB_INT_MAX, bounded_int
from mediation.extensions import db
from mediation.i18n import LANGUAGE_NAMES
from mediation.timeutil import to_local

__all__ = ["Access", "access_of", "install", "on_refused_input", "prepare", "public", "safe_next",
           "undeclared_endpoints"]

SEEN_KEY = "_seen"  # last request of this signed-in session (epoch seconds)

# No inline script or style element, no plugins, no framing, forms only to this site.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # Style *attributes* (e.g. a bar's width in a server-rendered chart) cannot run code.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


@dataclass(frozen=True)
class Access:
    """A view's declaration: public, or the roles allowed per HTTP method ("*" = any other).

    Set by `@public` (here) and `auth.permissions` (`@signed_in`, `@role_required`, …)."""

    public: bool = False
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    all_regions: frozenset[str] = frozenset()  # methods refused to region-limited users

    def roles_for(self, method: str) -> tuple[str, ...]:
        return self.roles.get(method.upper(), self.roles.get("*", ()))


def public(view: Callable) -> Callable:
    """Reachable without signing in (login, calendar feeds with their own token)."""
    previous: Access | None = getattr(view, "access", None)
    view.access = (Access(public=True, roles=dict(previous.roles),
                          all_regions=previous.all_regions) if previous else Access(public=True))
    view.is_public = True
    return view


def access_of(view: Callable | None) -> Access | None:
    return getattr(view, "access", None) if view is not None else None


def undeclared_endpoints(app) -> list[str]:
    """Endpoints whose view declares nobody; `static` is Flask's own and public."""
    return sorted(
        endpoint for endpoint, view in app.view_functions.items()
        if endpoint != "static" and access_of(view) is None
    )


# --- input every request brings ---------------------------------------------------------------

class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in routes, bounded to the database's range: a larger id is a 404, not an
    overflow in the query (`/cases/99999999999999999999`)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class InputArgs(ImmutableMultiDict):
    """Query strings and form bodies: `get(name, type=int)` (and `getlist`) gives the default for
    a number beyond the database's range, as it does for one that is not a number, so every
    `request.args.get("page", 1, type=int)` is bounded without each view checking."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's own signature
        return super().get(key, default, bounded_int if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, bounded_int if type is int else type)


class InputRequest(Request):
    parameter_storage_class = InputArgs


def prepare(app: Flask) -> None:
    """Before any blueprint is registered: the bounded `int` route converter and request args."""
    app.url_map.converters["int"] = DatabaseIntConverter
    app.request_class = InputRequest


def unreadable(text: str) -> bool:
    """A NUL byte or a lone surrogate: no column can store it (PostgreSQL refuses NUL in text, and
    a surrogate cannot be encoded), so such input is refused whole rather than half-read."""
    return "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def on_refused_input(app: Flask, endpoint: str, callback: Callable[[], None]) -> None:
    """Let a feature record a request refused for unreadable input (sign-in: a failed attempt
    is still audited). The callback runs before the 400 answer and commits what it records."""
    app.extensions.setdefault("mediation_refused_input", {})[endpoint] = callback


def _refuse_unreadable_input():
    """NUL bytes or lone surrogates in a query string or a form (names or values): 400."""
    fields = [*request.args.items(multi=True)]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        fields += request.form.items(multi=True)
    if not any(unreadable(name) or unreadable(value) for name, value in fields):
        return None
    callback = current_app.extensions.get("mediation_refused_input", {}).get(request.endpoint)
    if callback is not None:
        callback()
    return _error_page(400, _("The request holds characters no field accepts (a NUL byte or "
                              "an unpaired surrogate)."))


def _json_usable(value, depth: int = 0) -> bool:
    if isinstance(value, str):
        return not unreadable(value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, bool | int | type(None)):
        return True
    if depth >= 1 or not isinstance(value, list):
        return False
    return all(_json_usable(item, depth + 1) for item in value)


def _refuse_unusable_json():
    """Forms also accept a JSON body (Flask-WTF), which must then be a flat object of plain
    values: a list, a number or nested objects would reach the fields as values no form expects;
    an infinite number (`1e999`), an unreadable string or nesting deep enough to exhaust the
    parser is refused the same way."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return None
    try:  # bounded: depth, numbers, NUL and lone surrogates (mediation/bounded_json.py)
        body = bounded_json.loads(request.get_data(cache=True))
    except bounded_json.NotJSON:
        body = None
    except bounded_json.UnusableJSON as exc:
        return _error_page(400, str(exc))
    if not isinstance(body, dict) or not all(
        isinstance(k, str) and not unreadable(k) and _json_usable(v) for k, v in body.items()
    ):
        return _error_page(400, _("The request body must be a JSON object of plain values."))
    return None


# --- redirects -----------------------------------------------------------------------------

_NEXT_MAX = 2048


def safe_next(target: str | None, fallback: str) -> str:
    r"""A same-site path to go back to, from user input (`next`, a form's `back`), or `fallback`.

    Only an absolute path on this site: no scheme or host, no `//` (another host), no backslash
    (browsers read it as `/`), and no control, format or space characters anywhere (browsers drop
    a tab or a line break, so `/\t/evil.example` would become `//evil.example`; a line break would
    also break the Location header)."""
    if not isinstance(target, str) or not target or len(target) > _NEXT_MAX:
        return fallback
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    if any(unicodedata.category(c)[0] in "CZ" for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def next_target() -> str | None:
    return request.full_path.rstrip("?") if request.method == "GET" else None


def idle_expired() -> bool:
    now = int(time.time())
    seen = session.get(SEEN_KEY)
    limit = current_app.config["MEDIATION_IDLE_TIMEOUT_MINUTES"] * 60
    if isinstance(seen, int) and now - seen > limit:
        return True
    session[SEEN_KEY] = now
    return False


def _security_headers(response):
    headers = response.headers
    if current_user.is_authenticated:
        # Signed-in pages hold personal data: never kept by the browser or a proxy.
        headers["Cache-Control"] = "no-store"
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("MEDIATION_ENV") == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


# Dates and times by CLDR, in the page's language: a width ("short", "medium", "long", "full"),
# a skeleton of CLDR fields in any order ("MMMEd": 12月1日周二 / Tue, Dec 1; "yMMM": 2026年12月 /
# Dec 2026), or, for the rare exact need, a pattern with spaces or punctuation ("HH:mm").
# Times are always on the 24-hour clock.
WIDTHS = ("short", "medium", "long", "full")
_SKELETON = re.compile(r"[GyYuUrQqMLlwWdDFgEecabBhHkKjJCmsSAzZOvVXx]+")
# The skeletons of a date and of a time shown together, per width.
_DATETIME_SKELETONS = {"short": ("yMd", "Hm"), "medium": ("yMMMd", "Hm"),
                       "long": ("yMMMMd", "Hm"), "full": ("yMMMMEEEEd", "Hm")}


def _is_skeleton(fmt: str) -> bool:
    return fmt not in WIDTHS and bool(_SKELETON.fullmatch(fmt))


def _babel_date(value: date, fmt: str) -> str:
    if fmt in WIDTHS:
        return format_date(value, fmt)
    if _is_skeleton(fmt):
        return babel_dates.format_skeleton(fmt, value, locale=get_locale())
    return format_date(value, fmt)


def _babel_datetime(value: datetime, fmt: str) -> str:
    """`value` is already in the configured zone."""
    locale = get_locale()
    if fmt in _DATETIME_SKELETONS:
        day_skeleton, time_skeleton = _DATETIME_SKELETONS[fmt]
        glue = locale.datetime_formats.get(fmt) or "{1} {0}"
        glue = getattr(glue, "pattern", glue)
        return (glue.replace("{1}", babel_dates.format_skeleton(day_skeleton, value,
                                                                 locale=locale))
                .replace("{0}", babel_dates.format_skeleton(time_skeleton, value, locale=locale)))
    if _is_skeleton(fmt):
        return babel_dates.format_skeleton(fmt, value, locale=locale)
    return babel_dates.format_datetime(value, fmt, locale=locale)


def _format_local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return _formatted(_babel_datetime, to_local(value), fmt, str(get_locale()), str(get_timezone()))


def _format_date(value: date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return _formatted(_babel_date, value, fmt, str(get_locale()), str(get_timezone()))


@lru_cache(maxsize=64)
def _zone_name(zone: str, locale: str) -> str:
    return babel_dates.get_timezone_location(babel_dates.get_timezone(zone), locale=locale)


def timezone_name() -> str:
    """The time zone of the times shown, as the page's language names it ("中国（上海）时间",
    "China (Shanghai) Time") rather than its identifier (Asia/Shanghai)."""
    return _zone_name(str(get_timezone()), str(get_locale()))


def _format_number(value, fmt: str | None = None) -> str:
    """A number as the page's language writes it (grouping, decimal sign)."""
    if value is None or value == "":
        return ""
    return format_decimal(value, fmt)


def _translations():
    """Flask-Babel's translations for the current language, looked up once per request (and
    again whenever the language changes, e.g. inside `force_locale`) instead of once per string:
    a page translates a few hundred strings and each full look-up costs several microseconds."""
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    if locale is None:  # not chosen yet (or no request): the full look-up chooses it
        return get_translations()
    memo = getattr(ctx, "mediation_translations", None)
    if memo is None or memo[0] is not locale:
        memo = ctx.mediation_translations = (locale, get_translations())
    return memo[1]


def _install_gettext(app: Flask) -> None:
    """The template `_()` of Flask-Babel, with the translations looked up as above."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


@lru_cache(maxsize=8192)
def _formatted(formatter, value, fmt: str, _locale: str, _zone: str) -> str:
    """Babel's formatting (~12 µs a call, dozens a page) of the same value, format, language and
    zone gives the same text: computed once per process. The language and zone are part of the
    key only; the formatter reads them from the request as usual."""
    return formatter(value, fmt)


def _error_page(code: int, message: str | None = None, headers: dict | None = None):
    return render_template("errors/error.html", code=code, message=message), code, headers or {}


@lru_cache(maxsize=2)
def _icon_bytes(path: str) -> bytes:
    with open(path, "rb") as icon:
        return icon.read()


def _icon_response(name: str, mimetype: str):
    response = current_app.response_class(_icon_bytes(f"{current_app.static_folder}/{name}"),
                                          mimetype=mimetype)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@public
def _favicon():
    """Browsers ask for /favicon.ico whatever the page links; the same mark as favicon.svg.
    Served from memory (3 KB): no file handle left to a client that never reads the body."""
    return _icon_response("favicon.ico", "image/vnd.microsoft.icon")


@public
def _favicon_svg():
    """The mark every page links (tab icon, brand): from memory too. A browser drops the icon's
    request when it navigates away, and a file sent from disk to a dropped connection is left
    open (the development server warns: a browser test once failed on that)."""
    return _icon_response("favicon.svg", "image/svg+xml")


def check_declarations(app: Flask) -> None:
    """Refuse to serve in production with a view that declares nobody (tests catch it earlier)."""
    missing = undeclared_endpoints(app)
    if missing and app.config.get("MEDIATION_ENV") == "production":
        raise RuntimeError("views without an access declaration (see mediation/auth/"
                           f"permissions.py): {', '.join(missing)}")


def install(app: Flask) -> None:
    hops = app.config.get("MEDIATION_PROXY_HOPS", 0)
    if hops:
        # Behind a reverse proxy: the client address (throttling, audit) and scheme it saw.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(_refuse_unreadable_input)
    app.before_request(_refuse_unusable_json)
    app.after_request(_security_headers)
    app.jinja_env.filters["localdt"] = _format_local_datetime
    _install_gettext(app)
    app.jinja_env.filters["day"] = _format_date
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    app.add_url_rule("/favicon.svg", "favicon_svg", _favicon_svg)
    app.jinja_env.filters["number"] = _format_number

    @app.context_processor
    def _globals():
        return {
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "TIMEZONE": app.config["MEDIATION_TIMEZONE"],
            "timezone_name": timezone_name,
            "get_locale": get_locale,
        }

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        db.session.rollback()
        return _error_page(400, exc.description)

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        db.session.rollback()
        if exc.code is None or exc.code < 400:
            return exc
        messages = {
            413: _("The upload is larger than %(mb)s MB; split it into smaller files.",
                   mb=(app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)),
        }
        response = exc.get_response()
        headers = {k: v for k, v in response.headers.items()
                   if k in ("Allow", "Retry-After", "WWW-Authenticate")}
        return _error_page(exc.code, messages.get(exc.code), headers)

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    @app.errorhandler(sa.exc.DisconnectionError)
    def _database_unavailable(exc):
        """The database cannot be reached (down, restarting, connection lost): 503 with a retry
        hint, rather than a 500 that reads like a bug. Nothing of the request was saved."""
        app.logger.error("database unavailable: %s", exc)
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            db.session.rollback()
        # The page must not touch the database again: no signed-in user (loading or refreshing
        # one would query it) for the menu, the language choice or the headers.
        g._login_user = current_app.login_manager.anonymous_user()
        retry = str(app.config.get("MEDIATION_RETRY_AFTER_SECONDS", 30))
        return _error_page(503, None, {"Retry-After": retry, "Cache-Control": "no-store"})

    @app.errorhandler(500)
    def _server_error(_exc):
        db.session.rollback()
        return _error_page(500)

    check_declarations(app)


# --- paging ---------------------------------------------------------------------------------


def page_number() -> int:
    """The `page` query argument: 1 when missing, malformed or below 1."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


def paginate(statement, per_page: int):
    """`db.paginate` of the requested page; a page past the end shows the last one (not a 404)."""
    page = db.paginate(statement, page=page_number(), per_page=per_page, error_out=False)
    if page.page > 1 and page.page > page.pages:
        page = db.paginate(statement, page=max(page.pages, 1), per_page=per_page,
                           error_out=False)
    return page


@dataclass
class ListPage:
    """One page of an already built list, with the attributes of `db.paginate`'s result that the
    `pager` macro reads (for lists assembled in Python, such as the conflicts page's)."""

    all_items: list
    per_page: int
    page: int = 1
    items: list = field(init=False)

    def __post_init__(self) -> None:
        self.page = min(max(self.page, 1), self.pages)
        start = (self.page - 1) * self.per_page
        self.items = self.all_items[start:start + self.per_page]

    @property
    def total(self) -> int:
        return len(self.all_items)

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2):
        """Page numbers for a pager, None for a gap (as flask_sqlalchemy's Pagination)."""
        last = 0
        for n in range(1, self.pages + 1):
            if (n <= left_edge or self.page - left_current <= n <= self.page + right_current
                    or n > self.pages - right_edge):
                if last and n - last > 1:
                    yield None
                yield n
                last = n

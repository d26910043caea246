"""Keep feed tokens out of logs: a logging filter for werkzeug's and the app's loggers, and a
gunicorn logger class that redacts its access-log atoms (docs/calendars.md, "Logs").
"""

from __future__ import annotations

import logging
import re

FEED_PATH = re.compile(r"(/feeds/)[^/\s\"?]+?(\.ics)")
REDACTED = r"\1[redacted]\2"
# A person's own page and what hangs below it (mediation.attendance): /p/<token>[/…].
PAGE_PATH = re.compile(r"(/p/)[^/\s\"?#]+")
PAGE_REDACTED = r"\1[redacted]"
# Loggers that may print a request line or URL: the dev server, Flask's exception log, gunicorn.
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    return PAGE_PATH.sub(PAGE_REDACTED, FEED_PATH.sub(REDACTED, text))


def _clean(value):
    return redact(value) if isinstance(value, str) else value


class RedactFeedTokens(logging.Filter):
    """Rewrites `/feeds/<token>.ics` to `/feeds/[redacted].ics` in a record's message and args."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _clean(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _clean(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_clean(value) for value in record.args)
        return True


def install(app) -> None:
    """Add the filter (once) to the loggers that can see request paths."""
    for logger in [app.logger, *(logging.getLogger(name) for name in LOGGERS)]:
        if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
            logger.addFilter(RedactFeedTokens())


try:  # gunicorn is the production server; the app runs without it too.
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = None

if _GunicornLogger is not None:

    class GunicornLogger(_GunicornLogger):
        """`gunicorn --logger-class mediation.calendar.redact.GunicornLogger`: every access-log
        atom (%(r)s, %(U)s, %(f)s, …) is redacted, whatever access_log_format says."""

        def atoms(self, resp, req, environ, request_time):
            return {key: _clean(value)
                    for key, value in super().atoms(resp, req, environ, request_time).items()}

"""Words for the centres' codes: centre levels (models.CENTRE_LEVELS) and the usual hearing
sessions (morning, afternoon, evening)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mediation.i18n import label
from mediation.regions.labels import LEVEL_LABELS as REGION_LEVEL_LABELS

LEVEL_LABELS = {**REGION_LEVEL_LABELS, "venue": _l("Market-day venue")}
# A session named by one of these codes is shown by its translated name; any other session by
# the name it was given (sessions are configured per deployment: centres/sessions).
SESSION_LABELS = {"am": _l("Morning"), "pm": _l("Afternoon"), "eve": _l("Evening"),
                  "evening": _l("Evening")}


def centre_level(level: str | None) -> str:
    return label(LEVEL_LABELS, level)


def session_name(session) -> str:
    """A hearing session (HearingSession) as people call it: 上午, 下午, or its own name."""
    if session is None:
        return ""
    code = getattr(session, "code", None)
    known = SESSION_LABELS.get(code) if code else None
    return str(known) if known is not None else (getattr(session, "name", None) or code or "")

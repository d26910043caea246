"""How the hearings' audit entries read (mediation.audit.summaries): an outcome recorded."""

from __future__ import annotations

from flask_babel import gettext as _

from mediation.audit.summaries import params
from mediation.hearings.labels import outcome_result


def outcome(entry) -> str | None:
    """"Reference date: result", the result worded (entries written before kept ": result" in
    their text; it is worded the same)."""
    values = params(entry, "result")
    if values is None:
        return None
    hearing = entry.summary or ""
    hearing = hearing.removesuffix(f": {values['result']}")
    return _("%(hearing)s: %(result)s", hearing=hearing, result=outcome_result(values["result"]))


SUMMARIES = {"hearing.outcome": outcome}

"""How planning's audit entries read (mediation.audit.summaries): a publish's counts, a run's
scope and dates, a hearing moved, replaced, cancelled or removed from a proposal."""

from __future__ import annotations

import re
from types import SimpleNamespace

from babel.lists import format_list
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from mediation.audit.summaries import params
from mediation.centres.labels import SESSION_LABELS
from mediation.planning.labels import left_planning_text, run_scope


def _count(kind: str, n: int) -> str:
    if kind == "new":
        return ngettext("%(num)d new hearing", "%(num)d new hearings", n)
    if kind == "moved":
        return ngettext("%(num)d moved", "%(num)d moved", n)
    if kind == "panel":
        return ngettext("%(num)d with a new panel", "%(num)d with a new panel", n)
    if kind == "cancelled":
        return ngettext("%(num)d cancelled", "%(num)d cancelled", n)
    return ngettext("%(num)d unchanged", "%(num)d unchanged", n)


def published(entry) -> str | None:
    """The counts of a publish (`after`: publish.summary(), by CHANGE_KINDS)."""
    counts = entry.after if isinstance(entry.after, dict) else None
    if not counts:
        return None
    parts = [_count(kind, n) for kind, n in counts.items() if isinstance(n, int) and n]
    return format_list(parts, locale=get_locale()) if parts else _("nothing changed")


def started(entry) -> str | None:
    values = params(entry, "scope", "start", "end")
    if values is None:
        return None
    scope = run_scope(SimpleNamespace(scope=values["scope"], scope_key=""))
    return _("%(scope)s, %(start)s to %(end)s", scope=scope, start=values["start"],
             end=values["end"])


def hearing_changed(entry) -> str | None:
    """A hearing "reference date" and its session in words. Entries written before the session
    code went into `after` ended with the code itself ("… am"): that code is worded too."""
    text = entry.summary or ""
    after = entry.after if isinstance(entry.after, dict) else {}
    code = after.get("session_code")
    if code is None:
        head, _sep, last = text.rpartition(" ")
        if last not in SESSION_LABELS:
            return None
        text, code = head, last
    session = SESSION_LABELS.get(code)
    return _("%(hearing)s, %(session)s", hearing=text,
             session=str(session) if session is not None else code)


def cancelled(entry) -> str | None:
    """A published hearing cancelled: by a coordinator (as a change), or because its case left
    planning (`after`: the workflow action and its note)."""
    after = entry.after if isinstance(entry.after, dict) else {}
    if "left_planning" not in after:
        return hearing_changed(entry)
    why = left_planning_text(after["left_planning"], after.get("note"))
    return _("%(ref)s (%(why)s)", ref=entry.summary or "", why=why)


_OLD_REMOVED = re.compile(r"^(.*) \(run #(\d+)\)$")


def removed(entry) -> str | None:
    """A proposal taken out of plan #n (old entries: "reference (run #n)")."""
    values = params(entry, "run")
    if values is not None:
        ref, run = entry.summary or "", values["run"]
    else:
        old = _OLD_REMOVED.match(entry.summary or "")
        if old is None:
            return None
        ref, run = old.group(1), old.group(2)
    return _("%(ref)s, from plan #%(id)s", ref=ref, id=run)


SUMMARIES = {"plan.publish": published, "plan.start": started, "hearing.move": hearing_changed,
             "hearing.replace": hearing_changed, "hearing.cancel": cancelled,
             "hearing.remove": removed}

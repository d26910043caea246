"""Words for the cases' codes: statuses, categories, opinions, history entries, repeat links
and checklist states (the mappings live with the workflow in cases/services.py)."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mediation.cases.services import (
    ACTION_LABELS,
    CATEGORY_LABELS,
    CHECKLIST_STATE_LABELS,
    FIELD_LABELS,
    IMPORTED_FILE_NOTE,
    OPINION_LABELS,
    STATUS_LABELS,
    SYSTEM_NOTE_LABELS,
)
from mediation.i18n import label

LINK_STATUS_LABELS = {"confirmed": _l("confirmed"), "possible": _l("possible"),
                      "dismissed": _l("dismissed")}


def case_status(status: str | None) -> str:
    return label(STATUS_LABELS, status)


def case_category(category: str | None) -> str:
    return label(CATEGORY_LABELS, category)


def case_opinion(opinion: str | None) -> str:
    return label(OPINION_LABELS, opinion)


def case_event(action: str | None) -> str:
    """A history entry's kind (CaseEvent.action)."""
    return label(ACTION_LABELS, action)


# The note of the panel's opinion: "name: code" for each member, joined by ", "
# (services._give_opinion). A name may hold ": " or ", " itself: each pair ends at an opinion code.
_OPINION_CODES = "|".join(re.escape(code) for code in sorted(OPINION_LABELS, key=len, reverse=True))
_MEMBER_OPINIONS = re.compile(rf"(?:.+?: (?:{_OPINION_CODES})(?:, |$))+")
_MEMBER_OPINION = re.compile(rf"(.+?): ({_OPINION_CODES})(?:, |$)")


def event_note(event) -> str:
    """A history entry's note, in the reader's language. Stored as codes and keys: the panel's
    opinion (each member's, "name: code, …", or once the panel's code alone), an edit's changed
    fields (their keys, "title, region_id"), a note the system wrote (its key,
    services.SYSTEM_NOTE_LABELS). Anything else is what a person wrote, shown as written."""
    note = event.note or ""
    if event.action == "give_opinion":
        if note in OPINION_LABELS:
            return label(OPINION_LABELS, note)
        if _MEMBER_OPINIONS.fullmatch(note):
            return _("; ").join(
                _("%(name)s: %(opinion)s", name=name, opinion=label(OPINION_LABELS, code))
                for name, code in _MEMBER_OPINION.findall(note))
    if event.action == "edit" and note:
        fields = note.split(", ")
        if all(f in FIELD_LABELS for f in fields):
            return _(", ").join(str(FIELD_LABELS[f]) for f in fields)
    if event.action in ("register", "accept") and note:
        imported = IMPORTED_FILE_NOTE.fullmatch(note)
        if imported is not None:
            words = (_("imported from %(file)s", file=imported["source"]) if imported["source"]
                     else _("imported"))
            if imported["late"]:
                words += _("; accepted late: %(reason)s", reason=imported["late"])
            return words
    system = SYSTEM_NOTE_LABELS.get((event.action, event.note))
    if system is not None:
        return str(system)
    return note


def link_status(status: str | None) -> str:
    return label(LINK_STATUS_LABELS, status)


def checklist_state(state: str | None) -> str:
    return label(CHECKLIST_STATE_LABELS, state)


FILTERS = {"case_status": case_status, "case_category": case_category,
           "case_opinion": case_opinion, "case_event": case_event, "event_note": event_note,
           "link_status": link_status, "checklist_state": checklist_state}

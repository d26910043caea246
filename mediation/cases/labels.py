"""Words for the cases' codes: statuses, categories, opinions, history entries, repeat links
and checklist states (the mappings live with the workflow in cases/services.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mediation.cases.services import (
    ACTION_LABELS,
    CATEGORY_LABELS,
    CHECKLIST_STATE_LABELS,
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


def event_note(event) -> str:
    """A history entry's note; the panel's opinion is kept there as its code, and a note the
    system wrote as its key (services.SYSTEM_NOTE_LABELS)."""
    if event.action == "give_opinion" and event.note in OPINION_LABELS:
        return label(OPINION_LABELS, event.note)
    system = SYSTEM_NOTE_LABELS.get((event.action, event.note))
    if system is not None:
        return str(system)
    return event.note or ""


def link_status(status: str | None) -> str:
    return label(LINK_STATUS_LABELS, status)


def checklist_state(state: str | None) -> str:
    return label(CHECKLIST_STATE_LABELS, state)


FILTERS = {"case_status": case_status, "case_category": case_category,
           "case_opinion": case_opinion, "case_event": case_event, "event_note": event_note,
           "link_status": link_status, "checklist_state": checklist_state}

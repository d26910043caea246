"""Words for the audit log's codes: the kinds of object (table names) and the areas of actions
(the part of an action name before its first dot), for the viewer's filters and rows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# What each kind of audited object is called (the object_type column: a table name, or one of
# the explicit types that `record()` callers give).
OBJECT_TYPES = {
    "attachments": _l("Evidence files"),
    "calendar_days": _l("Official calendar days"),
    "calendar_sources": _l("Busy-time calendars"),
    "case_events": _l("Case history"),
    "case_expertise": _l("Expertise needed by cases"),
    "case_links": _l("Repeat petitions"),
    "case_respondents": _l("Respondents of cases"),
    "cases": _l("Cases"),
    "centre_date_units": _l("Centre day teams"),
    "centre_dates": _l("Centre opening dates"),
    "centres": _l("Centres"),
    "conflicts": _l("Conflicts of interest"),
    "expertise_areas": _l("Expertise areas"),
    "feed_state": _l("Calendar feed state"),
    "feed_tokens": _l("Calendar feed links"),
    "follow_ups": _l("Follow-up visits"),
    "former_attendees": _l("People taken off hearings"),
    "hearing_members": _l("Hearing panels"),
    "hearing_outcomes": _l("Hearing outcomes"),
    "hearing_responses": _l("Answers to invitations"),
    "hearing_sessions": _l("Hearing sessions"),
    "hearings": _l("Hearings"),
    "imported_busy": _l("Imported busy times"),
    "leaders": _l("Responsible leaders"),
    "notices": _l("Notices"),
    "organisation_aliases": _l("Other names of organisations"),
    "organisations": _l("Organisations"),
    "outbox_messages": _l("Email invites"),
    "panel_opinions": _l("Panel opinions"),
    "parties": _l("Parties"),
    "people": _l("People"),
    "person_expertise": _l("Expertise of people"),
    "person_links": _l("People's page links"),
    "person_organisations": _l("Organisations of people"),
    "person_regions": _l("Regions of people"),
    "plan_runs": _l("Plans"),
    "regions": _l("Regions"),
    "rooms": _l("Rooms"),
    "unavailability": _l("Times people are away"),
    "unscheduled_cases": _l("Cases left unscheduled"),
    "user_regions": _l("Regions of user accounts"),
    "users": _l("User accounts"),
    "login_failures": _l("Failed sign-ins"),
    "import": _l("Imports"),
    "scenario": _l("Planning scenarios"),
    "search": _l("Searches"),
    "system": _l("The system"),
}

# What each area of actions is about ("case.register" → "case"); the filter lists one entry per
# area (the viewer filters on the "area." prefix).
ACTION_AREAS = {
    "attachment": _l("Evidence files"),
    "attendance": _l("People's own pages and answers"),
    "calendar": _l("Calendar feeds"),
    "calendar_day": _l("Official calendar"),
    "case": _l("Cases"),
    "centre": _l("Centres"),
    "centre_date": _l("Centre opening dates"),
    "conflict": _l("Conflicts of interest"),
    "expertise": _l("Expertise areas"),
    "hearing": _l("Hearings"),
    "import": _l("Imports"),
    "leader": _l("Responsible leaders"),
    "notice": _l("Notices"),
    "organisation": _l("Organisations"),
    "person": _l("People"),
    "plan": _l("Planning"),
    "region": _l("Regions"),
    "room": _l("Rooms"),
    "row": _l("Changes to records"),
    "scenario": _l("Planning scenarios"),
    "session": _l("Hearing sessions"),
    "user": _l("User accounts and sign-ins"),
}


def object_type_label(code: str) -> str:
    label = OBJECT_TYPES.get(code)
    return str(label) if label is not None else code


def action_area(action: str) -> str:
    return action.split(".", 1)[0]


def action_area_label(action: str) -> str:
    label = ACTION_AREAS.get(action_area(action))
    return str(label) if label is not None else action


# The automatic entries of every row change (audit.listener).
ROW_ACTIONS = {
    "row.insert": _l("Record created"),
    "row.update": _l("Record changed"),
    "row.delete": _l("Record deleted"),
}


def action_label(action: str) -> str:
    """A row's action in words: the row changes by name, the others by their area."""
    label = ROW_ACTIONS.get(action)
    return str(label) if label is not None else action_area_label(action)

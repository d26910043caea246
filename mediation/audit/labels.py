"""Words for the audit log's codes: the kinds of object (table names) and the areas of actions
(the part of an action name before its first dot), for the viewer's filters and rows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mediation.i18n import label

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
    "audit_log": _l("Audit log"),
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


# Each action in words, where it has them; an action not listed shows its area's words.
ACTION_LABELS = {
    "row.insert": _l("added"), "row.update": _l("changed"), "row.delete": _l("deleted"),
    "attachment.delete": _l("attachment deleted"),
    "attachment.download": _l("attachment downloaded"),
    "attachment.upload": _l("attachment uploaded"),
    "attendance.accepted": _l("attendance confirmed"),
    "attendance.declined": _l("attendance declined"),
    "attendance.tentative": _l("attendance uncertain"),
    "attendance.link_created": _l("own page link created"),
    "attendance.link_revoked": _l("own page link revoked"),
    "attendance.link_rotated": _l("own page link replaced"),
    "calendar.feed_created": _l("calendar feed link created"),
    "calendar.feed_revoked": _l("calendar feed link revoked"),
    "calendar.feed_rotated": _l("calendar feed link replaced"),
    "calendar_day.create": _l("official calendar day added"),
    "calendar_day.delete": _l("official calendar day removed"),
    "case.register": _l("case registered"), "case.accept": _l("case accepted"),
    "case.not_accept": _l("case not accepted"), "case.start_handling": _l("handling started"),
    "case.give_opinion": _l("panel opinion recorded"), "case.resolve": _l("case resolved"),
    "case.terminate": _l("case terminated"), "case.transfer": _l("case transferred"),
    "case.refer": _l("case referred"), "case.extend": _l("time limit extended"),
    "case.escalate": _l("case escalated"), "case.reopen": _l("case reopened"),
    "case.edit": _l("case edited"), "case.checklist": _l("closure checklist updated"),
    "case.import": _l("case imported"),
    "case.followup.done": _l("follow-up visit done"),
    "case.followup.schedule": _l("follow-up visit scheduled"),
    "case.personal_details.read": _l("personal details viewed"),
    "case.personal_details.search": _l("personal details searched"),
    "case.possible_repeat": _l("possible repeat petition"),
    "case.repeat_detected": _l("repeat petition detected"),
    "case.repeat_confirmed": _l("repeat petition confirmed"),
    "case.repeat_dismissed": _l("possible repeat dismissed"),
    "case.repeat_linked": _l("linked as a repeat"),
    "case.repeat_unlinked": _l("repeat link removed"),
    "centre.create": _l("centre added"), "centre_date.delete": _l("centre date removed"),
    "centre_date.team": _l("market-day team set"), "centre_date.update": _l("centre date changed"),
    "centre_date.open": _l("centre open on a date"),
    "centre_date.closed": _l("centre closed on a date"),
    "conflict.declare": _l("conflict declared"), "conflict.dismiss": _l("conflict dismissed"),
    "conflict.waive": _l("conflict waived"), "expertise.create": _l("expertise area added"),
    "hearing.cancel": _l("hearing cancelled"), "hearing.outcome": _l("hearing outcome recorded"),
    "hearing.pin": _l("hearing pinned"), "hearing.remove": _l("hearing removed"),
    "import.people": _l("people imported"), "import.cases": _l("cases imported"),
    "import.organisations": _l("organisations imported"),
    "leader.create": _l("leader added"), "notice.download": _l("notice downloaded"),
    "notice.generate": _l("notice generated"), "organisation.alias": _l("alias added"),
    "organisation.create": _l("organisation added"),
    "organisation.import": _l("organisation imported"),
    "organisation.merge": _l("organisations merged"),
    "organisation.parent": _l("supervising department set"),
    "person.activate": _l("person activated or deactivated"),
    "person.create": _l("person added"), "person.import": _l("person imported"),
    "person.unavailability.add": _l("unavailability added"),
    "person.unavailability.remove": _l("unavailability removed"),
    "plan.cancel": _l("plan run cancelled"), "plan.publish": _l("plan published"),
    "plan.seat_fill": _l("panel seat filled"), "plan.start": _l("plan run started"),
    "region.create": _l("region added"), "room.activate": _l("room activated or deactivated"),
    "room.create": _l("room added"), "scenario.import": _l("scenario imported"),
    "session.create": _l("hearing session added"), "user.create": _l("user account created"),
    "user.password": _l("password changed"), "user.password_reset": _l("password reset"),
    "user.sessions_ended": _l("all sessions ended (signed out everywhere)"),
    "user.sign_in": _l("signed in"), "user.sign_in_failed": _l("sign-in failed"),
    "user.update": _l("user account changed"),
}


def audit_object(object_type: str | None) -> str:
    return label(OBJECT_TYPES, object_type)


def audit_action(action: str | None) -> str:
    if action in ACTION_LABELS:
        return label(ACTION_LABELS, action)
    return action_label(action) if action else ""

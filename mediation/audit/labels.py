"""Words for the audit log: what kind of record an entry is about (the table it names) and
what was done (the entry's action). An action or table added later and not listed here shows
as its code until it is given words."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mediation.i18n import label

OBJECT_LABELS = {
    "attachments": _l("Attachment"), "audit_log": _l("Audit log"),
    "calendar_days": _l("Official calendar day"), "calendar_sources": _l("Personal calendar"),
    "case_events": _l("Case history entry"), "case_expertise": _l("Case expertise"),
    "case_links": _l("Repeat petition link"), "case_respondents": _l("Case respondent"),
    "cases": _l("Case"), "centre_date_units": _l("Market-day team"),
    "centre_dates": _l("Centre date"), "centres": _l("Centre"), "conflicts": _l("Conflict"),
    "expertise_areas": _l("Expertise area"), "feed_state": _l("Calendar feed state"),
    "feed_tokens": _l("Calendar feed link"), "follow_ups": _l("Follow-up visit"),
    "former_attendees": _l("Former attendee"), "hearing_members": _l("Panel member"),
    "hearing_outcomes": _l("Hearing outcome"), "hearing_responses": _l("Attendance answer"),
    "hearing_sessions": _l("Hearing session"), "hearings": _l("Hearing"),
    "imported_busy": _l("Imported busy time"), "leaders": _l("Responsible leader"),
    "login_failures": _l("Failed sign-in"), "notices": _l("Notice"),
    "organisation_aliases": _l("Organisation alias"), "organisations": _l("Organisation"),
    "outbox_messages": _l("Email"), "panel_opinions": _l("Panel member's opinion"),
    "parties": _l("Party"), "people": _l("Person on the roster"),
    "person_expertise": _l("Person's expertise"), "person_links": _l("Expert's own page link"),
    "person_organisations": _l("Person's organisation"), "person_regions": _l("Person's region"),
    "plan_runs": _l("Plan run"), "regions": _l("Region"), "rooms": _l("Room"),
    "unavailability": _l("Unavailability"), "unscheduled_cases": _l("Unscheduled case"),
    "user_regions": _l("User's region"), "users": _l("User account"),
    "system": _l("System"), "import": _l("Import"),
}

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
    "user.sign_in": _l("signed in"), "user.sign_in_failed": _l("sign-in failed"),
    "user.update": _l("user account changed"),
}


def audit_object(object_type: str | None) -> str:
    return label(OBJECT_LABELS, object_type)


def audit_action(action: str | None) -> str:
    return label(ACTION_LABELS, action)

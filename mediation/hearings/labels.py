"""Words for the hearings' codes: statuses, panel roles and outcome results."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mediation.i18n import label

RESULT_LABELS = {
    "held": _l("held"),
    "adjourned": _l("adjourned"),
    "no_show": _l("no-show"),
    "postponed": _l("postponed"),
}
HEARING_STATUS_LABELS = {
    "proposed": _l("proposed"),
    "published": _l("published"),
    "cancelled": _l("cancelled"),
}
ROLE_LABELS = {"chair": _l("chair"), "member": _l("member"), "counsellor": _l("counsellor")}


def hearing_status(status: str | None) -> str:
    return label(HEARING_STATUS_LABELS, status)


def member_role(role: str | None) -> str:
    return label(ROLE_LABELS, role)


def outcome_result(result: str | None) -> str:
    return label(RESULT_LABELS, result)

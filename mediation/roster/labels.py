"""Words for the roster: a person's roles and the expertise areas in the reader's language."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from mediation.i18n import label

PERSON_ROLE_LABELS = {"expert": _l("expert"), "counsellor": _l("psychological counsellor")}


def person_role(role: str | None) -> str:
    return label(PERSON_ROLE_LABELS, role)


def expertise_name(area) -> str:
    """An expertise area's Chinese or English name as the page's language asks (never its
    code)."""
    return area.display_name(get_locale()) if area is not None else ""

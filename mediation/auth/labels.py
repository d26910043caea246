"""Words for the account roles (auth.models.ROLES)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mediation.i18n import label

ROLE_LABELS = {"admin": _l("Administrator"), "coordinator": _l("Coordinator"),
               "viewer": _l("Viewer")}


def role_label(role: str | None) -> str:
    return label(ROLE_LABELS, role)

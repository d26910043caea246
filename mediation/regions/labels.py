"""Words for the levels of the region tree (regions.models.REGION_LEVELS)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mediation.i18n import label

LEVEL_LABELS = {"city": _l("City"), "county": _l("County"), "town": _l("Town (street)"),
                "village": _l("Village (community)")}


def region_level(level: str | None) -> str:
    return label(LEVEL_LABELS, level)

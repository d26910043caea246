"""How the calendar's audit entries read (mediation.audit.summaries): whose feed link."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mediation.audit.summaries import params
from mediation.i18n import label

FEED_KIND_LABELS = {"person": _l("Person"), "room": _l("Room"), "centre": _l("Centre"),
                    "coordinator": _l("Coordinator")}


def feed(entry) -> str | None:
    """"kind target" (entries written before read "kind target: feed link …")."""
    values = params(entry, "kind", "target")
    if values is None:
        return None
    target = values["target"]
    kind = values["kind"]
    target = target.removeprefix(f"{kind} ")  # entries written before named the kind in English
    return _("%(kind)s %(target)s", kind=label(FEED_KIND_LABELS, kind), target=target)


SUMMARIES = {"calendar.feed_created": feed, "calendar.feed_rotated": feed,
             "calendar.feed_revoked": feed}

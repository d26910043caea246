"""How attendance's audit entries read (mediation.audit.summaries): an answer to a hearing (by
which way it came) and a person's own page link."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mediation.audit.summaries import params
from mediation.i18n import label

RESPONSE_LABELS = {"accepted": _l("confirmed"), "declined": _l("declined"),
                   "tentative": _l("tentative")}
CHANNEL_LABELS = {"page": _l("own page"), "email": _l("email"), "coordinator": _l("coordinator")}

# Entries written before: "reference person: response (channel)".
_OLD_ANSWER = re.compile(r"^(.*): ([a-z_]+) \(([a-z_]+)\)$")


def answer(entry) -> str | None:
    values = params(entry, "response", "channel")
    if values is not None:
        who, response, channel = entry.summary or "", values["response"], values["channel"]
    else:
        old = _OLD_ANSWER.match(entry.summary or "")
        if old is None:
            return None
        who, response, channel = old.groups()
    return _("%(who)s: %(answer)s (%(channel)s)", who=who,
             answer=label(RESPONSE_LABELS, response), channel=label(CHANNEL_LABELS, channel))


def link(entry) -> str:
    """The person's code (entries written before added ": page link …", said by the action)."""
    return (entry.summary or "").partition(": ")[0]


SUMMARIES = {"attendance.accepted": answer, "attendance.declined": answer,
             "attendance.tentative": answer, "attendance.link_created": link,
             "attendance.link_rotated": link, "attendance.link_revoked": link}

"""How the notices' audit entries read (mediation.audit.summaries): which notice, which version."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mediation.audit.summaries import params
from mediation.i18n import label
from mediation.notices.services import KIND_LABELS

# Why a notice was made again (the hearing's signals; entries written before said it in English).
REASON_LABELS = {"hearing_changed": _l("the hearing changed"),
                 "hearing changed": _l("the hearing changed"),
                 "hearing_cancelled": _l("the hearing was cancelled"),
                 "hearing cancelled": _l("the hearing was cancelled")}

# Entries written before: "reference kind vN[: reason]".
_OLD = re.compile(r"^(\S+) ([a-z_]+) v(\d+)(?:: (.*))?$", re.S)


def notice(entry) -> str | None:
    values = params(entry, "kind", "version")
    if values is not None:
        ref, kind, version = entry.summary or "", values["kind"], values["version"]
        reason = (entry.after or {}).get("reason")
    else:
        old = _OLD.match(entry.summary or "")
        if old is None or old.group(2) not in KIND_LABELS:
            return None
        ref, kind, version, reason = old.groups()
    if reason:
        return _("%(ref)s %(notice)s, version %(version)s: %(reason)s", ref=ref,
                 notice=label(KIND_LABELS, kind), version=version,
                 reason=label(REASON_LABELS, reason))
    return _("%(ref)s %(notice)s, version %(version)s", ref=ref,
             notice=label(KIND_LABELS, kind), version=version)


SUMMARIES = {"notice.generate": notice, "notice.download": notice}

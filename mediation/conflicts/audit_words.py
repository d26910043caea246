"""How the conflicts' audit entries read (mediation.audit.summaries): a declared conflict."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mediation.audit.summaries import params
from mediation.i18n import label

KIND_LABELS = {"hard": _l("hard"), "waivable": _l("waivable"), "soft": _l("soft")}

_OLD_KIND = re.compile(r"^(.*?): ([a-z_]+) \(")


def declared(entry) -> str | None:
    """"person: kind (target)": the kind and the target in words."""
    values = params(entry, "kind", "target")
    if values is None:
        return None
    target = values["target"] if isinstance(values["target"], dict) else {}
    if "party" in target:
        what = _("party %(name)s of %(case)s", name=target["party"], case=target.get("case"))
    elif "organisation" in target:
        what = _("organisation %(name)s", name=target["organisation"])
    else:
        what = _("case %(ref)s", ref=target.get("case"))
    return _("%(person)s: %(kind)s conflict (%(target)s)", person=entry.summary or "",
             kind=label(KIND_LABELS, values["kind"]), target=what)


def declared_before(entry) -> str | None:
    """Entries written before held "person: kind (target words)": the kind is worded."""
    old = _OLD_KIND.match(entry.summary or "")
    if old is None or old.group(2) not in KIND_LABELS:
        return None
    rest = (entry.summary or "")[old.end():].removesuffix(")")
    return _("%(person)s: %(kind)s conflict (%(target)s)", person=old.group(1),
             kind=label(KIND_LABELS, old.group(2)), target=rest)


def declaration(entry) -> str | None:
    return declared(entry) or declared_before(entry)


SUMMARIES = {"conflict.declare": declaration}

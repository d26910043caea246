"""How the imports' audit entries read (mediation.audit.summaries): a person, organisation or
case created or updated from a file, and a file's counts."""

from __future__ import annotations

import re

from babel.lists import format_list
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mediation.audit.summaries import params
from mediation.i18n import label

# Entries written before: "created NAME[ (imported from FILE)]" / "updated NAME: field, field".
_OLD_CREATED = re.compile(r"^created (.+?)(?: \(imported(?: from (.+))?\))?$", re.S)
_OLD_UPDATED = re.compile(r"^updated (.+?): (.+)$", re.S)


def _created(name: str, source: str | None) -> str:
    if source:
        return _("%(name)s added from %(file)s", name=name, file=source)
    return _("%(name)s added", name=name)


def _updated(name: str, fields: list) -> str:
    return ngettext("%(name)s updated: %(num)d field", "%(name)s updated: %(num)d fields",
                    len(fields), name=name)


def row(entry) -> str | None:
    """One record of a file: its identifier, added or updated (the fields are in `after`)."""
    after = entry.after if isinstance(entry.after, dict) else {}
    name = entry.summary or ""
    if after.get("created"):
        return _created(name, after.get("file"))
    if "fields" in after:
        return _updated(name, list(after["fields"] or []))
    old = _OLD_CREATED.match(name)
    if old is not None:
        return _created(old.group(1), old.group(2))
    old = _OLD_UPDATED.match(name)
    if old is not None:
        return _updated(old.group(1), old.group(2).split(", "))
    return None


def counts(entry) -> str | None:
    values = params(entry, "created", "updated", "unchanged")
    if values is None:
        return None
    return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged", **values)




# What a planning scenario file holds (exchange.ImportSummary's kinds).
SCENARIO_KINDS = {
    "sessions": _l("Hearing sessions"), "organisations": _l("Organisations"),
    "centres": _l("Centres"), "rooms": _l("Rooms"), "people": _l("People"), "cases": _l("Cases"),
    "conflicts": _l("Conflicts of interest"), "regions": _l("Regions"),
    "expertise areas": _l("Expertise areas"), "fixed hearings": _l("Fixed hearings"),
}


def _kinds(numbers: dict) -> str:
    parts = [_("%(kind)s: %(num)d", kind=label(SCENARIO_KINDS, kind), num=n)
             for kind, n in sorted(numbers.items()) if n]
    return format_list(parts, locale=get_locale()) if parts else _("nothing")


def scenario_counts(created: dict, updated: dict) -> str:
    """What a scenario import created and updated, in the reader's language."""
    return _("created %(created)s; updated %(updated)s", created=_kinds(created),
             updated=_kinds(updated))


def scenario(entry) -> str | None:
    values = params(entry, "created", "updated")
    if values is None or not all(isinstance(v, dict) for v in values.values()):
        return None
    text = scenario_counts(values["created"], values["updated"])
    return f"{entry.summary}: {text}" if entry.summary else text


SUMMARIES = {"person.import": row, "organisation.import": row, "case.import": row,
             "import.people": counts, "import.organisations": counts, "import.cases": counts,
             "scenario.import": scenario}

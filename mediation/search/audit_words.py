"""How the search's audit entries read (mediation.audit.summaries): an ID-number search."""

from __future__ import annotations

from flask_babel import gettext as _

OLD_PREFIX = "ID number search: "  # entries written before began with it, in English


def id_number_search(entry) -> str:
    """The references of the cases an ID number found."""
    refs = (entry.summary or "").removeprefix(OLD_PREFIX)
    return _("ID number search: %(refs)s", refs=refs)


SUMMARIES = {"case.personal_details.search": id_number_search}

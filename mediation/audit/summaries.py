"""The audit log's summary column in the reader's language.

A write site keeps only identifiers in `summary` (references, people's codes, names, dates) and
the values the wording needs in `after` (counts, codes such as a result or a response). Each
feature registers how its actions read, from its `init_app`, with `register_summary(action,
function)`: the function gets the `AuditEntry` and returns the sentence, or None when the entry
lacks its values (an entry written before the action was worded). `audit_summary` (the
`audit_summary` Jinja filter) uses the registered wording, else shows the stored text as it was
written: old entries keep their words rather than lose what they said.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from mediation.auth.labels import role_label

SummaryFunction = Callable[[Any], "str | None"]

_SUMMARIES: dict[str, SummaryFunction] = {}


def register_summary(action: str, function: SummaryFunction) -> None:
    """Word the summary of `action`'s entries with `function(entry)` (idempotent)."""
    _SUMMARIES[action] = function


def register_summaries(functions: dict[str, SummaryFunction]) -> None:
    for action, function in functions.items():
        register_summary(action, function)


def params(entry, *keys: str) -> dict | None:
    """The entry's recorded `after` values for `keys`, or None if one is missing (an old entry)."""
    after = entry.after if isinstance(entry.after, dict) else {}
    if any(key not in after for key in keys):
        return None
    return {key: after[key] for key in keys}


def audit_summary(entry) -> str:
    function = _SUMMARIES.get(entry.action)
    text = function(entry) if function is not None else None
    return str(text) if text is not None else (entry.summary or "")


# --- the audit log's own entries (accounts) --------------------------------------------------


def account_created(entry) -> str | None:
    """"email (role)", the role worded (entries written before held the role's code)."""
    values = params(entry, "role")
    if values is None:
        return None
    email = (entry.summary or "").removesuffix(f" ({values['role']})")
    return _("%(email)s (%(role)s)", email=email, role=role_label(values["role"]))


SUMMARIES = {"user.create": account_created}

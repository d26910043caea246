"""Words for the outbox: why a message could not go out (models.MESSAGE_ERRORS)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from mediation.calendar.models import INVALID_ADDRESS, NO_ADDRESS

MESSAGE_ERROR_LABELS = {
    NO_ADDRESS: _l("No email address: this message is not sent; add one on the person's page."),
    INVALID_ADDRESS: _l("The stored address is not a valid email address, so this message is "
                        "not sent; correct it on the person's page."),
}


def message_error(error: str | None) -> Markup:
    """A message's `last_error` for the outbox page: the app's own reasons in the reader's
    language; anything else is the mail server's (or the system's) answer, shown as it came
    after a translated lead and marked translate="no" (it is their words, not ours)."""
    if not error:
        return Markup("")
    label = MESSAGE_ERROR_LABELS.get(error)
    if label is not None:
        return escape(str(label))
    return Markup('{} <span translate="no">{}</span>').format(_("The last attempt failed:"), error)

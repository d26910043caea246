"""Email addresses: one normal form and one validator, for accounts and people alike.

`normalise` is the only way an address enters the database (sign-up and account creation,
sign-in, the person form, CSV/XLSX and scenario imports, the command line):

1. surrounding white space is dropped, then Unicode NFKC folds compatibility forms (full-width
   letters and dots, ligatures) into the ordinary ones;
2. what is left must be one bare address: no line break or other control character, and no
   comma, semicolon, angle bracket or space (a second address or a display name);
3. `email-validator` checks the syntax (RFC 5321/5322/6531) and applies IDNA (UTS #46) to the
   domain, so `example。org` (ideographic full stop) is `example.org`; nothing is looked up;
4. the result is lower-cased.

Two spellings of one address therefore give the same string: accounts are unique on it, the
login throttle counts on it, invites are sent to it. `deliverable` is for reading addresses
stored before this rule existed: it never raises.
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

MAX_LENGTH = 320
# A second address, a display name ("Name <a@b>") or a header's separators.
_SEPARATORS = frozenset(",;<>\"")


class EmailError(ValueError):
    """Not one valid address; `message` says why in a sentence, in the reader's language
    (lazy), fit to show under a form's field or after an import's row and column."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def _folded(value: str) -> str:
    return unicodedata.normalize("NFKC", value.strip())


def _control(ch: str) -> bool:
    # Cc: C0/C1 controls (CR, LF, NUL, TAB…); Cf: invisible formatting (zero-width, bidi
    # overrides); Zl/Zp: Unicode line and paragraph separators; Cs: lone surrogates.
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs")


def normalise(value: str) -> str:
    """The normal form of one address, or EmailError (see the module's docstring)."""
    if not isinstance(value, str):
        raise EmailError(_l("Enter a valid email address."))
    folded = _folded(value)
    if any(_control(ch) for ch in folded):
        raise EmailError(_l("An email address must not contain line breaks or other control "
                            "characters."))
    if any(ch in _SEPARATORS or ch.isspace() for ch in folded) or folded.count("@") > 1:
        raise EmailError(_l("Enter one email address only, such as name@example.org, without "
                            "a name, commas, semicolons or spaces."))
    if len(folded) > MAX_LENGTH:
        raise EmailError(_l("An email address has at most %(n)s characters.", n=MAX_LENGTH))
    try:
        checked = validate_email(folded, check_deliverability=False)
    except EmailNotValidError:
        raise EmailError(_l("Enter a valid email address.")) from None
    return checked.normalized.lower()


def is_valid(value: str | None) -> bool:
    try:
        normalise(value or "")
    except EmailError:
        return False
    return True


def deliverable(value: str | None) -> str | None:
    """The address to send to, or None when there is none or what is stored is not one valid
    address (data from before addresses were checked). Never raises."""
    if not value:
        return None
    try:
        return normalise(value)
    except EmailError:
        return None


def key(value: str | None) -> str:
    """What identifies the account a sign-in names: the normal form, or, for input that is
    not an address at all, the same folding without the syntax check (so every spelling of a
    mistyped address still counts as one)."""
    value = value or ""
    try:
        return normalise(value)
    except EmailError:
        return _folded(value).lower()[:MAX_LENGTH]

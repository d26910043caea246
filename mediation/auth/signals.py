"""What happens to accounts, announced for whoever keeps a record of it (the audit log).

auth sits below audit, so it does not call `audit.record`; it sends these signals and
`audit.listener.install()` connects the receivers. Signing in is Flask-Login's own
`user_logged_in`. Every signal is sent with the user as sender (None for a failed sign-in).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender=user; after={"email", "role"}
account_created = _signals.signal("account-created")
# sender=user; before / after: {"name", "role", "active", "regions"} (only when they differ)
account_updated = _signals.signal("account-updated")
# sender=user: the user (or the command line) set a new password
password_changed = _signals.signal("password-changed")
# sender=user: an administrator gave the account a random password
password_reset = _signals.signal("password-reset")
# sender=user: an administrator signed the account out everywhere
sessions_ended = _signals.signal("sessions-ended")
# sender=None; email=what was typed (trimmed, at most 320 characters)
sign_in_failed = _signals.signal("sign-in-failed")

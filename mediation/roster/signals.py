"""Roster events for features above roster that keep references to its rows.

roster sits below cases and conflicts, so it does not touch their tables; it announces the
change and they update their own rows (cases: parties and respondents; conflicts: targets and
bases).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent by `merge_organisations` before the duplicate is deleted, in the same transaction:
# sender=the kept Organisation, drop=the duplicate. Receivers point their rows at `keep`.
organisations_merging = _signals.signal("organisations-merging")

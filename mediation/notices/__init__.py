"""Notices for the petitioner (PDF): hearing notices and written replies."""

from __future__ import annotations

from flask import Flask

from mediation import signals
from mediation.audit.summaries import register_summaries
from mediation.notices import audit_words, services


def init_app(app: Flask) -> None:
    """Regenerate a hearing's notice when the hearing moves or is cancelled."""
    signals.hearing_changed.connect(services.on_hearing_changed)
    signals.hearing_cancelled.connect(services.on_hearing_cancelled)
    register_summaries(audit_words.SUMMARIES)

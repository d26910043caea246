"""Attendance: each roster person's own page by secret link (no account), and their answers to
hearings (confirm, tentative, decline) with what a decline sets going (docs/calendars.md, "The
expert's page, confirm and decline")."""

from __future__ import annotations

from flask import Flask

from mediation import signals
from mediation.attendance import audit_words, services
from mediation.audit.summaries import register_summaries


def init_app(app: Flask) -> None:
    """Connect the subscribers (called by the app factory)."""
    signals.hearing_declined.connect(services.on_declined)
    signals.run_finished.connect(services.on_run_finished)
    register_summaries(audit_words.SUMMARIES)

"""Search across cases, people, organisations and hearings."""

from __future__ import annotations

from flask import Flask

from mediation.audit.summaries import register_summaries
from mediation.search import audit_words


def init_app(app: Flask) -> None:
    """Register how the search's audit entries read (called once per app by the factory)."""
    register_summaries(audit_words.SUMMARIES)

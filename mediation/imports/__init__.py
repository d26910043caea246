"""Imports of people, organisations and cases from spreadsheets, and of planning scenarios."""

from __future__ import annotations

from flask import Flask

from mediation.audit.summaries import register_summaries
from mediation.imports import audit_words


def init_app(app: Flask) -> None:
    """Register how the imports' audit entries read (called once per app by the factory)."""
    register_summaries(audit_words.SUMMARIES)

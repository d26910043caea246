"""Conflicts of interest: declared and automatic, waived or dismissed, and who they exclude."""

from __future__ import annotations

from flask import Flask

from mediation.audit.summaries import register_summaries
from mediation.conflicts import audit_words


def init_app(app: Flask) -> None:
    """Register how the conflicts' audit entries read (called once per app by the factory)."""
    register_summaries(audit_words.SUMMARIES)

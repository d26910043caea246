"""Hearings: the schedule of record and every proposal, and their life cycle (lifecycle.py)."""

from __future__ import annotations

from flask import Flask

from mediation import signals
from mediation.audit.summaries import register_summaries
from mediation.hearings import audit_words, labels, lifecycle, outcomes


def init_app(app: Flask) -> None:
    """Connect the hearings' subscribers (called once per app by the factory; idempotent)."""
    signals.place_changed.connect(lifecycle.place_changed)
    signals.person_page_sections.connect(outcomes.person_section)
    app.add_template_filter(labels.hearing_status, "hearing_status")
    app.add_template_filter(labels.member_role, "member_role")
    app.add_template_filter(labels.outcome_result, "outcome_result")
    register_summaries(audit_words.SUMMARIES)

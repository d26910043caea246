"""The audit log: automatic before/after of every change, `record()`, the admin viewer."""

from __future__ import annotations

from flask import Flask

from mediation.audit.labels import audit_action, audit_object
from mediation.audit.summaries import SUMMARIES, audit_summary, register_summaries


def init_app(app: Flask) -> None:
    """Register the audit log's words for templates (called once per app by the factory)."""
    app.add_template_filter(audit_object, "audit_object")
    app.add_template_filter(audit_action, "audit_action")
    app.add_template_filter(audit_summary, "audit_summary")
    register_summaries(SUMMARIES)

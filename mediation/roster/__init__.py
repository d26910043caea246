"""The roster: experts, counsellors, organisations, expertise areas, leaders."""

from __future__ import annotations

from flask import Flask

from mediation.roster.labels import expertise_name, person_role


def init_app(app: Flask) -> None:
    """Register the roster's words for templates (called once per app by the factory)."""
    app.add_template_filter(person_role, "person_role")
    app.add_template_filter(expertise_name, "expertise_name")

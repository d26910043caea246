"""Centres, rooms, opening days and hearing sessions."""

from __future__ import annotations

from flask import Flask

from mediation.centres.labels import centre_level, session_name


def init_app(app: Flask) -> None:
    """Register the centres' words for templates (called once per app by the factory)."""
    app.add_template_filter(centre_level, "centre_level")
    app.add_template_filter(session_name, "session_name")

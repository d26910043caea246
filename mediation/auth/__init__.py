"""Accounts, sign-in, roles and region scope."""

from __future__ import annotations

from flask import Flask

from mediation.auth.labels import role_label


def init_app(app: Flask) -> None:
    """Register the roles' words for templates (called once per app by the factory)."""
    app.add_template_filter(role_label, "role_label")

"""The region tree: city → county → town → village."""

from __future__ import annotations

from flask import Flask

from mediation.regions.labels import region_level


def init_app(app: Flask) -> None:
    """Register the levels' words for templates (called once per app by the factory)."""
    app.add_template_filter(region_level, "region_level")

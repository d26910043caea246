"""Hearings: the schedule of record and every proposal, and their life cycle (lifecycle.py)."""

from __future__ import annotations

from flask import Flask

from mediation import signals
from mediation.hearings import lifecycle


def init_app(app: Flask) -> None:
    """Connect the hearings' subscribers (called once per app by the factory; idempotent)."""
    signals.place_changed.connect(lifecycle.place_changed)

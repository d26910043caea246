"""Busy times from people's own calendars: an ICS subscription address per person, fetched
periodically and expanded into busy sessions the planner treats as unavailability
(docs/calendars.md, "Busy times from personal calendars")."""

from __future__ import annotations

from flask import Flask

from mediation import worker
from mediation.availability import services


def init_app(app: Flask) -> None:
    """Register the periodic sync (called by the app factory)."""
    worker.register_periodic("availability.sync", services.sync_due_task)

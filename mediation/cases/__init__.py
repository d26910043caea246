"""Cases (petition matters): parties, respondents, the workflow and its clocks, repeats,
follow-up visits."""

from __future__ import annotations

from flask import Flask

from mediation import signals
from mediation.cases import labels, services


def init_app(app: Flask) -> None:
    """Connect the cases' subscribers (called once per app by the factory)."""
    signals.hearing_published.connect(services.start_handling_when_a_hearing_is_published)
    for name, function in labels.FILTERS.items():
        app.add_template_filter(function, name)

"""The planner's findings in the coordinator's language.

The planner (`scheduler/`) returns violations and reasons as a stable `code` with `params`; this
module words them for people, in the user's language, through the translation catalogue.

STUB (being written): it still falls back to the planner's English texts.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from markupsafe import Markup  # noqa: F401  (kept for the final version's rich texts)

from scheduler.messages import render


def reason_text(code: str, params: dict[str, Any]) -> str:
    """Why a case is not scheduled, in the user's words."""
    return render(code, params)


def violation_text(violation: Any) -> str:
    """A broken hard rule (a `scheduler.Violation` or a dict with `code` and `params`)."""
    if isinstance(violation, dict):
        return render(violation["code"], violation.get("params", {}))
    return render(violation.code, violation.params)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["reason_text"] = lambda d: reason_text(d["code"], d.get("params", {}))
    app.jinja_env.filters["violation_text"] = violation_text

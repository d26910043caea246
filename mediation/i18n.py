"""Language and time-zone selection for Flask-Babel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, has_request_context, request, session
from flask_login import current_user

LANGUAGE_NAMES = {"zh_Hans_CN": "简体中文", "en": "English"}


def select_locale() -> str:
    """The signed-in user's saved choice, else this session's, else the browser's
    Accept-Language (any zh → Simplified Chinese, any en → English), else the configured default
    (Simplified Chinese). Outside a request (CLI commands, background jobs): the default."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    languages = current_app.config["LANGUAGES"]
    saved = getattr(current_user, "locale", None) if getattr(
        current_user, "is_authenticated", False) else None
    if saved in languages:
        return saved
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    for value, _quality in request.accept_languages:  # best first
        tag = value.lower().replace("_", "-")
        if tag == "zh" or tag.startswith("zh-"):
            return "zh_Hans_CN"
        if tag == "en" or tag.startswith("en-"):
            return "en"
    return default


def select_timezone() -> str:
    return current_app.config["MEDIATION_TIMEZONE"]


def label(labels: Mapping[str, Any], code: str | None) -> str:
    """The translated label of a stored code; an unknown code shows as it is (never an error
    on a page), an empty one as nothing. Each feature keeps one such mapping per kind of code,
    with a Jinja filter registered by its `init_app`."""
    if code is None or code == "":
        return ""
    text = labels.get(code)
    return str(text) if text is not None else str(code)

"""Attachments: evidence files on a case (see docs/attachments.md)."""

from __future__ import annotations

from flask import Flask, current_app, request

UPLOAD_ENDPOINT = "attachments.upload"
# Room for the multipart framing and the note around the file itself.
FORM_OVERHEAD = 64 * 1024
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def _allow_attachment_size() -> None:
    """The upload route takes files up to MEDIATION_MAX_ATTACHMENT_BYTES, more than the app's
    MAX_CONTENT_LENGTH (imports): raise this request's limit before anything reads the form."""
    if request.endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = (
            current_app.config.get("MEDIATION_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES) + FORM_OVERHEAD)


def init_app(app: Flask) -> None:
    """Called by the app factory: the request-size hook runs before CSRF reads the form."""
    funcs = app.before_request_funcs.setdefault(None, [])
    if _allow_attachment_size not in funcs:
        funcs.insert(0, _allow_attachment_size)

"""Absolute links for feeds and emails: MEDIATION_BASE_URL, else the request's own address."""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for

# Without MEDIATION_BASE_URL (development only: production requires it), where `mediation run`
# listens by default.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def base_url() -> str:
    """For links shown on a page: MEDIATION_BASE_URL, else the address the browser used."""
    configured = current_app.config.get("MEDIATION_BASE_URL")
    if configured:
        return configured
    if has_request_context():
        return request.url_root.rstrip("/")
    return DEVELOPMENT_BASE_URL


def public_base_url() -> str:
    """For links inside feeds and invites: MEDIATION_BASE_URL, else the development address;
    never the request's Host header, so a feed's bytes (and ETag) do not depend on which name
    a client used to reach the server."""
    return current_app.config.get("MEDIATION_BASE_URL") or DEVELOPMENT_BASE_URL


def absolute(endpoint: str, *, public: bool = False, **values) -> str:
    """An absolute link; `public` for feeds and invites (see `public_base_url`)."""
    if public:
        with current_app.test_request_context("/"):
            return public_base_url() + url_for(endpoint, **values)
    if has_request_context():
        path = url_for(endpoint, **values)
        # base_url() already ends with the mount point (script root) of this request.
        if request.script_root and path.startswith(request.script_root):
            path = path[len(request.script_root):]
    else:
        # url_for outside a request needs SERVER_NAME; build the path in a throwaway context.
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    # With MEDIATION_BASE_URL = https://host/prefix, the prefix is part of the base.
    return base_url() + path


def feed_url(token: str) -> str:
    return absolute("calendar.feed", token=token)


def webcal_url(token: str) -> str:
    """The same feed for `webcal://` (calendar apps subscribe; https stays https underneath)."""
    return "webcal://" + feed_url(token).split("://", 1)[1]


def person_page_url(token: str) -> str:
    """A person's own page (mediation.attendance): their hearings, no sign-in."""
    return absolute("attendance.page", public=True, token=token)


def hearing_url(uid: str) -> str:
    """A sign-in-protected page for the hearing; the UID is in the feed anyway."""
    return absolute("calendar.hearing", public=True, uid=uid)

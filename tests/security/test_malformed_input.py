"""Malformed input never answers 5xx (issue #15, finding 8): too-large integers in ids, pages and
filters, NUL bytes and lone surrogates in query strings and forms, extreme dates, JSON bodies
with 1e999 or deep nesting, a `next` holding a line break."""

from __future__ import annotations

import flask_wtf
import pytest
import sqlalchemy as sa
from flask import url_for

import mediation
from mediation.audit.models import AuditEntry
from mediation.forms import Form
from tests.conftest import csrf_token, sign_in
from tests.security.world import build_world, count_rows

HUGE = "99999999999999999999"
FILTER_ARGS = ("page", "region", "user", "person", "centre", "room", "session", "year",
               "leader", "parent", "case", "status")


@pytest.fixture
def world_clients(db, make_user, _web_app):
    """The security tests' world and a signed-in administrator (who may use every route)."""
    world = build_world()
    db.session.commit()
    user, password = make_user("admin")
    client = _web_app.test_client()
    assert sign_in(client, user.email, password).status_code == 302
    client.token = csrf_token(client, "/")
    return world, {"admin": client}


def _status(client, url, **kw) -> object:
    """The answer's status, or the exception a 500 would have been (the test app propagates)."""
    try:
        return client.get(url, **kw).status_code
    except Exception as exc:  # noqa: BLE001 - a server error, reported with the route
        return f"{type(exc).__name__}: {str(exc)[:80]}"


def _broken(status) -> bool:
    return not isinstance(status, int) or status >= 500


def _get_routes(app, ids, value=None):
    out = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in ("static", "auth.logout"):
                continue
            values = {}
            for name in rule.arguments:
                converter = type(rule._converters[name]).__name__
                if "Integer" in converter or "Int" in converter:
                    values[name] = int(value) if value is not None else ids.get(name, 1)
                else:
                    values[name] = {"kind": "people", "fmt": "csv", "action": "accept",
                                    "code": "en"}.get(name, "x")
            out.append((rule.endpoint, url_for(rule.endpoint, **values)))
    return sorted(set(out))


def test_huge_ids_in_paths_are_not_found(world_clients, _web_app):
    world, clients = world_clients
    bad = []
    for endpoint, url in _get_routes(_web_app, world.ids, HUGE):
        status = _status(clients["admin"], url)
        if _broken(status):
            bad.append((endpoint, url, status))
    assert not bad
    assert clients["admin"].get(f"/cases/{HUGE}").status_code == 404


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "99999", "0", "\x00", "1\x00", "9999-12",
                                   "0001-01-01", "9999-12-31", "0000-01"])
def test_malformed_query_arguments_never_break_a_page(world_clients, _web_app, value):
    world, clients = world_clients
    bad = []
    args = {name: value for name in FILTER_ARGS}
    args.update(month=value, week=value, start=value, end=value, date_from=value, date_to=value,
                q=value)
    for endpoint, url in _get_routes(_web_app, world.ids):
        status = _status(clients["admin"], url, query_string=args)
        if _broken(status):
            bad.append((endpoint, status))
    assert not bad


@pytest.mark.parametrize("url", [
    "/roster/?region=" + HUGE, "/admin/audit/?user=" + HUGE, "/cases/?page=" + HUGE,
    "/roster/1?month=9999-12", "/planning/schedule?week=0001-01-01",
    "/planning/schedule?week=9999-12-31",
])
def test_the_reported_urls(world_clients, url):
    _, clients = world_clients
    assert not _broken(_status(clients["admin"], url))


# --- forms and bodies ---------------------------------------------------------------------------


def _centre_form(world, token, **overrides):
    return {"csrf_token": token, "code": "C-NEW", "name": "New centre", "level": "county",
            "region_id": str(world.home.id), "open_weekdays": "1", **overrides}


@pytest.mark.parametrize(("field", "value"), [
    ("name", "Centre\x00"), ("code", "\x00"), ("address", "1 Road\x00"), ("\x00name", "x"),
])
def test_a_nul_byte_in_a_form_is_refused_whole(world_clients, field, value):
    world, clients = world_clients
    client = clients["admin"]
    before = count_rows()
    status = _post_status(client, "/centres/new", _centre_form(world, client.token,
                                                                 **{field: value}))
    assert status == 400
    assert count_rows() == before


def _post_status(client, url, data=None, **kw):
    try:
        return client.post(url, data=data, **kw).status_code
    except Exception as exc:  # noqa: BLE001 - a server error
        return f"{type(exc).__name__}: {str(exc)[:80]}"


@pytest.mark.parametrize("value", ["Centre\x07", "Centre\nTwo", "Centre\x1b[31m", "\x7f"])
def test_control_characters_in_a_text_field_are_refused(world_clients, value):
    world, clients = world_clients
    client = clients["admin"]
    before = count_rows()
    response = client.post("/centres/new", data=_centre_form(world, client.token, name=value))
    assert response.status_code == 422
    assert "Remove the control characters" in response.get_data(as_text=True)
    assert count_rows() == before


def test_a_nul_in_the_sign_in_email_is_refused_and_audited(db, client):
    token = csrf_token(client)
    status = _post_status(client, "/login", {"email": "coord\x00@example.org",
                                             "password": "whatever", "csrf_token": token})
    assert status == 400
    db.session.expire_all()
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "user.sign_in_failed")).all()
    assert [e.summary for e in entries] == ["coord\ufffd@example.org"]


@pytest.mark.parametrize("body", [
    '{"code": "C-1", "name": "x", "n": 1e999}',
    '{"code": "C-1", "name": "x", "n": -Infinity}',
    '{"code": "C-1", "name": "x", "n": NaN}',
    '{"code": "C-1", "name": "\\ud800"}',
    '{"code": "C-1", "\\u0000": "x"}',
    '{"a": ' * 5000 + "1" + "}" * 5000,
    "[" * 5000 + "]" * 5000,
])
def test_unusable_json_bodies_are_refused(world_clients, body):
    _, clients = world_clients
    client = clients["admin"]
    before = count_rows()
    status = _post_status(client, "/centres/new", body,
                          headers={"X-CSRFToken": client.token, "Content-Type": "application/json"})
    assert status == 400
    assert count_rows() == before


# --- redirects (finding 9) ------------------------------------------------------------------------

HOSTILE_NEXT = ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "//evil.example",
                "/\\evil.example", "\\\\evil.example", "https://evil.example/", " //evil.example",
                "/\u3000/evil.example", "javascript:alert(1)", "/%0d%0aSet-Cookie:x=1"]


def _location(response) -> str:
    return response.headers.get("Location", "")


def _same_site(location: str) -> bool:
    return (location.startswith("/") and not location.startswith("//") and "\\" not in location
            and not any(c in location for c in "\t\r\n "))


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_conflict_decisions_go_back_only_to_this_site(world_clients, target):
    world, clients = world_clients
    client = clients["admin"]
    try:
        response = client.post(f"/conflicts/{world.ids['conflict_id']}/dismiss",
                               data={"csrf_token": client.token, "reason": "wrong person",
                                     "next": target})
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"server error: {exc}")
    assert response.status_code in (302, 303)
    assert _same_site(_location(response)), _location(response)
    assert target.startswith("/%") or _location(response).endswith("/conflicts/")


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_feed_actions_go_back_only_to_this_site(world_clients, target):
    world, clients = world_clients
    client = clients["admin"]
    try:
        response = client.post(f"/calendar/feeds/room/{world.ids['room_id']}/rotate",
                               data={"csrf_token": client.token, "next": target})
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"server error: {exc}")
    assert response.status_code in (302, 303)
    assert _same_site(_location(response)), _location(response)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_goes_on_only_to_this_site(world_clients, target):
    _, clients = world_clients
    response = clients["admin"].get("/login", query_string={"next": target})
    assert response.status_code == 302
    expected = target if target.startswith("/%") else "/"  # percent-encoded: a path here
    assert _location(response) in (expected, "http://localhost" + expected), _location(response)


def test_every_form_is_built_on_the_app_form():
    create = mediation.create_app  # every feature's forms are imported with the app
    assert create is not None

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    strays = [f"{c.__module__}.{c.__qualname__}" for c in subclasses(flask_wtf.FlaskForm)
              if c.__module__.startswith("mediation.") and not issubclass(c, Form)]
    assert not strays


@pytest.mark.parametrize("target", ["/\x07/conflicts/", "/\r\n/evil.example"])
def test_a_hostile_next_does_not_refuse_the_decision(world_clients, target):
    """A `next` with control characters is put aside by safe_next; the decision itself, with its
    reason, is still recorded (it used to be refused as "A reason is required.")."""
    world, clients = world_clients
    client = clients["admin"]
    response = client.post(f"/conflicts/{world.ids['conflict_id']}/dismiss",
                           data={"csrf_token": client.token, "reason": "wrong person",
                                 "next": target}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Decision recorded." in page and "A reason is required." not in page

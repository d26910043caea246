"""Property-based fuzzing of every route, walked from `app.url_map`, as a signed-in coordinator
(an administrator where only they may go) with a valid CSRF token:

- every state-changing endpoint with hostile forms and JSON bodies (huge strings, control
  characters, NUL bytes, lone surrogates, wrong types, impossible and extreme dates, negative and
  enormous numbers): never a server error, and a rejected request (4xx) stores nothing;
- every GET route with hostile ids in the path (beyond the database's integer range) and hostile
  query arguments (pages, filters, dates, months, weeks, years): never a server error, and
  nothing stored.

Bounded in time: FUZZ_EXAMPLES (default 120 / 80) examples each, no deadline."""

from __future__ import annotations

import os
from urllib.parse import quote

from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from mediation.auth.permissions import access_of
from tests.security.world import build_world, clients_by_role, count_rows

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
GET_EXAMPLES = int(os.environ.get("FUZZ_GET_EXAMPLES", "80"))
HUGE_IDS = ["99999999999999999999", "2147483648", "0", "9223372036854775808"]
QUERY_NAMES = ["page", "region", "user", "person", "centre", "room", "session", "leader",
               "case", "status", "year", "month", "week", "start", "end", "from", "to", "q",
               "category", "kind", "group", "type", "id", "action", "date", "next", "lang",
               "parent", "format"]
SKIP = {"auth.logout", "auth.login"}  # sign-out ends the session; login is throttled
FIELD_NAMES = [
    "title", "category", "region_id", "priority", "attendees", "reference", "description",
    "name", "code", "email", "phone", "reason", "kind", "target", "date", "note", "token",
    "person_id", "case_id", "case_reference", "party_name", "organisation", "parent",
    "parent_id", "decision", "rule", "basis_organisation_id", "capacity", "starts_at",
    "ends_at", "position", "level", "alias", "merge_into", "active", "session_id",
    "registered_on", "due_by", "earliest", "opinion", "days", "role", "region_ids",
    "parties-0-name", "parties-0-kind", "parties-0-id_number", "parties-99999-name",
    "accept-note", "extend-days", "opinion-opinions-0-opinion", "a1-code", "new-code",
    "horizon_start", "horizon_end", "time_limit", "layer", "version", "room_id", "next",
]
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "So"]),
            max_size=40),
    st.sampled_from([
        "", " ", "0", "-1", "1e309", "NaN", "9" * 40, "2026-02-30", "0000-00-00",
        "2026-13-01", "25:61", "<script>alert(1)</script>", "'; DROP TABLE cases; --",
        "=HYPERLINK(\"http://evil\")", "../../etc/passwd", "\u202e\u0000", "true", "null",
        "%00", "{}", "[]", "x" * 100_000,
    ]),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.sampled_from(["99999999999999999999", "2147483648", "-2147483649", "1\x00", "\x00",
                     "a\ud800b", "\udfff", "9999-12-31", "0001-01-01", "9999-12", "0000-01",
                     "10000-01-01", "1e999", "-0", "١٢٣"]),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              HOSTILE_TEXT),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(FIELD_NAMES), children, max_size=3),
    max_leaves=8,
)


def _targets(app, ids):
    out = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in SKIP or rule.endpoint == "static":
                continue
            for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
                values = {name: ids.get(name, 1) if isinstance(rule._converters[name],
                                                               IntegerConverter)
                          else {"kind": "people", "fmt": "csv", "action": "accept", "code": "en"}
                          .get(name, "x") for name in rule.arguments}
                access = access_of(app.view_functions[rule.endpoint])
                role = ("coordinator" if access is None or access.public
                        or "coordinator" in access.roles_for(method) else "admin")
                out.append((rule.endpoint, method, url_for(rule.endpoint, **values), role))
    return sorted(out)


def _fuzz_settings(examples: int):
    """Derandomized (the same examples every run), no deadline (a page's time varies with the
    machine), fixtures shared across examples on purpose."""
    return settings(max_examples=examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


def _world_state(test, db, web_app, make_user, targets) -> dict:
    """The world, its signed-in clients and the routes to try, built once per database for
    `test` (Hypothesis calls it once per example; the rows stay between examples)."""
    state = getattr(test, "_state", None)
    if state is None or state["db"] != str(db.engine.url):
        world = build_world()
        db.session.commit()
        clients = clients_by_role(make_user, web_app.test_client, world)
        state = {"db": str(db.engine.url), "clients": clients,
                 "targets": targets(web_app, world.ids)}
        test._state = state
    return state


@_fuzz_settings(EXAMPLES)
@given(data=st.data())
def test_hostile_input_never_breaks_or_half_writes(app, db, _web_app, make_user, data):
    state = _world_state(test_hostile_input_never_breaks_or_half_writes, db, _web_app,
                         make_user, _targets)
    endpoint, method, url, role = data.draw(st.sampled_from(state["targets"]), label="target")
    # As a coordinator; as an administrator where only administrators may go.
    client = state["clients"][role]
    before = count_rows()
    if data.draw(st.booleans(), label="json"):
        body = data.draw(JSON_VALUES, label="json body")
        response = client.open(url, method=method, json=body,
                               headers={"X-CSRFToken": client.token})
    else:
        fields = data.draw(st.dictionaries(st.sampled_from(FIELD_NAMES),
                                           st.lists(HOSTILE_TEXT, min_size=1, max_size=2),
                                           max_size=8), label="form")
        form = [(k, v) for k, values in fields.items() for v in values]
        form.append(("csrf_token", client.token))
        # Encoded by hand: a lone surrogate has no UTF-8, so it goes as its bytes (as a hostile
        # client would send it), percent-encoded.
        body = "&".join(f"{quote(k)}={quote(v, errors='surrogatepass')}" for k, v in form)
        response = client.open(url, method=method, data=body,
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500, f"{method} {url} ({endpoint})"
    if response.status_code >= 400:
        assert count_rows() == before, f"{method} {url} ({endpoint}) rejected but wrote"
    assert response.status_code != 403, f"{method} {url}: allowed to use {endpoint}"


def _get_targets(app, ids):
    """Every GET route as a URL template: integer path parts as placeholders to fill."""

    out = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in SKIP | {"static"}:
                continue
            ints = [name for name in rule.arguments
                    if isinstance(rule._converters[name], IntegerConverter)]
            values = {name: ids.get(name, 1) if name in ints else {
                "kind": "people", "fmt": "csv", "action": "accept", "code": "en"}.get(name, "x")
                for name in rule.arguments}
            access = access_of(app.view_functions[rule.endpoint])
            role = ("coordinator" if access is None or access.public
                    or "coordinator" in access.roles_for("GET") else "admin")
            out.append((rule.endpoint, rule, values, ints, role))
    return sorted(out, key=lambda t: t[0])


@_fuzz_settings(GET_EXAMPLES)
@given(data=st.data())
def test_hostile_ids_and_query_arguments_never_break_a_page(app, db, _web_app, make_user, data):
    state = _world_state(test_hostile_ids_and_query_arguments_never_break_a_page, db, _web_app,
                         make_user, _get_targets)
    endpoint, rule, values, ints, role = data.draw(st.sampled_from(state["targets"]),
                                                   label="route")
    values = dict(values)
    with _web_app.test_request_context():
        url = url_for(endpoint, **values)
    for name in ints:  # a hostile id in the path, bypassing url_for's own checks
        if data.draw(st.booleans(), label=f"hostile {name}"):
            url = url.replace(f"/{values[name]}", "/" + data.draw(st.sampled_from(HUGE_IDS),
                                                                 label=name), 1)
    args = data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), HOSTILE_TEXT, max_size=5),
                     label="query")
    # Lone surrogates cannot be sent as UTF-8; they arrive as their bytes, percent-encoded.
    query = "&".join(f"{quote(k)}={quote(v, errors='surrogatepass')}" for k, v in args.items())
    client = state["clients"][role]
    before = count_rows()
    response = client.get(url + ("?" + query if query else ""))
    assert response.status_code < 500, f"GET {url}?{query} ({endpoint})"
    assert count_rows() == before, f"GET {url} ({endpoint}) wrote"

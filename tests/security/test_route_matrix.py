"""Every route, for every role: who may use it (the matrix below), and that nobody else can.

The matrix names each endpoint this app has today; an endpoint it does not name (a new one)
gets the default rule: reads for every signed-in user, writes for editors. Separately, every
endpoint must declare its access in code (mediation/auth/permissions.py).
"""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter, Rule

from mediation.auth.permissions import undeclared_endpoints
from tests.security.world import ROLES_UNDER_TEST, build_world, clients_by_role

PUBLIC = "public"
ALL = ("viewer", "coordinator", "limited", "admin")
EDITORS = ("coordinator", "limited", "admin")
UNLIMITED_EDITORS = ("coordinator", "admin")  # cross-region work: not for a limited coordinator
ADMIN = ("admin",)


def both(roles):
    return {"GET": roles, "POST": roles}


MATRIX: dict[str, dict[str, object]] = {
    "auth.login": both(PUBLIC),
    "auth.set_language": {"POST": PUBLIC},
    "auth.logout": {"POST": ALL},
    "favicon": {"GET": PUBLIC},  # browsers ask for it before anyone signs in
    "favicon_svg": {"GET": PUBLIC},  # the icon every page links, the sign-in page too
    "home.index": {"GET": ALL},
    "cases.index": {"GET": ALL},
    "cases.show": {"GET": ALL},
    "cases.new": both(EDITORS),
    "cases.edit": both(EDITORS),
    "cases.act": {"POST": EDITORS},
    "cases.checklist": {"POST": EDITORS},
    "aftercare.outcome": {"POST": EDITORS},
    "aftercare.schedule_followup": {"POST": EDITORS},
    "aftercare.complete_followup": {"POST": EDITORS},
    "centres.index": {"GET": ALL},
    "centres.show": {"GET": ALL},
    "centres.new": both(EDITORS),
    "centres.edit": both(EDITORS),
    "centres.add_room": {"POST": EDITORS},
    "centres.edit_room": both(EDITORS),
    "centres.room_active": {"POST": EDITORS},
    "centres.add_closure": {"POST": EDITORS},
    "centres.delete_date": {"POST": EDITORS},
    "centres.market_days": both(EDITORS),
    "centres.sessions": {"GET": ALL, "POST": ADMIN},
    "centres.edit_session": both(ADMIN),
    "centres.regions": {"GET": ALL, "POST": EDITORS},
    "centres.official_calendar": {"GET": ALL, "POST": ADMIN},
    "centres.delete_calendar_day": {"POST": ADMIN},
    "conflicts.index": {"GET": ALL},
    "conflicts.new": both(EDITORS),
    "conflicts.waive": {"POST": EDITORS},
    "conflicts.dismiss": {"POST": EDITORS},
    "conflicts.automatic": {"POST": EDITORS},
    "imports.index": {"GET": ALL},
    "imports.template": {"GET": ALL},
    "imports.export": {"GET": ALL},
    "imports.upload": {"POST": UNLIMITED_EDITORS},
    "imports.commit": {"POST": UNLIMITED_EDITORS},
    "imports.scenario_upload": {"POST": UNLIMITED_EDITORS},
    "imports.scenario_commit": {"POST": UNLIMITED_EDITORS},
    "imports.scenario_export": {"GET": UNLIMITED_EDITORS},
    "roster.index": {"GET": ALL},
    "roster.show": {"GET": ALL},
    "roster.new": both(EDITORS),
    "roster.edit": both(EDITORS),
    "roster.toggle_active": {"POST": EDITORS},
    "roster.venue_day_team": both(EDITORS),
    "roster.unavailability": {"POST": EDITORS},
    "roster.delete_unavailability": {"POST": EDITORS},
    "roster.expertise": {"GET": ALL, "POST": EDITORS},
    "roster.rename_expertise": {"POST": EDITORS},
    "roster.organisations": {"GET": ALL, "POST": EDITORS},
    "roster.organisation": {"GET": ALL},
    "roster.add_alias": {"POST": EDITORS},
    "roster.merge": {"POST": EDITORS},
    "roster.set_parent": {"POST": EDITORS},
    # Responsible leaders (issue #12, point 9): the list for everyone, changes for editors.
    "roster.leader_list": {"GET": ALL},
    "roster.new_leader": both(EDITORS),
    "roster.edit_leader": both(EDITORS),
    # Case attachments (issue #12, point 10): downloads for whoever may see the case (region
    # scope: 404 otherwise), uploads and deletes for editors.
    "attachments.upload": {"POST": EDITORS},
    "attachments.download": {"GET": ALL},
    "attachments.delete": {"POST": EDITORS},
    "admin.users": {"GET": ADMIN},
    "admin.new_user": both(ADMIN),
    "admin.edit_user": both(ADMIN),
    "admin.reset_user_password": {"POST": ADMIN},
    "admin.end_user_sessions": {"POST": ADMIN},
    "audit.index": {"GET": ADMIN},
    # Calendars (issue #6): feeds by secret token; tokens and the outbox for editors.
    "calendar.feed": {"GET": PUBLIC},
    "calendar.hearing": {"GET": ALL},
    "calendar.feeds": {"GET": EDITORS},
    "calendar.outbox": {"GET": EDITORS},
    "calendar.message_file": {"GET": EDITORS},
    "calendar.retry": {"POST": EDITORS},
    "calendar.revoke": {"POST": EDITORS},
    "calendar.rotate": {"POST": EDITORS},
    # The expert's page (issue #13): by secret link, no account; its link for editors.
    "attendance.page": {"GET": PUBLIC},
    "attendance.answer": {"POST": PUBLIC},
    # A person's page shows their hearings in every region (issue #15): not for a limited one.
    "attendance.rotate": {"POST": UNLIMITED_EDITORS},
    "attendance.revoke": {"POST": UNLIMITED_EDITORS},
    "calendar.person_hearing_ics": {"GET": PUBLIC},
    # Publishing (issue #14): the confirmation page is for those who may publish.
    "planning.publish_confirm": {"GET": EDITORS},
}

# String arguments that lead somewhere real.
STRING_ARGS = {"kind": "cases", "fmt": "csv", "action": "accept", "code": "en",
               "token": "x" * 32, "filename": "app.css"}


def expected_roles(endpoint: str, method: str):
    rules = MATRIX.get(endpoint)
    if rules is None or method not in rules:
        return ALL if method == "GET" else EDITORS  # the default for endpoints not listed
    return rules[method]


def _url(rule: Rule, ids: dict) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, IntegerConverter):  # the app's bounded int converter too
            values[name] = ids.get(name, 1)
        else:
            values[name] = STRING_ARGS.get(name, "x")
    from flask import url_for

    return url_for(rule.endpoint, **values)


def _cases(app):
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule, method))
    # Sign-out last: it ends the session the other requests need.
    return sorted(out, key=lambda rm: (rm[0].endpoint == "auth.logout", rm[0].endpoint, rm[1]))


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_every_endpoint_declares_who_may_use_it(app):
    assert undeclared_endpoints(app) == [], (
        "declare access with @public, @signed_in or @role_required (mediation/auth/permissions.py)")


def test_every_route_for_every_role_matches_the_matrix(app, db, _web_app, make_user):
    world = build_world()
    db.session.commit()
    clients = clients_by_role(make_user, _web_app.test_client, world)
    # A second account for the admin pages to act on.
    target, _ = make_user("viewer")
    ids = dict(world.ids, user_id=target.id)
    problems = []
    with _web_app.test_request_context():
        cases = [(rule, method, _url(rule, ids)) for rule, method in _cases(_web_app)]
    for rule, method, url in cases:
        allowed = expected_roles(rule.endpoint, method)
        for role in ROLES_UNDER_TEST:
            client = clients[role]
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": client.token})
            status = response.status_code
            where = f"{role:11} {method:4} {url} ({rule.endpoint}) → {status}"
            if status >= 500:
                problems.append(f"{where}: server error")
            elif allowed == PUBLIC:
                if _is_login_redirect(response) or status == 403:
                    problems.append(f"{where}: public route refused")
            elif role == "anonymous":
                if not _is_login_redirect(response):
                    problems.append(f"{where}: expected a redirect to sign in")
            elif role in allowed:
                signed_out = rule.endpoint == "auth.logout"  # its answer is the login page
                if status in (401, 403) or (_is_login_redirect(response) and not signed_out):
                    problems.append(f"{where}: expected allowed")
            elif status != 403:
                problems.append(f"{where}: expected 403")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["viewer", "coordinator", "admin"])
def test_post_without_csrf_token_is_refused_everywhere(app, db, _web_app, make_user, role):
    """No state-changing route escapes CSRF protection (forms and JSON alike)."""
    world = build_world()
    db.session.commit()
    client = clients_by_role(make_user, _web_app.test_client, world)[role]
    with _web_app.test_request_context():
        urls = [(rule.endpoint, _url(rule, world.ids), method)
                for rule, method in _cases(_web_app) if method != "GET"]
    unprotected = []
    for endpoint, url, method in urls:
        for kwargs in ({"data": {"x": "1"}}, {"json": {"x": 1}}):
            response = client.open(url, method=method, **kwargs)
            if response.status_code != 400 or "CSRF" not in response.get_data(as_text=True):
                unprotected.append(f"{method} {url} ({endpoint}) → {response.status_code}")
    assert not unprotected, "\n".join(unprotected)

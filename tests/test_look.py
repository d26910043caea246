"""The page shell on the vendored design system: Bootstrap and its icons from our own origin,
the collapsing navigation, flash messages as alerts, and the favicon (a 404 before)."""

from __future__ import annotations

import re

from mediation.forms import choices
from tests.conftest import csrf_token


def test_favicon_answers_for_anyone(client):
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico.mimetype == "image/vnd.microsoft.icon"
    assert ico.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    svg = client.get("/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    ico.close()
    svg.close()


def test_every_page_links_the_icon_and_the_vendored_framework(client):
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/favicon\.svg"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert styles[:3] == ["/static/vendor/bootstrap/bootstrap.min.css",
                          "/static/vendor/bootstrap-icons/bootstrap-icons.min.css",
                          "/static/css/app.css"]
    assert '<script src="/static/vendor/bootstrap/bootstrap.bundle.min.js" defer></script>' in html
    # The CSP forbids inline code: no script without src, no <style> element.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
    for path in styles + ["/static/vendor/bootstrap/bootstrap.bundle.min.js"]:
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


def test_signed_in_shell_collapses_the_areas_behind_a_toggler(signed_in):
    html = signed_in.get("/cases/").get_data(as_text=True)
    assert 'class="navbar navbar-expand-xl' in html
    assert 'data-bs-toggle="collapse" data-bs-target="#main-nav"' in html
    assert 'class="collapse navbar-collapse" id="main-nav"' in html
    current = re.findall(r'<a class="nav-link active" href="([^"]+)" aria-current="page">', html)
    assert current == ["/cases/"]
    assert '<i class="bi bi-folder2-open" aria-hidden="true"></i>' in html
    assert 'class="container-xxl' in html


def test_flash_messages_are_bootstrap_alerts(client, make_user):
    user, _ = make_user()
    response = client.post("/login", data={"csrf_token": csrf_token(client),
                                           "email": user.email, "password": "wrong password"})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert re.search(r'<div class="alert alert-danger flash error[^"]*" role="status">'
                     r"Wrong email or password\.</div>", html)


def _macros(app, name):
    return app.jinja_env.get_template(name).make_module({})


def test_field_macro_marks_errors_and_hints_the_bootstrap_way(app, _web_app):
    from wtforms import BooleanField, Form, SelectField, StringField


    class Sample(Form):
        name = StringField("Name")
        kind = SelectField("Kind", choices=choices([("a", "A")]))
        urgent = BooleanField("Urgent")

    form = Sample()
    form.name.errors = ["Required."]
    with _web_app.test_request_context():
        field = _macros(_web_app, "_forms.html").field
        name = str(field(form.name, hint="Your full name", placeholder="e.g. Li"))
        kind = str(field(form.kind))
        urgent = str(field(form.urgent))
    assert '<label class="form-label" for="name">Name</label>' in name
    assert re.search(r'<input[^>]*class="form-control is-invalid"', name)
    assert 'aria-invalid="true"' in name and 'aria-describedby="name-hint name-error"' in name
    assert 'placeholder="e.g. Li"' in name
    assert '<div class="form-text hint" id="name-hint">Your full name</div>' in name
    assert '<div class="invalid-feedback d-block error" id="name-error">Required.</div>' in name
    assert re.search(r'<select[^>]*class="form-select"', kind) and "aria-invalid" not in kind
    assert 'class="field form-check' in urgent
    assert re.search(r'<input[^>]*class="form-check-input"[^>]*type="checkbox"', urgent)
    assert '<label class="form-check-label" for="urgent">Urgent</label>' in urgent


def test_pager_is_a_bootstrap_pagination_keeping_the_filters(app, _web_app):
    class Page:
        page, pages, has_prev, has_next, prev_num, next_num = 2, 3, True, True, 1, 3

        def iter_pages(self, **_):
            return [1, 2, 3]

    with _web_app.test_request_context():
        html = str(_macros(_web_app, "_macros.html").pager(Page(), "cases.index", q="wages"))
    assert '<ul class="pagination' in html
    assert '<li class="page-item active" aria-current="page"><span class="page-link">2</span>' in html
    assert 'href="/cases/?page=1&amp;q=wages" rel="prev"' in html
    assert 'href="/cases/?page=3&amp;q=wages" rel="next"' in html
    assert "Page 2 of 3" in html

"""Security headers on every response, no inline script anywhere, session cookie flags, idle
sign-out, no-store on signed-in pages, the 413 page, and formula-safe exports."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import openpyxl

from mediation import create_app
from mediation.cases.models import Party
from mediation.web import SEEN_KEY
from tests import factories as f
from tests.conftest import TEST_CONFIG, csrf_token

ROOT = Path(__file__).resolve().parents[2]


def _assert_security_headers(response, production=False):
    h = response.headers
    csp = h["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src-attr")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    assert h["X-Frame-Options"] == "DENY"
    if production:
        assert h["Strict-Transport-Security"].startswith("max-age=31536000")
    else:
        assert "Strict-Transport-Security" not in h


def test_headers_on_every_kind_of_response(signed_in, client):
    static = signed_in.get("/static/css/app.css")
    static.close()
    for response in (signed_in.get("/"), signed_in.get("/cases/"), signed_in.get("/nowhere"),
                     static, signed_in.post("/logout"), signed_in.get("/logout")):
        _assert_security_headers(response)
    assert signed_in.get("/cases/").headers["Cache-Control"] == "no-store"


def test_anonymous_pages_have_headers_too(client):
    response = client.get("/login")
    _assert_security_headers(response)
    _assert_security_headers(client.get("/cases/"))


def test_production_adds_hsts_and_secure_cookie(app, _database_url, make_user, monkeypatch):
    monkeypatch.setenv("MEDIATION_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a production secret key for the test")
    monkeypatch.setenv("MEDIATION_BASE_URL", "https://localhost")
    prod = create_app({"DATABASE_URL": _database_url, "TESTING": True})
    try:
        user, password = make_user()
        web = prod.test_client()
        https = {"base_url": "https://localhost"}
        response = web.get("/login", **https)
        _assert_security_headers(response, production=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.text).group(1)
        response = web.post("/login", data={"email": user.email, "password": password,
                                            "csrf_token": token},
                            headers={"Referer": "https://localhost/login"}, **https)
        assert response.status_code == 302, response.text
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        from mediation.extensions import db

        with prod.app_context():
            db.engine.dispose()


def test_session_cookie_is_httponly_and_lax(client, make_user):
    user, password = make_user()
    token = csrf_token(client)
    response = client.post("/login", data={"email": user.email, "password": password,
                                           "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain http


def test_idle_session_is_signed_out_after_30_minutes(signed_in):
    assert signed_in.get("/cases/").status_code == 200
    with signed_in.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - 29 * 60
    assert signed_in.get("/cases/").status_code == 200  # activity resets the clock
    with signed_in.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - 31 * 60
    response = signed_in.get("/cases/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/cases/")
    page = signed_in.get("/login").get_data(as_text=True)
    assert "signed out after 30 minutes without activity" in page
    assert signed_in.get("/").status_code == 302


def test_no_inline_script_or_handler_in_any_template():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text, re.I):
            if "src=" not in match.group(0):
                offenders.append(f"{path.relative_to(ROOT)}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text, re.I):
            offenders.append(f"{path.relative_to(ROOT)}: on...= handler")
        if re.search(r"javascript:", text, re.I):
            offenders.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert not offenders, "\n".join(offenders)


def test_upload_over_the_limit_gets_the_413_page(signed_in):
    limit = signed_in.application.config["MAX_CONTENT_LENGTH"]
    token = csrf_token(signed_in, "/imports/")
    # A hand-built multipart body (kept in memory: the test client would spool it to disk).
    body = (b"--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            + token.encode() + b"\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; "
            b"filename=\"huge.csv\"\r\n\r\n" + b"x" * (limit + 1) + b"\r\n--b--\r\n")
    response = signed_in.post("/imports/upload", data=body,
                              content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Too large" in html and "split it into smaller files" in html


HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3",
           "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def test_exports_neutralise_formulas(db, signed_in):
    region = f.region(code="=cmd")
    for n, text in enumerate(HOSTILE):
        f.case(region, reference=f"X-{n}", title=text, parties=[Party(name=text)])
    db.session.commit()
    csv_text = signed_in.get("/imports/export/cases.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))[1:]
    cells = [cell for row in rows for cell in row]
    assert cells, csv_text
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    book = openpyxl.load_workbook(io.BytesIO(signed_in.get("/imports/export/cases.xlsx").data))
    values = [c for row in book.active.iter_rows(min_row=2) for c in row]
    assert values and all(c.data_type != "f" for c in values)
    assert not [c.value for c in values
                if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_test_config_is_not_production():
    assert TEST_CONFIG["TESTING"] is True

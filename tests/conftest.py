"""Shared fixtures. Tests that use `app` run once per database backend: SQLite (embedded) and
PostgreSQL (the production database). A missing PostgreSQL is a skip locally and a failure when
CI=true, so CI can never pass without having really tested it.

Environment:
  TEST_DATABASES     comma list of backends to run (default: sqlite,postgresql)
  TEST_POSTGRES_URL  default postgresql+psycopg://postgres@127.0.0.1:5432/test (under pytest-xdist
                     each worker uses `<that database>_<worker id>`, created when missing)
"""

from __future__ import annotations

import os
import re
import tempfile

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from mediation import create_app, worker
from mediation.auth import services as auth_services
from mediation.extensions import db as _db


def _own_database(url: str) -> str:
    """Under pytest-xdist (`scripts/test` runs two workers) each worker has a PostgreSQL database
    of its own, `<name>_gw0`, `<name>_gw1`…, created when missing, so workers never share
    tables; outside xdist, `url` itself."""
    worker_id = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker_id:
        return url
    base = sa.make_url(url)
    mine = base.set(database=f"{base.database}_{worker_id}")
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": mine.database}).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{mine.database}"'))
    except sa.exc.OperationalError:
        pass  # unreachable: `require_postgres` says so where a test needs it
    finally:
        engine.dispose()
    return mine.render_as_string(hide_password=False)


PG_URL = _own_database(
    os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
BACKENDS = [b.strip() for b in os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",") if b.strip()]
IN_CI = os.environ.get("CI", "").lower() == "true"

# The app speaks Simplified Chinese unless told otherwise; most tests read English texts, so the
# apps they make (and the commands they start) default to English. Tests of the Chinese default
# and of the language selection set the language themselves (tests/test_i18n_locale.py).
os.environ.setdefault("MEDIATION_DEFAULT_LOCALE", "en")


def postgres_reachable(url: str = PG_URL) -> str | None:
    """None if PostgreSQL answers, else the reason."""
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0]
    finally:
        engine.dispose()


def pytest_collection_modifyitems(config, items):
    """A test marked `postgresql_only` runs on the PostgreSQL backend only: its SQLite instance
    is deselected (not skipped: in CI nothing skips)."""
    dropped = [item for item in items if item.get_closest_marker("postgresql_only")
               and getattr(item, "callspec", None) is not None
               and item.callspec.params.get("backend") == "sqlite"]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


def require_postgres(url: str = PG_URL) -> None:
    reason = postgres_reachable(url)
    if reason is None:
        return
    message = f"PostgreSQL at {url} is unreachable: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: PostgreSQL tests must run)", pytrace=False)
    pytest.skip(message)


def _truncate_all(backend: str) -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    if backend == "postgresql":
        names = ", ".join(f'"{name}"' for name in tables)
        _db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        _db.session.commit()
        return
    _db.session.commit()
    # Self-referencing RESTRICT keys (region → parent) would refuse a bulk DELETE; SQLite can
    # only switch foreign keys off outside a transaction.
    with _db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for name in tables:
            conn.exec_driver_sql(f'DELETE FROM "{name}"')
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """argon2id at its lowest cost: the app's RFC 9106 profile spends about 0.1 s on each hash
    and each check, a quarter of a second for every test that signs someone in (several minutes
    of the suite). Same algorithm and code paths; tests/test_auth.py checks the real profile.
    Commands the tests start in another process hash at the real cost."""
    real = auth_services._hasher
    auth_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    auth_services._hasher = real


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgresql":
        require_postgres()
    return request.param


# No periodic background ticks (tests call the tasks themselves), background work in-process,
# and outbox files in a scratch folder rather than the checkout's instance/.
TEST_CONFIG = {
    "TESTING": True, "SECRET_KEY": "test-secret-key", "REDIS_URL": None,
    "MEDIATION_TICK_SECONDS": 0, "BABEL_DEFAULT_LOCALE": "en",
    "MEDIATION_OUTBOX_DIR": tempfile.mkdtemp(prefix="mediation-test-outbox-"),
    "MEDIATION_FILES_DIR": tempfile.mkdtemp(prefix="mediation-test-files-"),
}


@pytest.fixture(scope="session")
def _database_url(backend, tmp_path_factory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    return PG_URL


@pytest.fixture(scope="session")
def _session_app(_database_url):
    app = create_app({"DATABASE_URL": _database_url, **TEST_CONFIG})
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def _web_app(_database_url, _session_app):
    """A second app on the same database, for the test client.

    Tests run inside an app context of `app` (so services and models can be used directly).
    Requests to that same app would share its context and `g` across requests; a separate app
    object gives each request its own context, as in production.
    """
    app = create_app({"DATABASE_URL": _database_url, **TEST_CONFIG})
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def app(_session_app, _web_app, backend):
    """The app with an empty database; every row is removed after the test."""
    with _session_app.app_context():
        yield _session_app
        # The test's own open transaction ends first: on SQLite its write lock would hold a
        # background task (mail delivery queued by an earlier commit) for the whole busy
        # timeout, 15 s. Then background tasks of either app finish before the rows they use
        # are removed.
        _db.session.rollback()
        worker.shutdown(_session_app)
        worker.shutdown(_web_app)
        _truncate_all(backend)
        _db.session.remove()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app, _web_app):
    """A browser-like client; what it commits is visible to the test's session."""
    return _web_app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """Read the CSRF token from a page, as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, email: str, password: str):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def make_user(db):
    """Factory: make_user(role="coordinator") → (user, password)."""
    from mediation.auth.services import create_user

    counter = iter(range(1, 10_000))

    def _make(role: str = "coordinator", password: str = "correct horse battery", **kw):
        email = kw.pop("email", None) or f"user{next(counter)}@example.org"
        user = create_user(email, password, role=role, **kw)
        db.session.commit()
        return user, password

    return _make


@pytest.fixture
def signed_in(client, make_user):
    """A client signed in as a coordinator."""
    user, password = make_user("coordinator")
    response = sign_in(client, user.email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


# --- browser tests: Debian's Chromium driven by Playwright ------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message + " (CI=true: browser tests must run)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def _buffered(wsgi_app):
    """Read each response whole before the server writes it. Werkzeug's development server
    closes a response only after draining the socket, and a browser that drops a request
    (navigating away while a font or icon loads) makes that drain raise first: the file
    being sent stays open and warns as unraisable, which filterwarnings=error turns into a
    failed test depending on timing. Nothing the app serves streams, so buffering changes
    no behaviour under test."""

    def app(environ, start_response):
        response = wsgi_app(environ, start_response)
        try:
            body = b"".join(response)
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()
        return [body]

    return app


@pytest.fixture
def live_server(app, _web_app):
    """The app served on a free local port for the length of one test; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, _buffered(_web_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def page(request, browser, live_server):
    """A fresh browser context (own cookies) on the live server; `page.base_url` is set. The
    browser's language (its Accept-Language) is en-GB unless the test is marked
    `@pytest.mark.browser_locale("zh-CN")`."""
    marker = request.node.get_closest_marker("browser_locale")
    context = browser.new_context(base_url=live_server,
                                  locale=marker.args[0] if marker else "en-GB",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def browser_sign_in(page, email: str, password: str) -> None:
    """Sign in on the login page (going there first unless already redirected to it)."""
    if "/login" not in page.url:
        page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)

"""A real local HTTP server serving ICS files (http.server in a thread on 127.0.0.1).

`ics_server.serve(path, body, etag=…, status=…, headers=…, delay=…)` sets what a path answers;
`ics_server.url(path)` is its address; `ics_server.requests` records (path, headers) of every
request. An ETag answers If-None-Match with 304, as calendar servers do.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# The planning tests' small world (seven experts, four cases), for the planner tests here.
from tests.planning.conftest import planned, world  # noqa: F401


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    etag: str | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


class ICSServer:
    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                if "X-No-Length" not in route.headers:
                    self.send_header("Content-Length", str(len(route.body)))
                else:
                    self.send_header("Connection", "close")
                if route.etag:
                    self.send_header("ETag", route.etag)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                # The client may stop reading (the size cap).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(route.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, path: str, body: bytes | str = b"", **kw) -> str:
        self.routes[path] = Route(body=body.encode() if isinstance(body, str) else body, **kw)
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def ics_server():
    server = ICSServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def allow_private(app, _web_app):
    """MEDIATION_CALENDAR_ALLOW_PRIVATE=1 for this test (the server is on 127.0.0.1)."""
    saved = [(a, a.config["MEDIATION_CALENDAR_ALLOW_PRIVATE"]) for a in (app, _web_app)]
    for a, _ in saved:
        a.config["MEDIATION_CALENDAR_ALLOW_PRIVATE"] = True
    yield
    for a, value in saved:
        a.config["MEDIATION_CALENDAR_ALLOW_PRIVATE"] = value

"""`mediation run` ends its start-up output with the address to open and, when the demo is
loaded, the demo accounts that still sign in with the printed password (issue #14 point 8)."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import threading
import time
import urllib.request

import sqlalchemy as sa

from mediation.auth.models import User
from mediation.auth.services import set_password
from mediation.cli import sign_in_lines
from mediation.demo.services import accounts_file
from tests.conftest import sign_in
from tests.test_cli import _mediation

ACCOUNT_RE = re.compile(r"^  (admin|coordinator): +(\S+)  password: (\S+)$")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accounts(lines: list[str]) -> dict[str, tuple[str, str]]:
    return {m.group(1): (m.group(2), m.group(3)) for m in map(ACCOUNT_RE.match, lines) if m}


def test_the_printed_accounts_sign_in_and_a_changed_password_is_not_printed(
        app, db, runner, client):
    accounts_file().unlink(missing_ok=True)
    assert sign_in_lines(app, "127.0.0.1", 5000) == [
        "Open http://127.0.0.1:5000 in a browser.",
        "No account yet: load the demo (`mediation demo`) or create one "
        "(`mediation users create EMAIL --role admin`)."]
    demo = runner.invoke(args=["demo", "--today", "2026-12-01"])
    assert demo.exit_code == 0, demo.output
    assert oct(accounts_file().stat().st_mode & 0o777) == "0o600"
    lines = sign_in_lines(app, "0.0.0.0", 5077)  # noqa: S104
    assert lines[:2] == ["Open http://127.0.0.1:5077 in a browser.", "Sign in with a demo account:"]
    printed = _accounts(lines)
    assert set(printed) == {"admin", "coordinator"} and len(lines) == 4
    email, password = printed["coordinator"]
    assert f"{email}  password: {password}" in demo.output  # the ones `mediation demo` printed
    assert sign_in(client, email, password).status_code == 302
    # Changed by hand: that account is no longer printed (its old password would not work).
    user = db.session.scalar(sa.select(User).filter_by(email=email))
    set_password(user, "a new password for the coordinator")
    db.session.commit()
    assert set(_accounts(sign_in_lines(app, "127.0.0.1", 5000))) == {"admin"}
    # `mediation demo` again: fresh passwords, printed by `run` too.
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    fresh = _accounts(sign_in_lines(app, "127.0.0.1", 5000))
    assert set(fresh) == {"admin", "coordinator"} and fresh["admin"] != printed["admin"]
    accounts_file().unlink()


def test_run_prints_the_address_and_accounts_as_its_last_lines_before_serving(app, db, runner):
    demo = runner.invoke(args=["demo", "--today", "2026-12-01"])
    assert demo.exit_code == 0, demo.output
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": "run-test", "MEDIATION_TICK_SECONDS": "0", "REDIS_URL": "",
           "MEDIATION_WORKER": "in-process"}
    server = subprocess.Popen([*_mediation(), "run", "--port", str(port)], env=env,  # noqa: S603
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in server.stdout], daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while len(_accounts(output)) < 2 and time.monotonic() < deadline:
            try:
                output.append(lines.get(timeout=1).rstrip("\n"))
            except queue.Empty:
                if server.poll() is not None:
                    break
        assert len(_accounts(output)) == 2, "\n".join(output)
        # Serving now, and nothing printed after our lines (until a request is logged).
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30) as response:  # noqa: S310
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
        reader.join(timeout=30)
        server.stdout.close()
        rest = "".join(lines.queue)
        accounts_file().unlink(missing_ok=True)
    tail = output[-4:]
    assert "CTRL+C" in output[-5]
    assert tail[0] == f"Open http://127.0.0.1:{port} in a browser."
    assert tail[1] == "Sign in with a demo account:"
    assert _accounts(tail) == _accounts(demo.output.splitlines())
    assert "password" not in rest  # printed once, at the end of the start-up output

"""A real IMAP server for tests: Debian's dovecot (dovecot-imapd), started from a throw-away
configuration on a free port of 127.0.0.1, plain text, one user, Maildir storage.

Missing dovecot skips the tests locally and fails them when CI=true (as PostgreSQL does).
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
IN_CI = os.environ.get("CI", "").lower() == "true"
USERNAME, PASSWORD = "replies", "imap-test-password"


@dataclass
class MailServer:
    host: str
    port: int
    username: str
    password: str
    directory: Path

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.username, self.password)
        return conn

    def append(self, raw: bytes | str, mailbox: str = "INBOX") -> None:
        if isinstance(raw, str):
            raw = raw.encode()
        conn = self.connect()
        try:
            status, data = conn.append(mailbox, None, None, raw.replace(b"\r\n", b"\n")
                                       .replace(b"\n", b"\r\n"))
            assert status == "OK", data
        finally:
            conn.logout()

    def mailbox(self, mailbox: str = "INBOX") -> list[tuple[set[str], bytes]]:
        """(flags, message) of every message in `mailbox` ([] when it does not exist)."""
        conn = self.connect()
        try:
            status, _data = conn.select(mailbox, readonly=True)
            if status != "OK":
                return []
            _status, data = conn.uid("SEARCH", None, "ALL")
            out = []
            for uid in data[0].split():
                _status, parts = conn.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                head, body = next(p for p in parts if isinstance(p, tuple))
                flags = set(imaplib.ParseFlags(head))
                out.append(({f.decode() for f in flags}, body))
            return out
        finally:
            conn.logout()

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message + " (CI=true: the IMAP tests must run)", pytrace=False)
    pytest.skip(message)


def _accounts() -> tuple[str, str, str, int, int]:
    """(internal user, internal group, login user, mail uid, mail gid). Dovecot's login and
    mail processes refuse root: as root, Debian's `dovecot` and `dovenull` users serve."""
    if os.getuid() != 0:
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        return user, group, user, os.getuid(), os.getgid()
    try:
        internal = pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:
        _unavailable("running as root needs the dovecot and dovenull users (dovecot-core)")
    group = grp.getgrgid(internal.pw_gid).gr_name
    return "dovecot", group, "dovenull", internal.pw_uid, internal.pw_gid


def _config(directory: Path, port: int) -> str:
    internal, group, login, uid, gid = _accounts()
    return f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = {min(uid, 1)}
mail_location = maildir:{directory}/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {directory}/passwd
  default_fields = uid={uid} gid={gid} home={directory}/home
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {internal}
  }}
  unix_listener stats-writer {{
    user = {internal}
  }}
}}
"""


@pytest.fixture
def mailserver():
    """A running dovecot with one empty mailbox; stopped (and its files removed) afterwards."""
    if not os.path.exists(DOVECOT):
        _unavailable(f"dovecot is not installed ({DOVECOT}; Debian: apt-get install "
                     "dovecot-imapd)")
    directory = Path(tempfile.mkdtemp(prefix="mediation-imap-"))
    directory.chmod(0o755)  # the mail user (not root) must reach its Maildir
    port = _free_port()
    _internal, _group, _login, uid, gid = _accounts()
    for sub in ("Maildir", "home"):
        (directory / sub).mkdir()
        if os.getuid() == 0:
            os.chown(directory / sub, uid, gid)
    (directory / "passwd").write_text(f"{USERNAME}:{{PLAIN}}{PASSWORD}::::\n")
    conf = directory / "dovecot.conf"
    conf.write_text(_config(directory, port))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    server = MailServer("127.0.0.1", port, USERNAME, PASSWORD, directory)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace")
                pytest.fail(f"dovecot did not start: {output} {server.log()}")
            try:
                server.connect().logout()
                break
            except (OSError, imaplib.IMAP4.error):
                if time.monotonic() > deadline:
                    pytest.fail(f"dovecot did not answer on port {port}: {server.log()}")
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        shutil.rmtree(directory, ignore_errors=True)

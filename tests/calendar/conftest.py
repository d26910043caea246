"""Fixtures for calendar tests: a fixed public address, an outbox folder, a real SMTP server."""

from __future__ import annotations

import asyncio
import socket

import pytest

BASE_URL = "https://mediation.example.org"


@pytest.fixture
def calendar_config(app, _web_app, tmp_path, monkeypatch):
    """Both apps (the test's and the client's) agree on the public address and the outbox."""
    values = {"MEDIATION_BASE_URL": BASE_URL, "MEDIATION_OUTBOX_DIR": str(tmp_path / "outbox"),
              "SMTP_HOST": None, "MAIL_FROM": "Hearings Office <hearings@mediation.example.org>"}
    for target in (app, _web_app):
        for key, value in values.items():
            monkeypatch.setitem(target.config, key, value)
    return values


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """An SMTP server's handler that keeps what it receives; `reject` refuses recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.reject: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject:
            return self.reject
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app, calendar_config, monkeypatch):
    """A real SMTP server (aiosmtpd) on a free local port, configured as SMTP_HOST."""
    from aiosmtpd.controller import Controller

    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    try:
        yield sink
    finally:
        controller.stop()
        controller.loop.close()

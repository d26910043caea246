"""Delivering the outbox: over SMTP when SMTP_HOST is set, else as .eml files in the outbox
folder. Called by the background worker (after a publish and periodically) and by
`mediation mail send`; never from a web request.

Each message is claimed with a conditional UPDATE (pending and due → sending) and committed before
it is sent, so two processes calling `deliver_pending` at once never send the same message twice.
A claim left by a process that died mid-send expires after CLAIM_TIMEOUT and is taken again.
"""

from __future__ import annotations

import os
import secrets
import smtplib
import ssl
import tempfile
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from mediation import emails
from mediation.calendar.models import INVALID_ADDRESS, NO_ADDRESS, OutboxMessage
from mediation.db import now_utc
from mediation.extensions import db

CLAIM_TIMEOUT = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
SMTP_TIMEOUT = 30


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying cannot help."""


class Undeliverable(PermanentFailure):
    """The message has no address it could go to: `code` is one of MESSAGE_ERRORS."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after the 1st, 2nd, 3rd … failed attempt, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def _due(now: datetime):
    return sa.or_(
        sa.and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        sa.and_(OutboxMessage.status == "sending",
                OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
    )


def deliver_pending(limit: int = 100) -> dict:
    """Send up to `limit` due messages; commits after each. Returns counts by outcome."""
    counts = {"sent": 0, "retrying": 0, "failed": 0, "taken_by_another": 0}
    ids = list(db.session.scalars(
        sa.select(OutboxMessage.id).where(_due(now_utc()))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))
    db.session.commit()
    if not ids:
        return counts
    transport = SmtpTransport() if current_app.config.get("SMTP_HOST") else FileTransport()
    try:
        for message_id in ids:
            message = _claim(message_id)
            if message is None:
                counts["taken_by_another"] += 1
                continue
            counts[_deliver(message, transport)] += 1
    finally:
        transport.close()
    return counts


def _claim(message_id: int) -> OutboxMessage | None:
    now = now_utc()
    claim = secrets.token_hex(8)
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _due(now))
        .values(status="sending", claim=claim, claimed_at=now,
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        return None
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    return message if message is not None and message.claim == claim else None


def _deliver(message: OutboxMessage, transport) -> str:
    max_attempts = current_app.config["MEDIATION_MAIL_MAX_ATTEMPTS"]
    try:
        if not message.recipient:
            raise Undeliverable(NO_ADDRESS)
        if not emails.is_valid(message.recipient):
            # Queued before addresses were checked: never hand it to the server as it is.
            raise Undeliverable(INVALID_ADDRESS)
        delivered_to = transport.send(message)
    except Exception as exc:  # every failure is recorded and retried or given up, never raised
        # The app's own reasons as codes (worded when shown); anything else as it came.
        error = (exc.code if isinstance(exc, Undeliverable)
                 else f"{type(exc).__name__}: {exc}"[:2000])
        transport.reset()
        message.last_error = error
        message.claim = None
        if isinstance(exc, PermanentFailure) or message.attempts >= max_attempts:
            message.status = "failed"
            message.next_attempt_at = None
            outcome = "failed"
        else:
            message.status = "pending"
            message.next_attempt_at = now_utc() + retry_delay(message.attempts)
            outcome = "retrying"
        current_app.logger.warning("outbox message %s: attempt %s failed: %s", message.id,
                                   message.attempts, error)
    else:
        message.status = "sent"
        message.sent_at = now_utc()
        message.next_attempt_at = None
        message.last_error = None
        message.claim = None
        message.transport = transport.name
        message.delivered_to = delivered_to
        outcome = "sent"
    db.session.commit()
    return outcome


def retry_now(message: OutboxMessage) -> None:
    """Give a failed message one more attempt as soon as the sender next runs."""
    if message.status != "failed" or not message.recipient:
        raise ValueError("only a failed message with a recipient can be retried")
    message.status = "pending"
    message.next_attempt_at = now_utc()
    message.attempts = min(message.attempts,
                           current_app.config["MEDIATION_MAIL_MAX_ATTEMPTS"] - 1)


class SmtpTransport:
    """One connection for a batch, reopened after an error."""

    name = "smtp"

    def __init__(self) -> None:
        config = current_app.config
        self.host, self.port = config["SMTP_HOST"], config["SMTP_PORT"]
        self.starttls = config["SMTP_STARTTLS"]
        self.username, self.password = config["SMTP_USERNAME"], config["SMTP_PASSWORD"]
        self.sender = parseaddr(config["MAIL_FROM"])[1]
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.connection is None:
            connection = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
            try:
                if self.starttls:
                    connection.starttls(context=ssl.create_default_context())
                if self.username:
                    connection.login(self.username, self.password or "")
            except Exception:
                connection.close()
                raise
            self.connection = connection
        return self.connection

    def send(self, message: OutboxMessage) -> str:
        try:
            self._connect().sendmail(self.sender, [message.recipient],
                                     message.message.encode("utf-8"))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(_describe(exc.recipients)) from exc
            raise
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500 and exc.smtp_code != 530:  # 530: authentication required
                raise PermanentFailure(f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
            raise
        return f"{self.host}:{self.port}"

    def reset(self) -> None:
        self.close()

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(recipients: dict) -> str:
    return "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in recipients.items())


class FileTransport:
    """Without SMTP: each message becomes an .eml file in MEDIATION_OUTBOX_DIR."""

    name = "file"

    def __init__(self) -> None:
        self.folder = outbox_dir()

    def send(self, message: OutboxMessage) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{message.id:08d}-{message.method.lower()}.eml"
        # Write then rename, so a reader never sees half a message.
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(message.message.encode("utf-8"))
            os.chmod(tmp, 0o600)  # it holds attendees' addresses
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return str(path)

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def outbox_dir() -> Path:
    return Path(current_app.config["MEDIATION_OUTBOX_DIR"])


def outbox_summary() -> dict[str, int]:
    """How many messages are in each status (for the outbox page and the worker's log)."""
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
    return {status: count for status, count in rows}

"""Configuration read from environment variables (see README, "Configuration")."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message names the environment variable."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when MEDIATION_ENV=production")
    # Development: generate once and keep it in instance/, so sessions survive restarts.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _base_url(raw: str | None) -> str | None:
    """The public address of the app, for links in feeds and emails (no trailing slash)."""
    if not raw:
        return None
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"MEDIATION_BASE_URL must be an http(s) address such as https://mediation.example.org,"
            f" got {raw!r}")
    return raw.strip().rstrip("/")


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the Flask configuration from the environment, then apply explicit overrides."""
    overrides = dict(overrides or {})
    env = os.environ.get("MEDIATION_ENV", "development")
    production = env == "production"
    tz = os.environ.get("MEDIATION_TIMEZONE", "Asia/Shanghai")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"MEDIATION_TIMEZONE: unknown time zone {tz!r}") from None

    default_db = f"sqlite:///{instance_path / 'mediation.sqlite3'}"
    database_url = overrides.pop("DATABASE_URL", None) or os.environ.get("DATABASE_URL") or default_db

    config = {
        "MEDIATION_ENV": env,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MEDIATION_TIMEZONE": tz,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool(os.environ.get("SMTP_STARTTLS")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "mediation@localhost"),
        # Replies from calendar apps (docs/calendars.md): invites ask for them at this address
        # (default: MAIL_FROM's); `mediation mail fetch-replies` reads that mailbox over IMAP.
        "MEDIATION_REPLY_ADDRESS": os.environ.get("MEDIATION_REPLY_ADDRESS") or None,
        "IMAP_HOST": os.environ.get("IMAP_HOST") or None,
        "IMAP_SSL": _bool(os.environ.get("IMAP_SSL"), default=True),
        "IMAP_STARTTLS": _bool(os.environ.get("IMAP_STARTTLS")),
        "IMAP_USERNAME": os.environ.get("IMAP_USERNAME") or None,
        "IMAP_PASSWORD": os.environ.get("IMAP_PASSWORD") or None,
        "IMAP_MAILBOX": os.environ.get("IMAP_MAILBOX") or "INBOX",
        # Where applied replies go ("" leaves them in IMAP_MAILBOX; all handled mail is seen).
        "IMAP_DONE_MAILBOX": os.environ.get("IMAP_DONE_MAILBOX", "Processed"),
        "IMAP_TIMEOUT": _int("IMAP_TIMEOUT", 30),
        "IMAP_INTERVAL_SECONDS": _int("IMAP_INTERVAL_SECONDS", 60),
        # Simplified Chinese unless the deployment says otherwise: the language of pages for a
        # browser that asks for neither Chinese nor English, of CLI commands and background jobs.
        "BABEL_DEFAULT_LOCALE": os.environ.get("MEDIATION_DEFAULT_LOCALE") or "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": tz,
        "LANGUAGES": ["zh_Hans_CN", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "TESTING": False,
        # Time limits in calendar days (domain brief); local rules may set tighter ones.
        "MEDIATION_ACCEPT_DAYS": _int("MEDIATION_ACCEPT_DAYS", 15),
        "MEDIATION_HANDLE_DAYS": _int("MEDIATION_HANDLE_DAYS", 60),
        "MEDIATION_HEARING_DAYS": _int("MEDIATION_HEARING_DAYS", 30),
        "MEDIATION_MAX_EXTENSION_DAYS": _int("MEDIATION_MAX_EXTENSION_DAYS", 30),
        "MEDIATION_AT_RISK_DAYS": _int("MEDIATION_AT_RISK_DAYS", 3),
        # One-time resolution: an initial case counts as resolved once for good when no repeat
        # petition arrives within this many months of closing (dashboard metric).
        "MEDIATION_REPEAT_WINDOW_MONTHS": _int("MEDIATION_REPEAT_WINDOW_MONTHS", 6),
        # Dashboard figures are reused for this many seconds per server process while the data
        # is unchanged (0: always recompute).
        "MEDIATION_DASHBOARD_CACHE_SECONDS": _int("MEDIATION_DASHBOARD_CACHE_SECONDS", 60),
        # Background work (mediation.worker): "in-process" forces the thread pool even with
        # REDIS_URL set; otherwise REDIS_URL selects the RQ queue served by `mediation worker`.
        "MEDIATION_WORKER": os.environ.get("MEDIATION_WORKER", "auto"),
        "MEDIATION_QUEUE": os.environ.get("MEDIATION_QUEUE", "mediation"),
        "MEDIATION_WORKER_THREADS": _int("MEDIATION_WORKER_THREADS", 2),
        # CP-SAT search threads of ONE plan run (docs/operations.md, "Workers"). Two runs may
        # solve at once (two RQ workers, or the two in-process threads), so by default each gets
        # half the cores; keep (runs at once) x threads near the number of cores.
        "MEDIATION_PLANNER_THREADS": _int("MEDIATION_PLANNER_THREADS",
                                          max(1, (os.cpu_count() or 2) // 2)),
        "MEDIATION_TICK_SECONDS": _int("MEDIATION_TICK_SECONDS", 15),
        # A running plan whose worker has not reported for this long is marked failed.
        "MEDIATION_RUN_STALE_SECONDS": _int("MEDIATION_RUN_STALE_SECONDS", 45),
        "MEDIATION_MAX_TIME_LIMIT": _int("MEDIATION_MAX_TIME_LIMIT", 1800),
        # The planner stops searching once its plan is within this fraction of the most points
        # any plan can reach (0.005: 0.5 %; 0: only when proved best).
        "MEDIATION_PLAN_GAP_TOLERANCE": _float("MEDIATION_PLAN_GAP_TOLERANCE", 0.005),
        # Security (docs/security.md): idle sign-out, login throttling, reverse proxies.
        "MEDIATION_IDLE_TIMEOUT_MINUTES": _int("MEDIATION_IDLE_TIMEOUT_MINUTES", 30),
        "MEDIATION_LOGIN_ACCOUNT_LIMIT": _int("MEDIATION_LOGIN_ACCOUNT_LIMIT", 5),
        "MEDIATION_LOGIN_ADDRESS_LIMIT": _int("MEDIATION_LOGIN_ADDRESS_LIMIT", 20),
        "MEDIATION_LOGIN_WINDOW_SECONDS": _int("MEDIATION_LOGIN_WINDOW_SECONDS", 900),
        "MEDIATION_PROXY_HOPS": _int("MEDIATION_PROXY_HOPS", 0),
        # Uploads (imports) larger than this are refused before they are read.
        "MAX_CONTENT_LENGTH": _int("MEDIATION_MAX_UPLOAD_BYTES", 6 * 1024 * 1024),
        # Imported spreadsheets (mediation/spreadsheets.py, docs/imports.md): what one file may
        # cost, checked before and while it is read.
        "MEDIATION_IMPORT_MAX_BYTES": _int("MEDIATION_IMPORT_MAX_BYTES", 5 * 1024 * 1024),
        "MEDIATION_IMPORT_MAX_ROWS": _int("MEDIATION_IMPORT_MAX_ROWS", 20_000),
        "MEDIATION_IMPORT_MAX_COLUMNS": _int("MEDIATION_IMPORT_MAX_COLUMNS", 60),
        "MEDIATION_IMPORT_MAX_CELL_CHARS": _int("MEDIATION_IMPORT_MAX_CELL_CHARS", 32_767),
        "MEDIATION_IMPORT_MAX_UNPACKED_BYTES": _int("MEDIATION_IMPORT_MAX_UNPACKED_BYTES",
                                                    64 * 1024 * 1024),
        "MEDIATION_IMPORT_MAX_PART_BYTES": _int("MEDIATION_IMPORT_MAX_PART_BYTES",
                                                48 * 1024 * 1024),
        "MEDIATION_IMPORT_MAX_RATIO": _int("MEDIATION_IMPORT_MAX_RATIO", 100),
        "MEDIATION_IMPORT_MAX_SHARED_STRINGS": _int("MEDIATION_IMPORT_MAX_SHARED_STRINGS",
                                                    400_000),
        "MEDIATION_IMPORT_MAX_SHARED_CHARS": _int("MEDIATION_IMPORT_MAX_SHARED_CHARS",
                                                  10_000_000),
        "MEDIATION_IMPORT_MAX_SECONDS": _float("MEDIATION_IMPORT_MAX_SECONDS", 30.0),
        # Case attachments (evidence files): the largest file accepted (its route only).
        "MEDIATION_MAX_ATTACHMENT_BYTES": _int("MEDIATION_MAX_ATTACHMENT_BYTES",
                                               20 * 1024 * 1024),
        # Calendars (docs/calendars.md): absolute links, the outbox used without SMTP, retries.
        "MEDIATION_BASE_URL": _base_url(os.environ.get("MEDIATION_BASE_URL")),
        "MEDIATION_OUTBOX_DIR": os.environ.get("MEDIATION_OUTBOX_DIR")
        or str(instance_path / "outbox"),
        # Stored files (attachments, PDF notices), outside the web root (mediation/storage.py).
        "MEDIATION_FILES_DIR": os.environ.get("MEDIATION_FILES_DIR")
        or str(instance_path / "files"),
        "MEDIATION_MAIL_MAX_ATTEMPTS": _int("MEDIATION_MAIL_MAX_ATTEMPTS", 8),
        "MEDIATION_FEED_PAST_DAYS": _int("MEDIATION_FEED_PAST_DAYS", 365),
        "MEDIATION_FEED_CANCELLED_DAYS": _int("MEDIATION_FEED_CANCELLED_DAYS", 30),
        # Room, centre and coordinator feeds carry many hearings: a shorter past keeps them
        # under the 1 MB at which Google Calendar drops a subscription.
        "MEDIATION_FEED_SHARED_PAST_DAYS": _int("MEDIATION_FEED_SHARED_PAST_DAYS", 14),
        # Busy times imported from people's own calendars (mediation/availability).
        "MEDIATION_CALENDAR_ALLOW_PRIVATE": _bool(os.environ.get("MEDIATION_CALENDAR_ALLOW_PRIVATE")),
        "MEDIATION_CALENDAR_TIMEOUT": _int("MEDIATION_CALENDAR_TIMEOUT", 15),
        "MEDIATION_CALENDAR_MAX_BYTES": _int("MEDIATION_CALENDAR_MAX_BYTES", 5 * 1024 * 1024),
        "MEDIATION_CALENDAR_WINDOW_DAYS": _int("MEDIATION_CALENDAR_WINDOW_DAYS", 120),
        "MEDIATION_CALENDAR_INTERVAL_MINUTES": _int("MEDIATION_CALENDAR_INTERVAL_MINUTES", 60),
        # The expert's page (docs/calendars.md): the office phone it shows, and whether a
        # decline's repair proposal is published without a coordinator's review.
        "MEDIATION_OFFICE_PHONE": os.environ.get("MEDIATION_OFFICE_PHONE", ""),
        "MEDIATION_AUTO_PUBLISH_REPAIRS": _bool(os.environ.get("MEDIATION_AUTO_PUBLISH_REPAIRS")),
    }
    # IMAP: 993 (TLS from the start) unless IMAP_SSL=0, then 143 (STARTTLS with IMAP_STARTTLS=1).
    config["IMAP_PORT"] = _int("IMAP_PORT", 993 if config["IMAP_SSL"] else 143)
    if config["IMAP_SSL"] and config["IMAP_STARTTLS"]:
        raise ConfigError("IMAP_STARTTLS=1 needs IMAP_SSL=0 (the connection is either TLS from "
                          "the start or upgraded with STARTTLS)")
    if config["IMAP_HOST"] and not (config["IMAP_USERNAME"] and config["IMAP_PASSWORD"]):
        raise ConfigError("IMAP_USERNAME and IMAP_PASSWORD must be set with IMAP_HOST")
    if config["MEDIATION_REPLY_ADDRESS"] and "@" not in config["MEDIATION_REPLY_ADDRESS"]:
        raise ConfigError("MEDIATION_REPLY_ADDRESS must be an email address such as "
                          f"hearings@example.org, got {config['MEDIATION_REPLY_ADDRESS']!r}")
    if config["MEDIATION_MAIL_MAX_ATTEMPTS"] < 1:
        raise ConfigError("MEDIATION_MAIL_MAX_ATTEMPTS must be at least 1")
    # Calendar clients must see a cancellation before it leaves the feed (issue #6: >= 30 days).
    if config["MEDIATION_FEED_CANCELLED_DAYS"] < 30:
        raise ConfigError("MEDIATION_FEED_CANCELLED_DAYS must be at least 30")
    for name in ("MEDIATION_FEED_PAST_DAYS", "MEDIATION_FEED_SHARED_PAST_DAYS"):
        if config[name] < 0:
            raise ConfigError(f"{name} must be 0 or more")
    for name in ("MEDIATION_CALENDAR_TIMEOUT", "MEDIATION_CALENDAR_MAX_BYTES",
                 "MEDIATION_CALENDAR_WINDOW_DAYS", "MEDIATION_CALENDAR_INTERVAL_MINUTES"):
        if config[name] < 1:
            raise ConfigError(f"{name} must be at least 1")
    # The domain allows one extension of at most 30 days (the database enforces it too).
    if not 1 <= config["MEDIATION_MAX_EXTENSION_DAYS"] <= 30:
        raise ConfigError("MEDIATION_MAX_EXTENSION_DAYS must be between 1 and 30")
    for name in ("MEDIATION_IMPORT_MAX_BYTES", "MEDIATION_IMPORT_MAX_ROWS",
                 "MEDIATION_IMPORT_MAX_COLUMNS", "MEDIATION_IMPORT_MAX_CELL_CHARS",
                 "MEDIATION_IMPORT_MAX_UNPACKED_BYTES", "MEDIATION_IMPORT_MAX_PART_BYTES",
                 "MEDIATION_IMPORT_MAX_RATIO", "MEDIATION_IMPORT_MAX_SHARED_STRINGS",
                 "MEDIATION_IMPORT_MAX_SHARED_CHARS", "MEDIATION_IMPORT_MAX_SECONDS"):
        if not config[name] > 0:
            raise ConfigError(f"{name} must be more than 0")
    if config["MEDIATION_WORKER"] not in ("auto", "in-process"):
        raise ConfigError("MEDIATION_WORKER must be 'auto' or 'in-process'")
    if config["MEDIATION_WORKER_THREADS"] < 1:
        raise ConfigError("MEDIATION_WORKER_THREADS must be at least 1")
    if config["MEDIATION_PLANNER_THREADS"] < 1:
        raise ConfigError("MEDIATION_PLANNER_THREADS must be at least 1")
    if config["MEDIATION_RUN_STALE_SECONDS"] < 5:
        raise ConfigError("MEDIATION_RUN_STALE_SECONDS must be at least 5")
    if not 0 <= config["MEDIATION_PLAN_GAP_TOLERANCE"] <= 0.2:
        raise ConfigError("MEDIATION_PLAN_GAP_TOLERANCE must be between 0 and 0.2 (0.005: 0.5 %)")
    for name in ("MEDIATION_IDLE_TIMEOUT_MINUTES", "MEDIATION_LOGIN_ACCOUNT_LIMIT",
                 "MEDIATION_LOGIN_ADDRESS_LIMIT", "MEDIATION_LOGIN_WINDOW_SECONDS"):
        if config[name] < 1:
            raise ConfigError(f"{name} must be at least 1")
    config.update(overrides)
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(instance_path, production)
    # Links in feeds and invites must not depend on the Host header a client sent.
    if production and not config["MEDIATION_BASE_URL"]:
        raise ConfigError("MEDIATION_BASE_URL must be set in production (the public https "
                          "address used in calendar feeds and email invites)")
    return config

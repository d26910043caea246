"""Configuration read from environment variables (see README, "Configuration")."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
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
        "BABEL_DEFAULT_LOCALE": os.environ.get("MEDIATION_DEFAULT_LOCALE", "en"),
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
        # Uploads (imports) larger than this are refused before they are read.
        "MAX_CONTENT_LENGTH": _int("MEDIATION_MAX_UPLOAD_BYTES", 6 * 1024 * 1024),
    }
    # The domain allows one extension of at most 30 days (the database enforces it too).
    if not 1 <= config["MEDIATION_MAX_EXTENSION_DAYS"] <= 30:
        raise ConfigError("MEDIATION_MAX_EXTENSION_DAYS must be between 1 and 30")
    config.update(overrides)
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(instance_path, production)
    return config

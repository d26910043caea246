import os
from pathlib import Path

import pytest

from mediation.config import ConfigError, load_config, normalise_database_url


def test_defaults_use_sqlite_in_instance_and_shanghai(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "MEDIATION_TIMEZONE", "MEDIATION_ENV", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'mediation.sqlite3'}"
    assert config["MEDIATION_TIMEZONE"] == "Asia/Shanghai"
    assert config["REDIS_URL"] is None
    # A development secret is generated once and kept.
    key = config["SECRET_KEY"]
    assert len(key) == 64 and (tmp_path / "secret_key").read_text() == key
    assert load_config(tmp_path)["SECRET_KEY"] == key


def test_environment_variables_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/x")
    monkeypatch.setenv("MEDIATION_TIMEZONE", "Asia/Urumqi")
    monkeypatch.setenv("SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("MEDIATION_HEARING_DAYS", "20")
    config = load_config(tmp_path, {"SECRET_KEY": "k"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/x"
    assert config["MEDIATION_TIMEZONE"] == "Asia/Urumqi"
    assert (config["SMTP_HOST"], config["SMTP_PORT"]) == ("mail.example.org", 2525)
    assert config["MEDIATION_HEARING_DAYS"] == 20


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [("MEDIATION_TIMEZONE", "Mars/Olympus", "MEDIATION_TIMEZONE"), ("SMTP_PORT", "twenty", "SMTP_PORT"),
     ("MEDIATION_PLANNER_THREADS", "0", "MEDIATION_PLANNER_THREADS"),
     ("MEDIATION_IMPORT_MAX_ROWS", "0", "MEDIATION_IMPORT_MAX_ROWS must be more than 0"),
     ("MEDIATION_IMPORT_MAX_SECONDS", "nan", "MEDIATION_IMPORT_MAX_SECONDS must be more than 0")],
)
def test_bad_settings_name_the_variable(tmp_path, monkeypatch, name, value, fragment):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=fragment):
        load_config(tmp_path, {"SECRET_KEY": "k"})


def test_production_requires_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIATION_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path)
    assert not Path(tmp_path / "secret_key").exists()


def test_production_requires_the_public_address(tmp_path, monkeypatch):
    """Issue #13: without it, feed bytes (and ETags) followed the Host header of each request."""
    monkeypatch.setenv("MEDIATION_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.delenv("MEDIATION_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="MEDIATION_BASE_URL"):
        load_config(tmp_path)
    monkeypatch.setenv("MEDIATION_BASE_URL", "https://mediation.example.org")
    assert load_config(tmp_path)["MEDIATION_BASE_URL"] == "https://mediation.example.org"


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIATION_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("MEDIATION_BASE_URL", "https://mediation.example.org")
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://a@b/c", "postgresql+psycopg://a@b/c"),
        ("postgres://a@b/c", "postgresql+psycopg://a@b/c"),
        ("postgresql+psycopg://a@b/c", "postgresql+psycopg://a@b/c"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_spellings(given, expected):
    assert normalise_database_url(given) == expected


def test_each_plan_run_gets_half_the_cores_unless_told(tmp_path, monkeypatch):
    """Two runs may solve at once (two workers, or the two in-process threads): by default each
    run's CP-SAT search gets half the machine, at least one thread."""
    monkeypatch.delenv("MEDIATION_PLANNER_THREADS", raising=False)
    for cores, threads in ((8, 4), (2, 1), (1, 1), (None, 1)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert load_config(tmp_path, {"SECRET_KEY": "k"})["MEDIATION_PLANNER_THREADS"] == threads
    monkeypatch.setenv("MEDIATION_PLANNER_THREADS", "3")
    assert load_config(tmp_path, {"SECRET_KEY": "k"})["MEDIATION_PLANNER_THREADS"] == 3

"""The installed `mediation` command, run as a user would."""

import os
import shutil
import subprocess
import sys
from pathlib import Path


def _mediation() -> list[str]:
    exe = Path(sys.executable).with_name("mediation")
    return [str(exe)] if exe.exists() else [shutil.which("mediation") or "mediation"]


def _run(args, tmp_path, **env):
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
                   "SECRET_KEY": "cli-test", **env}
    return subprocess.run(_mediation() + args, capture_output=True, text=True, env=environment,
                          timeout=120, check=False)


def test_console_script_lists_the_commands(tmp_path):
    result = _run(["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    for command in ("run", "db", "users", "demo", "shell", "routes"):
        assert command in result.stdout


def test_upgrade_check_and_demo_from_the_shell(tmp_path):
    assert _run(["db", "upgrade"], tmp_path).returncode == 0
    check = _run(["db", "check"], tmp_path)
    assert check.returncode == 0 and "No new upgrade operations" in check.stdout + check.stderr
    demo = _run(["demo", "--today", "2026-12-01"], tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "admin@example.org" in demo.stdout
    users = _run(["users", "create", "ops@example.org", "--role", "viewer"], tmp_path)
    # No terminal: the password is read from standard input, which is empty here.
    assert users.returncode != 0 and "no password on standard input" in users.stderr


def test_bad_configuration_is_a_clear_error_not_a_traceback(tmp_path):
    result = _run(["routes"], tmp_path, MEDIATION_TIMEZONE="Nowhere/Land")
    assert result.returncode == 2
    assert "MEDIATION_TIMEZONE" in result.stderr and "Traceback" not in result.stderr


def test_control_characters_in_an_argument_are_refused_before_anything_runs(tmp_path):
    """Failed before: the arguments went to the command as typed (an escape sequence or a NUL
    reached the services, or a traceback)."""
    bell = _run(["users", "create", "ops\x07@example.org", "--role", "viewer"], tmp_path)
    assert bell.returncode == 2 and "Traceback" not in bell.stderr
    assert "Argument 3 holds a control character (U+0007)" in bell.stderr
    escape = _run(["users", "create", "ops@example.org", "--role", "\x1b[31mviewer"], tmp_path)
    assert escape.returncode == 2 and "(U+001B)" in escape.stderr
    assert not (tmp_path / "cli.sqlite3").exists()  # refused before the app opened the database

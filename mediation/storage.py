"""Stored files (case attachments, generated PDF notices), kept outside the web root.

Files live under ``MEDIATION_FILES_DIR`` (default: ``<instance>/files``), which no route serves
directly: a feature's view checks who may see the file, then streams it with ``read``.
A file is named by a *key* made here (``<folder>/<yyyy>/<mm>/<random hex>``); keys are stored in
the database and never built from user input, and ``path_of`` refuses any key that would leave
the root. Writes go to a temporary file first and are renamed into place, so a reader never sees
half a file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

_FOLDER = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,31}/\d{4}/\d{2}/[0-9a-f]{32}$")


class StorageError(ValueError):
    """A key that is not one of ours, or a file that is missing."""


def root() -> Path:
    return Path(current_app.config["MEDIATION_FILES_DIR"])


def path_of(key: str) -> Path:
    if not _KEY.match(key or ""):
        raise StorageError(f"not a stored-file key: {key!r}")
    base = root().resolve()
    path = (base / key).resolve()
    if base not in path.parents:
        raise StorageError(f"not a stored-file key: {key!r}")
    return path


def save(data: bytes, *, folder: str) -> str:
    """Store ``data`` under a new random key in ``folder``; return the key."""
    if not _FOLDER.match(folder):
        raise StorageError(f"bad folder name: {folder!r}")
    now = datetime.now(UTC)
    key = f"{folder}/{now:%Y}/{now:%m}/{secrets.token_hex(16)}"
    path = path_of(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return key


def read(key: str) -> bytes:
    path = path_of(key)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise StorageError(f"stored file is missing: {key}") from None


def exists(key: str) -> bool:
    try:
        return path_of(key).is_file()
    except StorageError:
        return False


def delete(key: str) -> None:
    """Remove a stored file (missing is fine: the row that named it is what matters)."""
    with contextlib.suppress(FileNotFoundError):
        path_of(key).unlink()

"""Backup and restore of the whole database, in the database's own format.

* SQLite: the sqlite3 online backup API (a consistent copy even while the app writes), checked
  with `PRAGMA quick_check` before it replaces anything.
* PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --single-transaction`,
  so a failed restore leaves the database as it was. The dump runs on a snapshot exported from
  our own transaction, so the row counts we report are exactly what the file holds.

A restore refuses a database that has rows unless forced: restoring is the one operation here
that destroys data. Stop the web and worker processes first (a restore waits for their locks).

Stored files (attachments, PDF notices: `MEDIATION_FILES_DIR`, mediation/storage.py) go into a
companion archive next to the database backup, `<file>.files.tar`, written after the database
copy (a file deleted in between is missing from it; one added in between is an orphan, never
served). A restore puts them back when the archive is there, refusing any member that would land
outside the folder.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # noqa: S404  (pg_dump / pg_restore with argument lists, no shell)
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# Tables that say which migration the schema is at, not data: an upgraded empty database is empty.
BOOKKEEPING_TABLES = {"alembic_version"}


class BackupError(RuntimeError):
    """Backup or restore refused or failed; the message says what to do."""


@dataclass
class BackupResult:
    path: Path
    kind: str
    counts: dict[str, int]
    files: int = 0  # stored files written to, or restored from, the companion archive

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def row_counts(connection: sa.Connection) -> dict[str, int]:
    """Rows in every table of the database (whatever the models say), by table name."""
    names = sorted(sa.inspect(connection).get_table_names())
    return {
        name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
        for name in names
    }


def has_rows(engine: sa.Engine) -> list[str]:
    """The tables that hold at least one row (bookkeeping tables aside)."""
    with engine.connect() as conn:
        names = sorted(set(sa.inspect(conn).get_table_names()) - BOOKKEEPING_TABLES)
        return [
            name for name in names
            if conn.execute(sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)).first()
        ]


def file_kind(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite database nor a pg_dump custom-format archive")


def create_backup(engine: sa.Engine, path: str | Path) -> BackupResult:
    path = Path(path)
    if path.exists() and path.is_dir():
        raise BackupError(f"{path} is a folder; give a file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = engine.dialect.name
    if kind == "sqlite":
        return _sqlite_backup(engine, path)
    if kind == "postgresql":
        return _pg_backup(engine, path)
    raise BackupError(f"backups of {kind} databases are not supported")


def restore_backup(engine: sa.Engine, path: str | Path, force: bool = False) -> BackupResult:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    kind = engine.dialect.name
    found = file_kind(path)
    if found != kind:
        raise BackupError(f"{path} is a {found} backup; the database is {kind}. Restore it into "
                          f"a {found} database (DATABASE_URL)")
    full = has_rows(engine)
    if full and not force:
        shown = ", ".join(full[:5]) + (" …" if len(full) > 5 else "")
        raise BackupError(f"the database is not empty ({len(full)} tables have rows: {shown}); "
                          "restoring replaces everything in it: add --force to do so")
    engine.dispose()  # no pooled connection of ours may hold the old file or locks
    result = _sqlite_restore(engine, path) if kind == "sqlite" else _pg_restore(engine, path)
    engine.dispose()
    return result


# --- stored files ------------------------------------------------------------------------------


def files_archive(path: str | Path) -> Path:
    """The companion archive of the stored files for the database backup `path`."""
    path = Path(path)
    return path.with_name(path.name + ".files.tar")


def backup_files(files_dir: str | Path, path: str | Path) -> int:
    """Write every stored file under `files_dir` to the companion archive of `path` (atomically);
    returns how many. No folder or no file: no archive (and an old one is removed)."""
    root, target = Path(files_dir), files_archive(path)
    stored = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".part")) \
        if root.is_dir() else []
    if not stored:
        target.unlink(missing_ok=True)
        return 0
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with tarfile.open(tmp, "w") as tar:
            for file in stored:
                tar.add(file, arcname=file.relative_to(root).as_posix(), recursive=False)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return len(stored)


def check_files(path: str | Path) -> None:
    """Refuse a companion archive with a member that is not a plain file or folder inside the
    files folder (absolute paths, "..", links, devices); call it before restoring anything."""
    source = files_archive(path)
    if not source.is_file():
        return
    try:
        with tarfile.open(source, "r") as tar:
            members = tar.getmembers()
    except tarfile.TarError as exc:
        raise BackupError(f"{source} is not a readable archive: {exc}") from None
    for m in members:
        name = Path(m.name)
        if not (m.isfile() or m.isdir()) or name.is_absolute() or ".." in name.parts:
            raise BackupError(f"{source}: refusing the archive member {m.name!r}")


def restore_files(files_dir: str | Path, path: str | Path) -> int:
    """Put back the stored files of the backup `path` (if it has a companion archive) under
    `files_dir`; returns how many."""
    source = files_archive(path)
    if not source.is_file():
        return 0
    check_files(path)
    root = Path(files_dir)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source, "r") as tar:
        tar.extractall(root, filter="data")
        return sum(1 for m in tar.getmembers() if m.isfile())


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_file(engine: sa.Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("only a SQLite database in a file can be backed up or restored")
    return Path(database)


def _check_sqlite(conn: sqlite3.Connection, path: Path) -> None:
    result = conn.execute("PRAGMA quick_check").fetchone()
    if not result or result[0] != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {result[0] if result else '?'}")


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    # Names come from sqlite_master and are quoted as identifiers: no value reaches the SQL text.
    return {n: conn.execute(f"SELECT count(*) FROM {quote(n)}").fetchone()[0]  # noqa: S608 # nosec B608
            for n in names}


def _sqlite_backup(engine: sa.Engine, path: Path) -> BackupResult:
    source_file = _sqlite_file(engine)
    if not source_file.exists():
        raise BackupError(f"the database file {source_file} does not exist")
    # Write next to the target, then rename: a failed backup never leaves a half file behind.
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        source = sqlite3.connect(source_file)
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
            _check_sqlite(target, path)
            counts = _sqlite_counts(target)
        finally:
            target.close()
            source.close()
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(path, "sqlite", counts)


def _sqlite_restore(engine: sa.Engine, path: Path) -> BackupResult:
    target_file = _sqlite_file(engine)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _check_sqlite(source, path)
        target_file.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_file, timeout=30)
        try:
            source.backup(target)  # replaces every page of the target, schema included
            counts = _sqlite_counts(target)
        finally:
            target.close()
    finally:
        source.close()
    return BackupResult(path, "sqlite", counts)


# --- PostgreSQL --------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client) of the server's version")
    return found


def _libpq(engine: sa.Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment that carries it
    (so it never shows in the process list)."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    completed = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: " + (" / ".join(detail[-3:]) or f"exit {completed.returncode}"))


def _pg_backup(engine: sa.Engine, path: Path) -> BackupResult:
    pg_dump = _tool("pg_dump")
    uri, env = _libpq(engine)
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
                counts = row_counts(conn)
                # pg_dump reads the very snapshot we counted in, while our transaction is open.
                _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                      f"--snapshot={snapshot}", f"--file={tmp}", f"--dbname={uri}"], env, "pg_dump")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(path, "postgresql", counts)


def _pg_restore(engine: sa.Engine, path: Path) -> BackupResult:
    pg_restore = _tool("pg_restore")
    uri, env = _libpq(engine)
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={uri}", str(path)],
         env, "pg_restore")
    with engine.connect() as conn:
        counts = row_counts(conn)
    return BackupResult(path, "postgresql", counts)

"""`mediation backup create/restore` on both databases: demo data out, into a fresh database, the
same rows in every table; a database with rows is never overwritten without --force."""

from __future__ import annotations

import secrets
from datetime import date

import pytest
import sqlalchemy as sa

from mediation import create_app
from mediation.demo.services import load_demo
from mediation.extensions import db as _db
from mediation.ops.backup import row_counts
from tests.conftest import PG_URL, TEST_CONFIG


@pytest.fixture
def fresh_database(backend, tmp_path):
    """The URL of a new, empty database of the same kind (a scratch PostgreSQL database, h7b_*,
    dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"h7b_restore_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return row_counts(conn)


def test_backup_then_restore_into_a_fresh_database_keeps_every_row(app, db, runner, tmp_path,
                                                                     fresh_database):
    with app.test_request_context():
        load_demo(seed=11, today=date(2026, 11, 18))
    db.session.commit()
    before = _counts(db.engine)
    assert before["cases"] == 120 and before["people"] >= 60 and before["users"] == 2

    archive = tmp_path / "nested" / "mediation.backup"
    result = runner.invoke(args=["backup", "create", str(archive), "--verbose"])
    assert result.exit_code == 0, result.output
    assert f"{len(before)} tables, {sum(before.values())} rows." in result.output
    assert archive.stat().st_size > 10_000
    assert not list(archive.parent.glob(".backup-*"))  # no temporary file left behind

    target = create_app({"DATABASE_URL": fresh_database, **TEST_CONFIG})
    restore = target.test_cli_runner()
    # The test runs inside the source app's context; the command must use the target's.
    with target.app_context():
        try:
            result = restore.invoke(args=["backup", "restore", str(archive)])
            assert result.exit_code == 0, result.output
            assert f"{len(before)} tables, {sum(before.values())} rows." in result.output
            assert _db.engine.url.database == sa.make_url(fresh_database).database
            assert _counts(_db.engine) == before
            # A working copy: constraints came along (a second admin with the same e-mail fails).
            with pytest.raises(sa.exc.IntegrityError), _db.engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO users (email, password_hash, role, active, "
                                     "created_at, updated_at) SELECT email, password_hash, role, "
                                     "active, created_at, updated_at FROM users LIMIT 1"))

            # Now it has rows: a second restore is refused, and nothing changes.
            result = restore.invoke(args=["backup", "restore", str(archive)])
            assert result.exit_code != 0
            assert "not empty" in result.output and "--force" in result.output
            result = restore.invoke(args=["backup", "restore", str(archive), "--force"])
            assert result.exit_code == 0, result.output
            assert _counts(_db.engine) == before
        finally:
            _db.session.remove()
            _db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup_of_this_database(app, runner, tmp_path,
                                                                       backend):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    result = runner.invoke(args=["backup", "restore", str(junk)])
    assert result.exit_code != 0 and "neither a SQLite database nor a pg_dump" in result.output
    other = tmp_path / "other.backup"
    other.write_bytes(b"PGDMP" if backend == "sqlite" else b"SQLite format 3\x00")
    result = runner.invoke(args=["backup", "restore", str(other)])
    assert result.exit_code != 0 and "backup; the database is" in result.output


def test_create_refuses_a_folder(app, runner, tmp_path):
    result = runner.invoke(args=["backup", "create", str(tmp_path)])
    assert result.exit_code != 0


def test_stored_files_travel_with_the_backup(app, db, runner, tmp_path, fresh_database,
                                            monkeypatch):
    """Attachments and PDF notices live outside the database (MEDIATION_FILES_DIR): a backup
    that left them behind restored cases whose files were gone."""
    from mediation import storage

    source_files = tmp_path / "files"
    monkeypatch.setitem(app.config, "MEDIATION_FILES_DIR", str(source_files))
    keys = [storage.save(b"%PDF-1.7 evidence", folder="attachments"),
            storage.save("评议会通知书".encode(), folder="notices")]
    (source_files / "attachments" / "half.part").write_bytes(b"being written")  # not a file yet
    archive = tmp_path / "mediation.backup"
    result = runner.invoke(args=["backup", "create", str(archive)])
    assert result.exit_code == 0, result.output
    assert "2 stored files" in result.output
    assert (tmp_path / "mediation.backup.files.tar").is_file()

    restored_files = tmp_path / "restored-files"
    target = create_app({"DATABASE_URL": fresh_database, **TEST_CONFIG,
                         "MEDIATION_FILES_DIR": str(restored_files)})
    with target.app_context():
        try:
            result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
            assert result.exit_code == 0, result.output
            assert "2 stored files" in result.output
            assert storage.read(keys[0]) == b"%PDF-1.7 evidence"
            assert storage.read(keys[1]).decode() == "评议会通知书"
            assert not list(restored_files.rglob("*.part"))
        finally:
            _db.session.remove()
            _db.engine.dispose()


def test_a_files_archive_reaching_outside_its_folder_refuses_the_restore(app, runner, tmp_path):
    import io
    import tarfile

    archive = tmp_path / "mediation.backup"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    with tarfile.open(tmp_path / "mediation.backup.files.tar", "w") as tar:
        evil = tarfile.TarInfo("../../escaped.txt")
        evil.size = 3
        tar.addfile(evil, io.BytesIO(b"bad"))
    result = runner.invoke(args=["backup", "restore", str(archive), "--force"])
    assert result.exit_code != 0 and "refusing the archive member" in result.output
    assert not (tmp_path.parent / "escaped.txt").exists()

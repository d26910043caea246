"""`mediation backup create FILE` and `mediation backup restore FILE [--force]`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from mediation.extensions import db
from mediation.ops.backup import (
    BackupError,
    BackupResult,
    backup_files,
    check_files,
    create_backup,
    files_archive,
    restore_backup,
    restore_files,
)


@click.group("backup")
def backup_cli() -> None:
    """Back up the database to a file, or restore it from one (SQLite or PostgreSQL)."""


def _summary(result: BackupResult, verbose: bool) -> None:
    click.echo(f"  {len(result.counts)} tables, {result.rows} rows.")
    if result.files:
        click.echo(f"  {result.files} stored files ({files_archive(result.path)}).")
    if verbose:
        for name, n in result.counts.items():
            click.echo(f"  {name:<32} {n:>9}")


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--verbose", "-v", is_flag=True, help="List the rows of every table.")
@with_appcontext
def create_command(file: str, verbose: bool) -> None:
    """Write a consistent copy of the database (DATABASE_URL) to FILE: a SQLite database file,
    or a pg_dump custom-format archive for PostgreSQL; the stored files (attachments, notices)
    go to FILE.files.tar next to it."""
    db.session.remove()
    try:
        result = create_backup(db.engine, file)
        result.files = backup_files(current_app.config["MEDIATION_FILES_DIR"], file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up the {result.kind} database to {result.path} "
               f"({result.path.stat().st_size} bytes).")
    _summary(result, verbose)


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True,
              help="Replace a database that already has rows (everything in it is lost).")
@click.option("--verbose", "-v", is_flag=True, help="List the rows of every table.")
@with_appcontext
def restore_command(file: str, force: bool, verbose: bool) -> None:
    """Restore the database (DATABASE_URL) from FILE made by `mediation backup create`, and the
    stored files from FILE.files.tar when it is there. Stop the web and worker processes
    first."""
    db.session.remove()
    try:
        check_files(file)  # a bad files archive refuses the restore before anything changes
        result = restore_backup(db.engine, file, force=force)
        result.files = restore_files(current_app.config["MEDIATION_FILES_DIR"], file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored the {result.kind} database from {result.path}.")
    _summary(result, verbose)

"""`mediation users …`: manage accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from mediation.auth.models import ROLES, User
from mediation.auth.services import AccountError, create_user, normalise_email, set_password
from mediation.extensions import db


def _read_password(password_stdin: bool) -> str:
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("no password on standard input")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group("users")
def users_cli() -> None:
    """Create and manage user accounts."""


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="coordinator", show_default=True)
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_command(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a user EMAIL; the password is asked at the prompt or read from stdin."""
    password = _read_password(password_stdin)
    try:
        user = create_user(email, password, role=role, name=name)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password_command(email: str, password_stdin: bool) -> None:
    """Set a new password for EMAIL."""
    try:
        user = db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))
        if user is None:
            raise AccountError("email", _l("no user %(email)s", email=email))
        set_password(user, _read_password(password_stdin))
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Password changed for {user.email}")


@users_cli.command("list")
@with_appcontext
def list_command() -> None:
    """List users."""
    for user in db.session.scalars(db.select(User).order_by(User.email)):
        click.echo(f"{user.email}\t{user.role}\t{'active' if user.active else 'inactive'}")

"""`mediation people link E0026`: print (and make, rotate or revoke) a person's page link."""

from __future__ import annotations

import click
from flask import current_app, url_for
from flask.cli import with_appcontext

from mediation.attendance.services import ensure_link, revoke_link, rotate_link, token_of
from mediation.extensions import db
from mediation.roster.services import person_by_key

# Without MEDIATION_BASE_URL (development only), where `mediation run` listens by default.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def page_url(token: str) -> str:
    base = current_app.config.get("MEDIATION_BASE_URL") or DEVELOPMENT_BASE_URL
    with current_app.test_request_context("/"):
        return base + url_for("attendance.page", token=token)


@click.group("people")
def people_cli() -> None:
    """Roster people's own pages (experts and counsellors have no accounts)."""


@people_cli.command("link")
@click.argument("person")
@click.option("--rotate", is_flag=True, help="Replace the link: the old one stops working.")
@click.option("--revoke", is_flag=True, help="Revoke the link and print nothing.")
@with_appcontext
def link_command(person: str, rotate: bool, revoke: bool) -> None:
    """Print PERSON's page link (made if needed). PERSON: code (E0026) or database id."""
    found = person_by_key(person)
    if found is None:
        raise click.ClickException(f"no person with code or id {person!r}")
    if revoke:
        done = revoke_link(found)
        db.session.commit()
        click.echo(f"{found.code}: page link revoked" if done else f"{found.code}: no live link")
        return
    row = rotate_link(found) if rotate else ensure_link(found)
    token = token_of(row)
    if token is None:  # SECRET_KEY changed since the link was made
        row = rotate_link(found)
        token = token_of(row)
    db.session.commit()
    click.echo(page_url(token))

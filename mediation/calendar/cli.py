"""`mediation feeds …` (feed links), `mediation mail send` (deliver the outbox) and
`mediation mail fetch-replies` (answers from calendar apps, over IMAP)."""

from __future__ import annotations

import imaplib
import json

import click
from flask import current_app
from flask.cli import with_appcontext

from mediation.calendar.links import feed_url, webcal_url
from mediation.calendar.mail import deliver_pending, outbox_summary
from mediation.calendar.replies import fetch_replies
from mediation.calendar.services import ensure_token, revoke_token, rotate_token, token_of
from mediation.extensions import db
from mediation.roster.models import Person
from mediation.roster.services import person_by_key


def _person(key: str) -> Person:
    person = person_by_key(key)
    if person is None:
        raise click.ClickException(f"no person with code or id {key!r}")
    return person


@click.group("feeds")
def feeds_cli() -> None:
    """Personal calendar feed links."""


@feeds_cli.command("url")
@click.argument("person")
@click.option("--webcal", is_flag=True, help="Print the webcal:// form instead.")
@with_appcontext
def url_command(person: str, webcal: bool) -> None:
    """Print PERSON's feed URL (last line of output), creating the link if needed.

    PERSON is the person's code (E0026) or database id."""
    person = _person(person)
    row = ensure_token("person", person)
    token = token_of(row)
    if token is None:
        # SECRET_KEY changed since the link was made: only a new link can be shown.
        click.echo("The existing link cannot be shown (SECRET_KEY changed); replacing it.",
                   err=True)
        row = rotate_token("person", person)
        token = token_of(row)
    db.session.commit()
    click.echo(webcal_url(token) if webcal else feed_url(token))


@feeds_cli.command("rotate")
@click.argument("person")
@with_appcontext
def rotate_command(person: str) -> None:
    """Replace PERSON's feed link (the old one stops working) and print the new URL."""
    row = rotate_token("person", _person(person))
    db.session.commit()
    click.echo(feed_url(token_of(row)))


@feeds_cli.command("revoke")
@click.argument("person")
@with_appcontext
def revoke_command(person: str) -> None:
    """Revoke PERSON's feed link (PERSON: code such as E0026, or database id)."""
    done = revoke_token("person", _person(person))
    db.session.commit()
    click.echo("Revoked." if done else "There was no live link.")


@click.group("mail")
def mail_cli() -> None:
    """Email invites: the outbox, and replies from calendar apps."""


@mail_cli.command("send")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="At most this many messages in this run.")
@with_appcontext
def send_command(limit: int) -> None:
    """Send due invites over SMTP (or write them to the outbox folder without SMTP_HOST)."""
    counts = deliver_pending(limit=limit)
    click.echo(json.dumps({"delivered": counts, "outbox": outbox_summary()}, sort_keys=True))


@mail_cli.command("fetch-replies")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True,
              help="At most this many messages in this run.")
@with_appcontext
def fetch_replies_command(limit: int) -> None:
    """Read the reply mailbox (IMAP_HOST…) and apply calendar apps' answers to invites."""
    try:
        result = fetch_replies(limit=limit)
    except (OSError, imaplib.IMAP4.error) as exc:
        config = current_app.config
        raise click.ClickException(
            f"IMAP {config['IMAP_HOST']}:{config['IMAP_PORT']}: {exc}") from None
    if not result.configured:
        click.echo("IMAP_HOST is not set: no reply mailbox to read.", err=True)
    click.echo(json.dumps(result.as_dict(), sort_keys=True))

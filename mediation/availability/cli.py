"""`mediation availability url CODE URL` and `mediation availability sync [--person CODE]`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from mediation.availability.services import (
    ERROR_WORDS,
    AvailabilityError,
    mask_url,
    set_calendar_url,
    sources,
    sync_source,
)
from mediation.extensions import db
from mediation.roster.models import Person
from mediation.roster.services import person_by_key


def _person(key: str) -> Person:
    person = person_by_key(key)
    if person is None:
        raise click.ClickException(f"no person with code or id {key!r}")
    return person


@click.group("availability")
def availability_cli() -> None:
    """Busy times from people's own calendars (ICS subscription addresses)."""


@availability_cli.command("url")
@click.argument("person")
@click.argument("url", required=False)
@click.option("--clear", is_flag=True, help="Remove the person's calendar address.")
@with_appcontext
def url_command(person: str, url: str | None, clear: bool) -> None:
    """Set PERSON's calendar address (http, https or webcal) to URL, or --clear it.

    PERSON is the person's code (E0026) or database id. The address is a secret: it is
    shown masked."""
    found = _person(person)
    if clear == bool(url):
        raise click.UsageError("give either URL or --clear")
    try:
        source = set_calendar_url(found, "" if clear else url)
    except AvailabilityError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    if source is None:
        click.echo(f"{found.code}: calendar address removed")
    else:
        click.echo(f"{found.code}: calendar address set ({mask_url(source.url)})")


@availability_cli.command("sync")
@click.option("--person", "person_key", help="Only this person (code or id).")
@with_appcontext
def sync_command(person_key: str | None) -> None:
    """Fetch the calendars now (everyone's, or one person's) and print each outcome."""
    person = _person(person_key) if person_key else None
    rows = sources(person)
    if person is not None and not rows:
        raise click.ClickException(f"{person.code} has no calendar address")
    failed = 0
    for source in rows:
        sync_source(source)
        db.session.commit()
        if source.status == "ok":
            click.echo(f"{source.person.code}: ok {len(source.busy)} busy sessions "
                       f"({source.events_count or 0} events)")
        else:
            failed += 1
            click.echo(f"{source.person.code}: error {source.error_code}: "
                       f"{ERROR_WORDS.get(source.error_code, '')} ({source.error_detail or ''})")
    if failed:
        raise SystemExit(1)

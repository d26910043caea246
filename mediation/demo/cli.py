"""`mediation demo`: load the demo data and print the accounts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from mediation.demo.services import has_data, load_demo, remember_accounts, reset_demo_passwords
from mediation.extensions import db


@click.command("demo")
@click.option("--seed", default=2026, show_default=True, help="Random seed: same seed, same data.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date the demo is built around (default: today in the configured zone).")
@with_appcontext
def demo_command(seed: int, today) -> None:
    """Load a realistic demo (run `mediation db upgrade` first). On a database that already has
    the demo, print the accounts again with fresh passwords."""
    if has_data():
        try:
            result = reset_demo_passwords()
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo("The demo is already loaded; the demo accounts got new passwords.")
    else:
        result = load_demo(seed=seed, today=today.date() if today else None)
        summary = ", ".join(f"{n} {k}" for k, n in result.counts.items())
        click.echo(f"Demo loaded: {summary}.")
    db.session.commit()
    remember_accounts(result)  # `mediation run` prints them again
    click.echo(f"  admin:       {result.admin_email}  password: {result.admin_password}")
    click.echo(f"  coordinator: {result.coordinator_email}  password: {result.coordinator_password}")
    click.echo("Start the app with `mediation run`: it prints the address and these accounts again.")



"""The `mediation` command: Flask's CLI for this app (run, db, users, demo, …)."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from mediation.config import ConfigError


def _create_app():
    from mediation import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """Mediation and expert-panel scheduling."""


def main() -> None:
    try:
        cli.main(prog_name="mediation")
    except ConfigError as exc:
        click.echo(f"Configuration error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":  # python -m mediation.cli, the same as the `mediation` command
    main()

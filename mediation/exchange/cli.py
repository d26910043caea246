"""`mediation scenario import|export`: the exchange format from the command line."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

import scheduler
from mediation import bounded_json
from mediation.exchange.services import export_scenario, import_scenario
from mediation.extensions import db


@click.group("scenario")
def scenario_cli() -> None:
    """Import and export scenarios in the exchange format."""


@scenario_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@with_appcontext
def import_command(file: str) -> None:
    """Import FILE (all or nothing; importing the same file twice changes nothing)."""
    try:  # bounded as an upload is: depth, numbers, NaN, NUL, lone surrogates
        if file == "-":
            data = bounded_json.loads(sys.stdin.buffer.read())
        else:
            with open(file, "rb") as handle:
                data = bounded_json.loads(handle.read())
    except (OSError, bounded_json.UnusableJSON) as exc:
        raise click.ClickException(f"{file}: cannot read a JSON scenario: {exc}") from None
    try:
        summary = import_scenario(data)
    except scheduler.ScenarioError as exc:
        db.session.rollback()
        click.echo(f"{file}: {len(exc.problems)} problem(s), nothing imported:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Imported {file}: {summary}.")


@scenario_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First date of the horizon.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last date of the horizon.")
@click.option("--panel-size", default=3, show_default=True)
@with_appcontext
def export_command(file: str, start, end, panel_size: int) -> None:
    """Export every plannable case over the horizon to FILE."""
    if end < start:
        raise click.BadParameter("must not be before --from", param_hint="--to")
    scenario = export_scenario(start.date(), end.date(), panel_size=panel_size)
    text = json.dumps(scheduler.scenario_to_dict(scenario), ensure_ascii=False, indent=1) + "\n"
    if file == "-":
        sys.stdout.write(text)
    else:
        with open(file, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Exported {len(scenario.cases)} cases, {len(scenario.people)} people, "
                   f"{len(scenario.centres)} centres to {file}.")

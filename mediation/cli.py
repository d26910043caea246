"""The `mediation` command: Flask's CLI for this app (run, db, users, demo, …)."""

from __future__ import annotations

import logging
import sys

import click
from flask.cli import FlaskGroup, ScriptInfo, pass_script_info, run_command
from werkzeug.serving import is_running_from_reloader

from mediation.config import ConfigError


def _create_app():
    from mediation import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """Mediation and expert-panel scheduling."""


# --- `mediation run`: Flask's development server, ending its start-up output with where to go --


def sign_in_lines(app, host: str, port: int, https: bool = False) -> list[str]:
    """The address to open and, when the demo is loaded here, its accounts (those whose
    password `mediation demo` printed is still theirs)."""
    import sqlalchemy as sa

    from mediation.auth.models import User
    from mediation.demo.services import remembered_accounts
    from mediation.extensions import db

    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 # nosec B104 (displayed only)
    if ":" in shown:
        shown = f"[{shown}]"
    lines = [f"Open {'https' if https else 'http'}://{shown}:{port} in a browser."]
    with app.app_context():
        try:
            accounts = remembered_accounts()
            nobody = not accounts and not db.session.scalar(sa.select(sa.func.count(User.id)))
        except sa.exc.SQLAlchemyError:  # no tables yet: `mediation db upgrade` comes first
            db.session.rollback()
            accounts, nobody = [], False
    if nobody:
        lines.append("No account yet: load the demo (`mediation demo`) or create one "
                     "(`mediation users create EMAIL --role admin`).")
    if accounts:
        lines.append("Sign in with a demo account:")
        width = max(len(role) for role, _e, _p in accounts) + 1
        lines += [f"  {role + ':':<{width}} {email}  password: {password}"
                  for role, email, password in accounts]
    return lines


class _AfterStartup(logging.Filter):
    """Appends our lines to Werkzeug's last start-up message ("Press CTRL+C to quit"), so they
    are the last thing printed before the server answers."""

    def __init__(self, lines: list[str]):
        super().__init__()
        self.lines = lines
        self.done = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.done and "CTRL+C" in str(record.msg):
            self.done = True
            record.msg = "\n".join([str(record.msg), *self.lines])
        return True


def _werkzeug_shows_info(logger: logging.Logger) -> bool:
    # Werkzeug sets its logger to INFO itself when nothing configured logging (werkzeug._internal).
    unconfigured = not logging.root.handlers and logger.level == logging.NOTSET
    return unconfigured or logger.isEnabledFor(logging.INFO)


@click.command("run", help=run_command.help, short_help="Run the development server.",
               params=list(run_command.params), context_settings=run_command.context_settings)
@pass_script_info
@click.pass_context
def run(ctx: click.Context, info: ScriptInfo, **options) -> None:
    if not is_running_from_reloader():  # the reloader's child serves silently
        lines = sign_in_lines(info.load_app(), options["host"], options["port"],
                              https=options.get("cert") is not None)
        logger = logging.getLogger("werkzeug")
        if _werkzeug_shows_info(logger):
            logger.addFilter(_AfterStartup(lines))
        else:
            click.echo("\n".join(lines))
    ctx.invoke(run_command, **options)


cli.add_command(run)


def main() -> None:
    try:
        cli.main(prog_name="mediation")
    except ConfigError as exc:
        click.echo(f"Configuration error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":  # python -m mediation.cli, the same as the `mediation` command
    main()

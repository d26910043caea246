"""The `mediation` command: Flask's CLI for this app (run, db, users, demo, …)."""

from __future__ import annotations

import logging
import sys
import unicodedata

import click
from flask.cli import FlaskGroup, ScriptInfo, pass_script_info, run_command
from werkzeug.serving import is_running_from_reloader

from mediation.config import ConfigError


def _create_app():
    from mediation import create_app

    return create_app()


# Tabs and line breaks may be part of a note; no other control character belongs in what a
# command stores or prints (the web forms refuse them likewise: forms.TEXT_AREA_ALLOWED).
_ARGUMENT_ALLOWED = frozenset("\t\n\r")


def argument_problem(args: list[str]) -> str | None:
    """Why the command line cannot be used as typed: an argument with a control character (an
    escape sequence pasted by mistake, a NUL) or bytes that are not text in the locale's
    encoding (Python keeps them as lone surrogates). None when every argument is usable."""
    for n, arg in enumerate(args, 1):
        for c in arg:
            if 0xD800 <= ord(c) <= 0xDFFF:
                return f"argument {n} is not readable text (not UTF-8?); type it again"
            if unicodedata.category(c) == "Cc" and c not in _ARGUMENT_ALLOWED:
                return (f"argument {n} holds a control character (U+{ord(c):04X}), "
                        "invisible on screen; remove it and run the command again")
    return None


class _Group(FlaskGroup):
    """Flask's group, refusing unusable arguments before any command (or the app) runs."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        problem = argument_problem(args)
        if problem is not None:
            raise click.UsageError(problem[0].upper() + problem[1:] + ".", ctx)
        return super().parse_args(ctx, args)


@click.group(cls=_Group, create_app=_create_app, add_version_option=False)
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

"""Mediation and expert-panel scheduling: the Flask application factory."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from mediation.config import load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides what the environment says (tests use it)."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(load_config(Path(app.instance_path), config))

    from mediation import models  # noqa: F401  (register every table on the metadata)
    from mediation.extensions import babel, csrf, db, login_manager, migrate
    from mediation.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)

    with app.app_context():
        _configure_engine(db.engine)

    from mediation.web import install as install_web
    from mediation.web import prepare as prepare_web

    prepare_web(app)  # before any route: the bounded `int` converter and request arguments

    _register_blueprints(app)
    _register_cli(app)
    _init_features(app)

    from mediation.audit.listener import install as install_audit
    from mediation.auth.enforce import install as install_access
    from mediation.planner_words import init_app as install_planner_words

    install_access(app)  # first: the access check runs before any other request hook
    install_audit()
    install_web(app)
    install_planner_words(app)
    return app


def _configure_engine(engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        # SQLite enforces foreign keys only when asked, per connection.
        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # Background runs write while pages read: wait for a lock instead of failing at once.
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()


def _init_features(app: Flask) -> None:
    """Each feature registers its background tasks, signal subscribers (mediation.signals) and
    the Jinja filters wording its codes here, once per app; nothing is connected as an import
    side effect."""
    from mediation import (
        attachments,
        attendance,
        audit,
        auth,
        availability,
        calendar,
        cases,
        centres,
        conflicts,
        hearings,
        imports,
        notices,
        planning,
        regions,
        roster,
        search,
    )

    for feature in (regions, auth, audit, centres, roster, hearings, availability, cases,
                    conflicts, planning, attendance, calendar, notices, attachments, imports,
                    search):
        feature.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from mediation.auth.views import bp as auth_bp
    from mediation.cases.aftercare import bp as aftercare_bp
    from mediation.cases.views import bp as cases_bp
    from mediation.centres.views import bp as centres_bp
    from mediation.conflicts.views import bp as conflicts_bp
    from mediation.dashboard.views import bp as dashboard_bp
    from mediation.home.views import bp as home_bp
    from mediation.imports.views import bp as imports_bp
    from mediation.notices.views import bp as notices_bp
    from mediation.planning.views import bp as planning_bp
    from mediation.roster.views import bp as roster_bp
    from mediation.termination.views import bp as termination_bp

    for bp in (auth_bp, home_bp, cases_bp, aftercare_bp, roster_bp, conflicts_bp, centres_bp, imports_bp,
               planning_bp, notices_bp, termination_bp):
        app.register_blueprint(bp)

    from mediation.admin.views import bp as admin_bp
    from mediation.audit.views import bp as audit_bp

    app.register_blueprint(admin_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(dashboard_bp)
    from mediation.attendance.views import bp as attendance_bp
    from mediation.calendar.views import bp as calendar_bp

    app.register_blueprint(attendance_bp)

    app.register_blueprint(calendar_bp)
    from mediation.search.views import bp as search_bp

    app.register_blueprint(search_bp)
    from mediation.availability.views import bp as availability_bp

    app.register_blueprint(availability_bp)
    from mediation.attachments.views import bp as attachments_bp

    app.register_blueprint(attachments_bp)


def _register_cli(app: Flask) -> None:
    from mediation.auth.cli import users_cli
    from mediation.demo.cli import demo_command
    from mediation.exchange.cli import scenario_cli
    from mediation.ops.cli import backup_cli
    from mediation.planning.cli import plan_cli, worker_command

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(scenario_cli)
    app.cli.add_command(plan_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(backup_cli)
    from mediation.calendar.cli import feeds_cli, mail_cli

    app.cli.add_command(feeds_cli)
    app.cli.add_command(mail_cli)
    from mediation.availability.cli import availability_cli

    app.cli.add_command(availability_cli)
    from mediation.attendance.cli import people_cli

    app.cli.add_command(people_cli)

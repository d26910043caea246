"""`mediation plan run|export|publish|list` and `mediation worker`."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

import scheduler
from mediation import worker
from mediation.extensions import db
from mediation.planning.models import PlanRun
from mediation.planning.publish import publish_run
from mediation.planning.review import run_plan
from mediation.planning.runs import PlanningError, RunRequest, run_now
from mediation.planning.services import recent_runs
from mediation.regions.models import Region


@click.group("plan")
def plan_cli() -> None:
    """Run the planner on the database, export and publish its plans."""


def _get_run(run_id: int) -> PlanRun:
    run = db.session.get(PlanRun, run_id)
    if run is None:
        raise click.ClickException(f"no plan run {run_id}")
    return run


def describe(run: PlanRun) -> str:
    parts = [f"run {run.id}: {run.status}"]
    if run.scheduled_count is not None:
        total = (run.scheduled_count or 0) + (run.unscheduled_count or 0)
        parts.append(f"{run.scheduled_count} of {total} cases scheduled")
    if run.objective is not None:
        gap = run.gap
        parts.append(f"objective {run.objective:g}, bound {run.bound:g}"
                     + (f", gap {gap:.2%}" if gap is not None else ""))
    if run.solve_seconds is not None:
        parts.append(f"{run.solve_seconds:.1f} s")
    stats = run.stats or {}
    if stats.get("stopped_by") == "coordinator":
        parts.append("stopped early by a coordinator; the best plan found so far is kept")
    elif stats.get("stopped_early") == "gap":
        parts.append(f"ended early within {stats.get('gap_tolerance', 0):.2%} of the bound")
    if run.error:
        parts.append(run.error)
    return "; ".join(parts)


@plan_cli.command("run")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First day of the horizon (YYYY-MM-DD).")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Last day of the horizon (YYYY-MM-DD).")
@click.option("--time-limit", default=60.0, show_default=True, type=float,
              help="Seconds the planner may search.")
@click.option("--region", default=None, help="Plan only this region (code) and those below it.")
@click.option("--release-published", is_flag=True,
              help="Let the planner move or drop published hearings in scope.")
@click.option("--gap", type=click.FloatRange(0, 0.2), default=None,
              help="Stop once the plan is within this fraction of the bound (0.005: 0.5 %; "
                   "0: only when proved best). Default: MEDIATION_PLAN_GAP_TOLERANCE.")
@with_appcontext
def run_command(start, end, time_limit, region, release_published, gap) -> None:
    """Plan the horizon now, in this process; prints the run id and a summary."""

    req = RunRequest(start.date(), end.date(), time_limit=time_limit,
                     release_published=release_published)
    if region:
        found = db.session.scalar(db.select(Region).filter_by(code=region))
        if found is None:
            raise click.ClickException(f"--region: no region with code {region!r}")
        req.scope, req.region_id = "region", found.id
    try:
        run = run_now(req, gap_tolerance=gap)
    except PlanningError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(describe(run))
    if run.status != "succeeded":
        raise SystemExit(1)


@plan_cli.command("export")
@click.argument("run_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@with_appcontext
def export_command(run_id: int, file: str) -> None:
    """Write run RUN_ID's plan to FILE in the exchange format ("-": standard output)."""

    run = _get_run(run_id)
    if run.status not in ("succeeded", "published"):
        raise click.ClickException(f"run {run_id} is {run.status}: it has no plan to export")
    plan = run_plan(run)
    if file == "-":
        click.echo(json.dumps(scheduler.plan_to_dict(plan), ensure_ascii=False, indent=1))
    else:
        scheduler.dump_plan(plan, file)
        click.echo(f"wrote {len(plan.hearings)} hearings and {len(plan.unscheduled)} unscheduled "
                   f"cases to {file}")


@plan_cli.command("publish")
@click.argument("run_id", type=int)
@with_appcontext
def publish_command(run_id: int) -> None:
    """Publish run RUN_ID: its hearings become the schedule, invites are queued."""

    run = _get_run(run_id)
    try:
        counts = publish_run(run)
        db.session.commit()
    except PlanningError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"published run {run_id}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@plan_cli.command("list")
@with_appcontext
def list_command() -> None:
    """The most recent runs."""

    for run in recent_runs():
        click.echo(f"{run.horizon_start}..{run.horizon_end} {run.scope_key}: {describe(run)}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Take background jobs (plan runs, mail) from the Redis queue (needs REDIS_URL)."""

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it background work runs inside "
                                   "the web processes and no worker is needed")
    click.echo(f"worker {worker.worker_label()} on {app.config['REDIS_URL']} "
               f"queue {app.config['MEDIATION_QUEUE']}")
    worker.work(app, burst=burst)

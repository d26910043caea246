"""Background tasks of planning, registered with mediation.worker by `planning.init_app`.

Tasks own their transactions: they commit."""

from __future__ import annotations

from mediation.extensions import db
from mediation.planning.runs import execute_run, reap_stale_runs
from mediation.worker import worker_label


def run_plan(run_id: int) -> None:
    """`plan.run`: claim, solve and store one run (execute_run commits at each step)."""
    execute_run(run_id, worker_label=f"worker {worker_label()}")


def reap() -> None:
    """`plan.reap` (periodic): runs whose worker stopped reporting are marked failed."""
    reap_stale_runs()
    db.session.commit()

"""Background tasks of planning (see mediation.worker)."""

from __future__ import annotations

from mediation.worker import task, worker_label


@task("plan.run")
def run_plan(run_id: int) -> None:
    from mediation.planning.runs import execute_run

    execute_run(run_id, worker_label=f"worker {worker_label()}")


@task("plan.reap", periodic=True)
def reap() -> None:
    from mediation.planning.runs import reap_stale_runs

    reap_stale_runs()


@task("mail.deliver", periodic=True)
def deliver_mail() -> None:
    from mediation.calendar.mail import deliver_pending

    deliver_pending()

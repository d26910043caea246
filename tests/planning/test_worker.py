"""Background runs for real: the in-process pool by default, and the Redis queue served by
`mediation worker` processes; a worker killed mid-run leaves no partial plan and the run fails."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from bench.generate import generate
from mediation import worker
from mediation.exchange.services import import_scenario
from mediation.planning.models import Hearing, PlanRun
from mediation.planning.runs import RunRequest, reap_stale_runs, start_run
from tests.conftest import IN_CI
from tests.planning.conftest import HORIZON

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def _wait(db, run_id: int, until, timeout: float = 60.0) -> PlanRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        run = db.session.get(PlanRun, run_id)
        if until(run):
            return run
        db.session.rollback()
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} stayed {run.status} ({run.progress})")


def test_in_process_worker_runs_outside_the_request(db, world, app):
    run = start_run(RunRequest(*HORIZON, time_limit=5), world.user)
    assert run.worker == "in-process"
    done = _wait(db, run.id, lambda r: not r.active)
    assert done.status == "succeeded" and done.scheduled_count == 4
    assert done.worker.startswith("worker ")  # claimed by the pool thread
    assert done.heartbeat_at is not None and done.progress["scheduled"] == 4


@pytest.fixture
def redis_app(app):
    """An app on the same database whose background work goes to a private Redis queue."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is unreachable: {exc}", pytrace=False)
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {exc}")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings = {"REDIS_URL": REDIS_URL, "MEDIATION_QUEUE": queue,
                "MEDIATION_RUN_STALE_SECONDS": 5}
    saved = {k: app.config[k] for k in settings}
    app.config.update(settings)  # the same app and engine, now sending work to Redis
    try:
        yield app
        worker.queue(app).delete(delete_jobs=True)
    finally:
        app.config.update(saved)


def _worker_process(app, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"]),
           "REDIS_URL": REDIS_URL, "MEDIATION_QUEUE": app.config["MEDIATION_QUEUE"],
           "SECRET_KEY": "test", "MEDIATION_TICK_SECONDS": "0"}
    return subprocess.Popen([sys.executable, "-c", "from mediation.cli import main; main()",
                             "worker", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)


def test_a_queued_run_is_solved_by_a_worker_process(db, world, redis_app):
    with redis_app.app_context():
        run = start_run(RunRequest(*HORIZON, time_limit=5), world.user)
        assert run.worker.startswith("rq:")
        run_id = run.id
    proc = _worker_process(redis_app, "--burst")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out.decode()
    done = _wait(db, run_id, lambda r: not r.active, timeout=5)
    assert done.status == "succeeded", (done.error, out.decode()[-2000:])
    assert done.scheduled_count == 4


def test_killing_the_worker_mid_run_fails_the_run_and_keeps_nothing(db, redis_app):
    scenario = generate("M", seed=1)  # 400 cases: the planner uses its whole time limit
    import_scenario(scenario)
    db.session.commit()
    horizon = (date.fromisoformat(scenario["horizon"]["start"]),
               date.fromisoformat(scenario["horizon"]["end"]))
    with redis_app.app_context():
        from mediation.auth.services import create_user

        user = create_user("killer@example.org", "correct horse battery", role="coordinator")
        run = start_run(RunRequest(*horizon, time_limit=120), user)
        run_id = run.id
    proc = _worker_process(redis_app)
    try:
        _wait(db, run_id, lambda r: r.status == "running" and (r.progress or {}).get("elapsed", 0)
              >= 2, timeout=90)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and anything it started, no cleanup
        proc.wait(timeout=10)
        proc.stdout.close()
    killed_at = time.monotonic()
    with redis_app.app_context():
        while time.monotonic() - killed_at < 30:
            if reap_stale_runs():
                db.session.commit()  # the caller commits (the plan.reap task does)
                break
            time.sleep(0.5)
    run = _wait(db, run_id, lambda r: not r.active, timeout=5)
    assert run.status == "failed" and "stopped reporting" in run.error
    assert time.monotonic() - killed_at < 15  # stale after 5 s here (45 s by default)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)
                             .where(Hearing.layer == run_id)) == 0
    assert run.scheduled_count is None and not run.unscheduled

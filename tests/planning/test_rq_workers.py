"""Two real `mediation worker` processes (RQ SimpleWorkers) solve plan runs for two counties at
once, on the test database and a Redis database this module owns.

PostgreSQL (production): the test holds `LOCK TABLE hearings IN SHARE MODE` on its own
connection, which lets the runs claim, read and solve but keeps either from storing its plan. So
neither run can finish before both have started, and the first worker, stuck storing its run,
cannot take the second one: "two different workers" and "they overlapped" are guaranteed at any
machine speed, not hoped for. When the lock goes, both store their plans at the same moment
(no lost update, no deadlock: each run writes only its own layer and its own run row).

SQLite (single writer): no such barrier is possible (a writer locks the whole file), so only
what is guaranteed there is asserted: both runs finish correctly, each with its own valid plan,
whichever worker took them and however their writes waited on each other.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa

import scheduler
from mediation.auth.services import create_user
from mediation.centres.models import Room
from mediation.exchange.services import export_plan
from mediation.hearings.models import Hearing
from mediation.planning.models import PlanRun
from mediation.planning.runs import RunConflict, RunRequest, build_input, cancel_run, start_run
from tests import factories as F
from tests.conftest import IN_CI
from tests.planning.conftest import ACCEPTED, DUE, HORIZON

# A Redis database only this module uses: flushed before and after.
REDIS_URL = os.environ.get("TEST_RQ_REDIS_URL", "redis://127.0.0.1:6379/13")
TIME_LIMIT = 3


@pytest.fixture
def redis_db():
    import redis

    conn = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        conn.ping()
    except redis.exceptions.ConnectionError as exc:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is unreachable: {exc} (CI=true: it must run)",
                        pytrace=False)
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {exc}")
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture
def rq_app(app, redis_db):
    """The test app, now handing background work to a private queue of that Redis database."""
    settings = {"REDIS_URL": REDIS_URL, "MEDIATION_QUEUE": f"test-{uuid.uuid4().hex[:8]}"}
    saved = {k: app.config[k] for k in settings}
    app.config.update(settings)
    try:
        yield app
    finally:
        app.config.update(saved)


def _county(code: str, city, am, pm, wages, land):
    """A county with its own centre (two rooms), five experts and a counsellor who serve only
    it, and four accepted cases."""
    county = F.region(code, parent=city)
    centre = F.centre(county)
    centre.rooms.append(Room(code=f"{centre.code}-R2", name="Room 2", capacity=10))
    for i in range(5):
        p = F.person(code=f"{code}-E{i}", name=f"Expert {code}{i}")
        p.expertise = [wages, land] if i == 0 else [wages] if i % 2 else [land]
        p.regions = [county]
    c = F.person(expert=False, counsellor=True, code=f"{code}-C", name=f"Counsellor {code}")
    c.regions = [county]
    cases = []
    for i in range(4):
        case = F.case(county, reference=f"{code}-{i}", status="accepted", accepted_on=ACCEPTED,
                      due_by=DUE, priority=5 - i, needs_counsellor=(i == 0))
        case.required_expertise = [wages] if i % 2 == 0 else [land]
        cases.append(case)
    return county, cases


@pytest.fixture
def two_counties(db):
    from datetime import time as clock

    city = F.region("CITY", level="city")
    am = F.session_block("am", clock(9), clock(12))
    pm = F.session_block("pm", clock(14), clock(17))
    wages, land = F.expertise("wages"), F.expertise("land")
    a, cases_a = _county("CA", city, am, pm, wages, land)
    b, cases_b = _county("CB", city, am, pm, wages, land)
    user = create_user("two@example.org", "correct horse battery", role="coordinator")
    db.session.commit()
    return city, (a, cases_a), (b, cases_b), user


def _start_workers(app, log_dir) -> list[tuple[subprocess.Popen, object]]:
    env = {**os.environ, "DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"]),
           "REDIS_URL": REDIS_URL, "MEDIATION_QUEUE": app.config["MEDIATION_QUEUE"],
           "SECRET_KEY": "test", "MEDIATION_TICK_SECONDS": "0",
           "MEDIATION_PLANNER_THREADS": "1"}  # 2 workers x 1 CP-SAT thread on 2 cores
    procs = []
    for n in range(2):
        # A file, not a pipe (a full pipe would stall a worker); closed by _stop.
        out = open(log_dir / f"worker{n}.log", "wb")  # noqa: SIM115
        procs.append((subprocess.Popen(
            [sys.executable, "-c", "from mediation.cli import main; main()", "worker", "--burst"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True), out))
    return procs


def _stop(procs) -> str:
    logs = []
    for proc, out in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        out.close()
        with open(out.name, "rb") as f:
            logs.append(f.read().decode(errors="replace")[-3000:])
    return "\n---\n".join(logs)


def _runs(db, ids) -> list[PlanRun]:
    db.session.rollback()
    db.session.expire_all()
    return [db.session.get(PlanRun, i) for i in ids]


def _wait(db, ids, until, timeout: float, what: str) -> list[PlanRun]:
    deadline = time.monotonic() + timeout
    while True:
        runs = _runs(db, ids)
        if all(until(r) for r in runs):
            return runs
        if time.monotonic() > deadline:
            raise AssertionError(f"runs not {what} after {timeout} s: "
                                 f"{[(r.id, r.status, r.worker, r.error) for r in runs]}")
        time.sleep(0.2)


def _hearing_regions(db, run_id: int) -> set[str]:
    """The regions of the cases, and of the centres, of a run's proposal."""
    hearings = db.session.scalars(sa.select(Hearing).where(Hearing.layer == run_id)).all()
    return ({h.case.region.code for h in hearings}
            | {h.room.centre.region.code for h in hearings})


def test_two_workers_plan_two_counties_at_once(db, backend, rq_app, two_counties, tmp_path):
    city, (a, cases_a), (b, cases_b), user = two_counties
    engine = db.engine
    barrier = None
    if backend == "postgresql":  # let them solve, but not store, until both have started
        barrier = engine.connect()
        barrier.begin()
        barrier.execute(sa.text("LOCK TABLE hearings IN SHARE MODE"))
    procs = []
    try:
        with rq_app.app_context():
            ids = [start_run(RunRequest(*HORIZON, scope="region", region_id=r.id,
                                        time_limit=TIME_LIMIT), user).id for r in (a, b)]
            # The same county again is refused while its run is queued or running ...
            with pytest.raises(RunConflict):
                start_run(RunRequest(*HORIZON, scope="region", region_id=a.id,
                                     time_limit=TIME_LIMIT), user)
            db.session.rollback()
            # ... the city around both counties is another scope, so it is queued (one active
            # run per scope; overlapping scopes are allowed). Cancelled while queued, it never runs.
            third = start_run(RunRequest(*HORIZON, scope="region", region_id=city.id,
                                         time_limit=TIME_LIMIT), user)
            assert third.status == "queued" and third.worker.startswith("rq:")
            cancel_run(third, user)
            db.session.commit()
            third_id = third.id
        procs = _start_workers(rq_app, tmp_path)
        if barrier is not None:
            running = _wait(db, ids, lambda r: r.status == "running", 120, "running")
            # Worker one is held storing its run, so worker two took the other: two labels.
            assert len({r.worker for r in running}) == 2, [r.worker for r in running]
    finally:
        if barrier is not None:
            barrier.rollback()  # releases the lock: both store at once
            barrier.close()
    try:
        done = _wait(db, ids, lambda r: not r.active, 120, "finished")
    finally:
        logs = _stop(procs)
    for proc, _ in procs:
        assert proc.returncode == 0, logs

    for run, (county, cases) in zip(done, ((a, cases_a), (b, cases_b)), strict=True):
        assert run.status == "succeeded", (run.error, logs)
        assert run.worker.startswith("worker ") and run.workers == 1
        assert run.scheduled_count == 4 and run.unscheduled_count == 0
        assert sorted(run.result_cases) == sorted(c.id for c in cases)
        assert _hearing_regions(db, run.id) == {county.code}  # nothing of the other county
        with rq_app.app_context():
            assert scheduler.check_plan(build_input(run).scenario, export_plan(run)) == []
    if barrier is not None:
        first, second = done
        assert first.worker != second.worker
        # Both started before either finished.
        assert max(r.started_at for r in done) < min(r.finished_at for r in done)

    third = _runs(db, [third_id])[0]
    assert third.status == "cancelled" and third.started_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)
                             .where(Hearing.layer == third_id)) == 0

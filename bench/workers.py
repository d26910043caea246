"""Plan runs for two counties on real RQ workers: each alone on one worker, then both at once on
two workers, for each number of CP-SAT threads per run (docs/operations.md, "Workers").

    python -m bench.workers --database postgresql+psycopg://postgres@127.0.0.1:5432/NAME

The database is emptied and filled with the generator's scenario (--size, seed 1); the runs are
for its two largest counties. Redis
database 14 (--redis) is flushed. Prints, per setting, each run's wall time (claimed to stored),
scheduled cases, objective and bound.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from datetime import date

import sqlalchemy as sa

from bench.generate import generate
from mediation import create_app
from mediation.extensions import db
from mediation.planning.models import PlanRun
from mediation.planning.runs import RunRequest, start_run
from mediation.regions.models import Region


def largest_counties(scenario: dict, n: int = 2) -> list[str]:
    """The `n` counties (regions one below the top) holding the most cases, themselves or below."""
    counties = [r["id"] for r in scenario["regions"] if r["id"].count(".") == 1]
    held = {c: sum(1 for case in scenario["cases"]
                   if case["region"] == c or case["region"].startswith(c + ".")) for c in counties}
    return sorted(counties, key=lambda c: -held[c])[:n]


def _workers(url: str, redis_url: str, queue: str, n: int, threads: int) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "MEDIATION_QUEUE": queue,
           "SECRET_KEY": "bench", "MEDIATION_TICK_SECONDS": "0",
           "MEDIATION_PLANNER_THREADS": str(threads)}
    return [subprocess.Popen([sys.executable, "-c", "from mediation.cli import main; main()",
                              "worker", "--burst"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL) for _ in range(n)]


def measure(app, url, redis_url, regions, horizon, user, threads, time_limit) -> list[str]:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=redis_url, MEDIATION_QUEUE=queue)
    ids = [start_run(RunRequest(*horizon, scope="region", region_id=r.id,
                                time_limit=time_limit), user).id for r in regions]
    t0 = time.monotonic()
    procs = _workers(url, redis_url, queue, len(regions), threads)
    for p in procs:
        p.wait()
    total = time.monotonic() - t0
    db.session.expire_all()
    lines = []
    for run_id, region in zip(ids, regions, strict=True):
        run = db.session.get(PlanRun, run_id)
        wall = (run.finished_at - run.started_at).total_seconds()
        lines.append(f"  {region.code}: {run.status}, {wall:.1f} s, {run.scheduled_count} "
                     f"scheduled, objective {run.objective}, bound {run.bound}, "
                     f"solver {run.solve_seconds} s")
    lines.append(f"  all done {total:.1f} s after the workers started")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="PostgreSQL URL (it is emptied)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14", help="flushed")
    parser.add_argument("--size", default="L", help="generator size (S, M, L)")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    import redis

    redis.Redis.from_url(args.redis).flushdb()
    app = create_app({"DATABASE_URL": args.database, "SECRET_KEY": "bench",
                      "MEDIATION_TICK_SECONDS": 0})
    with app.app_context():
        from mediation.auth.services import create_user
        from mediation.exchange.services import import_scenario

        db.drop_all()
        db.create_all()
        scenario = generate(args.size, seed=1)
        import_scenario(scenario)
        user = create_user("bench@example.org", "correct horse battery", role="coordinator")
        db.session.commit()
        horizon = (date.fromisoformat(scenario["horizon"]["start"]),
                   date.fromisoformat(scenario["horizon"]["end"]))
        regions = [db.session.scalar(sa.select(Region).where(Region.code == c))
                   for c in largest_counties(scenario)]
        print(f"{args.size}: {len(scenario['cases'])} cases; counties "
              f"{', '.join(r.code for r in regions)}; time limit {args.time_limit:g} s", flush=True)
        for threads in args.threads:
            for label, chosen in (("alone", [regions[0]]), ("alone", [regions[1]]),
                                  ("together, 2 workers", regions)):
                print(f"{threads} CP-SAT thread(s) per run, {label}:", flush=True)
                for line in measure(app, args.database, args.redis, chosen, horizon, user,
                                    threads, args.time_limit):
                    print(line, flush=True)
        redis.Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()

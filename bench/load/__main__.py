"""Load test of the production set-up: PostgreSQL + gunicorn, measured with wrk.

    python -m bench.load [--cases 10000] [--experts 1000] [--workers 2] [--threads 1]
                         [--duration 30]

1. (re)creates the PostgreSQL database `--db` (default h7b_load) and fills it (bench/load/generate.py);
2. prints feed links with `mediation feeds url PERSON_ID` and signs `--users` coordinators in;
3. starts gunicorn as the Procfile does (`--workers` sync workers, or gthread workers with
   `--threads` threads each; `--preload`, MEDIATION_ENV=production, Redis for throttling);
4. runs wrk (bench/load/wrk.lua): calendar feeds, the case list and the dashboard, each after a
   warm-up, and prints one JSON line per run and a Markdown table for docs/operations.md. Each
   run also reports the CPU time per request spent by the gunicorn workers (`app_cpu_ms`) and by
   the PostgreSQL backends of the test database (`pg_cpu_ms`), read from /proc: unlike req/s,
   these do not depend on what else the machine is running at the time.

Needs: PostgreSQL on --pg (trust or PGPASSWORD), Redis, `wrk` (apt-get install wrk), gunicorn
(pip install -e '.[prod]'). Keeps the database afterwards unless --drop.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
LUA = Path(__file__).with_name("wrk.lua")
VENV_BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

CASE_LIST_PATHS = [
    "/cases/", "/cases/?page=7", "/cases/?status=in_handling&sort=due",
    "/cases/?overdue=1&sort=priority", "/cases/?category=unpaid_wages&sort=reference",
]


def _parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    p.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432",
                   help="server URL without a database name")
    p.add_argument("--db", default="h7b_load", help="database to (re)create")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--experts", type=int, default=1_000)
    p.add_argument("--users", type=int, default=20, help="signed-in users for the pages")
    p.add_argument("--feeds", type=int, default=20, help="distinct feed links to rotate over")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    p.add_argument("--threads", type=int, default=1,
                   help="gunicorn threads per worker (1: sync workers, as the Procfile; more: gthread)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk threads")
    p.add_argument("--feed-connections", type=int, default=10)
    p.add_argument("--page-connections", type=int, default=20)
    p.add_argument("--duration", type=int, default=30, help="seconds per measured run")
    p.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per target")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--reuse", action="store_true", help="keep an existing filled database")
    p.add_argument("--drop", action="store_true", help="drop the database at the end")
    p.add_argument("--only", choices=["feeds", "cases", "dashboard"], action="append")
    return p.parse_args(argv)


def _admin(pg: str) -> sa.Engine:
    return sa.create_engine(f"{pg}/postgres", isolation_level="AUTOCOMMIT")


def _recreate(pg: str, name: str) -> None:
    if not re.fullmatch(r"h7b_[a-z0-9_]+|[a-z][a-z0-9_]*_load", name):
        sys.exit(f"refusing to recreate {name!r}: use a scratch name such as h7b_load")
    with _admin(pg).connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))


def _populate(env: dict, args) -> dict:
    os.environ.update(env)
    from bench.load.generate import populate
    from mediation import create_app
    from mediation.extensions import db

    app = create_app()
    with app.app_context(), app.test_request_context():
        db.create_all()
        started = time.perf_counter()
        result = populate(cases=args.cases, experts=args.experts, users=args.users)
        result["seconds"] = round(time.perf_counter() - started, 1)
        # Planner statistics for the fresh tables, as autovacuum would do soon after.
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        ids = list(db.session.scalars(sa.text(
            "SELECT person_id FROM hearing_members GROUP BY person_id ORDER BY count(*) DESC, "
            "person_id LIMIT :n"), {"n": args.feeds}))
        db.engine.dispose()
    result["feed_people"] = ids
    return result


def _feed_paths(env: dict, people: list[int]) -> list[str]:
    paths = []
    for person_id in people:
        out = subprocess.run([str(VENV_BIN / "mediation"), "feeds", "url", str(person_id)],  # noqa: S603
                             env=env, capture_output=True, text=True, check=True, cwd=ROOT)
        url = out.stdout.strip().splitlines()[-1]
        paths.append("/" + url.split("://", 1)[1].split("/", 1)[1])
    return paths


def _cookie(response: http.client.HTTPResponse) -> str | None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return None


def _sign_in(port: int, email: str, password: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    cookie, html = _cookie(response), response.read().decode()
    token = CSRF_RE.search(html).group(1)
    body = urlencode({"email": email, "password": password, "csrf_token": token})
    conn.request("POST", "/login", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"sign-in of {email} failed: HTTP {response.status}")
    signed = _cookie(response)
    conn.request("GET", "/cases/", headers={"Cookie": signed})
    check = conn.getresponse()
    check.read()
    if check.status != 200:
        raise RuntimeError(f"signed-in page for {email}: HTTP {check.status}")
    conn.close()
    return signed


def _wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer")


def _wrk(port: int, paths: list[str], cookies: list[str], connections: int, threads: int,
         seconds: int, tmp: Path) -> dict:
    (tmp / "paths").write_text("\n".join(paths) + "\n")
    (tmp / "cookies").write_text("\n".join(cookies) + "\n")
    env = dict(os.environ, WRK_PATHS=str(tmp / "paths"),
               WRK_COOKIES=str(tmp / "cookies") if cookies else "")
    out = subprocess.run(  # noqa: S603
        ["wrk", f"-t{min(threads, connections)}", f"-c{connections}",  # noqa: S607
         f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA), f"http://127.0.0.1:{port}"],
        env=env, capture_output=True, text=True, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("WRK_JSON "))
    return json.loads(line[len("WRK_JSON "):])


def _ticks(pid: int) -> int:
    """User + system CPU of one process so far, in clock ticks (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(x) for x in children.read_text().split()] if children.exists() else []


def _backends(pg: str, name: str) -> list[int]:
    with _admin(pg).connect() as conn:
        return list(conn.scalars(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :db"), {"db": name}))


def _cpu(master: int, pg: str, name: str) -> tuple[dict[int, int], dict[int, int]]:
    return ({pid: _ticks(pid) for pid in [master, *_workers(master)]},
            {pid: _ticks(pid) for pid in _backends(pg, name)})


def _cpu_ms(before: dict[int, int], after: dict[int, int]) -> float:
    """Milliseconds of CPU between two readings (processes started in between count whole)."""
    ticks = sum(t - before.get(pid, 0) for pid, t in after.items())
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True,  # noqa: S603, S607
                         check=False).stdout.split()
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(mem / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "wrk": wrk[1] if len(wrk) > 1 else "?"}


def main(argv=None) -> int:
    args = _parse(argv)
    for tool in ("wrk",):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: apt-get install {tool}")
    if not (VENV_BIN / "gunicorn").exists():
        sys.exit("gunicorn not found: pip install -e '.[prod]'")
    url = f"{args.pg}/{args.db}"
    env = dict(os.environ, DATABASE_URL=url, MEDIATION_ENV="production",
               SECRET_KEY=os.environ.get("LOAD_SECRET_KEY", "load-test-" + "k" * 40),
               REDIS_URL=args.redis, MEDIATION_BASE_URL=f"http://127.0.0.1:{args.port}",
               # Every signed-in user of the test comes from one address.
               MEDIATION_LOGIN_ADDRESS_LIMIT="1000")
    only = set(args.only or ["feeds", "cases", "dashboard"])
    if not args.reuse:
        _recreate(args.pg, args.db)
        info = _populate(env, args)
        print(json.dumps({k: v for k, v in info.items() if k != "accounts"}), flush=True)
        accounts = info["accounts"]
        (ROOT / "instance").mkdir(exist_ok=True)
        (ROOT / "instance" / "loadtest-accounts.json").write_text(json.dumps(
            {"accounts": accounts, "feed_people": info["feed_people"]}))
    else:
        saved = json.loads((ROOT / "instance" / "loadtest-accounts.json").read_text())
        accounts, info = saved["accounts"], {"feed_people": saved["feed_people"]}

    feeds = _feed_paths(env, info["feed_people"]) if "feeds" in only else []
    server = subprocess.Popen(  # noqa: S603
        [str(VENV_BIN / "gunicorn"), "--workers", str(args.workers),
         *(["--worker-class", "gthread", "--threads", str(args.threads)]
           if args.threads > 1 else []),
         "--preload", "--bind", f"127.0.0.1:{args.port}", "--access-logfile", "-",
         "--logger-class", "mediation.calendar.redact.GunicornLogger", "--log-level", "warning",
         "mediation:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    results = {"machine": machine(), "workers": args.workers, "threads": args.threads,
               "runs": []}
    try:
        _wait_for(args.port)
        cookies = [_sign_in(args.port, e, p) for e, p in accounts[: args.users]]
        targets = []
        if "feeds" in only:
            targets.append(("feeds", feeds, [], args.feed_connections))
        if "cases" in only:
            targets.append(("case list", CASE_LIST_PATHS, cookies, args.page_connections))
        if "dashboard" in only:
            targets.append(("dashboard", ["/dashboard/"], cookies, args.page_connections))
        with tempfile.TemporaryDirectory() as tmp:
            for name, paths, jar, connections in targets:
                _wrk(args.port, paths, jar, connections, args.wrk_threads, args.warmup,
                     Path(tmp))
                app_before, pg_before = _cpu(server.pid, args.pg, args.db)
                run = _wrk(args.port, paths, jar, connections, args.wrk_threads, args.duration,
                           Path(tmp))
                app_after, pg_after = _cpu(server.pid, args.pg, args.db)
                done = max(run["requests"], 1)
                run.update(target=name, connections=connections, paths=len(paths),
                           app_cpu_ms=round(_cpu_ms(app_before, app_after) / done, 2),
                           pg_cpu_ms=round(_cpu_ms(pg_before, pg_after) / done, 2))
                results["runs"].append(run)
                print(json.dumps(run), flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if args.drop:
            with _admin(args.pg).connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)'))
    print()
    print("| target | connections | req/s | p50 ms | p95 ms | p99 ms | non-200 | app CPU ms/req "
          "| PostgreSQL CPU ms/req |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results["runs"]:
        print(f"| {r['target']} | {r['connections']} | {r['rps']:.0f} | {r['p50_ms']:.0f} | "
              f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['not_200'] + r['socket_errors']} | "
              f"{r['app_cpu_ms']:.1f} | {r['pg_cpu_ms']:.1f} |")
    print()
    print(json.dumps(results["machine"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

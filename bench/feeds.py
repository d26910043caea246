"""Feed benchmark: a person feed of 200 hearings and a centre feed of 2,000, each cold, cached
and 304, on PostgreSQL, in-process (Flask test client), measuring the app's CPU per request.

    python -m bench.feeds [--pg postgresql+psycopg://postgres@127.0.0.1:5432] [--db bench_feeds]
                          [--repeat 50]

(Re)creates the database `--db`, fills it with Chinese-named centres and rooms, 2,000 published
hearings in one centre (200 of them with one person on the panel), then for each feed:

* cold: the first request after the process cache is emptied (renders every event);
* cached 200: an unconditional request with the rendered feed in the process cache;
* 304: a request with the feed's ETag in If-None-Match;

and prints one JSON line per measurement (median of `--repeat` requests, CPU time of this process
from `time.process_time`, which PostgreSQL's own work on the same machine does not count) and a
Markdown table for docs/calendars.md, with the feed sizes (plain and gzipped).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

import sqlalchemy as sa

from mediation import create_app
from mediation.calendar import feeds
from mediation.calendar.services import ensure_token, token_of
from mediation.cases.models import Case
from mediation.centres.models import Centre, HearingSession, Room
from mediation.extensions import db
from mediation.hearings.models import Hearing, HearingMember
from mediation.regions.models import Region
from mediation.roster.models import Person
from mediation.timeutil import local_to_utc


def _recreate(server: str, name: str) -> str:
    engine = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{server}/{name}"


def _fill(db, hearings: int, person_share: int) -> dict:

    region = Region(code="bench", name="宁安县", level="county")
    centre = Centre(code="BC1", name="宁安县矛盾纠纷调处化解中心", level="county", region=region,
                    open_weekdays=[1, 2, 3, 4, 5, 6, 7], address="贵州省宁安县人民路 128 号")
    rooms = [Room(code=f"BC1-R{i}", name=f"第{i}调解室", capacity=12) for i in range(1, 5)]
    centre.rooms = rooms
    sessions = [HearingSession(code="am", name="上午", starts_at=dtime(9), ends_at=dtime(12)),
                HearingSession(code="pm", name="下午", starts_at=dtime(14), ends_at=dtime(17))]
    people = [Person(code=f"E{i:04d}", name=f"专家{i}", email=f"e{i}@example.org",
                     is_expert=True, locale="zh_Hans_CN") for i in range(1, 31)]
    db.session.add_all([region, centre, *sessions, *people])
    db.session.flush()
    star = people[0]
    start = date.today() + timedelta(days=1)
    now = datetime.now(UTC)
    for i in range(hearings):
        case = Case(reference=f"QS-2026-{i + 1:05d}", title="-", category="other",
                    region_id=region.id, status="in_handling", registered_on=start)
        db.session.add(case)
        db.session.flush()
        day = start + timedelta(days=i // (len(rooms) * len(sessions)))
        room = rooms[i % len(rooms)]
        session = sessions[(i // len(rooms)) % len(sessions)]
        h = Hearing(case_id=case.id, room=room, date=day, session=session, layer=0,
                    status="published", starts_at=local_to_utc(day, session.starts_at),
                    ends_at=local_to_utc(day, session.ends_at), published_at=now,
                    last_modified_at=now)
        db.session.add(h)
        db.session.flush()
        # Rooms of one session get disjoint panels (a person is in one place at a time).
        r = i % len(rooms)
        panel = [people[1 + (3 * r + k + 12 * (i // len(rooms))) % (len(people) - 2)]
                 for k in range(3)]
        if i % (hearings // person_share) == 0:
            panel[0] = star
        for person, role in zip(panel, ("chair", "member", "member"), strict=True):
            db.session.add(HearingMember(hearing_id=h.id, date=h.date, session_id=session.id,
                                         layer=0, status="published", person_id=person.id,
                                         role=role))
    db.session.flush()
    tokens = {"person": token_of(ensure_token("person", star)),
              "centre": token_of(ensure_token("centre", centre))}
    db.session.commit()
    return tokens


def _cpu_ms(action, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        before = time.process_time()
        action()
        samples.append((time.process_time() - before) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="bench_feeds")
    parser.add_argument("--hearings", type=int, default=2000)
    parser.add_argument("--person-hearings", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()


    url = _recreate(args.pg, args.db)
    app = create_app({"DATABASE_URL": url, "MEDIATION_BASE_URL": "https://mediation.example.org",
                      "MEDIATION_TICK_SECONDS": 0})
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        tokens = _fill(db, args.hearings, args.person_hearings)
        print(json.dumps({"filled_seconds": round(time.perf_counter() - started, 1)}))
    client = app.test_client()
    rows = []
    for kind, token in tokens.items():
        path = f"/feeds/{token}.ics"

        def cold(path=path):
            feeds._cache.clear()
            assert client.get(path).status_code == 200

        def cached(path=path):
            assert client.get(path).status_code == 200

        first = client.get(path)
        etag = first.headers["ETag"]
        size = len(first.get_data())
        gz = len(client.get(path, headers={"Accept-Encoding": "gzip"}).get_data())
        events = first.get_data().count(b"BEGIN:VEVENT")

        def not_modified(path=path, etag=etag):
            assert client.get(path, headers={"If-None-Match": etag}).status_code == 304

        result = {"feed": kind, "events": events, "bytes": size, "gzip_bytes": gz,
                  "cold_ms": round(_cpu_ms(cold, max(3, args.repeat // 10)), 2),
                  "cached_200_ms": round(_cpu_ms(cached, args.repeat), 2),
                  "not_modified_ms": round(_cpu_ms(not_modified, args.repeat), 2)}
        print(json.dumps(result))
        rows.append(result)
    print("\n| feed | events | bytes | gzipped | cold | cached 200 | 304 |\n"
          "| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['feed']} | {r['events']} | {r['bytes']:,} | {r['gzip_bytes']:,} | "
              f"{r['cold_ms']} ms | {r['cached_200_ms']} ms | {r['not_modified_ms']} ms |")


if __name__ == "__main__":
    main()

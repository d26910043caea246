"""Fill an empty database fast (bulk INSERTs, a few seconds for 10,000 cases): a city of 6
counties and 36 towns, 30 rooms, `experts` experts and 60 counsellors, `cases` cases over the last
year in every status (one in ten a repeat), parties, respondents, ~3,000 published hearings
around today (panels of three, a counsellor at every third), a finished plan run with 200
unscheduled cases, and `users` coordinator accounts.

Deterministic for a seed; no two hearings share a room or a person in one session.
"""

from __future__ import annotations

import random
import secrets
from datetime import date, time, timedelta

import sqlalchemy as sa

from mediation.auth.services import create_user
from mediation.cases.models import (
    CASE_STATUSES,
    CATEGORIES,
    Case,
    CaseLink,
    Party,
    case_respondents,
)
from mediation.centres.models import Centre, HearingSession, Room
from mediation.extensions import db
from mediation.hearings.models import Hearing, HearingMember
from mediation.planning.models import PlanRun, UnscheduledCase
from mediation.regions.models import Region
from mediation.roster.models import Leader, Organisation, Person
from mediation.timeutil import local_to_utc, local_today

COUNSELLORS = 60
HEARINGS = 3_000
CLOSED = ("resolved", "terminated", "not_accepted", "transferred", "referred")


def _ids(model, order=None) -> list[int]:
    return list(db.session.scalars(sa.select(model.id).order_by(order or model.id)))


def populate(cases: int = 10_000, experts: int = 1_000, users: int = 20, seed: int = 7,
             today: date | None = None) -> dict:
    """Fill the (empty) database; returns the user accounts [(email, password)] and counts."""
    rng = random.Random(seed)
    today = today or local_today()

    db.session.execute(sa.insert(Region), [{"code": "qs", "name": "Qingshan City", "level": "city"}])
    city = _ids(Region)[0]
    db.session.execute(sa.insert(Region), [
        {"code": f"qs.{c}", "name": f"County {c}", "level": "county", "parent_id": city}
        for c in range(6)])
    counties = _ids(Region)[1:]
    db.session.execute(sa.insert(Region), [
        {"code": f"qs.{c}.{t}", "name": f"Town {c}.{t}", "level": "town", "parent_id": county}
        for c, county in enumerate(counties) for t in range(6)])
    towns = _ids(Region)[7:]

    db.session.execute(sa.insert(HearingSession), [
        {"code": "am", "name": "Morning", "starts_at": time(9), "ends_at": time(12)},
        {"code": "pm", "name": "Afternoon", "starts_at": time(14), "ends_at": time(17, 30)}])
    sessions = list(db.session.execute(
        sa.select(HearingSession.id, HearingSession.starts_at, HearingSession.ends_at)
        .order_by(HearingSession.id)))

    centre_rows = [{"code": f"cc{c}", "name": f"County centre {c}", "level": "county",
                    "region_id": county, "open_weekdays": [1, 2, 3, 4, 5]}
                   for c, county in enumerate(counties)]
    centre_rows += [{"code": f"tc{t}", "name": f"Town centre {t}", "level": "town",
                     "region_id": towns[t * 3], "open_weekdays": [1, 2, 3, 4, 5]}
                    for t in range(12)]
    db.session.execute(sa.insert(Centre), centre_rows)
    centres = _ids(Centre)
    room_rows = []
    for i, centre in enumerate(centres):
        for r in range(3 if i < 6 else 1):
            room_rows.append({"code": f"room{i}.{r}", "name": f"Room {r + 1}", "centre_id": centre,
                              "capacity": 30 if r == 0 and i < 6 else 8})
    db.session.execute(sa.insert(Room), room_rows)
    rooms = _ids(Room)

    db.session.execute(sa.insert(Organisation), [
        {"name": f"Respondent organisation {i}", "kind": "company" if i % 3 else "government"}
        for i in range(200)])
    orgs = _ids(Organisation)
    db.session.execute(sa.insert(Leader), [
        {"code": f"L{i + 1:04d}", "name": f"Leader {i}", "active": True} for i in range(40)])
    leaders = _ids(Leader)

    people = [{"code": f"E{i:04d}", "name": f"Expert {i}", "is_expert": True,
               "is_counsellor": False, "active": True, "locale": "zh_Hans_CN",
               "max_hearings": 20, "email": f"expert{i}@example.org"} for i in range(experts)]
    people += [{"code": f"C{i:03d}", "name": f"Counsellor {i}", "is_expert": False,
                "is_counsellor": True, "active": True, "locale": "zh_Hans_CN",
                "email": f"counsellor{i}@example.org"} for i in range(COUNSELLORS)]
    db.session.execute(sa.insert(Person), people)
    person_ids = _ids(Person)
    expert_ids, counsellor_ids = person_ids[:experts], person_ids[experts:]

    rows = []
    for i in range(cases):
        registered = today - timedelta(days=rng.randrange(365))
        status = rng.choice(CASE_STATUSES)
        accepted = (registered + timedelta(days=rng.randrange(1, 20))
                    if status not in ("registered", "not_accepted") else None)
        if accepted and accepted > today:
            accepted = today
        closed = (registered + timedelta(days=rng.randrange(10, 90))
                  if status in CLOSED else None)
        if closed and closed > today:
            closed = today
        rows.append({
            "reference": f"QS-L-{i:05d}", "title": f"Load-test case {i}",
            "category": rng.choice(CATEGORIES), "region_id": rng.choice(towns + counties),
            "status": status, "registered_on": registered, "accepted_on": accepted,
            "acceptance_due_on": registered + timedelta(days=15),
            "handling_due_on": (accepted + timedelta(days=60)) if accepted else None,
            "due_by": (accepted + timedelta(days=30)) if accepted else None,
            "closed_on": closed, "priority": rng.randint(1, 5), "attendees": rng.randint(1, 6),
            "needs_counsellor": rng.random() < 0.3, "repeat_count": 1 if i % 10 == 9 else 0,
            "escalation_level": 0, "in_petition_statistics": status != "transferred",
            "responsible_leader_id": leaders[i % 40],
        })
    db.session.execute(sa.insert(Case), rows)
    case_ids = _ids(Case)
    db.session.execute(sa.insert(Party), [
        {"case_id": cid, "kind": "person", "name": f"Petitioner {i}",
         "id_number": f"3601021990{i:08d}", "phone": f"138{i:08d}"}
        for i, cid in enumerate(case_ids)])
    db.session.execute(sa.insert(case_respondents), [
        {"case_id": cid, "organisation_id": orgs[i % len(orgs)]} for i, cid in enumerate(case_ids)])
    db.session.execute(sa.insert(CaseLink), [
        {"case_id": case_ids[i], "earlier_case_id": case_ids[i - 7], "reason": "repeat"}
        for i in range(9, cases, 10)])

    # Hearings: weekdays from 45 days ago to 45 days ahead, both sessions, every room.
    slots = []
    day = today - timedelta(days=45)
    while day <= today + timedelta(days=45):
        if day.isoweekday() <= 5:
            slots += [(day, s) for s in sessions]
        day += timedelta(days=1)
    hearing_rows, panels = [], []
    for k in range(min(HEARINGS, len(slots) * len(rooms))):
        slot_index, room_index = divmod(k, len(rooms))
        day, (session_id, starts, ends) = slots[slot_index]
        # Within one slot, rooms take disjoint seats of the expert and counsellor lists.
        base = slot_index * len(rooms) * 3
        panel = [expert_ids[(base + room_index * 3 + j) % len(expert_ids)] for j in range(3)]
        counsellor = (counsellor_ids[(slot_index * len(rooms) + room_index) % len(counsellor_ids)]
                      if k % 3 == 0 else None)
        hearing_rows.append({
            "uid": f"{secrets.token_hex(16)}@mediation", "sequence": k % 3,
            "case_id": case_ids[(k * 3) % len(case_ids)], "layer": 0,
            "room_id": rooms[room_index], "date": day, "session_id": session_id,
            "starts_at": local_to_utc(day, starts), "ends_at": local_to_utc(day, ends),
            "status": "published", "pinned": False, "version": 1,
            "published_at": local_to_utc(day - timedelta(days=14), starts)})
        panels.append((day, session_id, panel, counsellor))
    db.session.execute(sa.insert(Hearing), hearing_rows)
    hearing_ids = _ids(Hearing)
    members = []
    for hearing_id, (day, session_id, panel, counsellor) in zip(hearing_ids, panels, strict=True):
        seats = list(zip(panel, ("chair", "member", "member"), strict=True))
        if counsellor is not None:
            seats.append((counsellor, "counsellor"))
        members += [{"hearing_id": hearing_id, "date": day, "session_id": session_id,
                     "layer": 0, "status": "published", "person_id": person, "role": role,
                     "added_at": local_to_utc(day - timedelta(days=14), time(9))}
                    for person, role in seats]
    db.session.execute(sa.insert(HearingMember), members)

    run = PlanRun(status="succeeded", horizon_start=today, horizon_end=today + timedelta(days=14),
                  scope={"kind": "all"}, scope_key="all", scheduled_count=300,
                  unscheduled_count=200)
    db.session.add(run)
    db.session.flush()
    db.session.execute(sa.insert(UnscheduledCase), [
        {"plan_run_id": run.id, "case_id": case_ids[i * 37 % len(case_ids)],
         "reasons": ["no conflict-free expert in `medical` serves County 2 on the open dates"]}
        for i in range(200)])

    accounts = []
    for u in range(users):
        email, password = f"load{u}@example.org", secrets.token_urlsafe(18)
        create_user(email, password, role="coordinator", name=f"Load user {u}")
        accounts.append((email, password))
    db.session.commit()
    return {"accounts": accounts, "cases": len(case_ids), "experts": len(expert_ids),
            "counsellors": len(counsellor_ids), "hearings": len(hearing_ids),
            "hearing_members": len(members)}

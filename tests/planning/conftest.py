"""A small world to plan in: one county, two centres, seven experts, two counsellors, four
accepted cases; the planner schedules all four within a second."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from mediation.auth.services import create_user
from mediation.planning.runs import RunRequest, run_now
from tests import factories as F

# Dates relative to today (the planner refuses horizons in the past): a Tuesday one to two
# weeks ahead, and the working days around it.
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
TUESDAY = TODAY + timedelta(days=(1 - TODAY.weekday()) % 7 + 7)
HORIZON = (TUESDAY, TUESDAY + timedelta(days=3))  # Tuesday to Friday
WEDNESDAY, THURSDAY, FRIDAY = (TUESDAY + timedelta(days=n) for n in (1, 2, 3))
SATURDAY = TUESDAY + timedelta(days=4)
MONDAY = TUESDAY - timedelta(days=1)
NEXT_MONDAY = TUESDAY + timedelta(days=6)
ACCEPTED = TODAY - timedelta(days=4)
DUE = TUESDAY + timedelta(days=19)


@dataclass
class World:
    region: object
    centres: list
    rooms: list
    am: object
    pm: object
    experts: list
    counsellors: list
    cases: list
    user: object


@pytest.fixture
def world(db) -> World:
    county = F.region("A")
    am = F.session_block("am", time(9), time(12))
    pm = F.session_block("pm", time(14), time(17))
    wages, land = F.expertise("wages"), F.expertise("land")
    centres = [F.centre(county), F.centre(county)]
    experts = []
    for i in range(7):
        p = F.person(code=f"E{i}", name=f"Expert {i}", email=f"e{i}@example.org")
        p.expertise = [wages] if i % 2 == 0 else [land]
        if i == 0:
            p.expertise = [wages, land]
        experts.append(p)
    counsellors = [F.person(expert=False, counsellor=True, code=f"C{i}", name=f"Counsellor {i}",
                            email=f"c{i}@example.org") for i in range(2)]
    cases = []
    for i in range(4):
        c = F.case(county, reference=f"W-{i}", status="accepted", accepted_on=ACCEPTED,
                   due_by=DUE, priority=5 - i, needs_counsellor=(i == 0))
        c.required_expertise = [wages] if i % 2 == 0 else [land]
        cases.append(c)
    user = create_user("planner@example.org", "correct horse battery", role="coordinator")
    db.session.commit()
    return World(county, centres, [c.rooms[0] for c in centres], am, pm, experts, counsellors,
                 cases, user)


@pytest.fixture
def planned(world):
    """The world with a succeeded run (not yet published)."""
    run = run_now(RunRequest(*HORIZON, time_limit=5), world.user)
    assert run.status == "succeeded", run.error
    return run

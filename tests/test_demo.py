"""The demo: realistic, reproducible, and browsable."""

import hashlib
import re
from datetime import date

import sqlalchemy as sa

from mediation.cases.models import Case, CaseLink
from mediation.centres.models import Centre, Room
from mediation.conflicts.models import Conflict
from mediation.demo.services import load_demo
from mediation.roster.models import Organisation, Person
from mediation.roster.services import find_organisation
from tests.conftest import sign_in

TODAY = date(2026, 12, 1)


def _fingerprint(db) -> str:
    """A digest of the demo's content (without generated passwords or timestamps)."""
    rows = []
    for case in db.session.scalars(sa.select(Case).order_by(Case.reference)):
        rows.append((case.reference, case.title, case.region.code, case.status, case.priority,
                     case.attendees, str(case.due_by), [p.name for p in case.parties],
                     [o.name for o in case.respondents], [a.code for a in case.required_expertise]))
    for person in db.session.scalars(sa.select(Person).order_by(Person.code)):
        rows.append((person.code, person.name, person.max_hearings, person.available_weekdays,
                     [a.code for a in person.expertise], [r.code for r in person.regions]))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_demo_is_realistic(db):
    result = load_demo(seed=7, today=TODAY)
    db.session.commit()
    count = lambda model, *where: db.session.scalar(  # noqa: E731
        sa.select(sa.func.count()).select_from(model).where(*where))
    assert count(Person, Person.is_expert) == 60
    assert count(Person, Person.is_counsellor) >= 10
    assert count(Case) == 120 == result.counts["cases"]
    assert len({c.category for c in db.session.scalars(sa.select(Case))}) >= 6
    # A hall for group cases, and group cases that need it.
    assert count(Room, Room.capacity >= 40) >= 1
    assert count(Case, Case.attendees >= 20) >= 1
    # A market-day venue that opens only on given dates.
    venue = db.session.scalar(sa.select(Centre).where(Centre.level == "venue"))
    assert venue.open_weekdays == [] and len(venue.open_dates) >= 5
    assert all(venue.is_open_on(d) for d in venue.open_dates)
    # Market days on a 1/4/7 cycle and on lunar days, with their "6+N" reception teams.
    from mediation.centres.services import lunar_day_of
    digits = db.session.scalar(sa.select(Centre).where(Centre.code == "by-ml-market"))
    assert len(digits.open_dates) >= 20 and {d.day % 10 for d in digits.open_dates} == {1, 4, 7}
    lunar = db.session.scalar(sa.select(Centre).where(Centre.code == "fx-xs-market"))
    assert len(lunar.open_dates) >= 6
    assert {lunar_day_of(d) for d in lunar.open_dates} == {1, 11, 21}
    assert all(d.lead_organisation and len(d.team_units) >= 4 for d in lunar.dates)
    # Deadlines: accepted cases have a hearing due date after acceptance, on a working day.
    from mediation.cases.clocks import is_working_day
    accepted = list(db.session.scalars(sa.select(Case).where(Case.accepted_on.is_not(None))))
    assert len(accepted) > 60
    assert all(c.due_by > c.accepted_on and is_working_day(c.due_by) for c in accepted)
    # Declared conflicts of every kind, repeats linked to earlier cases.
    kinds = {c.kind for c in db.session.scalars(sa.select(Conflict))}
    assert kinds == {"hard", "waivable", "soft"}
    assert count(CaseLink) >= 1
    # Organisations are records with aliases.
    assert find_organisation("Ning'an Town Government").name == "宁安镇人民政府"
    assert count(Organisation) >= 20


def test_demo_is_reproducible(app, db):
    load_demo(seed=7, today=TODAY)
    db.session.commit()
    first = _fingerprint(db)
    from tests.conftest import _truncate_all

    _truncate_all(db.engine.dialect.name)
    load_demo(seed=7, today=TODAY)
    db.session.commit()
    assert _fingerprint(db) == first
    _truncate_all(db.engine.dialect.name)
    load_demo(seed=8, today=TODAY)
    db.session.commit()
    assert _fingerprint(db) != first


def test_demo_command_prints_working_credentials_and_is_rerunnable(runner, client, db):
    result = runner.invoke(args=["demo", "--today", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert "Demo loaded" in result.output and "120 cases" in result.output
    email, password = re.search(r"admin:\s+(\S+)\s+password: (\S+)", result.output).groups()
    assert sign_in(client, email, password).status_code == 302
    for path in ("/", "/cases/", "/roster/", "/centres/", "/planning/", "/cases/?q=QS&page=2"):
        assert client.get(path).status_code == 200, path
    case = db.session.scalar(sa.select(Case).order_by(Case.id))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert case.reference in page and "register" in page

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 120
    new_password = re.search(r"admin:\s+\S+\s+password: (\S+)", again.output).group(1)
    assert new_password != password


def test_case_search_finds_a_party_by_name(db, signed_in):
    load_demo(seed=7, today=TODAY)
    db.session.commit()
    case = db.session.scalar(sa.select(Case).where(Case.reference == "QS-2026-0042"))
    html = signed_in.get("/cases/", query_string={"q": case.parties[0].name}).get_data(as_text=True)
    assert case.reference in html
    assert "120 cases" in signed_in.get("/cases/").get_data(as_text=True)

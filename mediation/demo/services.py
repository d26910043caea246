"""A realistic, reproducible demo: a city with counties and towns, centres, a market-day venue,
~60 experts, ~10 counsellors, ~120 cases with deadlines, group cases and declared conflicts.

Every date is relative to `today`, so the demo looks alive whenever it is loaded; the same seed
and `today` give the same data.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from mediation.auth.models import User
from mediation.auth.services import create_user, password_matches, set_password
from mediation.cases.clocks import deadline, limits
from mediation.cases.followups import FollowUp
from mediation.cases.models import Case, CaseEvent, CaseLink, PanelOpinion, Party
from mediation.cases.services import CHECKLIST
from mediation.centres.models import Centre, CentreDate, HearingSession, Room
from mediation.centres.services import DIGIT_CYCLES, days_by_last_digit, lunar_days
from mediation.conflicts.models import Conflict
from mediation.demo import data
from mediation.extensions import db
from mediation.hearings import lifecycle, outcomes
from mediation.hearings.models import Hearing
from mediation.regions.models import Region
from mediation.roster.models import ExpertiseArea, Leader, Organisation, Person, Unavailability
from mediation.roster.services import get_or_create_organisation
from mediation.timeutil import local_to_utc, local_zone

ADMIN_EMAIL = "admin@example.org"
COORDINATOR_EMAIL = "coordinator@example.org"


@dataclass
class DemoResult:
    admin_email: str
    admin_password: str
    coordinator_email: str
    coordinator_password: str
    counts: dict[str, int]


def has_data() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Region)) > 0


def load_demo(seed: int = 2026, today: date | None = None) -> DemoResult:
    """Load the demo into an empty database (flushes; the caller commits)."""
    if has_data():
        raise RuntimeError("the database already has data; the demo loads only into an empty one")
    rng = random.Random(seed)
    today = today or datetime.now(local_zone()).date()

    sessions = _sessions()
    areas = _expertise()
    regions = _regions()
    orgs = _organisations()
    _centres(rng, regions, today)
    _market_day_venues(regions, orgs, today)
    people = _people(rng, regions, areas, orgs, sessions, today)
    admin_pw, coord_pw = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    admin = create_user(ADMIN_EMAIL, admin_pw, role="admin", name="演示管理员")
    coordinator = create_user(COORDINATOR_EMAIL, coord_pw, role="coordinator",
                              name="演示协调员")
    leaders = _leaders(coordinator)
    cases = _cases(rng, regions, areas, orgs, admin, today, leaders)
    _conflicts(rng, people, cases, orgs)
    db.session.flush()
    _hearings_held(rng, cases, people, sessions, admin, today)
    counts = {
        "regions": len(regions), "people": len(people), "cases": len(cases),
        "centres": db.session.scalar(sa.select(sa.func.count()).select_from(Centre)),
        "rooms": db.session.scalar(sa.select(sa.func.count()).select_from(Room)),
        "conflicts": db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)),
        "hearings": db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)),
        "follow-ups": db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)),
    }
    return DemoResult(ADMIN_EMAIL, admin_pw, COORDINATOR_EMAIL, coord_pw, counts)


def reset_demo_passwords() -> DemoResult:
    """Give the demo accounts fresh passwords (the demo is already loaded)."""
    passwords = {}
    for email in (ADMIN_EMAIL, COORDINATOR_EMAIL):
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        if user is None:
            raise RuntimeError(f"no demo account {email}: this database was not loaded by the demo")
        passwords[email] = secrets.token_urlsafe(12)
        set_password(user, passwords[email])
    return DemoResult(ADMIN_EMAIL, passwords[ADMIN_EMAIL], COORDINATOR_EMAIL,
                      passwords[COORDINATOR_EMAIL], {})


# --- the accounts, for `mediation run` ---------------------------------------------------------
#
# `mediation demo` prints the accounts once; `mediation run` prints them again as its last lines
# before serving, so a new user does not have to find them in the scroll-back. The passwords of
# the demo accounts (and only those) are kept for that in a file readable by the owner only,
# one per database so two databases never mix: beside an SQLite database file, else in the
# instance folder named after the database URL. They are printed only while they are still the
# accounts' passwords (changed or reset since: not printed).


def accounts_file() -> Path:
    url = sa.engine.make_url(str(current_app.config["SQLALCHEMY_DATABASE_URI"]))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = Path(url.database)
        return database.with_name(database.name + ".demo-accounts.json")
    name = hashlib.sha256(url.render_as_string(hide_password=False).encode()).hexdigest()[:12]
    return Path(current_app.instance_path) / f"demo-accounts-{name}.json"


def remember_accounts(result: DemoResult) -> None:
    """Keep the demo accounts' passwords for `mediation run` (after the caller's commit)."""
    path = accounts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"admin": [result.admin_email, result.admin_password],
                       "coordinator": [result.coordinator_email, result.coordinator_password]})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(body)


def remembered_accounts() -> list[tuple[str, str, str]]:
    """(role, email, password) of each demo account whose kept password still signs in."""
    try:
        kept = json.loads(accounts_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for role in ("admin", "coordinator"):
        email, password = (kept.get(role) or [None, None])[:2]
        user = db.session.scalar(sa.select(User).filter_by(email=email)) if email else None
        if user is not None and user.active and password_matches(user, password or ""):
            out.append((role, email, password))
    return out


def _sessions() -> list[HearingSession]:
    sessions = [
        HearingSession(code="am", name="Morning", starts_at=time(9), ends_at=time(12), position=1),
        HearingSession(code="pm", name="Afternoon", starts_at=time(14), ends_at=time(17, 30), position=2),
    ]
    db.session.add_all(sessions)
    return sessions


def _expertise() -> dict[str, ExpertiseArea]:
    areas = {code: ExpertiseArea(code=code, name_en=en, name_zh=zh) for code, en, zh in data.EXPERTISE}
    db.session.add_all(areas.values())
    return areas


def _regions() -> dict[str, Region]:
    city_code, city_name = data.CITY
    city = Region(code=city_code, name=city_name, level="city")
    regions = {city.code: city}
    for c_code, (c_name, towns) in data.COUNTIES.items():
        county = Region(code=f"{city_code}.{c_code}", name=c_name, level="county", parent=city)
        regions[county.code] = county
        for t_code, t_name in towns:
            town = Region(code=f"{county.code}.{t_code}", name=t_name, level="town", parent=county)
            regions[town.code] = town
            for v_index, v_name in enumerate(data.VILLAGES[:2]):
                village = Region(code=f"{town.code}.v{v_index + 1}", name=f"{t_name}{v_name}",
                                 level="village", parent=town)
                regions[village.code] = village
    db.session.add_all(regions.values())
    return regions


def _organisations() -> dict[str, Organisation]:
    orgs = {}
    for name, aliases, kind, _categories in data.ORGANISATIONS:
        orgs[name] = get_or_create_organisation(name, aliases)
        orgs[name].kind = kind
    for name, aliases in data.EMPLOYERS:
        orgs[name] = get_or_create_organisation(name, aliases)
        orgs[name].kind = "employer"
    # Supervising departments: town governments answer to the natural resources bureau here.
    for town_gov in ("宁安镇人民政府", "河山镇人民政府", "大口镇人民政府"):
        orgs[town_gov].parent = orgs["青山市自然资源局"]
    return orgs


def _centres(rng: random.Random, regions: dict[str, Region], today: date) -> None:
    weekdays = [1, 2, 3, 4, 5]
    # Holidays come from the official calendar (centres follow it by default), not typed closures.
    for c_code, (c_name, towns) in data.COUNTIES.items():
        county = regions[f"qs.{c_code}"]
        centre = Centre(code=f"{c_code}-county", name=f"{c_name}矛盾纠纷调解中心",
                        level="county", region=county, open_weekdays=weekdays,
                        address=f"{c_name}人民路1号")
        rooms = [("R1", "第一调解室", 12), ("R2", "第二调解室", 10), ("R3", "第三调解室", 8)]
        if c_code == "dh":  # the main county centre: more rooms and a hall for group cases
            rooms += [("R4", "第四调解室", 8), ("HALL", "大会议室", 60)]
        elif c_code == "by":
            rooms += [("HALL", "大会议室", 45)]
        centre.rooms = [Room(code=f"{centre.code}-{r}", name=n, capacity=cap) for r, n, cap in rooms]
        db.session.add(centre)
        for t_code, t_name in towns[:2]:
            town = regions[f"{county.code}.{t_code}"]
            tc = Centre(code=f"{c_code}-{t_code}", name=f"{t_name}调解室",
                        level="town", region=town, open_weekdays=[1, 2, 3, 4, 5],
                        address=f"{c_name}{t_name}人民政府大院")
            tc.rooms = [Room(code=f"{tc.code}-R1", name="第一调解室", capacity=rng.choice([8, 10]))]
            if rng.random() < 0.5:
                tc.rooms.append(Room(code=f"{tc.code}-R2", name="第二调解室", capacity=6))
            db.session.add(tc)
    # A tour-reception venue that opens only on market days (every 5th day).
    town = regions["qs.lq.bs"]
    venue = Centre(code="lq-bs-market", name="白沙镇赶集日接访点", level="venue",
                   region=town, open_weekdays=[], address="龙泉县白沙镇集贸市场")
    venue.rooms = [Room(code="lq-bs-market-R1", name="接访棚", capacity=10)]
    first = today + timedelta(days=(5 - today.toordinal() % 5) % 5)
    venue.dates = [CentreDate(date=first + timedelta(days=5 * k), kind="open", note="赶集日")
                   for k in range(12)]
    db.session.add(venue)


# The "6+N" tour-reception teams: a lead unit and the other units that go to the market.
TEAMS = {
    "by-ml-market": ("白云县信访局",
                     ["白云县人民法院", "白云县司法局", "梅岭派出所", "青山市人力资源和社会保障局",
                      "青山市自然资源局"]),
    "fx-xs-market": ("丰溪县信访局",
                     ["丰溪县人民法院", "丰溪县司法局", "下市派出所", "青山市住房和城乡建设局"]),
}


def _market_day_venues(regions: dict[str, Region], orgs: dict[str, Organisation],
                       today: date) -> None:
    """Two more tour-reception venues: Meiling's market on days ending in 1/4/7 (逢一四七) and
    Xiashi's on the lunar 1st, 11th and 21st (农历初一、十一、廿一), with their reception teams."""
    end = today + timedelta(days=90)
    venues = [
        ("by-ml-market", "梅岭镇赶集日接访点", "qs.by.ml", "白云县梅岭镇老街",
         days_by_last_digit(today, end, DIGIT_CYCLES["147"]), "赶集日（逢一四七）"),
        ("fx-xs-market", "下市镇赶集日接访点", "qs.fx.xs", "丰溪县下市镇农贸市场",
         lunar_days(today, end, (1, 11, 21)), "赶集日（农历初一、十一、廿一）"),
    ]
    for code, name, region, address, days, note in venues:
        venue = Centre(code=code, name=name, level="venue", region=regions[region],
                       open_weekdays=[], follows_official_calendar=False, address=address)
        venue.rooms = [Room(code=f"{code}-R1", name="接访棚", capacity=10)]
        lead_name, unit_names = TEAMS[code]
        lead = orgs.get(lead_name) or get_or_create_organisation(lead_name)
        units = sorted((orgs.get(n) or get_or_create_organisation(n) for n in unit_names),
                       key=lambda o: o.name)
        venue.dates = [CentreDate(date=d, kind="open", note=note, lead_organisation=lead,
                                  team_units=list(units)) for d in days]
        db.session.add(venue)


def _person_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(data.SURNAMES)}{rng.choice(data.GIVEN)}{rng.choice(['', rng.choice(data.GIVEN)])}"
        if name not in used:
            used.add(name)
            return name


def _people(rng, regions, areas, orgs, sessions, today) -> list[Person]:
    used: set[str] = set()
    counties = [r for r in regions.values() if r.level == "county"]
    area_codes = list(areas)
    weights = [5, 4, 4, 6, 3, 2, 2, 2, 2]  # land, labour, housing, law are the common needs
    employers = [orgs[name] for name, _ in data.EMPLOYERS if name != data.COUNSELLING_CENTRE]
    people = []
    for i in range(60):
        expertise = set(rng.choices(area_codes, weights=weights, k=rng.choice([1, 2, 2, 3])))
        person = Person(
            code=f"E{i + 1:03d}", name=_person_name(rng, used), is_expert=True,
            is_counsellor=i in (7, 33),
            email=f"expert{i + 1:03d}@example.org", phone=f"139{rng.randrange(10**8):08d}",
            title=rng.choice(data.EXPERT_TITLES),
            max_hearings=rng.choice([4, 6, 8, 10]), max_per_day=rng.choice([1, 1, 2]),
            available_weekdays=rng.choice([None, [1, 2, 3, 4, 5], [1, 3, 5], [2, 4], [1, 2, 3, 4, 5, 6]]),
            locale=rng.choice(["zh_Hans_CN", "zh_Hans_CN", "en"]),
        )
        person.expertise = [areas[c] for c in sorted(expertise)]
        person.organisations = [rng.choice(employers)]
        if rng.random() < 0.12:  # a few serve on public bodies that are also respondents
            person.organisations.append(orgs[rng.choice(data.ORGANISATIONS)[0]])
        if rng.random() < 0.7:  # most serve one or two counties; the rest travel anywhere
            person.regions = rng.sample(counties, rng.choice([1, 1, 2]))
        _unavailability(rng, person, sessions, today)
        people.append(person)
    counselling = orgs[data.COUNSELLING_CENTRE]
    for i in range(10):
        person = Person(
            code=f"C{i + 1:03d}", name=_person_name(rng, used), is_expert=False, is_counsellor=True,
            email=f"counsellor{i + 1:03d}@example.org", phone=f"138{rng.randrange(10**8):08d}",
            title=data.COUNSELLOR_TITLE, max_hearings=rng.choice([8, 10, 12]), max_per_day=2,
            available_weekdays=rng.choice([None, [1, 2, 3, 4, 5]]), locale="zh_Hans_CN",
        )
        person.organisations = [counselling]
        if rng.random() < 0.5:
            person.regions = [rng.choice(counties)]
        _unavailability(rng, person, sessions, today)
        people.append(person)
    db.session.add_all(people)
    return people


def _unavailability(rng, person: Person, sessions, today: date) -> None:
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        day = today + timedelta(days=rng.randrange(1, 40))
        session = rng.choice([None, None, *sessions])
        if all(u.date != day for u in person.unavailability):
            person.unavailability.append(
                Unavailability(date=day, session=session, reason=rng.choice(data.AWAY_REASONS))
            )


def _leaders(coordinator: User) -> list[Leader]:
    leaders = [Leader(code=f"L{i + 1:04d}", name=name, post=post)
               for i, (name, post) in enumerate(data.LEADERS)]
    leaders[data.COORDINATOR_LEADER].user = coordinator
    db.session.add_all(leaders)
    db.session.flush()
    return leaders


def _cases(rng, regions, areas, orgs, admin: User, today: date,
           leaders: list[Leader]) -> list[Case]:
    lim = limits()
    towns_and_villages = [r for r in regions.values() if r.level in ("town", "village")]
    respondents_by_category: dict[str, list[Organisation]] = {}
    for name, _aliases, _kind, categories in data.ORGANISATIONS:
        for c in categories:
            respondents_by_category.setdefault(c, []).append(orgs[name])
    categories = list(data.CATEGORY_EXPERTISE)
    cases: list[Case] = []
    used: set[str] = set()
    year = today.year
    for i in range(120):
        category = rng.choices(categories, weights=[6, 5, 4, 2, 2, 2, 3, 2])[0]
        registered = today - timedelta(days=rng.randrange(0, 45))
        group = rng.random() < 0.08
        case = Case(
            reference=f"QS-{year}-{i + 1:04d}",
            title=data.CATEGORY_TITLES[category] + ("（群体访）" if group else ""),
            category=category,
            description="信访人称多次反映，问题一直未得到解决。",
            region=rng.choice(towns_and_villages),
            registered_on=registered,
            acceptance_due_on=deadline(registered, lim["accept_days"]),
            needs_counsellor=rng.random() < 0.4,
            attendees=rng.randrange(20, 46) if group else rng.choice([1, 1, 2, 2, 3, 4, 6]),
            priority=rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 3, 2])[0],
            responsible_leader=rng.choice(leaders) if rng.random() < 0.3 else None,
        )
        # Major cases (priority 4-5, group cases) always have a responsible leader.
        if case.responsible_leader is None and (group or case.priority >= 4):
            case.responsible_leader = leaders[i % len(leaders)]
        needed = data.CATEGORY_EXPERTISE[category]
        case.required_expertise = [areas[c] for c in sorted(set(rng.sample(needed, rng.choice([1, 2]))))]
        case.respondents = rng.sample(respondents_by_category[category], 1)
        case.parties = [_party(rng, used, orgs) for _ in range(2 if group or rng.random() < 0.3 else 1)]
        case.events = [CaseEvent(at=_at(registered, 9), user=admin, action="register", to_status="registered")]
        _advance(rng, case, admin, today, lim)
        cases.append(case)
    db.session.add_all(cases)
    db.session.flush()
    # Some are repeat petitions of earlier cases on the same matter.
    for case in cases[60:]:
        if rng.random() < 0.15:
            earlier = rng.choice([c for c in cases[:60] if c.category == case.category] or cases[:1])
            case.earlier_links.append(CaseLink(earlier_case=earlier, reason="repeat"))
            case.repeat_count = 1 + earlier.repeat_count
            case.priority = min(5, case.priority + 1)
    return cases


def _party(rng, used, orgs) -> Party:
    name = _person_name(rng, used)
    return Party(kind="person", name=name, id_number=f"3601{rng.randrange(10**13):013d}"[:17] + rng.choice("0123456789X"),
                 phone=f"13{rng.randrange(10**9):09d}", address=f"{rng.choice(data.VILLAGES)}{rng.randrange(1, 200)}号")


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=local_zone())


def _advance(rng, case: Case, admin: User, today: date, lim: dict[str, int]) -> None:
    """Move a registered case along the workflow, as far as its age allows."""
    age = (today - case.registered_on).days
    if age < 3 or rng.random() < 0.1:
        return
    accepted = case.registered_on + timedelta(days=rng.randrange(1, min(age, 10) + 1))
    if rng.random() < 0.06:
        case.status = "not_accepted"
        case.not_accepted_redirect = "属于人民法院受理范围，引导走诉讼渠道。"
        case.events.append(CaseEvent(at=_at(accepted, 10), user=admin, action="not_accept",
                                     from_status="registered", to_status="not_accepted",
                                     note=case.not_accepted_redirect))
        return
    case.status = "accepted"
    case.accepted_on = accepted
    case.handling_due_on = deadline(accepted, lim["handle_days"])
    case.due_by = deadline(accepted, lim["hearing_days"])
    case.events.append(CaseEvent(at=_at(accepted, 10), user=admin, action="accept",
                                 from_status="registered", to_status="accepted"))
    if rng.random() < 0.25:
        case.earliest = accepted + timedelta(days=rng.randrange(3, 10))
    if rng.random() < 0.5:
        case.status = "in_handling"
        case.events.append(CaseEvent(at=_at(accepted + timedelta(days=1), 11), user=admin,
                                     action="start_handling", from_status="accepted", to_status="in_handling"))


def _conflicts(rng, people: list[Person], cases: list[Case], orgs) -> None:
    experts = [p for p in people if p.is_expert]
    conflicts = []
    for case in rng.sample(cases, 14):
        person = rng.choice(experts)
        kind, reason = rng.choice([
            ("hard", "信访人的近亲属"),
            ("hard", "此前阶段办理过本案"),
            ("waivable", "与被反映单位有业务往来"),
            ("soft", "近三年内曾为一方当事人提供咨询"),
            ("soft", "与信访人同村居住"),
        ])
        conflicts.append(Conflict(person=person, case=case, kind=kind, reason=reason))
    for _ in range(6):
        org = orgs[rng.choice(data.ORGANISATIONS)[0]]
        conflicts.append(Conflict(person=rng.choice(experts), organisation=org, kind=rng.choice(["waivable", "soft"]),
                                  reason=rng.choice(["曾在被反映单位工作", "经常受聘于该单位"])))
    for case in rng.sample(cases, 3):
        conflicts.append(Conflict(person=rng.choice(experts), party=case.parties[0], kind="hard",
                                  reason="是该当事人的亲属"))
    db.session.add_all(conflicts)


# What happens to the demo's hearings: (outcome, agreement, what the case does next). The rest of
# the eligible cases keep a past hearing whose outcome is still to be recorded.
HEARING_STORIES = (
    ("held", True, "resolved"), ("held", True, "resolved"), ("held", True, "resolved"),
    ("held", True, "resolved"), ("held", True, "opinion"), ("held", True, None),
    ("held", False, "terminated"), ("held", False, None),
    ("adjourned", None, None), ("no_show", None, None), ("postponed", None, None),
    (None, None, None), (None, None, None),
)
# Follow-up visits of the first stories' cases: (index, state): done a day or two after the
# hearing, due in the coming days, or overdue since yesterday.
FOLLOW_UPS = ((0, "done"), (1, "due"), (2, "overdue"), (4, "due"))


def _weekday_before(day: date) -> date:
    while day.isoweekday() > 5:
        day -= timedelta(days=1)
    return day


def _hearings_held(rng, cases: list[Case], people: list[Person], sessions, admin: User,
                   today: date) -> None:
    """Past published hearings of cases in handling, with their outcomes: held with and without
    agreement (some cases then got the panel's opinion and closed as resolved, checklist
    complete), adjourned, no-show, postponed, and some awaiting their outcome; follow-up visits
    (one done, some due, one overdue)."""
    rooms = {c.code: c.rooms for c in db.session.scalars(sa.select(Centre))}
    experts = [p for p in people if p.is_expert]
    counsellors = [p for p in people if p.is_counsellor and not p.is_expert]
    eligible = [c for c in cases if c.status == "in_handling"
                and c.accepted_on is not None and c.accepted_on <= today - timedelta(days=12)]
    busy: set[tuple] = set()
    stories = list(zip(eligible, HEARING_STORIES, strict=False))
    for case, (result, agreement, then) in stories:
        county = case.region.code.split(".")[1]
        while True:
            day = _weekday_before(today - timedelta(days=rng.randrange(3, 11)))
            session = rng.choice(sessions)
            room = rng.choice(rooms[f"{county}-county"])
            panel = rng.sample(experts, 3)
            counsellor = rng.choice(counsellors) if case.needs_counsellor else None
            keys = {(room.id, day, session.id)} | {(p.id, day, session.id)
                                                   for p in (*panel, counsellor) if p}
            if day > case.accepted_on and not keys & busy:
                break
        busy |= keys
        members = [(p, "chair" if i == 0 else "member") for i, p in enumerate(panel)]
        if counsellor is not None:
            members.append((counsellor, "counsellor"))
        hearing = lifecycle.record_fixed(case=case, room=room, day=day, session=session,
                                         members=members)
        hearing.pinned = False
        if result is None:
            continue
        ended = local_to_utc(day, session.ends_at)
        present = [p.id for p, _role in members]
        if result == "held" and rng.random() < 0.3:
            present = present[:-1]  # one member (or the counsellor) did not come
        outcomes.record_outcome(
            hearing, result=result, present_ids=present,
            petitioner_present=result != "no_show", agreement=agreement,
            minutes=_MINUTES[result if result != "held" else ("agreed" if agreement else "held")],
            user=admin, now=ended)
        if then is not None:
            _opinion_and_closure(rng, case, panel, agreement, then, day, admin, today)
    for index, state in FOLLOW_UPS:
        if index >= len(stories):
            continue
        case = stories[index][0]
        heard = max(h.date for h in db.session.scalars(
            sa.select(Hearing).where(Hearing.case_id == case.id)))
        due = {"done": min(heard + timedelta(days=2), today - timedelta(days=1)),
               "due": today + timedelta(days=rng.randrange(3, 14)),
               "overdue": today - timedelta(days=1)}[state]
        f = FollowUp(case_id=case.id, due_on=due,
                     visitor=rng.choice(["村委会：" + _person_name(rng, set()),
                                         "信访干部"]),
                     created_by_id=admin.id)
        if state == "done":
            f.done_on, f.satisfied = due, True
            f.result = "入户回访：补偿款已到位，信访人表示满意。"
            f.recorded_at = _at(due, 16)
        db.session.add(f)
    db.session.flush()


_MINUTES = {
    "agreed": "双方就金额和支付日期达成一致，已签订协议。",
    "held": "已听取双方意见，未达成协议，由评议组出具意见。",
    "adjourned": "Respondent's representative absent; adjourned to a later date.",
    "no_show": "信访人未到场，未说明理由。",
    "postponed": "应信访人请求（生病）延期。",
}


def _terminate(case: Case, closed: date, admin: User) -> None:
    for name, _label in CHECKLIST:
        setattr(case, f"checklist_{name}_state", "done")
    case.checklist_demands_resolved_state = "not_applicable"
    case.checklist_demands_resolved_reason = "评议组认为诉求均不在政策范围内。"
    case.status, case.closed_on, case.in_termination_register = "terminated", closed, True
    case.closure_reason = "诉求超出政策范围，已在评议会上解释清楚，无新的事实理由。"
    case.events.append(CaseEvent(at=_at(closed, 10), user=admin, action="checklist", note="4/4"))
    case.events.append(CaseEvent(at=_at(closed, 11), user=admin, action="terminate",
                                 from_status="opinion_given", to_status="terminated",
                                 note=case.closure_reason))


def _opinion_and_closure(rng, case: Case, panel: list[Person], agreement: bool, then: str,
                         day: date, admin: User, today: date) -> None:
    """The panel's opinion (2 of 3 at least) after a held hearing; for "resolved" the closure
    with the "three in place, one handled" checklist complete; for "terminated" (no agreement)
    the termination, its reasonable-demands point not applicable, into the termination register."""
    majority = "support" if agreement else rng.choice(["explain", "not_support"])
    views = [majority, majority, rng.choice(["support", "explain", "not_support"])]
    on = min(day + timedelta(days=1), today)
    for person, view in zip(panel, views, strict=True):
        case.panel_opinions.append(PanelOpinion(person_id=person.id, opinion=view,
                                                recorded_at=_at(on, 15), recorded_by_id=admin.id))
    case.opinion, case.status = majority, "opinion_given"
    case.events.append(CaseEvent(at=_at(on, 15), user=admin, action="give_opinion",
                                 from_status="in_handling", to_status="opinion_given"))
    if then == "terminated":
        _terminate(case, min(on + timedelta(days=1), today), admin)
        return
    if then != "resolved":
        return
    closed = min(on + timedelta(days=1), today)
    for name, _label in CHECKLIST:
        setattr(case, f"checklist_{name}_state", "done")
    case.status, case.closed_on = "resolved", closed
    case.closure_reason = "协议已履行，信访人在回访时确认。"
    case.events.append(CaseEvent(at=_at(closed, 10), user=admin, action="checklist", note="4/4"))
    case.events.append(CaseEvent(at=_at(closed, 11), user=admin, action="resolve",
                                 from_status="opinion_given", to_status="resolved"))

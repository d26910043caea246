"""Every page an administrator can open, in both languages, on the demo data: none fails, and a
Chinese page shows neither an untranslated message nor a raw code.

Every GET route of the URL map is opened: those without an argument as they are, those with
arguments through `_arguments`, which supplies real ids from the demo (plus a plan run, an
attachment, a notice, an outbox message, a feed link and an expert's own page link made here;
downloads and feeds must answer 200 too). A GET route that is neither there nor in `UNREACHABLE`
(with the reason) fails the test, so a route added later is covered or explained. Then every
POST route is posted with its CSRF token only, in Chinese: never a 5xx, a form with fields is
refused with a 4xx page, and every page shown passes the Chinese checks.

In Chinese a page fails on: a message of the catalogue shown in its English words; an English
phrase of three words or more that never went through the catalogue; a code value of the models
(statuses, roles, sessions, categories, expertise codes, history kinds, table names, …) shown
as such. Records' own words (names, titles, notes: the demo's are partly English) and content
marked translate="no" (code columns, the audit log's before/after values) are not checked.

(A stray "%" in one translation once made the Chinese dashboard a 500 that no test opened.)
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from mediation import planner_words
from mediation.attachments import services as attachments
from mediation.attendance import services as attendance
from mediation.auth.models import ROLES, User
from mediation.calendar import services as feeds
from mediation.calendar.invites import queue_invites
from mediation.calendar.models import (
    MESSAGE_ERRORS,
    MESSAGE_REASONS,
    MESSAGE_STATUSES,
    OutboxMessage,
)
from mediation.cases import models as case_models
from mediation.cases.models import Case, CaseEvent
from mediation.centres.models import CENTRE_LEVELS, CentreDate, HearingSession, Room
from mediation.conflicts.models import AUTOMATIC_RULES, CONFLICT_KINDS, CONFLICT_SOURCES
from mediation.dashboard.services import EXPORTS
from mediation.demo.services import load_demo
from mediation.extensions import db as _db
from mediation.hearings.models import (
    HEARING_STATUSES,
    MEMBER_ROLES,
    OUTCOME_RESULTS,
    PUBLISHED_LAYER,
    Hearing,
)
from mediation.imports.services import KINDS as IMPORT_KINDS
from mediation.notices import services as notices
from mediation.planning.models import RUN_STATUSES
from mediation.planning.runs import RunRequest, run_now
from mediation.regions.models import REGION_LEVELS
from mediation.roster.labels import PERSON_ROLE_LABELS
from mediation.roster.models import ExpertiseArea, Leader, Organisation
from mediation.timeutil import local_today
from tests.conftest import csrf_token, sign_in

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "mediation" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Not pages: the static files (vendored CSS, scripts, fonts) and logging out.
SKIP = {"static", "auth.logout"}
# GET forms whose answer needs their fields (without them: a 400 page naming the field).
QUERIES = {"/imports/scenario/export": "?start={today}&end={today}"}
# GET routes with arguments that this test cannot open, and why (none today).
UNREACHABLE: dict[str, str] = {}


def _first(model, *where):
    return _db.session.scalar(sa.select(model.id).where(*where).order_by(model.id).limit(1))


def _extras(demo, admin: User) -> dict:
    """What the demo does not make: a plan run, an attachment, a notice, an outbox message,
    a person's feed link and own-page link."""
    hearing = _db.session.scalar(sa.select(Hearing).where(
        Hearing.layer == PUBLISHED_LAYER, Hearing.status == "published",
        Hearing.starts_at > sa.func.now()).order_by(Hearing.starts_at).limit(1)) or \
        _db.session.scalar(sa.select(Hearing).where(Hearing.layer == PUBLISHED_LAYER)
                           .order_by(Hearing.id).limit(1))
    person = hearing.members[0].person
    case = hearing.case
    attachment = attachments.add(case, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"
                                 b"trailer<<>>\n%%EOF\n", "evidence.pdf", admin).attachment
    notice = notices.generate_hearing_notice(hearing, admin)
    queue_invites(hearing, kind="published")
    accepted = _db.session.scalars(sa.select(Case.id).where(Case.status == "accepted")
                                   .order_by(Case.id).limit(2)).all()
    today = local_today()
    run = run_now(RunRequest(today + timedelta(days=7), today + timedelta(days=20),
                             scope="cases", case_ids=list(accepted), time_limit=3), admin)
    page_token = attendance.token_of(attendance.ensure_link(person, admin))
    feed_token = feeds.token_of(feeds.ensure_token("person", person, admin))
    _db.session.commit()
    proposed = _first(Hearing, Hearing.layer != PUBLISHED_LAYER)
    return {"hearing": hearing, "person": person, "attachment": attachment, "notice": notice,
            "run": run, "page_token": page_token, "feed_token": feed_token,
            "proposed": proposed}


def _arguments(x: dict) -> dict[str, list[dict]]:
    """Real arguments for every GET route that has some (endpoint → list of argument sets)."""
    hearing = x["hearing"]
    venue_day = _first(CentreDate)
    return {
        "admin.edit_user": [{"user_id": _first(User)}],
        "attachments.download": [{"attachment_id": x["attachment"].id}],
        "calendar.hearing": [{"uid": hearing.uid}],
        "calendar.message_file": [{"message_id": _first(OutboxMessage)}],
        "calendar.feed": [{"token": x["feed_token"]}],
        "calendar.person_hearing_ics": [{"token": x["page_token"], "hearing_id": hearing.id}],
        "attendance.page": [{"token": x["page_token"]}],
        "cases.show": [{"case_id": hearing.case_id},
                       {"case_id": _first(Case, Case.status == "resolved")},
                       {"case_id": _first(Case, Case.status == "terminated")},
                       {"case_id": _first(Case, Case.status == "registered")}],
        "cases.edit": [{"case_id": hearing.case_id}],
        "termination.export": [{"fmt": fmt} for fmt in ("csv", "xlsx")],
        "centres.show": [{"centre_id": hearing.room.centre_id}],
        "centres.edit": [{"centre_id": hearing.room.centre_id}],
        "centres.market_days": [{"centre_id": hearing.room.centre_id}],
        "centres.edit_room": [{"room_id": _first(Room)}],
        "centres.edit_session": [{"session_id": _first(HearingSession)}],
        "dashboard.export": [{"name": name, "fmt": "csv"} for name in EXPORTS],
        "imports.export": [{"kind": kind, "fmt": "csv"} for kind in IMPORT_KINDS],
        "imports.template": [{"kind": kind} for kind in IMPORT_KINDS],
        "notices.download": [{"notice_id": x["notice"].id}],
        "planning.show_hearing": [{"hearing_id": hearing.id}]
        + ([{"hearing_id": x["proposed"]}] if x["proposed"] else []),
        "planning.candidates": [{"hearing_id": hearing.id}],
        "planning.show_run": [{"run_id": x["run"].id}],
        "planning.publish_confirm": [{"run_id": x["run"].id}],
        "planning.export_run": [{"run_id": x["run"].id}],
        "planning.run_status": [{"run_id": x["run"].id}],
        "roster.show": [{"person_id": x["person"].id}],
        "roster.edit": [{"person_id": x["person"].id}],
        "roster.edit_leader": [{"leader_id": _first(Leader)}],
        "roster.organisation": [{"org_id": _first(Organisation)}],
        "roster.venue_day_team": ([{"date_id": venue_day}] if venue_day else []),
    }


def _urls(app, x: dict) -> tuple[list[str], list[str]]:
    """(every GET url to open, the GET endpoints with arguments nobody supplied)."""
    args = _arguments(x)
    urls, missing = [], []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in SKIP:
                continue
            if not rule.arguments:
                urls.append(rule.rule + QUERIES.get(rule.rule, "").format(today=local_today()))
            elif rule.endpoint in args:
                urls += [url_for(rule.endpoint, **values) for values in args[rule.endpoint]]
            elif rule.endpoint not in UNREACHABLE:
                missing.append(rule.endpoint)
    return sorted(set(urls)), missing


# --- what a Chinese page must not show ---------------------------------------------------------

# Catalogue messages that may stay in English on a Chinese page (names, formats, and those whose
# Chinese is the same text).
ALLOWED_ENGLISH = {"English", "CSV", "XLSX", "PDF", "ICS", "Excel", "JSON", "SMTP", "IMAP", "URL",
                   "OK", "ID"}
# Content marked translate="no" (HTML's own attribute) is shown as recorded on purpose: codes in
# a code column, the English name of an expertise area, the audit log's before/after values.
_UNTRANSLATED = re.compile(r'<(\w+)\b[^>]*\btranslate="no"[^>]*>.*?</\1>', re.S)
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
_ATTRS = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"')
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
_WORD = re.compile(r"(?<![\w@./:#?=&%-])[A-Za-z][A-Za-z_]*(?![\w@/:#-])")


def visible_text(page: str) -> str:
    """The words a reader sees: text between tags and the titles, placeholders and labels."""
    page = _UNTRANSLATED.sub("\n", page)
    attrs = " \n ".join(_ATTRS.findall(page))
    return html_lib.unescape(_TAGS.sub("\n", page) + "\n" + attrs)


@cache
def _english_pattern() -> re.Pattern:
    """Every translated message (its longest literal part when it has placeholders) as it
    reads in English."""
    with open(CATALOGUE, "rb") as handle:
        catalogue = read_po(handle, locale="zh_Hans_CN")
    needles = set()
    for m in catalogue:
        if not m.id or not m.string:
            continue
        msgid = m.id if isinstance(m.id, str) else m.id[0]
        msgstr = m.string if isinstance(m.string, str) else m.string[0]
        if msgid == msgstr or msgid in ALLOWED_ENGLISH:
            continue
        parts = [p.strip() for p in _PLACEHOLDER.split(msgid)]
        text = max(parts, key=len)
        # Short literal parts ("Case", "%(n)s days") could be a reference or a name: only
        # whole messages, and fragments of two words or more.
        if not re.search(r"[A-Za-z]{2}", text) or (len(parts) > 1 and " " not in text):
            continue
        needles.add(text)
    alternatives = "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True))
    return re.compile(rf"(?<![\w@.-])(?:{alternatives})(?![\w@-])")


def raw_codes() -> set[str]:
    """Code values of the models that must never show as such on a Chinese page."""
    codes = {"all", "am", "pm"}
    for values in (case_models.CASE_STATUSES, case_models.OPINIONS, case_models.CATEGORIES,
                   case_models.CHECKLIST_STATES, case_models.LINK_STATUSES, CONFLICT_KINDS,
                   CONFLICT_SOURCES, AUTOMATIC_RULES, HEARING_STATUSES, MEMBER_ROLES,
                   OUTCOME_RESULTS, RUN_STATUSES, ROLES, MESSAGE_STATUSES, MESSAGE_REASONS,
                   MESSAGE_ERRORS, CENTRE_LEVELS, REGION_LEVELS):
        codes.update(values)
    codes.update(_db.session.scalars(sa.select(ExpertiseArea.code)))
    codes.update(_db.session.scalars(sa.select(HearingSession.code)))
    codes.update(_db.session.scalars(sa.select(CaseEvent.action).distinct()))
    codes.update(_db.metadata.tables)
    codes.update({"administrator", "coordinator", "viewer"}, PERSON_ROLE_LABELS)
    return {c for c in codes if c and re.fullmatch(r"[a-z_]+", c)}


_CODE_COLUMNS = re.compile(r"(^|_)(status|kind|code|level|role|action|category|opinion|result|"
                           r"method|source|rule|response|channel|locale|state|email|uid|token|error|"
                           r"hash|key|reference|id_number|phone|url|content_type|digest|name_en)$")


_TEXT_COLUMNS = {"follow_ups.result"}  # free text despite the name


def data_pattern(codes: set[str]) -> re.Pattern:
    """The records' own words (names, titles, notes: the demo's are partly English), which
    may show on a Chinese page as they were entered; code columns are not records' words."""
    values: set[str] = set()
    for table in _db.metadata.sorted_tables:
        for column in table.columns:
            if (isinstance(column.type, (sa.String, sa.Text)) and not column.foreign_keys and (
                    not _CODE_COLUMNS.search(column.name) or str(column) in _TEXT_COLUMNS)):
                values.update(v.strip() for v in _db.session.scalars(
                    sa.select(column).distinct()) if v and re.search(r"[A-Za-z]{3}", v))
    values -= codes
    alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(alternatives or r"(?!x)x", re.I)


# Pages that document the values a file must contain (the import columns): codes are right there.
SHOWS_FILE_CODES = {"/imports/", "/imports/upload", "/imports/scenario/upload"}
# The planner's own findings ("rule 1 (panel): …") are worded by mediation/planner_words.py; while
# that module is the stub falling back to the planner's English, they are not checked here.
PLANNER_WORDS_STUB = "STUB" in (planner_words.__doc__ or "")
_PHRASE = re.compile(r"(?<![\w@./:#?=&%-])[A-Za-z][a-z]*(?: [A-Za-z][a-z]*){2,}(?![\w@/:#-])")
_PLANNER_TEXT = re.compile(r"^.*\brule \d+ \([a-z_ ]+\):.*$", re.M)


def chinese_problems(page: str, codes: set[str], data: re.Pattern, path: str = "") -> list[str]:
    text = data.sub(" ", visible_text(page))
    if PLANNER_WORDS_STUB:
        text = _PLANNER_TEXT.sub(" ", text)
    english = set(_english_pattern().findall(text))
    if path in SHOWS_FILE_CODES:
        english -= codes
    # Any English phrase (three words or more) left after the records' words: a string that
    # never went through the catalogue.
    english |= set(_PHRASE.findall(text))
    problems = [f"English: {m}" for m in sorted(english)]
    if path not in SHOWS_FILE_CODES:
        problems += [f"code: {w}" for w in sorted({w for w in _WORD.findall(text) if w in codes})]
    return problems


# --- the tests ---------------------------------------------------------------------------------


@pytest.fixture
def demo_world(app, _web_app, db, client):
    demo = load_demo(today=local_today())
    db.session.commit()
    admin = db.session.scalar(sa.select(User).where(User.email == demo.admin_email))
    extras = _extras(demo, admin)
    assert sign_in(client, demo.admin_email, demo.admin_password).status_code == 302
    return demo, extras


def _use(client, language: str) -> None:
    client.post(f"/language/{language}", data={"csrf_token": csrf_token(client, "/"),
                                               "next": "/"})


def test_every_page_opens_in_both_languages(_web_app, db, client, demo_world):
    _demo, extras = demo_world
    urls, missing = _urls(_web_app, extras)
    assert missing == [], "GET routes without arguments here nor a reason in UNREACHABLE"
    assert len(urls) > 60
    codes = raw_codes()
    data = data_pattern(codes)
    failures = []
    for language in ("en", "zh_Hans_CN"):
        _use(client, language)
        for url in urls:
            response = client.get(url)
            if response.status_code >= 400:
                failures.append((language, url, response.status_code))
                continue
            if response.status_code != 200 or response.mimetype != "text/html":
                continue  # a redirect or a download
            page = response.get_data(as_text=True)
            if language == "zh_Hans_CN":
                if not ('<html lang="zh-CN"' in page and CHINESE.search(page)):
                    failures.append((language, url, "not in Chinese"))
                failures += [(language, url, p) for p in chinese_problems(page, codes, data, url)]
    assert failures == [], "\n".join(map(str, failures))


# --- form error paths --------------------------------------------------------------------------

# POST routes not posted empty here, and why.
NOT_POSTED = {
    "auth.logout": "signs out: the rest of the test would run signed out",
    "auth.set_language": "switches the language (used by the test itself)",
    "auth.login": "signed in, it leads home; posted empty by a signed-out browser below",
    "planning.replan": "starts a plan run in the background",
    "planning.start": "posted below with its fields (an empty form is the same 400 as run forms)",
    "planning.publish_view": "publishes the run (sends invites): the publish tests cover it",
    "availability.sync": "fetches a calendar over the network",
    "conflicts.automatic": "recomputes every conflict of the demo (slow, no form)",
}
# Forms with fields: posted empty, each must be refused with a 4xx page naming the errors.
FORMS = {"admin.new_user", "admin.edit_user", "cases.new", "cases.edit", "centres.new",
         "centres.edit", "centres.official_calendar", "centres.regions", "centres.sessions",
         "centres.edit_room", "centres.edit_session", "centres.market_days", "centres.add_room",
         "centres.add_closure", "conflicts.new", "roster.new", "roster.edit", "roster.expertise",
         "roster.new_leader", "roster.edit_leader", "roster.organisations",
         "aftercare.schedule_followup", "imports.upload", "imports.scenario_upload"}


def _post_arguments(x: dict) -> dict[str, dict]:
    """Real arguments for the POST routes (one set each)."""
    gets = {endpoint: values[0] for endpoint, values in _arguments(x).items() if values}
    hearing, person, case_id = x["hearing"], x["person"], x["hearing"].case_id
    return gets | {
        "admin.reset_user_password": {"user_id": _first(User)},
        "admin.end_user_sessions": {"user_id": _first(User)},
        "attachments.delete": {"attachment_id": x["attachment"].id},
        "attachments.upload": {"case_id": case_id},
        "attendance.revoke": {"person_id": person.id},
        "attendance.rotate": {"person_id": person.id},
        "attendance.answer": {"token": x["page_token"], "hearing_id": hearing.id},
        "availability.set_url": {"person_id": person.id},
        "calendar.revoke": {"kind": "person", "target_id": person.id},
        "calendar.rotate": {"kind": "person", "target_id": person.id},
        "calendar.retry": {"message_id": _first(OutboxMessage)},
        "cases.act": {"case_id": case_id, "action": "accept"},
        "cases.checklist": {"case_id": case_id},
        "aftercare.schedule_followup": {"case_id": case_id},
        "aftercare.complete_followup": {"case_id": case_id, "followup_id": 1},
        "aftercare.outcome": {"case_id": case_id, "hearing_id": hearing.id},
        "cases.decide_repeat": {"case_id": case_id, "link_id": 1},
        "cases.unlink_repeat": {"case_id": case_id, "link_id": 1},
        "cases.link_repeat": {"case_id": case_id},
        "centres.add_closure": {"centre_id": hearing.room.centre_id},
        "centres.add_room": {"centre_id": hearing.room.centre_id},
        "centres.delete_calendar_day": {"day_id": 1},
        "centres.delete_date": {"date_id": 1},
        "centres.room_active": {"room_id": hearing.room_id},
        "conflicts.dismiss": {"conflict_id": 1},
        "conflicts.waive": {"conflict_id": 1},
        "notices.hearing_notice": {"case_id": case_id, "hearing_id": hearing.id},
        "notices.written_reply": {"case_id": case_id},
        "planning.cancel": {"run_id": x["run"].id},
        "planning.decline": {"hearing_id": hearing.id},
        "planning.move": {"hearing_id": hearing.id},
        "planning.pin": {"hearing_id": hearing.id},
        "planning.remove": {"hearing_id": hearing.id},
        "planning.replace_person": {"hearing_id": hearing.id},
        "roster.toggle_active": {"person_id": person.id},
        "roster.unavailability": {"person_id": person.id},
        "roster.delete_unavailability": {"person_id": person.id, "entry_id": 1},
        "roster.rename_expertise": {"area_id": 1},
        "roster.add_alias": {"org_id": _first(Organisation)},
        "roster.merge": {"org_id": _first(Organisation)},
        "roster.set_parent": {"org_id": _first(Organisation)},
    }


def test_every_form_posted_empty_is_refused_in_chinese(_web_app, db, client, demo_world):
    """Every POST route gets its CSRF token and nothing else, in Chinese: never a 5xx; a form
    with fields answers a 4xx page whose errors are in Chinese; any page shown is Chinese."""
    _demo, extras = demo_world
    arguments = _post_arguments(extras)
    codes = raw_codes()
    data = data_pattern(codes)
    _use(client, "zh_Hans_CN")
    token = csrf_token(client, "/")
    failures, posted = [], set()
    from flask import url_for

    for rule in sorted(_web_app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.endpoint in NOT_POSTED:
            continue
        if rule.arguments and rule.endpoint not in arguments:
            failures.append((rule.endpoint, "no arguments here nor a reason in NOT_POSTED"))
            continue
        with _web_app.test_request_context():
            url = url_for(rule.endpoint, **(arguments.get(rule.endpoint) or {}))
        response = client.post(url, data={"csrf_token": token})
        posted.add(rule.endpoint)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
            continue
        if rule.endpoint in FORMS and not 400 <= response.status_code < 500:
            failures.append((url, response.status_code, "an empty form was accepted"))
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
            page = response.get_data(as_text=True)
            if not CHINESE.search(visible_text(page)):
                failures.append((url, response.status_code, "not in Chinese"))
            failures += [(url, p) for p in chinese_problems(page, codes, data, url)]
    assert posted >= FORMS
    assert failures == [], "\n".join(map(str, failures))


def test_the_checks_find_english_and_codes_but_not_records_or_marked_codes():
    page = ('<html lang="zh-CN"><body><h1>案件</h1><p>状态：published · 时段 am</p>'
            '<p>Reload the page and answer again</p><p>Sign out</p>'
            '<td translate="no">law</td><p>Qingshan City (青山市) coordinator@example.org</p>'
            '</body></html>')
    found = chinese_problems(page, {"published", "am", "law", "coordinator"},
                             re.compile("Qingshan City", re.I))
    assert found == ["English: Reload the page and answer again", "English: Sign out",
                     "English: published", "code: am", "code: published"]

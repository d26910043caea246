"""The audit log's summary column reads in the reader's language (issue #14).

Each action that used to store English words or raw codes in its summary ("published 3, moved
2", "(run #12)", "created P1", "ID number search: …", a result, response, channel, kind or
role code, a session code) is recorded here through the real service functions on the demo
data, and the audit log (/admin/audit/) is opened in Chinese on each: the summary is worded in Chinese and none of
those English words or codes is on the page. Entries written before the change keep their text
or have their fixed English patterns worded.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from mediation.attendance import services as attendance
from mediation.audit.models import AuditEntry
from mediation.audit.summaries import audit_summary
from mediation.auth.models import User
from mediation.auth.services import create_user
from mediation.calendar import services as feeds
from mediation.cases.models import Case, Party
from mediation.conflicts.services import declare_conflict
from mediation.demo.services import load_demo
from mediation.hearings.models import PUBLISHED_LAYER, Hearing
from mediation.hearings.outcomes import record_outcome
from mediation.imports import services as imports
from mediation.notices import services as notices
from mediation.planning import edits
from mediation.planning.publish import publish_run
from mediation.planning.runs import RunRequest, run_now
from mediation.search.services import search
from mediation.timeutil import local_today
from tests.conftest import sign_in
from tests.test_every_page import (
    _WORD,
    _use,
    chinese_problems,
    data_pattern,
    raw_codes,
    visible_text,
)

# The English words and codes the old summaries were made of.
OLD_WORDS = {"published", "new", "moved", "panel", "cancelled", "unchanged", "run", "created",
             "updated", "search", "number", "no_show", "declined", "page", "hard",
             "hearing_notice", "hearing_cancelled", "feed", "link", "coordinator", "person",
             "am", "pm", "eve", "changed", "imported", "roles", "name"}

_ACTION_TITLE = re.compile(r'<span title="[a-z_.]+">')


def _future_published(db, skip=()) -> list[Hearing]:
    return list(db.session.scalars(sa.select(Hearing).where(
        Hearing.layer == PUBLISHED_LAYER, Hearing.status == "published",
        Hearing.starts_at > sa.func.now(), Hearing.id.not_in(list(skip) or [0]))
        .order_by(Hearing.starts_at)))


@pytest.fixture
def world(app, _web_app, db, client):
    demo = load_demo(today=local_today())
    db.session.commit()
    admin = db.session.scalar(sa.select(User).where(User.email == demo.admin_email))
    assert sign_in(client, demo.admin_email, demo.admin_password).status_code == 302
    today = local_today()
    x = {}

    # A plan run (plan.start), one proposal taken out (hearing.remove), published (plan.publish).
    accepted = db.session.scalars(sa.select(Case.id).where(Case.status == "accepted")
                                  .order_by(Case.id).limit(3)).all()
    run = run_now(RunRequest(today + timedelta(days=7), today + timedelta(days=20),
                             scope="cases", case_ids=list(accepted), time_limit=3), admin)
    db.session.commit()
    proposals = list(db.session.scalars(sa.select(Hearing).where(
        Hearing.layer == run.id, Hearing.status != "cancelled").order_by(Hearing.id)))
    assert len(proposals) >= 2 and run.status == "succeeded"
    x["removed"] = proposals[0].case.reference
    edits.remove(proposals[0], proposals[0].version, admin)
    db.session.commit()
    publish_run(run, admin)
    db.session.commit()

    # A published hearing with a notice, then cancelled (hearing.cancel, notice.generate twice).
    upcoming = _future_published(db)
    cancelled, answered = upcoming[0], upcoming[1]
    notices.generate_hearing_notice(cancelled, admin)
    edits.remove(cancelled, cancelled.version, admin)
    db.session.commit()

    # An outcome (hearing.outcome) of a hearing as if it had taken place.
    held = db.session.scalar(sa.select(Hearing).where(
        Hearing.layer == PUBLISHED_LAYER, Hearing.status == "published",
        Hearing.id.not_in([cancelled.id, answered.id])).order_by(Hearing.id).limit(1))
    record_outcome(held, result="no_show", present_ids=[], petitioner_present=False,
                   agreement=None, minutes=None, user=admin,
                   now=held.starts_at + timedelta(hours=3))
    db.session.commit()

    # A decline from the person's own page (attendance.declined), their page and feed links.
    member = answered.members[0].person
    attendance.respond(answered, member, "declined", reason="出差", channel="page")
    db.session.commit()
    attendance.ensure_link(member, admin)
    feeds.ensure_token("person", member, admin)
    db.session.commit()

    # A declared conflict, a new account, imports and an ID-number search.
    declare_conflict(member, "hard", "亲属关系", case=answered.case, user=admin)
    create_user("kim.coordinator@example.org", "a long enough passphrase 42", role="coordinator")
    db.session.commit()
    existing = db.session.scalar(sa.select(Hearing).where(Hearing.id == held.id)).members[0].person
    table = imports.parse_table(
        f"code,name,roles\nP900,新专家,expert\n{existing.code},新名字,expert\n".encode(),
        "people.csv")
    assert imports.run_import("people", table, apply=True, user=admin).applied
    table = imports.parse_table("name\n新的单位\n".encode(), "orgs.csv")
    assert imports.run_import("organisations", table, apply=True, user=admin).applied
    db.session.commit()
    party = db.session.scalar(sa.select(Party).where(Party.id_number.is_not(None))
                              .order_by(Party.id).limit(1))
    with app.test_request_context():
        search(party.id_number, personal=True)
    db.session.commit()
    x["member"], x["party"] = member, party
    return x


EXPECTED = {
    "plan.start": re.compile(r"选定的 \d+ 件案件，\d{4}-\d\d-\d\d 至 \d{4}-\d\d-\d\d"),
    "plan.publish": re.compile(r"新增 \d+ 场"),
    "hearing.remove": re.compile(r"\S+，移出排期计划 #\d+"),
    "hearing.cancel": re.compile(r"\d{4}-\d\d-\d\d (上午|下午|晚上)"),
    "notice.generate": re.compile(r"评议会通知书，第 1 版|评议会取消通知书?，第 2 版：评议会已取消"),
    "hearing.outcome": re.compile(r"\d{4}-\d\d-\d\d：未到场"),
    "attendance.declined": re.compile(r"：已谢绝（个人页面）"),
    "attendance.link_created": None,
    "calendar.feed_created": re.compile(r"人员 \S+"),
    "conflict.declare": re.compile(r"：硬性利益冲突（案件 \S+）"),
    "user.create": re.compile(r"kim\.coordinator@example\.org（协调员）"),
    "person.import": re.compile(r"新建 P900.*更新 \S+：\d+ 个字段|更新 \S+：\d+ 个字段.*新建 P900",
                                re.S),
    "organisation.import": re.compile(r"新建 新的单位"),
    "import.people": re.compile(r"新建1条，更新1条，未变0条"),
    "case.personal_details.search": re.compile(r"按身份证号搜索：\S+"),
}


def test_every_reworded_summary_reads_in_chinese(_web_app, db, client, world):
    _use(client, "zh_Hans_CN")
    codes = raw_codes()
    # The stored summaries are what is checked here, not records' own words.
    data = data_pattern(codes | set(db.session.scalars(sa.select(AuditEntry.summary).distinct())))
    failures = []
    for action, expected in EXPECTED.items():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == action)), action
        response = client.get(f"/admin/audit/?action={action}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        text = visible_text(page)
        if expected is not None and not expected.search(text):
            failures.append((action, "not worded", re.sub(r"\s+", " ", text)[-600:]))
        failures += [(action, p) for p in chinese_problems(page, codes, data, "/admin/audit/")]
        # (The action's own name stays in the "What" cell's tooltip for exact filtering.)
        shown = visible_text(_ACTION_TITLE.sub("", page))
        left = sorted({w for w in _WORD.findall(data.sub(" ", shown)) if w in OLD_WORDS})
        if left:
            failures.append((action, "English or codes", left))
    assert failures == [], "\n".join(map(str, failures))


@pytest.mark.parametrize("action, summary, after, english, chinese", [
    ("hearing.remove", "C-1 (run #12)", None, "C-1, from plan #12", "C-1，移出排期计划 #12"),
    ("hearing.move", "C-1 2026-12-01 am", {"date": "2026-12-01"}, "C-1 2026-12-01, Morning",
     "C-1 2026-12-01 上午"),
    ("attendance.declined", "C-1 P1: declined (email)", None, "C-1 P1: declined (email)",
     "C-1 P1：已谢绝（邮件）"),
    ("attendance.link_created", "P1: page link created", {"person": "P1"}, "P1", "P1"),
    ("case.personal_details.search", "ID number search: C-1, C-2", {"case_ids": [1, 2]},
     "ID number search: C-1, C-2", "按身份证号搜索：C-1, C-2"),
    ("person.import", "created P1", None, "P1 added", "新建 P1"),
    ("case.import", "created C-1 (imported from cases.xlsx)", None,
     "C-1 added from cases.xlsx", "从 cases.xlsx 新建 C-1"),
    ("person.import", "updated P1: name, phone", None, "P1 updated: 2 fields",
     "更新 P1：2 个字段"),
    ("notice.generate", "C-1 hearing_notice v2: hearing changed", None,
     "C-1 Hearing notice, version 2: the hearing changed", "C-1 评议会通知书，第 2 版：评议会有变动"),
    ("hearing.outcome", "C-1 2026-12-01: no_show", {"result": "no_show"},
     "C-1 2026-12-01: no-show", "C-1 2026-12-01：未到场"),
    ("user.create", "a@example.org (viewer)", {"email": "a@example.org", "role": "viewer"},
     "a@example.org (Viewer)", None),
    ("calendar.feed_created", "person P1: feed link created",
     {"kind": "person", "target": "person P1"}, "Person P1", "人员 P1"),
    ("conflict.declare", "P1: hard (case C-1)", {"kind": "hard"}, "P1: hard conflict (case C-1)",
     "P1：硬性利益冲突（case C-1）"),
    # An entry whose action has no wording, or whose text has no known pattern: as stored.
    ("import.people", "新建1条，更新0条，未变0条", None, "新建1条，更新0条，未变0条",
     "新建1条，更新0条，未变0条"),
    ("case.edit", "C-1", None, "C-1", "C-1"),
])
def test_entries_written_before_keep_their_text_or_are_worded(app, action, summary, after,
                                                              english, chinese):
    entry = AuditEntry(action=action, object_type="x", summary=summary, after=after)
    with app.test_request_context():
        with force_locale("en"):
            assert audit_summary(entry) == english
        if chinese is not None:
            with force_locale("zh_Hans_CN"):
                assert audit_summary(entry) == chinese

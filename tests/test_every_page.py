"""Every page an administrator can open, in both languages, on the demo data: none fails.

Every GET route of the app without a path argument is opened, plus the detail pages of one case,
person, centre, hearing and plan run found in the demo; a route added later is covered without
touching this test. In Chinese, each page is marked zh-CN and shows Chinese text. (A stray "%"
in one translation once made the Chinese dashboard a 500 that no test opened.)
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from mediation.cases.models import Case
from mediation.centres.models import Centre
from mediation.demo.services import load_demo
from mediation.hearings.models import PUBLISHED_LAYER, Hearing
from mediation.roster.models import Person
from mediation.timeutil import local_today
from tests.conftest import csrf_token, sign_in

# Routes that are not pages: they act on POST only, stream a feed for a token, or log out.
SKIP = {"static", "calendar.feed", "auth.logout"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# GET forms whose answer needs their fields (without them: a 400 page naming the field).
QUERIES = {"/imports/scenario/export": "?start={today}&end={today}"}


def _pages(app, db) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in SKIP:
            paths.append(rule.rule)
    first = lambda model: db.session.scalar(sa.select(model.id).order_by(model.id).limit(1))  # noqa: E731
    hearing = db.session.scalar(sa.select(Hearing.id).where(Hearing.layer == PUBLISHED_LAYER)
                                .order_by(Hearing.id).limit(1))
    paths += [f"/cases/{first(Case)}", f"/roster/{first(Person)}", f"/centres/{first(Centre)}",
              f"/planning/hearings/{hearing}"]
    return sorted(paths)


def test_every_page_opens_in_both_languages(app, _web_app, db, client):
    demo = load_demo(today=local_today())
    db.session.commit()
    assert sign_in(client, demo.admin_email, demo.admin_password).status_code == 302
    pages = _pages(_web_app, db)
    assert len(pages) > 30
    failures = []
    for language in ("en", "zh_Hans_CN"):
        client.post(f"/language/{language}", data={"csrf_token": csrf_token(client, "/"),
                                                   "next": "/"})
        for path in pages:
            response = client.get(path + QUERIES.get(path, "").format(today=local_today()))
            if response.status_code >= 400:
                failures.append((language, path, response.status_code))
                continue
            if response.status_code != 200 or response.mimetype != "text/html":
                continue  # a redirect or a download
            html = response.get_data(as_text=True)
            if language == "zh_Hans_CN" and not ('lang="zh-CN"' in html
                                                  and CHINESE.search(html)):
                failures.append((language, path, "not in Chinese"))
    assert failures == []

"""Chinese is the default: the user's saved language, else the session's, else the browser's
Accept-Language, else Simplified Chinese (MEDIATION_DEFAULT_LOCALE may change the last one).

The test apps default to English (tests/conftest.py); these tests set the app's default back to
the production value where they need it."""

from __future__ import annotations

import pytest

from mediation.attendance import services as attendance
from mediation.config import load_config
from mediation.roster.models import Person
from tests.conftest import csrf_token, sign_in


@pytest.fixture
def chinese_default(_web_app):
    previous = _web_app.config["BABEL_DEFAULT_LOCALE"]
    _web_app.config["BABEL_DEFAULT_LOCALE"] = "zh_Hans_CN"
    yield _web_app
    _web_app.config["BABEL_DEFAULT_LOCALE"] = previous


def _lang(response) -> str:
    html = response.get_data(as_text=True)
    return "zh" if '<html lang="zh-CN"' in html else "en" if '<html lang="en"' in html else "?"


def test_the_configured_default_is_simplified_chinese(tmp_path, monkeypatch):
    monkeypatch.delenv("MEDIATION_DEFAULT_LOCALE", raising=False)
    assert load_config(tmp_path, {"SECRET_KEY": "x"})["BABEL_DEFAULT_LOCALE"] == "zh_Hans_CN"
    monkeypatch.setenv("MEDIATION_DEFAULT_LOCALE", "en")
    assert load_config(tmp_path, {"SECRET_KEY": "x"})["BABEL_DEFAULT_LOCALE"] == "en"


def test_no_header_means_chinese(chinese_default, client):
    response = client.get("/login")
    assert _lang(response) == "zh" and "登录" in response.get_data(as_text=True)


@pytest.mark.parametrize(("header", "expected"), [
    ("en-GB,en;q=0.9", "en"), ("en", "en"), ("zh-CN,zh;q=0.9,en;q=0.5", "zh"), ("zh-TW", "zh"),
    ("fr-FR,en;q=0.8,zh;q=0.5", "en"), ("fr-FR,de;q=0.8", "zh"),
])
def test_the_browser_language_comes_next(chinese_default, client, header, expected):
    assert _lang(client.get("/login", headers={"Accept-Language": header})) == expected


def test_the_session_choice_beats_the_browser(chinese_default, client):
    client.post("/language/en", data={"csrf_token": csrf_token(client, "/login"), "next": "/"})
    assert _lang(client.get("/login", headers={"Accept-Language": "zh-CN"})) == "en"


def test_the_saved_choice_wins(chinese_default, client, make_user, db):
    user, password = make_user("coordinator")
    user.locale = "en"
    db.session.commit()
    assert sign_in(client, user.email, password).status_code == 302
    with client.session_transaction() as session:
        session["locale"] = "zh_Hans_CN"
    assert _lang(client.get("/", headers={"Accept-Language": "zh-CN"})) == "en"


def test_a_signed_in_user_without_a_choice_gets_the_browser_language(chinese_default, client,
                                                                      make_user):
    user, password = make_user("coordinator")
    assert sign_in(client, user.email, password).status_code == 302
    assert _lang(client.get("/", headers={"Accept-Language": "en-US"})) == "en"
    assert _lang(client.get("/")) == "zh"


def test_cli_commands_use_the_configured_default(app, monkeypatch):
    from flask_babel import get_locale

    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "zh_Hans_CN")
    with app.app_context():
        assert str(get_locale()) == "zh_Hans_CN"


def _person_form(client, **overrides) -> dict:
    data = {"csrf_token": csrf_token(client, "/roster/new"), "code": "E-900", "name": "Wang Fang",
            "is_expert": "y", "available_weekdays": ["1", "2"], "active": "y"}
    data.update(overrides)
    return data


@pytest.mark.parametrize(("chosen", "expected"), [(None, "zh_Hans_CN"), ("en", "en"),
                                                  ("zh_Hans_CN", "zh_Hans_CN")])
def test_a_persons_language_is_chosen_on_the_roster(chinese_default, signed_in, db, chosen,
                                                    expected):
    """The language of the person's emails and own page: as chosen, else the app's default."""
    import sqlalchemy as sa


    data = _person_form(signed_in, **({"locale": chosen} if chosen else {}))
    assert signed_in.post("/roster/new", data=data).status_code == 302
    person = db.session.scalar(sa.select(Person).where(Person.code == "E-900"))
    assert person.locale == expected
    edit = signed_in.get(f"/roster/{person.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{expected}">' in edit or \
        f'<option value="{expected}" selected>' in edit


def test_the_own_page_follows_the_persons_language(chinese_default, client, db):
    from tests import factories as F

    person = F.person(code="E-901", name="Zhao Lei", email="zl@example.org")
    db.session.commit()
    token = attendance.token_of(attendance.ensure_link(person))
    db.session.commit()
    assert _lang(client.get(f"/p/{token}", headers={"Accept-Language": "en"})) == "zh"
    person.locale = "en"
    db.session.commit()
    assert _lang(client.get(f"/p/{token}")) == "en"


@pytest.mark.parametrize(("locale", "week_day", "when", "month"), [
    ("zh_Hans_CN", "12月1日周二", "2026/12/1 14:05", "2026年12月"),
    ("en", "Tue, Dec 1", "12/1/2026, 14:05", "Dec 2026"),
])
def test_dates_and_times_follow_cldr_for_the_language(_web_app, locale, week_day, when, month):
    """Not "周二 1 12月": CLDR skeletons put the fields in the language's order; times 24h."""
    from datetime import UTC, date, datetime

    from flask_babel import force_locale

    filters = _web_app.jinja_env.filters
    with _web_app.test_request_context(), force_locale(locale):
        assert filters["day"](date(2026, 12, 1), "MMMEd") == week_day
        assert filters["localdt"](datetime(2026, 12, 1, 6, 5, tzinfo=UTC), "short") == when
        assert filters["day"](date(2026, 12, 1), "yMMM") == month
        assert filters["number"](12345) == "12,345"


@pytest.mark.parametrize(("header", "zone"), [("zh-CN", "显示的时间为中国（上海）时间"),
                                              ("en", "Times shown in China (Shanghai) Time")])
def test_every_page_names_its_time_zone_in_the_readers_language(client, header, zone):
    """The footer once read "时间按 Asia/Shanghai 显示": the zone's identifier, not a name."""
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert zone in page and "Asia/Shanghai" not in page

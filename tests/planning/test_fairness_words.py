"""Issue #16, secondary aims: the run's fairness figure (stats["fairness"]) in words on its review
page, in both languages; runs stored without it show nothing."""

from __future__ import annotations

import re
from collections import Counter

from flask_babel import force_locale

from mediation import planner_words
from mediation.extensions import db as _db
from mediation.planning.runs import RunRequest, run_now
from tests.conftest import sign_in
from tests.planning.conftest import HORIZON

FAIR = {
    "experts": {"eligible": 10, "used": 7, "seats": 15, "max": 4, "min": 1, "mean_used": 2.143,
                "mean_all": 1.5, "spread": 3, "cv": 0.4, "cv_all": 0.8, "at_max": 2},
    "counsellors": {"eligible": 3, "used": 2, "seats": 3, "max": 2, "min": 1, "mean_used": 1.5,
                    "mean_all": 1.0, "spread": 1, "cv": 0.333, "cv_all": 0.7, "at_max": 0},
    "urgent": {"days": 7, "repeats": 3, "cases": 4, "scheduled": 3, "mean_delay_days": 1.333,
               "max_delay_days": 3, "at_first_day": 1},
    "soft_conflicts": 2,
}


def test_fairness_in_words_in_both_languages(app):
    with force_locale("zh_Hans_CN"):
        lines = planner_words.fairness_summary({"fairness": FAIR})
    assert lines == [
        "专家负担：每人最多 4 场，参加的 7 名专家（共 10 名）平均 2.1 场，最多与最少相差 3 场；"
        "已排满 2 人。",
        "心理咨询师负担：每人最多 2 场，参加的 2 名咨询师（共 3 名）平均 1.5 场，相差 1 场；"
        "已排满 0 人。",
        "紧急案件（7 天内到期或重复信访 3 次及以上）：4 件中排上 3 件，平均在最早可排日期后 1.3 天听证"
        "（最晚 3 天）。",
        "有软性利益冲突（允许安排）的人员共参加听证 2 人次。",
    ]
    for line in lines:
        assert not re.search(r"[A-Za-z_]{2,}", line), line
    with force_locale("en"):
        lines = planner_words.fairness_summary({"fairness": FAIR})
    assert lines[0].startswith("Expert load: at most 4 hearings each, 2.1 on average for the 7 "
                               "of 10 experts who sit, a difference of 3")
    assert "3 of 4 heard, on average 1.3 days" in lines[2]


def test_no_urgent_case_heard_and_old_runs(app):
    fair = dict(FAIR, counsellors={"used": 0},
                urgent={"days": 7, "repeats": 3, "cases": 2, "scheduled": 0, "mean_delay_days": None,
                        "max_delay_days": None, "at_first_day": 0})
    with force_locale("zh_Hans_CN"):
        lines = planner_words.fairness_summary({"fairness": fair})
    assert len(lines) == 3 and "2 件都没能排上" in lines[1]
    assert planner_words.fairness_summary({"objective": 3}) == []
    assert planner_words.fairness_summary(None) == []


def test_review_page_shows_the_fairness_of_the_run_in_both_languages(app, client, world):
    run = run_now(RunRequest(*HORIZON, time_limit=5), world.user)
    assert run.status == "succeeded", run.error
    fair = run.stats["fairness"]
    seats = Counter(m.person_id for h in run.hearings for m in h.members if m.role != "counsellor")
    assert fair["experts"]["max"] == max(seats.values())  # the stored figure matches the plan
    assert sign_in(client, world.user.email, "correct horse battery").status_code == 302
    for locale, expected in (("en", f"Expert load: at most {fair['experts']['max']} hearings"),
                             ("zh_Hans_CN", f"专家负担：每人最多 {fair['experts']['max']} 场")):
        world.user.locale = locale
        _db.session.commit()
        html = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
        loads = html[html.index('id="loads"'):]
        assert 'id="fairness"' in loads and expected in loads, locale
    # a run stored before the figure existed: nothing is shown
    run.stats = {k: v for k, v in run.stats.items() if k != "fairness"}
    _db.session.commit()
    html = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    assert 'id="fairness"' not in html and "专家负担" not in html

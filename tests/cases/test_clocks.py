"""Time limits across Chinese public holidays and substituted working days."""

from datetime import date

from mediation.cases.clocks import clock_state, deadline, is_working_day, limits


def test_last_day_on_national_day_moves_to_next_working_day():
    # 15 days after 16 September 2026 is 1 October (National Day, 1–7 October off).
    assert deadline(date(2026, 9, 16), 15) == date(2026, 10, 8)


def test_substituted_working_day_is_a_working_day():
    # Saturday 10 October 2026 is worked in exchange for a day off in the holiday week.
    assert is_working_day(date(2026, 10, 10))
    assert deadline(date(2026, 9, 25), 15) == date(2026, 10, 10)
    # Sunday 20 September 2026 is worked too.
    assert deadline(date(2026, 9, 5), 15) == date(2026, 9, 20)


def test_ordinary_weekend_moves_to_monday():
    # 15 days after 2 November 2026 is Tuesday 17 November; 12 days is Saturday 14 November.
    assert deadline(date(2026, 11, 2), 15) == date(2026, 11, 17)
    assert deadline(date(2026, 11, 2), 12) == date(2026, 11, 16)


def test_limits_default_and_configurable(app):
    assert limits()["accept_days"] == 15
    assert limits()["handle_days"] == 60
    assert limits()["hearing_days"] == 30
    assert limits()["at_risk_days"] == 3
    app.config["MEDIATION_AT_RISK_DAYS"] = 5
    try:
        assert clock_state(date(2026, 11, 7), date(2026, 11, 2)) == "at_risk"
    finally:
        del app.config["MEDIATION_AT_RISK_DAYS"]
    assert clock_state(date(2026, 11, 7), date(2026, 11, 2)) is None


def test_clock_state():
    today = date(2026, 11, 2)
    assert clock_state(None, today) is None
    assert clock_state(date(2026, 11, 1), today) == "overdue"
    assert clock_state(today, today) == "at_risk"
    assert clock_state(date(2026, 11, 5), today) == "at_risk"
    assert clock_state(date(2026, 11, 6), today) is None

"""Attendance tests reuse the planning world (tests/planning/conftest.py) and the calendar's
fixed public address (tests/calendar/conftest.py)."""

from tests.calendar.conftest import calendar_config  # noqa: F401
from tests.planning.conftest import planned, world  # noqa: F401

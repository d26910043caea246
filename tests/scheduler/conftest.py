"""Make the repository root importable (for ``bench``, ``tests.oracle`` and the helpers here),
and let no test's background LP outlive it."""

import sys
import threading
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.fixture(autouse=True)
def _background_lps_end_with_their_test():
    """A test that runs `solver._day_lp` leaves its bound solve running beside it (a
    `_BackgroundLP` thread; `solve` cancels the search's own): the next test must not see it
    call a function that test has patched (`day_lp`: test_the_day_lps_bound_is_solved_beside_
    the_guidance_solve failed in 2 of 4 runs here), so each test waits for its own to end."""
    yield
    for thread in threading.enumerate():
        if thread.name == "background-lp":
            thread.join(60)

"""HiGHS's PDLP never looks at `cancelSolve`: a solve that may be stopped runs in a child process
(`scheduler/highs_child.py`) that a stop kills. The same answer as in this process, errors
raised here, nothing on stdout."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bench.hard import generate_hard
from scheduler import daylp, lpcore, scenario_from_dict
from scheduler import lp as lp_module
from scheduler.explain import static_reasons
from scheduler.greedy import Problem

ROOT = Path(__file__).resolve().parents[2]


def _model(size: str, day: bool = False) -> lpcore.Model:
    problem = Problem(scenario_from_dict(generate_hard(size, seed=1)))
    candidates = [c for c in problem.free_cases if not static_reasons(problem, c)]
    return (daylp.build if day else lp_module.build)(problem, candidates)[0]


def _children() -> list[str]:
    out = subprocess.run(["ps", "-ww", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if "highs_child.py" in line]


def test_the_child_gives_the_same_answer_as_this_process(monkeypatch) -> None:
    m = _model("S")
    here = lpcore.run(m, 60, 1e-6, stop=None)
    monkeypatch.setattr(lpcore, "PROCESS_COLUMNS", 0)
    there = lpcore.run(m, 60, 1e-6, stop=threading.Event())
    assert here is not None and there is not None
    # one thread, the same model: the same iterations
    assert np.allclose(here.col_value, there.col_value, atol=1e-9)
    assert lpcore.certified(m, here.row_dual) == pytest.approx(lpcore.certified(m, there.row_dual))


@pytest.fixture(scope="module")
def hard_m_day() -> lpcore.Model:
    """Hard M's day LP: 159,000 columns, about 25 s to tolerance 1e-12 on this machine."""
    m = _model("M", day=True)
    assert len(m.cost) >= lpcore.PROCESS_COLUMNS
    return m


def test_a_stop_kills_the_solve_at_once(hard_m_day) -> None:
    """Stopped after 0.5 s, the solve returns None at once, and no child is left. In this
    process HiGHS would have gone on (hard L, stopped after 1 s: its 60 s time limit)."""
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    t0 = time.monotonic()
    assert lpcore.run(hard_m_day, 300, 1e-12, stop) is None
    assert time.monotonic() - t0 < 10
    assert _children() == []


def test_an_error_in_the_child_is_raised_here(monkeypatch) -> None:
    def corrupt(folder, arrays, time_limit, tolerance, method):
        (folder / "model.npz").write_bytes(b"not a model")
        (folder / "options.json").write_text("{}")

    monkeypatch.setattr(lpcore.highs_child, "write_model", corrupt)
    monkeypatch.setattr(lpcore, "PROCESS_COLUMNS", 0)
    with pytest.raises(RuntimeError, match="exit code 1"):
        lpcore.run(_model("S"), 60, 1e-3, stop=threading.Event())


def test_a_time_limit_gives_none_from_the_child(hard_m_day) -> None:
    """(Hard S would not do: HiGHS's presolve can solve it within any time limit.)"""
    assert lpcore.run(hard_m_day, 1.0, 1e-12, stop=threading.Event()) is None


def test_nothing_reaches_stdout_from_the_child() -> None:
    """`python -m scheduler` writes plans on stdout; HiGHS's banner must not land there."""
    script = ("import threading\n"
              "from bench.hard import generate_hard\n"
              "from scheduler import lpcore, lp, scenario_from_dict\n"
              "from scheduler.greedy import Problem\n"
              "lpcore.PROCESS_COLUMNS = 0\n"
              "p = Problem(scenario_from_dict(generate_hard('S', seed=1)))\n"
              "m, _ = lp.build(p, p.free_cases[:5])\n"
              "assert lpcore.run(m, 30, 1e-3, threading.Event()) is not None\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=True)
    assert done.stdout == ""


def test_a_child_whose_parent_is_killed_ends_itself(tmp_path) -> None:
    """A planner process killed outright (SIGKILL: an RQ job stopped) cannot kill its HiGHS
    process: that one notices within a second and ends itself, removing its folder."""
    script = ("import threading\n"
              "from bench.hard import generate_hard\n"
              "from scheduler import daylp, lpcore, scenario_from_dict\n"
              "from scheduler.greedy import Problem\n"
              "p = Problem(scenario_from_dict(generate_hard('M', seed=1)))\n"
              "m, _ = daylp.build(p, p.free_cases)\n"
              "lpcore.run(m, 300, 1e-12, threading.Event())\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not [c for c in _children() if c.endswith(f" {parent.pid}")]:
            assert time.monotonic() < deadline and parent.poll() is None
            time.sleep(0.1)
        folder = Path([c for c in _children() if c.endswith(f" {parent.pid}")][0].split()[-2])
        assert folder.is_dir()
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 30
    while [c for c in _children() if c.endswith(f" {parent.pid}")]:
        assert time.monotonic() < deadline, "the HiGHS process outlived its parent"
        time.sleep(0.1)
    assert not folder.exists()

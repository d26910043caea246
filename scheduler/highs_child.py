"""One HiGHS solve of an LP given as arrays, here or in a child process that a stop can kill.

HiGHS's PDLP (either implementation) never looks at `cancelSolve`: it has no interrupt callback
(hard L's aggregated LP, stopped after 1 s, ran to its 60 s time limit). `lpcore.run` therefore
runs a solve that may be stopped as a separate interpreter on this file (`python highs_child.py
DIR PARENT_PID`, not `-m`: it imports numpy and highspy only, 0.2 s to start): the model comes in
DIR/model.npz, the answer goes to DIR/solution.npz, and a stop kills the process; a parent that
dies without killing it makes it end itself (and remove DIR). Nothing here imports the rest of
the planner, so the child neither re-runs the caller's main module (as multiprocessing's spawn
and forkserver do) nor forks a process full of threads.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import highspy
import numpy as np

Arrays = tuple[np.ndarray, ...]  # cost, rows_lo, rows_hi, starts, index, value
NAMES = ("cost", "rows_lo", "rows_hi", "starts", "index", "value")


def solve_arrays(arrays: Arrays, time_limit: float, tolerance: float, method: str,
                 make: Callable[[], highspy.Highs]) -> tuple[np.ndarray, np.ndarray] | None:
    """(column values, row duals) of min cost'x over rows_lo <= Ax <= rows_hi, 0 <= x <= 1,
    or None when HiGHS did not reach an optimal status (time limit, say)."""
    cost, lo, hi, starts, index, value = arrays
    n = len(cost)
    h = make()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", method)
    h.setOptionValue("run_crossover", "off")
    h.setOptionValue("kkt_tolerance", float(tolerance))
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    h.addRows(len(lo), lo, hi, len(index), starts, index, value)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    return (np.asarray(solution.col_value, dtype=float),
            np.asarray(solution.row_dual, dtype=float))


def write_model(folder: Path, arrays: Arrays, time_limit: float, tolerance: float,
                method: str) -> None:
    np.savez(folder / "model.npz", **dict(zip(NAMES, arrays, strict=True)))
    (folder / "options.json").write_text(json.dumps(
        {"time_limit": time_limit, "tolerance": tolerance, "method": method}))


def read_solution(folder: Path) -> tuple[np.ndarray, np.ndarray] | None:
    with np.load(folder / "solution.npz", allow_pickle=False) as data:
        if not bool(data["optimal"]):
            return None
        return data["col_value"], data["row_dual"]


def _exit_when_orphaned(parent: int, folder: Path) -> None:
    """A parent killed outright (an RQ job stopped with SIGKILL) can neither kill this process
    nor remove its folder: it then does both itself within half a second, rather than solving
    on to its time limit."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            shutil.rmtree(folder, ignore_errors=True)
            os._exit(3)


def main(folder: Path, parent: int) -> int:
    threading.Thread(target=_exit_when_orphaned, args=(parent, folder), daemon=True).start()
    null = os.open(os.devnull, os.O_WRONLY)  # HiGHS's banner goes nowhere
    os.dup2(null, 1)
    options = json.loads((folder / "options.json").read_text())
    with np.load(folder / "model.npz", allow_pickle=False) as data:
        arrays = tuple(data[name] for name in NAMES)
    result = solve_arrays(arrays, options["time_limit"], options["tolerance"],
                          options["method"], highspy.Highs)
    empty = np.zeros(0)
    col_value, row_dual = result if result is not None else (empty, empty)
    np.savez(folder / "partial.npz", optimal=result is not None, col_value=col_value,
             row_dual=row_dual)
    os.replace(folder / "partial.npz", folder / "solution.npz")  # whole, or not there
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2])))

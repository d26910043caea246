"""Benchmark the planner on generated scenarios and print one table row per size.

    python -m bench.run [--sizes S,M,L,XL] [--seed N] [--time-limit SECONDS] [--workers N]

Each solve runs in a child process that reports its own peak memory (ru_maxrss); the plan is
then checked with `scheduler.rules.check_plan` and compared with the first-fit baseline.
Default time limits are the targets: S 5 s, M 30 s, L 120 s, XL 600 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_LIMITS = {"S": 5.0, "M": 30.0, "L": 120.0, "XL": 600.0}


def _child(scenario_path: str, plan_path: str, time_limit: float, workers: int) -> int:
    """Run one solve; print its stats and this process's peak memory as JSON."""
    from scheduler import dump_plan, load_scenario, solve

    started = time.monotonic()
    plan = solve(load_scenario(scenario_path), time_limit=time_limit, workers=workers)
    dump_plan(plan, plan_path)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"stats": plan.stats, "wall": time.monotonic() - started,
                      "peak_mb": peak_kb / 1024}))
    return 0


def run_size(size: str, seed: int, time_limit: float, workers: int, keep: Path | None
             ) -> dict[str, Any]:
    from bench.baseline import baseline
    from bench.generate import dumps, generate
    from scheduler import check_plan, load_plan, scenario_from_dict

    data = generate(size, seed)
    scenario = scenario_from_dict(data)
    folder = keep or Path(tempfile.mkdtemp(prefix="bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    scenario_path = folder / f"scenario-{size}-{seed}.json"
    plan_path = folder / f"plan-{size}-{seed}.json"
    scenario_path.write_text(dumps(data), encoding="utf-8")
    started = time.monotonic()
    child = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.run", "--child", str(scenario_path), str(plan_path),
         str(time_limit), str(workers)], capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if child.returncode != 0:
        raise RuntimeError(f"solve failed for {size}: {child.stderr[-2000:]}")
    report = json.loads(child.stdout.strip().splitlines()[-1])
    plan = load_plan(plan_path)
    violations = check_plan(scenario, plan)
    base = baseline(scenario)
    base_ok = not check_plan(scenario, base)
    stats = report["stats"]
    return {
        "size": size, "cases": len(scenario.cases), "scheduled": stats["scheduled"],
        "objective": stats["objective"], "bound": stats["bound"], "gap": stats["gap"],
        "status": stats["status"], "seconds": report["wall"], "process_seconds": wall,
        "peak_mb": report["peak_mb"], "baseline": base.stats["objective"],
        "baseline_valid": base_ok,
        "ratio": stats["objective"] / max(1, base.stats["objective"]),
        "valid": not violations, "violations": len(violations),
    }


def _table(rows: list[dict[str, Any]]) -> str:
    head = ("| size | cases | scheduled | objective | bound | gap | seconds | peak MB | "
            "baseline | ratio | check |")
    lines = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        lines.append(
            f"| {r['size']} | {r['cases']} | {r['scheduled']} | {r['objective']} | {r['bound']} | "
            f"{r['gap']:.2%} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | {r['baseline']} | "
            f"{r['ratio']:.3f} | {'valid' if r['valid'] else str(r['violations']) + ' violations'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return _child(argv[1], argv[2], float(argv[3]), int(argv[4]))
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="S,M,L,XL")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, help="seconds per solve (default per size)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="folder to keep scenarios and plans in")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    rows = []
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        limit = args.time_limit or DEFAULT_LIMITS.get(size, 60.0)
        row = run_size(size, args.seed, limit, args.workers, args.keep)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print(_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

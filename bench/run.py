"""Benchmark the planner on generated scenarios and print one table row per size.

    python -m bench.run [--sizes S,M,L,XL] [--family generator|hard|both] [--seed N]
                        [--time-limit SECONDS] [--workers N] [--fairness]

Families: `generator` (bench/generate.py, the default) and `hard` (bench/hard.py: scarce
specialists, narrow reach, tight deadlines, market days; sizes S, M, L). "best known" is the
best objective recorded for that scenario (`bench.hard.BEST_KNOWN`, long runs), when there is one.

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


def run_size(size: str, seed: int, time_limit: float, workers: int, keep: Path | None,
             family: str = "generator") -> dict[str, Any]:
    from bench.baseline import baseline
    from bench.generate import dumps, generate
    from bench.hard import BEST_KNOWN, generate_hard
    from scheduler import check_plan, load_plan, scenario_from_dict
    from scheduler.fairness import fairness

    data = generate_hard(size, seed) if family == "hard" else generate(size, seed)
    scenario = scenario_from_dict(data)
    folder = keep or Path(tempfile.mkdtemp(prefix="bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    tag = f"{family}-{size}-{seed}" if family != "generator" else f"{size}-{seed}"
    scenario_path = folder / f"scenario-{tag}.json"
    plan_path = folder / f"plan-{tag}.json"
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
    oracle = _oracle(data, plan_path)
    base = baseline(scenario)
    base_ok = not check_plan(scenario, base)
    stats = report["stats"]
    best = BEST_KNOWN.get((family, size, seed))
    best = max(best, stats["objective"]) if best is not None else None
    return {
        "family": family, "size": size, "best_known": best, "cases": len(scenario.cases),
        "scheduled": stats["scheduled"],
        "objective": stats["objective"], "bound": stats["bound"], "gap": stats["gap"],
        "status": stats["status"], "seconds": report["wall"], "process_seconds": wall,
        "peak_mb": report["peak_mb"], "baseline": base.stats["objective"],
        "baseline_valid": base_ok,
        "ratio": stats["objective"] / max(1, base.stats["objective"]),
        "valid": not violations, "violations": len(violations), "oracle_problems": oracle,
        "fairness": stats.get("fairness"), "baseline_fairness": fairness(scenario, base.hearings),
    }


def _oracle(data: dict, plan_path: Path) -> int | None:
    """Problems the independent checker (tests/oracle) finds in the plan; None without it."""
    try:
        from tests.oracle.spec_checker import check
    except ImportError:
        return None
    return len(check(data, json.loads(plan_path.read_text(encoding="utf-8"))))


def _table(rows: list[dict[str, Any]]) -> str:
    head = ("| family | size | cases | scheduled | first-fit | objective | best known | of best "
            "| bound | gap | seconds | peak MB | ratio | check |")
    lines = [head, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
                   "| ---: | ---: | --- |"]
    for r in rows:
        best = r["best_known"] if r["best_known"] is not None else "-"
        share = f"{r['objective'] / r['best_known']:.1%}" if r["best_known"] else "-"
        lines.append(
            f"| {r['family']} | {r['size']} | {r['cases']} | {r['scheduled']} | {r['baseline']} | "
            f"{r['objective']} | {best} | {share} | {r['bound']} | {r['gap']:.2%} | "
            f"{r['seconds']:.1f} | "
            f"{r['peak_mb']:.0f} | {r['ratio']:.3f} | "
            f"{'valid' if r['valid'] else str(r['violations']) + ' violations'}"
            f"{'' if not r.get('oracle_problems') else ', oracle: ' + str(r['oracle_problems'])} |")
    return "\n".join(lines)


def _fairness_table(rows: list[dict[str, Any]]) -> str:
    """The secondary aims, planner against first-fit: expert loads (max, mean over experts who
    sit, spread, coefficient of variation, at their max_hearings), urgent cases (heard of all,
    mean and max days after their first allowed day) and soft conflicts used."""
    head = ("| family | size | plan | experts used | max | mean | spread | CV | at max | "
            "urgent heard | mean delay (days) | max delay | soft conflicts |")
    lines = [head, "| --- | --- | --- " + "| ---: " * 10 + "|"]
    for r in rows:
        for name, f in (("first-fit", r.get("baseline_fairness")), ("planner", r.get("fairness"))):
            if not f:
                continue
            e, u = f["experts"], f["urgent"]
            mean = "-" if u["mean_delay_days"] is None else f"{u['mean_delay_days']:.2f}"
            top = "-" if u["max_delay_days"] is None else u["max_delay_days"]
            lines.append(
                f"| {r['family']} | {r['size']} | {name} | {e['used']} of {e['eligible']} | "
                f"{e['max']} | {e['mean_used']:.2f} | {e['spread']} | {e['cv']:.3f} | "
                f"{e['at_max']} | {u['scheduled']} of {u['cases']} | {mean} | {top} | "
                f"{f['soft_conflicts']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return _child(argv[1], argv[2], float(argv[3]), int(argv[4]))
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="S,M,L,XL")
    parser.add_argument("--family", choices=("generator", "hard", "both"), default="generator")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, help="seconds per solve (default per size)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="folder to keep scenarios and plans in")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--fairness", action="store_true",
                        help="also print the secondary aims, planner against first-fit")
    args = parser.parse_args(argv)
    from bench.hard import HARD_SIZES

    families = ("generator", "hard") if args.family == "both" else (args.family,)
    rows = []
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        limit = args.time_limit or DEFAULT_LIMITS.get(size, 60.0)
        for family in families:
            if family == "hard" and size not in HARD_SIZES:
                continue
            row = run_size(size, args.seed, limit, args.workers, args.keep, family)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(_table(rows))
    if args.fairness:
        print()
        print(_fairness_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Command line: `python -m scheduler solve|check|explain`. Bad input: error list, exit 2."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from .explain_case import explain_case
from .io import ScenarioError, dump_plan, load_plan, load_scenario
from .rules import check_plan
from .solver import solve

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scheduler",
                                     description="Plan mediation hearings and check plans.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("solve", help="plan a scenario")
    p.add_argument("scenario")
    p.add_argument("--out", required=True, help="where to write the plan (JSON)")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    p.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    p.add_argument("--previous", help="previous plan: a re-plan changes it as little as it can")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gap", type=float, default=0.005,
                   help="stop once (bound - objective) / bound <= GAP (default 0.005; 0: only "
                        "when proved optimal)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p = sub.add_parser("check", help="list every rule a plan breaks (exit 0 only if none)")
    p.add_argument("scenario")
    p.add_argument("plan")
    p = sub.add_parser("explain", help="why a case is (not) schedulable")
    p.add_argument("scenario")
    p.add_argument("case")
    p.add_argument("--plan")
    return parser


def _progress(info: dict[str, Any]) -> None:
    bound = info["bound"] if info["bound"] is not None else "?"
    print(f"[{info['elapsed']:7.2f}s] objective {info['objective']}  bound {bound}  "
          f"scheduled {info['scheduled']}", flush=True)


def _solve(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    previous = load_plan(args.previous) if args.previous else None
    stop = threading.Event()
    # Ctrl-C ends the search early; the best plan so far is still written
    old = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        plan = solve(scenario, time_limit=args.time_limit, workers=args.workers,
                     previous_plan=previous, on_progress=None if args.quiet else _progress,
                     stop=stop, seed=args.seed, gap_tolerance=args.gap)
    finally:
        signal.signal(signal.SIGINT, old)
    dump_plan(plan, args.out)
    st = plan.stats
    print(f"status {st['status']}: objective {st['objective']} (total priority), proved bound "
          f"{st['bound']} ({st.get('bound_source')}), gap {st['gap']:.2%}; scheduled "
          f"{st['scheduled']} of {st['cases']} cases in {st['solve_seconds']:.1f}s"
          f"{'; stopped early: ' + st['stopped_early'] if st.get('stopped_early') else ''}; "
          f"plan written to {args.out}")
    return 0


def _check(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    plan = load_plan(args.plan)
    violations = check_plan(scenario, plan)
    for v in violations:
        print(v)
    print(f"{len(violations)} violation(s)" if violations else "plan is valid: no rule broken")
    return 1 if violations else 0


def _explain(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    plan = load_plan(args.plan) if args.plan else None
    try:
        lines = explain_case(scenario, args.case, plan)
    except KeyError:
        print(f"error: unknown case {args.case!r}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print("\n".join(lines))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"solve": _solve, "check": _check, "explain": _explain}[args.command](args)
    except ScenarioError as exc:
        print(f"error: {len(exc.problems)} problem(s) in the input:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT

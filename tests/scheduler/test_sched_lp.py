"""The LP bound: PDLP's near-optimal duals, certified by recomputing the dual objective."""

from __future__ import annotations

import pytest

from bench.generate import generate
from bench.hard import generate_hard
from scheduler import lp as lp_module
from scheduler import scenario_from_dict
from scheduler.explain import static_reasons
from scheduler.greedy import Problem
from scheduler.lagrange import lagrangian_bound


def _problem(data: dict) -> tuple[Problem, list[str]]:
    problem = Problem(scenario_from_dict(data))
    return problem, [c for c in problem.free_cases if not static_reasons(problem, c)]


def _full_lp(problem: Problem, candidates: list[str], engine: str) -> lp_module._LP:
    columns = {c: (set(problem.options[c].experts), set(problem.options[c].counsellors))
               for c in candidates}
    lp = lp_module._LP.__new__(lp_module._LP)
    saved = lp_module.ENGINE
    lp_module.ENGINE = engine
    try:
        lp.__init__(problem, candidates, columns)
    finally:
        lp_module.ENGINE = saved
    assert lp.solver.Solve() == lp.solver.OPTIMAL
    return lp


@pytest.mark.parametrize("data", [generate_hard("S", seed=1), generate("S", seed=2)],
                         ids=["hard-S", "generator-S"])
def test_certified_pdlp_bound_matches_the_exact_lp(data: dict) -> None:
    problem, candidates = _problem(data)
    glop = _full_lp(problem, candidates, "GLOP")  # kept: Objective() does not hold the solver
    exact = glop.solver.Objective().Value()
    pdlp = _full_lp(problem, candidates, "PDLP")
    certified = pdlp.dual_bound()
    # never below the LP's optimum (it is an upper bound on it), and close to it
    assert certified >= exact - 1e-6
    assert certified <= exact * (1 + 1e-3) + 1e-6
    assert lp_module.lp_bound(problem, candidates, time_limit=30) >= exact - 1e-6


def test_rough_duals_still_give_a_valid_bound(monkeypatch) -> None:
    """A solve stopped far from optimal (relative gap 0.5) yields duals that are merely
    feasible: the recomputed dual objective stays above the LP's optimum."""
    problem, candidates = _problem(generate_hard("S", seed=2))
    glop = _full_lp(problem, candidates, "GLOP")
    exact = glop.solver.Objective().Value()
    monkeypatch.setattr(lp_module, "PDLP_PARAMETERS", lp_module.PDLP_PARAMETERS.replace(
        "eps_optimal_relative: 1e-5", "eps_optimal_relative: 0.5").replace(
        "eps_optimal_absolute: 1e-6", "eps_optimal_absolute: 0.5"))
    rough = _full_lp(problem, candidates, "PDLP")
    assert rough.dual_bound() >= exact - 1e-6


def test_the_lagrangian_without_price_adjustment_is_the_flat_price_bound_still_valid() -> None:
    """Above LP_CASE_LIMIT cases the solver skips the row-by-row adjustment (at L it never lowered
    the bound: 11 s more for the same 3,418 at hard L); the flat price alone is a valid bound, and
    at S, where the adjustment works, the looser one (hard S seed 1: 78 against 71; 68 is best)."""
    problem, candidates = _problem(generate_hard("S", seed=1))
    adjusted = lagrangian_bound(problem, candidates, 0, time_limit=60)
    flat = lagrangian_bound(problem, candidates, 0, time_limit=60, adjust=False)
    assert 68 <= adjusted < flat

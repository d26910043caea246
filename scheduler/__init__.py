"""Mediation hearing planner: scenario in, plan out (pure Python + OR-Tools, no web or database).

Public API for the web app and tools:

- I/O: `scenario_from_dict`, `scenario_to_dict`, `plan_from_dict`, `plan_to_dict`,
  `load_scenario`, `load_plan`, `dump_plan`, `ScenarioError`
- rules: `check_plan`, `hearing_violations`, `person_violations`, `room_violations`,
  `Violation`, `ScenarioIndex`, `PlanUsage`
- planning: `solve`, `explain_case`, `schedulable_alone`
- small changes: `candidates` (ranked replacements for one seat), `repair` (re-plan a few cases
  around the rest with the smallest change)
"""

from .explain_case import explain_case
from .index import ScenarioIndex
from .io import (
    ScenarioError,
    dump_plan,
    dump_scenario,
    load_plan,
    load_scenario,
    plan_from_dict,
    plan_to_dict,
    scenario_from_dict,
    scenario_to_dict,
)
from .model import (
    Case,
    Centre,
    Conflict,
    FixedHearing,
    Hearing,
    Party,
    Person,
    Plan,
    Region,
    Room,
    Scenario,
    Session,
    Unavailability,
    Unscheduled,
)
from .repair import Candidate, candidates, repair
from .rules import (
    PlanUsage,
    Violation,
    check_plan,
    hearing_violations,
    person_violations,
    room_violations,
)
from .solver import schedulable_alone, solve

__all__ = [
    "Candidate", "candidates", "repair",
    "Case", "Centre", "Conflict", "FixedHearing", "Hearing", "Party", "Person", "Plan",
    "PlanUsage", "Region", "Room", "Scenario", "ScenarioError", "ScenarioIndex", "Session",
    "Unavailability", "Unscheduled", "Violation", "check_plan", "dump_plan", "dump_scenario",
    "explain_case", "hearing_violations", "load_plan", "load_scenario", "person_violations",
    "plan_from_dict", "plan_to_dict", "room_violations", "scenario_from_dict",
    "scenario_to_dict", "schedulable_alone", "solve",
]

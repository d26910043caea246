"""Mediation hearing planner: scenario in, plan out (pure Python + OR-Tools, no web or database).

Public API for the web app and tools:

- I/O: `scenario_from_dict`, `scenario_to_dict`, `plan_from_dict`, `plan_to_dict`,
  `load_scenario`, `load_plan`, `dump_plan`, `ScenarioError`
- rules: `check_plan`, `hearing_violations`, `person_violations`, `room_violations`,
  `past_violations`, `Violation`, `Reason`, `Rule`, `ScenarioIndex`, `PlanUsage`; `render`
  (English text of a violation or reason code with its params)
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
from .messages import render
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
    Reason,
    Rule,
    Violation,
    check_plan,
    hearing_violations,
    past_violations,
    person_violations,
    room_violations,
)
from .solver import schedulable_alone, solve

__all__ = [
    "Candidate", "candidates", "repair",
    "Case", "Centre", "Conflict", "FixedHearing", "Hearing", "Party", "Person", "Plan",
    "PlanUsage", "Reason", "Region", "Rule", "Room", "Scenario", "ScenarioError",
    "ScenarioIndex", "Session", "Unavailability", "Unscheduled", "Violation", "check_plan",
    "dump_plan", "dump_scenario", "explain_case", "hearing_violations", "load_plan",
    "load_scenario", "past_violations", "person_violations", "plan_from_dict", "plan_to_dict",
    "render", "room_violations", "scenario_from_dict", "scenario_to_dict", "schedulable_alone",
    "solve",
]

"""Planning: plan runs, review, publish and manual edits (docs/planning.md)."""

from __future__ import annotations

from flask import Flask

from mediation import signals, worker
from mediation.audit.summaries import register_summaries
from mediation.auth import access
from mediation.planner_words import register_reasons
from mediation.planning import audit_words, labels, services, tasks
from mediation.planning.models import PlanRun


def init_app(app: Flask) -> None:
    """Register planning's background tasks and subscribers (called by the app factory)."""
    worker.register_task("plan.run", tasks.run_plan)
    worker.register_periodic("plan.reap", tasks.reap)
    signals.case_left_planning.connect(services.on_case_left_planning)
    access.register(PlanRun, services.run_region_ids)
    access.scoped_arg("run_id", PlanRun)
    app.add_template_filter(labels.run_status, "run_status")
    app.add_template_filter(labels.run_scope, "run_scope")
    register_summaries(audit_words.SUMMARIES)
    register_reasons(labels.REASON_WORDS)

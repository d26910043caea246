"""Plan runs (the planner's executions) and the cases a run could not schedule.

Hearings (the schedule of record and every run's proposal) live in mediation.hearings; they are
re-exported here for older callers.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.cases.models import Case
from mediation.db import JSONType, TimestampMixin, UTCDateTime
from mediation.extensions import db
from mediation.hearings.models import (
    HEARING_STATUSES,
    MEMBER_ROLES,
    PUBLISHED_LAYER,
    Hearing,
    HearingMember,
    new_calendar_uid,
)
from mediation.planning.scope import RunScope

__all__ = ["ACTIVE_RUN_STATUSES", "HEARING_STATUSES", "MEMBER_ROLES", "PUBLISHED_LAYER",
           "RUN_STATUSES", "Hearing", "HearingMember", "PlanRun", "UnscheduledCase", "new_calendar_uid"]

RUN_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "published", "superseded")
ACTIVE_RUN_STATUSES = ("queued", "running")


class PlanRun(TimestampMixin, db.Model):
    __tablename__ = "plan_runs"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'published', "
            "'superseded')", name="status"
        ),
        sa.CheckConstraint("horizon_start <= horizon_end", name="horizon"),
        # At most one queued or running run per scope, whatever process asks.
        sa.Index("uq_plan_runs_active_scope", "scope_key", unique=True,
                 sqlite_where=sa.text("status IN ('queued', 'running')"),
                 postgresql_where=sa.text("status IN ('queued', 'running')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    # Parameters.
    horizon_start: Mapped[date] = mapped_column(sa.Date)
    horizon_end: Mapped[date] = mapped_column(sa.Date)
    panel_size: Mapped[int] = mapped_column(default=3)
    time_limit_seconds: Mapped[float] = mapped_column(default=60.0)
    workers: Mapped[int | None]
    # The run's inputs: mediation.planning.scope.RunScope.to_json() (never results).
    scope: Mapped[dict] = mapped_column(JSONType, default=dict)
    scope_key: Mapped[str] = mapped_column(sa.String(200), default="all", index=True)
    # Timings and progress.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress: Mapped[dict | None] = mapped_column(JSONType)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    # Result (exchange format `stats`).
    solver_status: Mapped[str | None] = mapped_column(sa.String(32))
    objective: Mapped[float | None]
    bound: Mapped[float | None]
    solve_seconds: Mapped[float | None]
    scheduled_count: Mapped[int | None]
    unscheduled_count: Mapped[int | None]
    stats: Mapped[dict | None] = mapped_column(JSONType)
    # Every case the run's scenario held (what publishing compares with the schedule).
    result_cases: Mapped[list[int] | None] = mapped_column(JSONType)
    log: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)
    # Where it ran ("in-process", "rq:<job id>", "cli") and who published it.
    worker: Mapped[str | None] = mapped_column(sa.String(120))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    hearings: Mapped[list[Hearing]] = relationship(back_populates="plan_run")

    @property
    def inputs(self) -> RunScope:
        """The typed scope (what the run was asked to plan)."""
        return RunScope.from_json(self.scope)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def gap(self) -> float | None:
        """Relative distance between the plan found and the proved upper bound (0 = optimal)."""
        if self.objective is None or self.bound is None or self.bound <= 0:
            return None
        return max(0.0, (self.bound - self.objective) / self.bound)
    unscheduled: Mapped[list[UnscheduledCase]] = relationship(
        back_populates="plan_run", cascade="all, delete-orphan"
    )


class UnscheduledCase(db.Model):
    """A case a run could not schedule, with the planner's reasons (exchange: `unscheduled`)."""

    __tablename__ = "unscheduled_cases"
    __table_args__ = (sa.UniqueConstraint("plan_run_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_runs.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)  # English (exchange)
    # The same reasons as the planner's codes and params ([{code, params}], rules.Reason), for
    # the app to word in the reader's language; empty for runs stored before it was kept and
    # for reasons a coordinator wrote (removed from a proposal, case withdrawn).
    details: Mapped[list[dict]] = mapped_column(JSONType, default=list,
                                                server_default=sa.text("'[]'"))

    plan_run: Mapped[PlanRun] = relationship(back_populates="unscheduled")
    case: Mapped[Case] = relationship()



"""What a plan run is asked to plan: its inputs, typed and validated (`PlanRun.scope`).

A run's results (the cases its scenario held) are kept apart, in `PlanRun.result_cases`.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from mediation.timeutil import parse_day

KINDS = ("all", "region", "cases", "repair")


class ScopeError(ValueError):
    """A stored or requested scope that does not make sense; the message says why."""


@dataclass(frozen=True)
class RunScope:
    """The inputs of a run.

    kind: "all" plannable cases, those of a "region" (and below), chosen "cases", or a
    "repair" of published hearings (`release_ids`) of the given cases.
    """

    kind: str = "all"
    horizon_start: date | None = None
    horizon_end: date | None = None
    region_code: str | None = None
    region_id: int | None = None
    case_ids: tuple[int, ...] = ()
    release_ids: tuple[int, ...] = ()  # published hearings the planner may change (repair)
    release_published: bool = False  # let the planner move published hearings in scope
    base_run_id: int | None = None  # keep this run's pinned proposals (a re-run)
    seed: int = 0

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        self._validate_kind()
        self._validate_horizon()
        self._validate_ids()

    def _validate_kind(self) -> None:
        if self.kind not in KINDS:
            raise ScopeError(f"unknown scope kind {self.kind!r} (one of {', '.join(KINDS)})")
        if self.kind == "region" and (self.region_id is None or not self.region_code):
            raise ScopeError("a region scope needs the region's id and code")
        if self.kind in ("cases", "repair") and not self.case_ids:
            raise ScopeError(f"a {self.kind} scope needs at least one case id")
        if self.kind == "repair" and not self.release_ids:
            raise ScopeError("a repair scope needs the published hearings it may change")
        if self.kind != "repair" and self.release_ids:
            raise ScopeError("only a repair scope releases given hearings")

    def _validate_horizon(self) -> None:
        if (self.horizon_start is None) != (self.horizon_end is None):
            raise ScopeError("a horizon needs both its first and its last day")
        if self.horizon_start is not None and self.horizon_start > self.horizon_end:
            raise ScopeError("the horizon must start on or before its last day")

    def _validate_ids(self) -> None:
        for name in ("case_ids", "release_ids"):
            values = getattr(self, name)
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                raise ScopeError(f"{name} must be integers")
            if list(values) != sorted(set(values)):
                raise ScopeError(f"{name} must be sorted and distinct")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise ScopeError("seed must be an integer")

    @property
    def key(self) -> str:
        """At most one active run per key (the partial unique index on plan_runs.scope_key)."""
        if self.kind == "all":
            return "all"
        if self.kind == "region":
            return f"region:{self.region_code}"
        if self.kind == "repair":
            return ("repair:" + ",".join(map(str, self.release_ids)))[:200]
        digest = hashlib.sha256(",".join(map(str, self.case_ids)).encode()).hexdigest()[:16]
        return f"cases:{digest}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("horizon_start", "horizon_end"):
            data[name] = data[name].isoformat() if data[name] else None
        data["case_ids"], data["release_ids"] = list(self.case_ids), list(self.release_ids)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> RunScope:
        """Read a stored scope; older rows spelled some keys differently (`region`,
        `release`) and mixed in results (`planned_case_ids`), which are ignored here."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ScopeError("a scope is a JSON object")
        known = set(cls.__dataclass_fields__) | {"region", "release", "planned_case_ids"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ScopeError(f"unknown scope keys: {', '.join(unknown)}")
        try:
            return cls(
                kind=data.get("kind", "all"),
                horizon_start=_day(data.get("horizon_start")),
                horizon_end=_day(data.get("horizon_end")),
                region_code=data.get("region_code", data.get("region")),
                region_id=data.get("region_id"),
                case_ids=tuple(data.get("case_ids") or ()),
                release_ids=tuple(data.get("release_ids", data.get("release")) or ()),
                release_published=bool(data.get("release_published", False)),
                base_run_id=data.get("base_run_id"),
                seed=data.get("seed", 0),
            )
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ScopeError):
                raise
            raise ScopeError(f"malformed scope: {exc}") from None


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return parse_day(value)


__all__ = ["KINDS", "RunScope", "ScopeError"]

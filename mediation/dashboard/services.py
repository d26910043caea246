"""Dashboard figures. Every count is one SQL aggregate (GROUP BY), never a Python loop over cases,
so the page costs the same handful of queries with 100 or 100,000 cases.

The source-prevention metrics (domain brief) count only cases in the petition statistics (a case
transferred to the political-legal department leaves them). Each metric is dated by its own event:

* one-time resolution rate: initial cases (no earlier case on the same matter) closed, resolved or
  terminated, in the period; the share with no repeat petition registered up to N months after
  closing (`MEDIATION_REPEAT_WINDOW_MONTHS`, default 6);
* initial-to-repeat ratio: cases registered in the period, initial ones per repeat one;
* on-time acceptance rate: cases registered in the period whose acceptance was decided (accepted,
  not accepted, referred) or is already overdue; the share decided by the acceptance due date;
* on-time closure rate: cases closed (resolved or terminated) in the period with a handling limit;
  the share closed by the handling due date (extension included).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql.functions import FunctionElement

from mediation.cases.models import CATEGORIES, Case, CaseLink
from mediation.cases.services import OPEN_STATUSES, clock_condition, due_on_expr
from mediation.centres.models import Room
from mediation.db import id_or_none
from mediation.extensions import db
from mediation.hearings.models import Hearing, HearingMember
from mediation.hearings.queries import is_current_published, sent_back_to_planning
from mediation.planning.models import PlanRun, UnscheduledCase
from mediation.regions import services as regions
from mediation.regions.models import Region
from mediation.roster.models import Person
from mediation.timeutil import local_today

CLOSED_STATUSES = ("resolved", "terminated")
# Runs whose unscheduled list is a finished planner answer.
FINISHED_RUN_STATUSES = ("succeeded", "published")
DEFAULT_MONTHS = 12
MAX_MONTHS = 60
LIST_LIMIT = 20  # rows of a list shown on the page; the export has them all
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")

METRICS = ("one_time_resolution", "initial_repeat_ratio", "on_time_acceptance", "on_time_closure")
METRIC_LABELS = {
    "one_time_resolution": _l("One-time resolution rate"),
    "initial_repeat_ratio": _l("Initial-to-repeat ratio"),
    "on_time_acceptance": _l("On-time acceptance rate"),
    "on_time_closure": _l("On-time closure rate"),
}


def metric_definition(metric: str) -> str:
    months = repeat_window_months()
    return {
        "one_time_resolution": _l(
            "Initial petitions closed (resolved or terminated) in the period that had no repeat "
            "petition on the same matter registered within %(n)s months of closing, as a share "
            "of all initial petitions closed in the period. Recent months can still fall as "
            "repeats arrive.", n=months),
        "initial_repeat_ratio": _l(
            "Cases registered in the period: initial petitions per repeat petition (a repeat is "
            "the same person with the same matter as an earlier case)."),
        "on_time_acceptance": _l(
            "Cases registered in the period whose acceptance was decided (accepted, not "
            "accepted or referred) or is already overdue: the share decided by the acceptance "
            "due date."),
        "on_time_closure": _l(
            "Cases closed (resolved or terminated) in the period: the share closed by the "
            "handling due date, including any extension."),
    }[metric]


def repeat_window_months() -> int:
    if has_app_context():
        return int(current_app.config.get("MEDIATION_REPEAT_WINDOW_MONTHS", 6))
    return 6


# --- filters -----------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months_to(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _parse_month(value: str | None) -> date | None:
    match = MONTH_RE.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1900 <= year <= 2999 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


@dataclass
class DashboardFilters:
    """Region (with everything below it), category and a range of whole months."""

    region_id: int | None = None
    category: str | None = None
    start: date = field(default_factory=lambda: add_months_to(local_today(), 1 - DEFAULT_MONTHS))
    # The first day of the month after the last month in the range (exclusive).
    end: date = field(default_factory=lambda: add_months_to(local_today(), 1))

    @classmethod
    def from_args(cls, args: Mapping[str, str], today: date | None = None) -> DashboardFilters:
        today = today or local_today()
        region_id = None
        raw_region = (args.get("region") or "").strip()
        wanted = id_or_none(raw_region)
        if wanted is not None and db.session.get(Region, wanted) is not None:
            region_id = wanted
        category = args.get("category") or None
        last = _parse_month(args.get("to")) or month_start(today)
        first = _parse_month(args.get("from")) or add_months_to(last, 1 - DEFAULT_MONTHS)
        if first > last:
            first, last = last, first
        first = max(first, add_months_to(last, 1 - MAX_MONTHS))
        return cls(region_id=region_id, category=category if category in CATEGORIES else None,
                   start=first, end=add_months_to(last, 1))

    @property
    def months(self) -> list[date]:
        out, day = [], self.start
        while day < self.end:
            out.append(day)
            day = add_months_to(day, 1)
        return out

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def args(self) -> dict[str, str]:
        """Query-string arguments that reproduce these filters (for export links)."""
        out = {"from": f"{self.start:%Y-%m}", "to": f"{self.end - timedelta(days=1):%Y-%m}"}
        if self.region_id:
            out["region"] = str(self.region_id)
        if self.category:
            out["category"] = self.category
        return out


# --- SQL helpers -------------------------------------------------------------------------------


class add_months(FunctionElement):  # noqa: N801  (an SQL function)
    """SQL: a date plus a whole number of months (portable: SQLite has no intervals)."""

    type = sa.Date()
    inherit_cache = True
    name = "add_months"


@compiles(add_months, "sqlite")
def _add_months_sqlite(element, compiler, **kw):
    day, months = list(element.clauses)
    return (f"date({compiler.process(day, **kw)}, "
            f"'+' || CAST({compiler.process(months, **kw)} AS TEXT) || ' months')")


@compiles(add_months)
def _add_months_postgresql(element, compiler, **kw):
    day, months = list(element.clauses)
    return (f"CAST({compiler.process(day, **kw)} + "
            f"make_interval(months => CAST({compiler.process(months, **kw)} AS INTEGER)) AS DATE)")


def region_subtree(region_id: int) -> sa.Select:
    """Ids of a region and everything below it (`regions.services`, stops on a cycle)."""
    return regions.at_and_below(region_id, name="dash_tree")


def _case_scope(f: DashboardFilters) -> list:
    where = []
    if f.region_id:
        where.append(Case.region_id.in_(region_subtree(f.region_id)))
    if f.category:
        where.append(Case.category == f.category)
    return where


def _count_if(condition) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _year_month(column) -> tuple:
    return sa.extract("year", column), sa.extract("month", column)


# --- backlog, clocks, hearings, unscheduled ----------------------------------------------------


def backlog_by_status(f: DashboardFilters) -> list[tuple[str, int]]:
    """Open cases by status, in workflow order (zeros included)."""
    rows = dict(db.session.execute(
        sa.select(Case.status, sa.func.count())
        .where(Case.status.in_(OPEN_STATUSES), *_case_scope(f))
        .group_by(Case.status)
    ).all())
    return [(status, int(rows.get(status, 0))) for status in OPEN_STATUSES]


def clock_counts(f: DashboardFilters, today: date | None = None) -> dict[str, int]:
    today = today or local_today()
    row = db.session.execute(
        sa.select(
            _count_if(clock_condition("overdue", today)),
            _count_if(clock_condition("at_risk", today)),
        ).where(Case.status.in_(OPEN_STATUSES), *_case_scope(f))
    ).one()
    return {"overdue": int(row[0]), "at_risk": int(row[1])}


def clock_cases(f: DashboardFilters, state: str, limit: int | None = LIST_LIMIT,
                today: date | None = None) -> list[tuple[Case, date]]:
    """Open cases past their next due date ("overdue") or due within N days ("at_risk"),
    most urgent first, with that due date."""
    today = today or local_today()
    condition = clock_condition(state, today)
    stmt = (
        sa.select(Case, due_on_expr.label("due"))
        .where(Case.status.in_(OPEN_STATUSES), condition, *_case_scope(f))
        .options(selectinload(Case.region))
        .order_by(due_on_expr.asc(), Case.priority.desc(), Case.id.asc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(case, due) for case, due in db.session.execute(stmt).all()]


def week_bounds(today: date | None = None) -> tuple[date, date]:
    """Monday and Sunday of the current week in the configured zone."""
    today = today or local_today()
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def _week_where(f: DashboardFilters, today: date | None) -> list:
    monday, sunday = week_bounds(today)
    return [is_current_published(),
            Hearing.date >= monday, Hearing.date <= sunday, *_case_scope(f)]


def hearings_this_week_count(f: DashboardFilters, today: date | None = None) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Hearing)
        .join(Case, Case.id == Hearing.case_id).where(*_week_where(f, today))) or 0


def hearings_this_week(f: DashboardFilters, today: date | None = None,
                       limit: int | None = None) -> list[Hearing]:
    """This week's published hearings in time order (the first `limit` of them)."""
    stmt = (
        sa.select(Hearing)
        .join(Case, Case.id == Hearing.case_id)
        .where(*_week_where(f, today))
        .options(selectinload(Hearing.case), selectinload(Hearing.session),
                 selectinload(Hearing.room).selectinload(Room.centre),
                 selectinload(Hearing.members).selectinload(HearingMember.person))
        .order_by(Hearing.starts_at, Hearing.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def latest_finished_run() -> PlanRun | None:
    return db.session.scalar(
        sa.select(PlanRun).where(PlanRun.status.in_(FINISHED_RUN_STATUSES))
        .order_by(PlanRun.id.desc()).limit(1)
    )


def _held_by_runs_since(first_run_id: int) -> list[tuple[int, set[int]]]:
    """(run id, cases its scenario held), newest first, for finished runs from `first_run_id`.

    A run's scenario is `PlanRun.result_cases`; runs from before that column knew only their
    unscheduled cases, so those count too."""
    runs = db.session.execute(
        sa.select(PlanRun.id, PlanRun.result_cases)
        .where(PlanRun.status.in_(FINISHED_RUN_STATUSES), PlanRun.id >= first_run_id)
        .order_by(PlanRun.id.desc())
    ).all()
    listed: dict[int, set[int]] = {}
    for run_id, case_id in db.session.execute(
        sa.select(UnscheduledCase.plan_run_id, UnscheduledCase.case_id)
        .where(UnscheduledCase.plan_run_id >= first_run_id)
    ):
        listed.setdefault(run_id, set()).add(case_id)
    return [(run_id, set(cases or []) | listed.get(run_id, set())) for run_id, cases in runs]


def unscheduled_cases(f: DashboardFilters, limit: int | None = LIST_LIMIT
                      ) -> tuple[int, list[UnscheduledCase]]:
    """Open cases that the newest finished run holding them could not schedule, and that have
    no published hearing in force (total, first `limit`), with that run's reasons.

    Each case is judged by the newest run whose scenario held it, so a later run over a few
    cases (a one-case re-plan) does not hide what an earlier, wider run left unscheduled."""
    # A hearing still holding its case (not adjourned, no-show or postponed: hearings.queries).
    has_hearing = sa.exists().where(Hearing.case_id == Case.id, is_current_published(),
                                    ~sent_back_to_planning())
    candidates = db.session.execute(
        sa.select(UnscheduledCase.id, UnscheduledCase.case_id, UnscheduledCase.plan_run_id)
        .join(Case, Case.id == UnscheduledCase.case_id)
        .join(PlanRun, PlanRun.id == UnscheduledCase.plan_run_id)
        .where(PlanRun.status.in_(FINISHED_RUN_STATUSES), Case.status.in_(OPEN_STATUSES),
               ~has_hearing, *_case_scope(f))
    ).all()
    if not candidates:
        return 0, []
    newest_run: dict[int, int] = {}
    for run_id, held in _held_by_runs_since(min(c.plan_run_id for c in candidates)):
        for case_id in held:
            newest_run.setdefault(case_id, run_id)
    current = [c.id for c in candidates if newest_run.get(c.case_id) == c.plan_run_id]
    if not current:
        return 0, []
    stmt = (
        sa.select(UnscheduledCase).join(Case, Case.id == UnscheduledCase.case_id)
        .where(UnscheduledCase.id.in_(current))
        .options(selectinload(UnscheduledCase.case))
        .order_by(Case.priority.desc(), Case.reference)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return len(current), list(db.session.scalars(stmt))


# --- load --------------------------------------------------------------------------------------


@dataclass
class Load:
    person_id: int
    code: str
    name: str
    hearings: int


def people_load(f: DashboardFilters, role: str, limit: int | None = LIST_LIMIT) -> list[Load]:
    """Published hearings per active expert (as chair or member) or counsellor in the period,
    busiest first; people without a hearing are included (with 0) when there is no limit."""
    member_roles = ("counsellor",) if role == "counsellor" else ("chair", "member")
    counts = (
        sa.select(HearingMember.person_id, sa.func.count().label("n"))
        .join(Hearing, Hearing.id == HearingMember.hearing_id)
        .where(is_current_published(HearingMember),
               HearingMember.role.in_(member_roles),
               HearingMember.date >= f.start, HearingMember.date < f.end)
    )
    if f.region_id or f.category:
        counts = counts.join(Case, Case.id == Hearing.case_id).where(*_case_scope(f))
    counts = counts.group_by(HearingMember.person_id).subquery()
    n = sa.func.coalesce(counts.c.n, 0)
    flag = Person.is_counsellor if role == "counsellor" else Person.is_expert
    stmt = (
        sa.select(Person.id, Person.code, Person.name, n)
        .outerjoin(counts, counts.c.person_id == Person.id)
        .where(flag.is_(True), Person.active.is_(True))
        .order_by(n.desc(), Person.code)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [Load(*row) for row in db.session.execute(stmt).all()]


def load_summary(f: DashboardFilters, role: str) -> dict[str, float]:
    """People in the roster, how many had a hearing, the total, mean and maximum hearings."""
    member_roles = ("counsellor",) if role == "counsellor" else ("chair", "member")
    flag = Person.is_counsellor if role == "counsellor" else Person.is_expert
    counts = (
        sa.select(HearingMember.person_id, sa.func.count().label("n"))
        .join(Hearing, Hearing.id == HearingMember.hearing_id)
        .where(is_current_published(HearingMember),
               HearingMember.role.in_(member_roles),
               HearingMember.date >= f.start, HearingMember.date < f.end)
    )
    if f.region_id or f.category:
        counts = counts.join(Case, Case.id == Hearing.case_id).where(*_case_scope(f))
    counts = counts.group_by(HearingMember.person_id).subquery()
    people, busy, total, top = db.session.execute(
        sa.select(sa.func.count(Person.id), sa.func.count(counts.c.person_id),
                  sa.func.coalesce(sa.func.sum(counts.c.n), 0),
                  sa.func.coalesce(sa.func.max(counts.c.n), 0))
        .outerjoin(counts, counts.c.person_id == Person.id)
        .where(flag.is_(True), Person.active.is_(True))
    ).one()
    return {"people": int(people), "busy": int(busy), "hearings": int(total), "max": int(top),
            "mean": (int(total) / int(people)) if people else 0.0}


# --- source-prevention metrics -----------------------------------------------------------------


@dataclass
class Figure:
    """One metric for one group: `numerator` of `denominator` (for the ratio: initial and
    repeat counts). `value` is None when there is nothing to measure."""

    metric: str
    numerator: int = 0
    denominator: int = 0

    @property
    def value(self) -> float | None:
        if self.denominator == 0:
            return None
        return self.numerator / self.denominator

    @property
    def percent(self) -> float | None:
        return None if self.value is None else 100.0 * self.value


def _metric_parts(metric: str, f: DashboardFilters, today: date):
    """(date column the period applies to, population conditions, numerator condition,
    denominator condition) of one metric, as SQL expressions on Case."""
    in_stats = Case.in_petition_statistics.is_(True)
    if metric == "one_time_resolution":
        repeat = aliased(Case)
        later_repeat = (
            sa.select(CaseLink.id)
            .join(repeat, repeat.id == CaseLink.case_id)
            .where(CaseLink.earlier_case_id == Case.id, CaseLink.status == "confirmed",
                   repeat.registered_on <= add_months(Case.closed_on, repeat_window_months()))
            .exists()
        )
        population = [in_stats, Case.status.in_(CLOSED_STATUSES), Case.repeat_count == 0,
                      Case.closed_on.is_not(None)]
        return Case.closed_on, population, ~later_repeat, sa.true()
    if metric == "initial_repeat_ratio":
        return Case.registered_on, [in_stats], Case.repeat_count == 0, Case.repeat_count > 0
    if metric == "on_time_acceptance":
        decided_on = sa.func.coalesce(Case.accepted_on, Case.closed_on)
        population = [
            in_stats, Case.acceptance_due_on.is_not(None),
            sa.or_(decided_on.is_not(None), Case.acceptance_due_on < today),
        ]
        on_time = sa.and_(decided_on.is_not(None), decided_on <= Case.acceptance_due_on)
        return Case.registered_on, population, on_time, sa.true()
    if metric == "on_time_closure":
        population = [in_stats, Case.status.in_(CLOSED_STATUSES), Case.closed_on.is_not(None),
                      Case.handling_due_on.is_not(None)]
        return Case.closed_on, population, Case.closed_on <= Case.handling_due_on, sa.true()
    raise ValueError(metric)


def _metric_select(metric: str, f: DashboardFilters, today: date, *group) -> sa.Select:
    column, population, numerator, denominator = _metric_parts(metric, f, today)
    return (
        sa.select(*group, _count_if(numerator), _count_if(denominator))
        .select_from(Case)
        .where(column >= f.start, column < f.end, *population, *_case_scope(f))
    )


def metric_totals(f: DashboardFilters, today: date | None = None) -> dict[str, Figure]:
    today = today or local_today()
    out = {}
    for metric in METRICS:
        num, den = db.session.execute(_metric_select(metric, f, today)).one()
        out[metric] = Figure(metric, int(num), int(den))
    return out


def metrics_by_month(f: DashboardFilters, today: date | None = None
                     ) -> list[tuple[date, dict[str, Figure]]]:
    """Every month of the period (empty months included) with its four figures."""
    today = today or local_today()
    table = {m: {metric: Figure(metric) for metric in METRICS} for m in f.months}
    for metric in METRICS:
        column = _metric_parts(metric, f, today)[0]
        year, month = _year_month(column)
        stmt = _metric_select(metric, f, today, year, month).group_by(year, month)
        for y, m, num, den in db.session.execute(stmt).all():
            key = date(int(y), int(m), 1)
            if key in table:
                table[key][metric] = Figure(metric, int(num), int(den))
    return [(m, table[m]) for m in f.months]


def metrics_by_category(f: DashboardFilters, today: date | None = None
                        ) -> list[tuple[str, dict[str, Figure]]]:
    today = today or local_today()
    table = {c: {metric: Figure(metric) for metric in METRICS} for c in CATEGORIES}
    for metric in METRICS:
        stmt = _metric_select(metric, f, today, Case.category).group_by(Case.category)
        for category, num, den in db.session.execute(stmt).all():
            table.setdefault(category, {m: Figure(m) for m in METRICS})
            table[category][metric] = Figure(metric, int(num), int(den))
    cats = [c for c in CATEGORIES if c == f.category or not f.category]
    return [(c, table[c]) for c in cats]


def region_buckets(f: DashboardFilters) -> tuple[Region | None, list[Region]]:
    """The region whose parts the breakdown shows, and those parts: the children of the chosen
    region, or of the single top region (a city), or the top regions themselves."""
    if f.region_id:
        parent = db.session.get(Region, f.region_id)
    else:
        roots = list(db.session.scalars(
            sa.select(Region).where(Region.parent_id.is_(None)).order_by(Region.code)))
        parent = roots[0] if len(roots) == 1 else None
        if parent is None:
            return None, roots
    children = list(db.session.scalars(
        sa.select(Region).where(Region.parent_id == parent.id, Region.id != parent.id)
        .order_by(Region.code)))
    return parent, children


def _bucket_cte(parent: Region | None, buckets: list[Region]):
    """(region_id, bucket_id) for every region at or below a bucket; the parent region itself is
    its own bucket (cases registered at that level). Stops on a cycle (`regions.services`)."""
    pairs = regions.at_and_below_by_root([b.id for b in buckets], name="dash_buckets").subquery()
    mapping = sa.select(pairs.c.region_id, pairs.c.root_id.label("bucket_id"))
    if parent is not None:
        own = sa.select(sa.literal(parent.id).label("region_id"),
                        sa.literal(parent.id).label("bucket_id"))
        return sa.union(mapping, own).subquery()
    return mapping.subquery()


@dataclass(frozen=True)
class RegionRow:
    """A region as the breakdown shows it (plain data: safe to keep in the cache)."""

    id: int
    code: str
    name: str


def metrics_by_region(f: DashboardFilters, today: date | None = None
                      ) -> list[tuple[RegionRow, dict[str, Figure]]]:
    today = today or local_today()
    parent, buckets = region_buckets(f)
    groups = ([parent] if parent is not None else []) + buckets
    table = {r.id: {metric: Figure(metric) for metric in METRICS} for r in groups}
    mapping = _bucket_cte(parent, buckets)
    for metric in METRICS:
        stmt = (
            _metric_select(metric, f, today, mapping.c.bucket_id)
            .join(mapping, mapping.c.region_id == Case.region_id)
            .group_by(mapping.c.bucket_id)
        )
        for bucket_id, num, den in db.session.execute(stmt).all():
            if bucket_id in table:
                table[bucket_id][metric] = Figure(metric, int(num), int(den))
    return [(RegionRow(r.id, r.code, r.name), table[r.id]) for r in groups]


# --- a short cache of the figures --------------------------------------------------------------

_CACHE: dict[tuple, tuple[float, object]] = {}
_CACHE_MAX = 256


def data_version() -> tuple:
    """A cheap fingerprint of what the figures and lists are computed from: any change to cases,
    links, hearings, members, plan runs (and so their unscheduled cases) or people changes it
    (one query). Names of rooms, centres, sessions and regions are not in it: a rename shows
    once the cache entry expires."""
    # One scan per table (count and latest change together): about 20 % less work for the
    # database than a subquery per figure, and this runs on every dashboard request.
    def figures(model, stamp=None):
        columns = [sa.func.count()] + ([sa.func.max(stamp)] if stamp is not None else [])
        return sa.select(*columns).select_from(model).subquery()

    parts = [figures(Case, Case.updated_at), figures(CaseLink),
             figures(Hearing, Hearing.updated_at), figures(HearingMember),
             figures(PlanRun, PlanRun.updated_at), figures(Person, Person.updated_at)]
    joined = parts[0]
    for part in parts[1:]:  # one row each: an explicit cross join
        joined = joined.join(part, sa.true())
    stmt = sa.select(*[column for part in parts for column in part.c]).select_from(joined)
    return tuple(db.session.execute(stmt).one())


def cached(key: tuple, build):
    """`build()`, or its result from the last `MEDIATION_DASHBOARD_CACHE_SECONDS` (default 60;
    0 turns the cache off) for the same key and the same data version. The cache lives in each
    server process: figures are at most that old, and never stale after a change to the data."""
    ttl = current_app.config.get("MEDIATION_DASHBOARD_CACHE_SECONDS", 60) if has_app_context() \
        else 0
    if ttl <= 0:
        return build()
    full_key = (*key, data_version())
    now = time.monotonic()
    hit = _CACHE.get(full_key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = build()
    if len(_CACHE) >= _CACHE_MAX:
        for k in [k for k, (expires, _v) in _CACHE.items() if expires <= now] or list(_CACHE)[:64]:
            _CACHE.pop(k, None)
    _CACHE[full_key] = (now + ttl, value)
    return value


# --- tables for export -------------------------------------------------------------------------

EXPORTS = ("backlog", "overdue", "at_risk", "hearings_week", "unscheduled", "load_experts",
           "load_counsellors", "metrics_month", "metrics_region", "metrics_category")


def _figure_cells(figures: dict[str, Figure]) -> list[object]:
    cells: list[object] = []
    for metric in METRICS:
        fig = figures[metric]
        if metric == "initial_repeat_ratio":
            cells += [fig.numerator, fig.denominator,
                      "" if fig.value is None else round(fig.value, 2)]
        else:
            cells += [fig.numerator, fig.denominator,
                      "" if fig.percent is None else round(fig.percent, 1)]
    return cells


METRIC_COLUMNS = [
    "one_time_resolved_no_repeat", "one_time_initial_closed", "one_time_resolution_rate_pct",
    "initial_cases", "repeat_cases", "initial_per_repeat",
    "accepted_on_time", "acceptance_due", "on_time_acceptance_rate_pct",
    "closed_on_time", "closed", "on_time_closure_rate_pct",
]


def export_table(name: str, f: DashboardFilters, today: date | None = None
                 ) -> tuple[list[str], list[list[object]]]:
    """Header and every row of one dashboard table (lists are not cut to the page's length)."""
    today = today or local_today()
    if name == "backlog":
        return ["status", "cases"], [[s, n] for s, n in backlog_by_status(f)]
    if name in ("overdue", "at_risk"):
        rows = clock_cases(f, name, limit=None, today=today)
        return (["reference", "title", "category", "region", "status", "priority", "due_on"],
                [[c.reference, c.title, c.category, c.region.name, c.status, c.priority,
                  due.isoformat() if due else ""] for c, due in rows])
    if name == "hearings_week":
        header = ["date", "session", "centre", "room", "case", "chair", "members", "counsellor",
                  "uid", "sequence"]
        rows = []
        for h in hearings_this_week(f, today):
            members = [m.person.name for m in h.members if m.role == "member"]
            rows.append([h.date.isoformat(), h.session.name, h.room.centre.name, h.room.name,
                         h.case.reference, h.chair.name if h.chair else "", "; ".join(members),
                         h.counsellor.name if h.counsellor else "", h.uid, h.sequence])
        return header, rows
    if name == "unscheduled":
        _total, items = unscheduled_cases(f, limit=None)
        return (["plan_run", "reference", "title", "priority", "reasons"],
                [[u.plan_run_id, u.case.reference, u.case.title, u.case.priority,
                  "; ".join(u.reasons or [])] for u in items])
    if name in ("load_experts", "load_counsellors"):
        role = "expert" if name == "load_experts" else "counsellor"
        return (["code", "name", "published_hearings"],
                [[p.code, p.name, p.hearings] for p in people_load(f, role, limit=None)])
    if name == "metrics_month":
        return (["month", *METRIC_COLUMNS],
                [[f"{m:%Y-%m}", *_figure_cells(figs)] for m, figs in metrics_by_month(f, today)])
    if name == "metrics_region":
        return (["region_code", "region", *METRIC_COLUMNS],
                [[r.code, r.name, *_figure_cells(figs)]
                 for r, figs in metrics_by_region(f, today)])
    if name == "metrics_category":
        return (["category", *METRIC_COLUMNS],
                [[c, *_figure_cells(figs)] for c, figs in metrics_by_category(f, today)])
    raise ValueError(name)

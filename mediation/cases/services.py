"""Case queries and operations. Operations flush; the caller commits once.

The workflow is one table, `TRANSITIONS`: for each action, the states it may start from and the
state it leads to (None keeps the state). `transition()` refuses anything else with a
`TransitionError` whose message can be shown to the coordinator.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from mediation import signals
from mediation.audit.services import record
from mediation.cases.clocks import at_risk_from, clock_state, deadline, limits
from mediation.cases.models import (
    OPINIONS,
    Case,
    CaseEvent,
    PanelOpinion,
    Party,
    case_respondents,
)
from mediation.cases.repeats import (  # noqa: F401  (re-exported: the repeat rules live there)
    find_possible_repeats,
    find_repeats,
    flag_repeats,
    normalise_id_number,
    normalise_phone,
)
from mediation.centres.official import OfficialCalendar
from mediation.db import now_utc
from mediation.extensions import db
from mediation.hearings.models import Hearing
from mediation.hearings.outcomes import latest_held, ordered_members
from mediation.hearings.queries import (
    current_published,
    is_current_published,
    sent_back_to_planning,
)
from mediation.regions import services as regions
from mediation.regions.models import Region
from mediation.roster.models import ExpertiseArea, Leader, Organisation, Person
from mediation.roster.services import (
    find_organisation,
    get_or_create_organisation,
    move_organisation_links,
)
from mediation.roster.signals import organisations_merging
from mediation.timeutil import local_today

PAGE_SIZE = 50
OPEN_STATUSES = ("registered", "accepted", "in_handling", "opinion_given")
# The planner's pool (mediation.exchange.services.PLANNABLE_STATUSES).
PLANNABLE_STATUSES = ("accepted", "in_handling")
ACTIVE_HEARING_STATUSES = ("proposed", "published")
SORTS = ("registered", "reference", "due", "priority")
REFERENCE_PREFIX = "QS"


class TransitionError(Exception):
    """A workflow action refused in the case's current state (or with missing data)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message  # a lazy string: translated when shown


# action: (states it may start from, state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "accept": (frozenset({"registered"}), "accepted"),
    "not_accept": (frozenset({"registered"}), "not_accepted"),
    "start_handling": (frozenset({"accepted"}), "in_handling"),
    "give_opinion": (frozenset({"in_handling"}), "opinion_given"),
    "resolve": (frozenset({"opinion_given"}), "resolved"),
    "terminate": (frozenset({"opinion_given"}), "terminated"),
    "transfer": (frozenset({"registered", "accepted", "in_handling"}), "transferred"),
    "refer": (frozenset({"registered", "accepted", "in_handling"}), "referred"),
    "extend": (frozenset({"accepted", "in_handling", "opinion_given"}), None),
    "escalate": (frozenset(OPEN_STATUSES), None),
    "reopen": (frozenset({"resolved", "terminated"}), "in_handling"),
}

ACTION_LABELS = {
    "register": _l("Register"),
    "accept": _l("Accept"),
    "not_accept": _l("Not accept"),
    "start_handling": _l("Start handling"),
    "give_opinion": _l("Record the panel's opinion"),
    "resolve": _l("Close as resolved"),
    "terminate": _l("Terminate"),
    "transfer": _l("Transfer to the political-legal department"),
    "refer": _l("Refer to another organ"),
    "extend": _l("Extend the time limit"),
    "escalate": _l("Escalate"),
    "reopen": _l("Reopen on new facts"),
    "edit": _l("Edit"),
    "checklist": _l("Checklist updated"),
    "repeat_detected": _l("Repeat petition detected"),
    "possible_repeat": _l("Possible repeat petition"),
    "repeat_confirmed": _l("Possible repeat confirmed"),
    "repeat_dismissed": _l("Possible repeat dismissed"),
    "repeat_linked": _l("Linked as a repeat"),
    "repeat_unlinked": _l("Repeat link removed"),
    "import": _l("Import"),
}
STATUS_LABELS = {
    "registered": _l("registered"),
    "accepted": _l("accepted"),
    "not_accepted": _l("not accepted"),
    "in_handling": _l("in handling"),
    "opinion_given": _l("opinion given"),
    "resolved": _l("resolved"),
    "terminated": _l("terminated"),
    "transferred": _l("transferred (political-legal)"),
    "referred": _l("referred"),
}
CATEGORY_LABELS = {
    "land_compensation": _l("Land expropriation compensation"),
    "unpaid_wages": _l("Unpaid wages"),
    "housing_project": _l("Problem real-estate project"),
    "medical_dispute": _l("Medical dispute"),
    "environmental_pollution": _l("Environmental pollution"),
    "social_security": _l("Social security"),
    "demolition_resettlement": _l("Demolition and resettlement"),
    "rural_collective": _l("Rural collective affairs"),
    "other": _l("Other"),
}
# A history note the system writes itself is stored as a fixed key and worded when shown
# (labels.event_note), in the reader's language: (action, key) → words.
HEARING_PUBLISHED_NOTE = "hearing published"
IMPORTED_NOTE = "Imported from a scenario"
SYSTEM_NOTE_LABELS = {
    ("start_handling", HEARING_PUBLISHED_NOTE): _l("the first hearing was published"),
    ("import", IMPORTED_NOTE): _l("from a scenario file"),
}


def imported_note(source: str, late_reason: str | None = None) -> str:
    """The history note of a case imported from a file (registered, then accepted with the reason
    it came late, if it did): stored in these fixed words, worded when shown
    (labels.event_note, IMPORTED_FILE_NOTE)."""
    note = f"imported from {source}" if source else "imported"
    return note + (f"; late: {late_reason}" if late_reason else "")


IMPORTED_FILE_NOTE = re.compile(r"imported(?: from (?P<source>.+?))?(?:; late: (?P<late>.*))?",
                                re.S)
# An edit's history note lists the changed fields by their keys (those of `_snapshot`), worded
# when shown (labels.event_note) with the labels of the case form.
FIELD_LABELS = {
    "reference": _l("Reference"),
    "title": _l("Title"),
    "category": _l("Category"),
    "status": _l("Status"),
    "priority": _l("Priority"),
    "region_id": _l("Region"),
    "attendees": _l("Attendees"),
    "needs_counsellor": _l("Needs a psychological counsellor"),
    "responsible_leader": _l("Responsible leader"),
    "earliest": _l("Earliest hearing date"),
    "respondents": _l("Respondent organisations"),
    "parties": _l("Parties"),
}
OPINION_LABELS = {
    "support": _l("support"),
    "explain": _l("explain"),
    "not_support": _l("not support"),
}
# The points of "three in place, one handled" (models.CHECKLIST_POINTS) with their labels.
CHECKLIST = (
    ("demands_resolved", _l("Reasonable demands resolved")),
    ("unreasonable_explained", _l("Unreasonable demands explained")),
    ("hardship_relieved", _l("Hardship relieved")),
    ("unlawful_handled", _l("Unlawful conduct dealt with under the law")),
)
CHECKLIST_STATE_LABELS = {
    "open": _l("not yet done"),
    "done": _l("done"),
    "not_applicable": _l("not applicable"),
}
# Closing actions: they need the complete checklist and a reason, and take the case's
# published hearings from today on off the schedule (`case_left_planning`).
CLOSING_ACTIONS = ("resolve", "terminate")
LEAVING_ACTIONS = ("transfer", "refer", "not_accept", "resolve", "terminate")


# --- clocks ------------------------------------------------------------------------------------


def _earlier_of(a, b):
    """SQL: the earlier of two nullable dates (portable: no LEAST on SQLite)."""
    return sa.case((sa.and_(b.is_not(None), sa.or_(a.is_(None), b < a)), b), else_=a)


# The date the case must next meet: acceptance while registered; the earlier of the hearing
# and handling limits while accepted or in handling; handling after the opinion; none when closed.
due_on_expr = sa.case(
    (Case.status == "registered", Case.acceptance_due_on),
    (Case.status.in_(PLANNABLE_STATUSES), _earlier_of(Case.handling_due_on, Case.due_by)),
    (Case.status == "opinion_given", Case.handling_due_on),
    else_=None,
)


def due_on(case: Case) -> date | None:
    """Python twin of `due_on_expr`."""
    if case.status == "registered":
        return case.acceptance_due_on
    if case.status in PLANNABLE_STATUSES:
        dates = [d for d in (case.handling_due_on, case.due_by) if d is not None]
        return min(dates) if dates else None
    if case.status == "opinion_given":
        return case.handling_due_on
    return None


CLOCK_STATES = ("overdue", "at_risk")


def clock_condition(state: str, today: date):
    """SQL: the one definition of an "overdue" or "at risk" case, used by the case filters, the
    home page, the dashboard and its exports. A case is overdue when its next due date
    (`due_on_expr`: only open cases have one) is before today, at risk when it falls within
    the next N days (`clocks.at_risk_from`). `case_clock_state` is its Python twin."""
    if state == "overdue":
        return due_on_expr < today
    if state == "at_risk":
        return sa.and_(due_on_expr >= today, due_on_expr <= at_risk_from(today))
    raise ValueError(state)


def case_clock_state(case: Case, today: date | None = None) -> str | None:
    """Python twin of `clock_condition`: "overdue", "at_risk" or None."""
    return clock_state(due_on(case), today or local_today())


def planning_due(case: Case, today: date | None = None) -> tuple[date | None, int]:
    """The `due_by` and `priority` the planner gets for a case (scenario export).

    The local hearing limit (`due_by`) is the target. Once it has passed (before `today`), the
    case is still plannable up to its statutory handling limit: that becomes the planner's
    `due_by`, and the priority rises by one (at most 5) so the planner keeps it among the
    urgent cases. The app still shows it as overdue (`clock_condition`). It depends on the day
    only, never on a horizon, so every scenario of the day (plan run, re-plan, the live checks
    of an edit) gives a case the same window.
    """
    today = today or local_today()
    due, priority = case.due_by, case.priority
    if (due is not None and due < today and case.handling_due_on is not None
            and case.handling_due_on > due):
        return case.handling_due_on, min(5, priority + 1)
    return due, priority


# --- queries -----------------------------------------------------------------------------------


@dataclass
class CaseFilters:
    q: str = ""
    status: str | None = None
    category: str | None = None
    region_id: int | None = None
    overdue: bool = False
    at_risk: bool = False
    needs_counsellor: bool = False
    unscheduled: bool = False
    sort: str = "registered"
    extra: dict = field(default_factory=dict)
    # The responsible leader; "my cases": those whose leader is linked to this user's account.
    leader_id: int | None = None
    mine: bool = False
    user_id: int | None = None

    def args(self) -> dict:
        """Query-string arguments that reproduce these filters (for pager and sort links)."""
        out = {"q": self.q, "status": self.status, "category": self.category,
               "region": self.region_id, "sort": self.sort, "leader": self.leader_id}
        for flag in ("overdue", "at_risk", "needs_counsellor", "unscheduled", "mine"):
            if getattr(self, flag):
                out[flag] = "1"
        return {k: v for k, v in out.items() if v not in (None, "")}


def region_and_below(region_id: int) -> sa.Select:
    """A select of the ids of a region and every region below it (`regions.services`)."""
    return regions.at_and_below(region_id)


def case_list_statement(f: CaseFilters, today: date | None = None) -> sa.Select:
    today = today or local_today()
    stmt = sa.select(Case).options(selectinload(Case.region),
                                   selectinload(Case.responsible_leader))
    if f.q.strip():
        like = f"%{f.q.strip()}%"
        party_match = sa.select(Party.case_id).where(Party.name.ilike(like))
        stmt = stmt.where(
            sa.or_(Case.reference.ilike(like), Case.title.ilike(like), Case.id.in_(party_match))
        )
    if f.status:
        stmt = stmt.where(Case.status == f.status)
    if f.category:
        stmt = stmt.where(Case.category == f.category)
    if f.region_id:
        stmt = stmt.where(Case.region_id.in_(region_and_below(f.region_id)))
    if f.overdue:
        stmt = stmt.where(clock_condition("overdue", today))
    if f.at_risk:
        stmt = stmt.where(clock_condition("at_risk", today))
    if f.needs_counsellor:
        stmt = stmt.where(Case.needs_counsellor.is_(True))
    if f.leader_id:
        stmt = stmt.where(Case.responsible_leader_id == f.leader_id)
    if f.mine:
        my_leaders = sa.select(Leader.id).where(Leader.user_id == f.user_id)
        stmt = stmt.where(Case.responsible_leader_id.in_(my_leaders) if f.user_id else sa.false())
    if f.unscheduled:
        active = sa.select(Hearing.id).where(Hearing.case_id == Case.id, is_current_published(),
                                             ~sent_back_to_planning())
        stmt = stmt.where(Case.status.in_(PLANNABLE_STATUSES), ~active.exists())
    order = {
        "registered": (Case.registered_on.desc(), Case.id.desc()),
        "reference": (Case.reference.asc(),),
        "due": (sa.nulls_last(due_on_expr.asc()), Case.id.asc()),
        "priority": (Case.priority.desc(), Case.registered_on.asc(), Case.id.asc()),
    }[f.sort if f.sort in SORTS else "registered"]
    return stmt.order_by(*order)


def user_has_leader(user_id: int | None) -> bool:
    """Whether a leader record is linked to this account (the "my cases" filter applies)."""
    return user_id is not None and db.session.scalar(
        sa.select(Leader.id).where(Leader.user_id == user_id).limit(1)) is not None


def search_cases(query: str = "", status: str | None = None, page: int = 1, filters=None):
    """A page of cases matching the filters (reference, title or a party's name for `query`)."""
    f = filters or CaseFilters(q=query, status=status)
    return db.paginate(case_list_statement(f), page=page, per_page=PAGE_SIZE, error_out=False)


def region_choices() -> list[tuple[int, str]]:
    """Every region, in tree order, indented by depth (`regions.services.choices`)."""
    return regions.choices()


def current_panel(case: Case) -> list[Person]:
    """The panel of the case's latest published hearing, if there is one."""
    hearing = db.session.scalar(
        current_published(case_ids=[case.id])
        .order_by(Hearing.date.desc(), Hearing.id.desc())
        .limit(1)
    )
    return hearing.panel if hearing is not None else []


def opinion_panel(case: Case) -> list[Person]:
    """The three experts who give the case's opinion: the panel (chair first) of its latest
    hearing recorded as held; empty while no hearing was held."""
    hearing = latest_held(case.id)
    if hearing is None:
        return []
    return [m.person for m in ordered_members(hearing) if m.role in ("chair", "member")]


def allowed_actions(case: Case) -> list[str]:
    return [a for a, (sources, _to) in TRANSITIONS.items() if case.status in sources]


# --- intake and editing ------------------------------------------------------------------------


@dataclass
class PartyData:
    name: str
    kind: str = "person"
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    organisation: str | None = None
    id: int | None = None


def next_reference(year: int) -> str:
    prefix = f"{REFERENCE_PREFIX}-{year}-"
    last = db.session.scalar(
        sa.select(Case.reference)
        .where(Case.reference.like(prefix + "%"))
        .order_by(sa.func.length(Case.reference).desc(), Case.reference.desc())
        .limit(1)
    )
    n = 0
    if last is not None:
        tail = last[len(prefix):]
        n = int(tail) if tail.isdigit() else 0
    return f"{prefix}{n + 1:04d}"


def reference_taken(reference: str, except_id: int | None = None) -> bool:
    stmt = sa.select(Case.id).where(Case.reference == reference.strip())
    if except_id is not None:
        stmt = stmt.where(Case.id != except_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _apply_fields(case: Case, data: dict) -> list[str]:
    """Copy plain fields and lists onto the case; returns names of organisations created."""
    with db.session.no_autoflush:
        return _apply_fields_now(case, data)


def _apply_fields_now(case: Case, data: dict) -> list[str]:
    created: list[str] = []
    for name in ("title", "category", "description", "attendees", "priority",
                 "needs_counsellor", "earliest"):
        if name in data:
            setattr(case, name, data[name])
    if "responsible_leader_id" in data:
        leader_id = data["responsible_leader_id"]
        case.responsible_leader = db.session.get(Leader, leader_id) if leader_id else None
    if "region_id" in data:
        case.region = db.session.get(Region, data["region_id"])
    if "expertise_ids" in data:
        ids = list(data["expertise_ids"] or [])
        case.required_expertise = list(
            db.session.scalars(sa.select(ExpertiseArea).where(ExpertiseArea.id.in_(ids or [-1])))
        )
    if "respondents" in data:
        orgs: list[Organisation] = []
        for name in data["respondents"]:
            org = _organisation(name, created)
            if org is not None and org not in orgs:
                orgs.append(org)
        case.respondents = orgs
    if "parties" in data:
        _apply_parties(case, data["parties"], created)
    return created


def _organisation(name: str | None, created: list[str]) -> Organisation | None:
    name = (name or "").strip()
    if not name:
        return None
    org = find_organisation(name)
    if org is None:
        org = get_or_create_organisation(name)
        created.append(org.name)
    return org


def _apply_parties(case: Case, parties: list[PartyData], created: list[str]) -> None:
    existing = {p.id: p for p in case.parties if p.id is not None}
    kept: list[Party] = []
    for d in parties:
        party = existing.get(d.id) if d.id else None
        if party is None:
            party = Party()
        party.kind = d.kind
        party.name = d.name.strip()
        party.id_number = normalise_id_number(d.id_number)
        party.phone = normalise_phone(d.phone)
        party.address = (d.address or "").strip() or None
        party.organisation = _organisation(d.organisation, created)
        kept.append(party)
    case.parties = kept


def _snapshot(case: Case) -> dict:
    return {
        "reference": case.reference, "title": case.title, "category": case.category,
        "status": case.status, "priority": case.priority, "region_id": case.region_id,
        "attendees": case.attendees, "needs_counsellor": case.needs_counsellor,
        "responsible_leader": case.responsible_leader.code if case.responsible_leader else None,
        "earliest": case.earliest.isoformat() if case.earliest else None,
        "respondents": [o.id for o in case.respondents],
        "parties": len(case.parties),
    }


def _event(case: Case, user, action: str, from_status=None, to_status=None, note=None):
    event = CaseEvent(user_id=getattr(user, "id", None), action=action,
                      from_status=from_status, to_status=to_status, note=note or None)
    case.events.append(event)
    return event


@dataclass
class Intake:
    case: Case
    created_organisations: list[str]
    repeats: list[Case]

    @property
    def terminated_repeats(self) -> list[Case]:
        return [c for c in self.repeats if c.in_termination_register]


def register_case(data: dict, user, today: date | None = None, note: str | None = None) -> Intake:
    """Register a new case (status registered), then check it for repeat petitions.

    `note` goes on the "register" history event (an import names its file there)."""
    today = today or local_today()
    reference = (data.get("reference") or "").strip() or next_reference(today.year)
    case = Case(reference=reference, status="registered", registered_on=today,
                acceptance_due_on=deadline(today, limits()["accept_days"]),
                priority=data.get("priority") or 3, repeat_count=0, escalation_level=0)
    created = _apply_fields(case, data)
    db.session.add(case)
    _event(case, user, "register", to_status="registered", note=note)
    db.session.flush()
    record("case.register", case, summary=case.reference, after=_snapshot(case), user=user)
    repeats = flag_repeats(case, user)
    return Intake(case, created, repeats)


def update_case(case: Case, data: dict, user) -> list[str]:
    before = _snapshot(case)
    if data.get("reference"):
        case.reference = data["reference"].strip()
    created = _apply_fields(case, data)
    db.session.flush()
    after = _snapshot(case)
    changed = sorted(k for k in after if after[k] != before.get(k))
    _event(case, user, "edit", note=", ".join(changed) or None)
    record("case.edit", case, summary=case.reference, before=before, after=after, user=user)
    db.session.flush()
    return created


# --- the workflow ------------------------------------------------------------------------------


def _required(data: dict, key: str, message: str) -> str:
    value = (data.get(key) or "").strip()
    if not value:
        raise TransitionError(message)
    return value


def majority(opinions: list[str]) -> str | None:
    """The opinion at least two of three members share, or None."""
    if not opinions:
        return None
    opinion, n = Counter(opinions).most_common(1)[0]
    return opinion if n * 2 > len(opinions) else None


@dataclass(frozen=True)
class ChecklistPoint:
    point: str
    label: object
    state: str
    reason: str | None

    @property
    def settled(self) -> bool:
        """Done, or not applicable with a reason."""
        return self.state == "done" or (self.state == "not_applicable" and bool(self.reason))


def checklist(case: Case) -> list[ChecklistPoint]:
    """The four points of the case's checklist, in order."""
    return [ChecklistPoint(point, label, getattr(case, f"checklist_{point}_state") or "open",
                           getattr(case, f"checklist_{point}_reason"))
            for point, label in CHECKLIST]


def checklist_missing(case: Case) -> list[ChecklistPoint]:
    """The points neither done nor marked not applicable with a reason."""
    return [p for p in checklist(case) if not p.settled]


def checklist_complete(case: Case) -> bool:
    return not checklist_missing(case)


def _checklist_value(value) -> tuple[str, str | None]:
    """A point's new value: {"state": …, "reason": …}, or a bool (True: done)."""
    if isinstance(value, dict):
        return value.get("state") or "open", (value.get("reason") or "").strip() or None
    return ("done" if value else "open"), None


def update_checklist(case: Case, values: dict, user) -> None:
    """Set every point (`values`: point → {"state", "reason"}; a point left out is open).
    A point marked not applicable needs a reason: TransitionError names the point."""
    before = {p.point: [p.state, p.reason] for p in checklist(case)}
    new: dict[str, tuple[str, str | None]] = {}
    for point, label in CHECKLIST:
        state, reason = _checklist_value(values.get(point))
        if state not in CHECKLIST_STATE_LABELS:
            raise TransitionError(_l("“%(point)s”: unknown state.", point=label))
        if state == "not_applicable" and not reason:
            raise TransitionError(_l("“%(point)s” is marked not applicable: give the reason.",
                                     point=label))
        new[point] = (state, reason if state == "not_applicable" else None)
    for point, (state, reason) in new.items():
        setattr(case, f"checklist_{point}_state", state)
        setattr(case, f"checklist_{point}_reason", reason)
    after = {p.point: [p.state, p.reason] for p in checklist(case)}
    if after != before:
        settled = sum(p.settled for p in checklist(case))
        _event(case, user, "checklist", note=f"{settled}/{len(CHECKLIST)}")
        record("case.checklist", case, summary=case.reference, before=before, after=after,
               user=user)
    db.session.flush()


def _check_closure(case: Case, data: dict) -> str:
    """A closing action needs every checklist point settled and a reason; returns the reason."""
    missing = checklist_missing(case)
    if missing:
        raise TransitionError(_l(
            "“Three in place, one handled” is not complete: %(points)s. Mark each point done, "
            "or not applicable with a reason.",
            points="; ".join(str(p.label) for p in missing)))
    return _required(data, "reason", _l("Give the reason for closing the case."))


def transition(case: Case, action: str, user, today: date | None = None, **data) -> CaseEvent:
    """Apply one workflow action; raise TransitionError when it is not allowed."""
    if action not in TRANSITIONS:
        raise TransitionError(_l("Unknown action."))
    sources, target = TRANSITIONS[action]
    if case.status not in sources:
        raise TransitionError(
            _l("“%(action)s” is not possible while the case is %(status)s.",
              action=ACTION_LABELS[action], status=STATUS_LABELS.get(case.status, case.status))
        )
    today = today or local_today()
    lim = limits()
    before = _snapshot(case) | {"handling_due_on": _iso(case.handling_due_on),
                                "due_by": _iso(case.due_by)}
    from_status = case.status
    note = (data.get("note") or "").strip() or None

    if action == "accept":
        on = data.get("on") or today
        if on > today or on < case.registered_on:
            raise TransitionError(_l("The acceptance date must lie between registration and "
                                     "today."))
        case.accepted_on = on
        case.handling_due_on = deadline(on, lim["handle_days"])
        case.due_by = deadline(on, lim["hearing_days"])
    elif action == "not_accept":
        case.not_accepted_redirect = _required(
            data, "redirect", _l("Say where the petitioner should go instead."))
        note = case.not_accepted_redirect
        case.closed_on = today
    elif action == "give_opinion":
        note = _give_opinion(case, data.get("opinions") or [], user) or note
    elif action in CLOSING_ACTIONS:
        case.closure_reason = note = _check_closure(case, data)
        case.in_termination_register = action == "terminate"
        case.closed_on = today
    elif action in ("transfer", "refer"):
        case.referral_note = _required(data, "note", _l("A referral note is required."))
        if action == "transfer":
            case.in_petition_statistics = False
        case.closed_on = today
    elif action == "extend":
        if case.extension_days is not None:
            raise TransitionError(_l("The time limit has already been extended once."))
        days = data.get("days")
        if not isinstance(days, int) or not 1 <= days <= lim["max_extension_days"]:
            raise TransitionError(_l("An extension is 1 to %(max)s days.",
                                    max=lim["max_extension_days"]))
        reason = _required(data, "reason", _l("An extension needs a reason."))
        case.extension_days = days
        case.extension_reason = reason
        # Every limit counted from acceptance moves: handling, and the local hearing limit
        # (never beyond handling); the next due date follows from both (`due_on`).
        base = case.accepted_on or case.registered_on
        cal = OfficialCalendar()
        case.handling_due_on = deadline(base, lim["handle_days"] + days, cal)
        if case.due_by is not None:
            case.due_by = min(deadline(base, lim["hearing_days"] + days, cal),
                              case.handling_due_on)
        note = f"+{days}: {reason}"
    elif action == "escalate":
        case.escalation_level += 1
        case.priority = min(5, case.priority + 1)
    elif action == "reopen":
        note = _required(data, "note", _l("Describe the new facts."))
        case.closed_on = None
        case.closure_reason = None
        case.opinion = None
        case.in_termination_register = False
        case.in_petition_statistics = True

    if target is not None:
        case.status = target
    if action in LEAVING_ACTIONS:
        signals.case_left_planning.send(case, action=action, note=note or "", user=user)
    event = _event(case, user, action, from_status=from_status,
                   to_status=target, note=note)
    db.session.flush()
    after = _snapshot(case) | {"handling_due_on": _iso(case.handling_due_on),
                               "due_by": _iso(case.due_by)}
    record(f"case.{action}", case, summary=case.reference, before=before, after=after, user=user)
    return event


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _give_opinion(case: Case, opinions: list[dict], user) -> str:
    """Record the views of the panel of the case's held hearing; the panel's opinion is the
    majority (at least 2 of 3)."""
    hearing = latest_held(case.id)
    if hearing is None:
        raise TransitionError(_l("The panel gives its opinion after a hearing: record a "
                                 "hearing of this case as held first."))
    panel_ids = {p.id for p in hearing.panel}
    person_ids = [o.get("person_id") for o in opinions]
    if len(opinions) != 3 or len(set(person_ids)) != 3 or None in person_ids:
        raise TransitionError(_l("Record the views of three different panel members."))
    if set(person_ids) != panel_ids:
        raise TransitionError(_l("The members must be the panel of the held hearing of "
                                 "%(day)s.", day=format_date(hearing.date)))
    people = {p.id: p for p in db.session.scalars(
        sa.select(Person).where(Person.id.in_(person_ids)))}
    if len(people) != 3:
        raise TransitionError(_l("Unknown panel member."))
    views = [o.get("opinion") for o in opinions]
    if any(v not in OPINIONS for v in views):
        raise TransitionError(_l("Choose an opinion for every member."))
    result = majority(views)
    if result is None:
        raise TransitionError(_l("No majority: at least two of the three members must agree."))
    existing = {po.person_id: po for po in case.panel_opinions}
    for o in opinions:
        po = existing.get(o["person_id"])
        if po is None:
            po = PanelOpinion(person_id=o["person_id"])
            case.panel_opinions.append(po)
        po.opinion = o["opinion"]
        po.note = (o.get("note") or "").strip() or None
        po.recorded_by_id = getattr(user, "id", None)
        po.recorded_at = now_utc()
    for person_id, po in existing.items():
        if person_id not in people:
            case.panel_opinions.remove(po)
    case.opinion = result
    # The history note keeps each member's opinion as its code, worded when shown
    # (labels.event_note).
    return ", ".join(f"{people[o['person_id']].name}: {o['opinion']}" for o in opinions)


def start_handling_when_a_hearing_is_published(hearing, **_kwargs) -> None:
    """`hearing_published` subscriber: an accepted case whose first hearing is published is in
    handling (panel formed, hearing planned: the domain's workflow), dated and in the history."""
    case = db.session.get(Case, hearing.case_id)
    if case is not None and case.status == "accepted":
        transition(case, "start_handling", None, note=HEARING_PUBLISHED_NOTE)


@organisations_merging.connect
def _move_organisation_references(keep, drop, **_kwargs) -> None:
    """A duplicate organisation is folded into `keep`: respondents and parties follow."""
    move_organisation_links(case_respondents, "case_id", keep.id, drop.id)
    db.session.execute(sa.update(Party).where(Party.organisation_id == drop.id)
                       .values(organisation_id=keep.id))

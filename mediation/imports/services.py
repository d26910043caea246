"""Imports of people, organisations and cases from CSV/XLSX, and list exports.

Three steps, each a plain function tested directly:

* `parse_table(data, filename)`: bytes → header and rows (UTF-8, UTF-8 with BOM, then GB18030 for
  CSVs saved by Chinese Excel; or XLSX), read by `mediation.spreadsheets` within the import
  limits. Refuses empty, headerless, oversized and hostile files with `ImportFileError`.
* `run_import(kind, header, rows, apply=False)`: validates every row and works out, row by row,
  what would be created, updated or left unchanged. With `apply=True` and no errors it also
  writes (flushes only; the caller commits once). Any error means nothing is written.
* `export_rows(kind)` + `spreadsheets.to_csv` / `to_xlsx`: the same columns out, with formula
  injection neutralised, so an exported file imports back as "0 created, 0 updated".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from mediation import emails
from mediation.audit.services import record
from mediation.cases import services as case_services
from mediation.cases.clocks import deadline, limits
from mediation.cases.models import CATEGORIES, Case, Party
from mediation.cases.repeats import PersonKey, classify, normalise_id_number, normalise_phone
from mediation.db import DB_INT_MAX
from mediation.extensions import db
from mediation.regions.models import Region
from mediation.roster.models import ExpertiseArea, Organisation, Person
from mediation.roster.services import add_alias, find_leader, find_organisation, normalise_name
from mediation.spreadsheets import Limits, SpreadsheetError, read_rows
from mediation.timeutil import EARLIEST_DAY, LATEST_DAY, day_in_window, local_today

KINDS = ("people", "organisations", "cases")
# The same bounds as the forms (roster.forms, cases.forms): a number past them is a typing mistake.
MAX_HEARINGS = 1000  # a person's hearings in one planning horizon
MAX_PER_DAY = 10
MAX_ATTENDEES = 10_000
MAX_REPEATS = 1000


def _(text: str, **values) -> str:
    """Translated in a request; plain English outside one."""
    if has_request_context():
        return gettext(text, **values)
    return text % values if values else text


# The file as a whole cannot be read (encoding, size, a limit, header …): one error for what
# `spreadsheets` refuses and what this module refuses.
ImportFileError = SpreadsheetError


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: object  # a lazy string
    example: str = ""


COLUMNS: dict[str, list[Column]] = {
    "people": [
        Column("code", True, _l("Unique person code; rows are matched on it."), "P0001"),
        Column("name", True, _l("Full name."), "Wang Li"),
        Column("email", False, _l("Email address."), "wang.li@example.org"),
        Column("phone", False, _l("Phone number."), ""),
        Column("title", False, _l("Job title."), "Senior lawyer"),
        Column("roles", False, _l("expert and/or counsellor, separated by ; (default expert)."),
               "expert"),
        Column("expertise", False, _l("Expertise area codes, separated by ;"), "land;law"),
        Column("organisations", False,
               _l("Organisation names or aliases, separated by ; (new ones are created)."),
               "Ning'an Law Firm"),
        Column("regions", False, _l("Codes of the regions served, separated by ; (empty: anywhere)."),
               ""),
        Column("max_hearings", False, _l("Maximum hearings in a planning horizon (whole number ≥ 0)."),
               "10"),
        Column("max_per_day", False, _l("Maximum hearings per day (whole number ≥ 0)."), "2"),
        Column("available_weekdays", False,
               _l("ISO weekdays worked, 1 = Monday … 7 = Sunday, separated by ; (empty: every day)."),
               "1;2;3;4;5"),
        Column("active", False, _l("yes or no (default yes)."), "yes"),
    ],
    "organisations": [
        Column("name", True, _l("Organisation name; matched on the name or any alias."),
               "Ning'an Town Government"),
        Column("aliases", False, _l("Other names, separated by ;"), "宁安镇人民政府"),
        Column("kind", False, _l("Kind, e.g. government, company, hospital."), "government"),
        Column("parent", False, _l("Supervising department (name or alias; in the file or known)."),
               ""),
    ],
    "cases": [
        Column("reference", True, _l("Unique case reference; rows are matched on it."), "2026-0001"),
        Column("title", True, _l("Short title (no private details)."), "Unpaid wages, site 3"),
        Column("category", True, _l("One of: %(values)s.", values=", ".join(CATEGORIES)),
               "unpaid_wages"),
        Column("region", True, _l("Region code where the case is heard."), "city.c0"),
        Column("registered_on", True, _l("Date registered, YYYY-MM-DD."), "2026-11-02"),
        Column("accepted_on", False,
               _l("Date accepted, YYYY-MM-DD (new cases: default the day of the import)."), ""),
        Column("due_by", False, _l("Hearing due by, YYYY-MM-DD."), ""),
        Column("earliest", False, _l("No hearing before, YYYY-MM-DD."), ""),
        Column("priority", False, _l("1 (low) to 5 (high), default 3."), "3"),
        Column("attendees", False, _l("Petitioners and representatives attending (≥ 0)."), "1"),
        Column("needs_counsellor", False, _l("yes or no."), "no"),
        Column("repeat_count", False, _l("Earlier petitions on the same matter (≥ 0)."), "0"),
        Column("required_expertise", False, _l("Expertise area codes, separated by ;"), "labour"),
        Column("respondents", False, _l("Organisations complained about, separated by ;"), ""),
        Column("parties", False, _l("Names of the parties, separated by ; (added, never removed)."),
               "Zhang San"),
        Column("responsible_leader", False,
               _l("Responsible leader (leader case ownership): code or name of a leader."), ""),
        Column("party_id_numbers", False,
               _l("ID numbers of the parties, in the order of the parties, separated by ; "
                  "(used to find repeat petitions; never exported)."), ""),
        Column("party_phones", False,
               _l("Phone numbers of the parties, in the order of the parties, separated by ; "
                  "(never exported)."), ""),
        Column("late_reason", False,
               _l("Why the acceptance was decided after its deadline (required then)."), ""),
    ],
}

KIND_LABELS = {"people": _l("People"), "organisations": _l("Organisations"), "cases": _l("Cases")}


# --- reading a file ----------------------------------------------------------------------------


def _normalise_header(name: object) -> str:
    return re.sub(r"[\s-]+", "_", str(name or "").strip().lower())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    # Undo the export's formula neutralisation so an exported file imports back unchanged.
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, values by column)


def parse_table(data: bytes, filename: str = "", bounds: Limits | None = None) -> Table:
    """Read a CSV or XLSX file into a header and numbered rows (header = row 1), within the
    import limits (`spreadsheets.Limits`: the app's settings unless given)."""
    bounds = bounds or Limits.current()
    if not data or not data.strip():
        raise ImportFileError(_("The file is empty."))
    raw = [[_cell(v) for v in values] for values in read_rows(data, filename, bounds)]
    numbered = [(i, r) for i, r in enumerate(raw, start=1) if any(v for v in r)]
    if not numbered:
        raise ImportFileError(_("The file is empty."))
    header_no, header_values = numbered[0]
    header = [_normalise_header(h) for h in header_values]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise ImportFileError(_("The first row must be a header naming the columns."))
    seen = set()
    for name in header:
        if name and name in seen:
            raise ImportFileError(_("Column %(name)s appears twice in the header.", name=name))
        seen.add(name)
    body = numbered[1:]  # at most max_rows: read_rows refuses data below row max_rows + 1
    rows = []
    for number, values in body:
        rows.append((number, {name: (values[i] if i < len(values) else "")
                              for i, name in enumerate(header) if name}))
    return Table(header=[h for h in header if h], rows=rows)


# --- validating and applying -------------------------------------------------------------------


@dataclass
class Issue:
    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("row %(row)s, column %(column)s: %(problem)s",
                     row=self.row, column=self.column, problem=self.message)
        return _("row %(row)s: %(problem)s", row=self.row, problem=self.message)


@dataclass
class RowResult:
    row: int
    key: str
    action: str  # create | update | unchanged
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    kind: str
    rows: list[RowResult] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    def summary(self) -> str:
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged",
                 created=self.created, updated=self.updated, unchanged=self.unchanged)


class _RowErrors(Exception):
    pass


class _Row:
    """Typed access to one row's cells, collecting errors with their column."""

    def __init__(self, number: int, values: dict[str, str], report: ImportReport):
        self.number, self.values, self.report = number, values, report
        self.failed = False

    def has(self, column: str) -> bool:
        return column in self.values

    def error(self, column: str | None, message: str) -> None:
        self.report.errors.append(Issue(self.number, column, message))
        self.failed = True

    def text(self, column: str, max_length: int, required: bool = False) -> str | None:
        value = self.values.get(column, "").strip()
        if not value:
            if required:
                self.error(column, _("is required"))
            return None
        if len(value) > max_length:
            self.error(column, _("must be at most %(n)s characters", n=max_length))
            return None
        return value

    def integer(self, column: str, low: int = 0, high: int = DB_INT_MAX) -> int | None:
        """A whole number from `low` to `high` (at most what the database's columns hold)."""
        value = self.values.get(column, "").strip()
        if not value:
            return None
        try:
            number = int(value) if len(value) <= 20 else None
        except ValueError:
            number = None
        if number is None or number < low or number > high:
            self.error(column, _("must be a whole number from %(low)s to %(high)s",
                                 low=low, high=high))
            return None
        return number

    def day(self, column: str, required: bool = False) -> date | None:
        value = self.values.get(column, "").strip()
        if not value:
            if required:
                self.error(column, _("is required"))
            return None
        try:
            day = date.fromisoformat(value.replace("/", "-")[:10])
        except ValueError:
            self.error(column, _("must be a date written YYYY-MM-DD"))
            return None
        if not day_in_window(day):
            self.error(column, _("must be a date between %(first)s and %(last)s",
                                 first=EARLIEST_DAY.isoformat(), last=LATEST_DAY.isoformat()))
            return None
        return day

    def boolean(self, column: str) -> bool | None:
        value = self.values.get(column, "").strip().lower()
        if not value:
            return None
        if value in ("yes", "y", "true", "1", "是", "x"):
            return True
        if value in ("no", "n", "false", "0", "否"):
            return False
        self.error(column, _("must be yes or no"))
        return None

    def items(self, column: str, separators: str = ";；|\n") -> list[str]:
        value = self.values.get(column, "")
        parts = re.split("[" + re.escape(separators) + "]", value)
        out: list[str] = []
        for part in parts:
            part = part.strip()
            if part and part not in out:
                out.append(part)
        return out


def _lookup_codes(row: _Row, column: str, model, code_attr: str = "code") -> list:
    codes = row.items(column, ";；|,，、")
    if not codes:
        return []
    found = {getattr(o, code_attr): o for o in db.session.scalars(
        sa.select(model).where(getattr(model, code_attr).in_(codes)))}
    missing = [c for c in codes if c not in found]
    if missing:
        row.error(column, _("unknown code(s): %(codes)s", codes=", ".join(missing)))
    return sorted((found[c] for c in codes if c in found), key=lambda o: getattr(o, code_attr))


def _organisations(names: list[str], apply: bool, notes: list[str]) -> list[Organisation]:
    """Resolve names/aliases to records; unknown ones are created (when applying) and noted."""
    out: list[Organisation] = []
    for name in names:
        org = find_organisation(name)
        if org is None:
            notes.append(_("new organisation %(name)s", name=name))
            if apply:
                org = Organisation(name=name[:300])
                add_alias(org, name)
                db.session.add(org)
                db.session.flush()
        if org is not None and org not in out:
            out.append(org)
    return out


def _diff(obj, values: dict, apply: bool) -> list[str]:
    """Names of attributes whose value would change; set them when applying."""
    changed = []
    for name, value in values.items():
        current = getattr(obj, name) if obj is not None else None
        if isinstance(current, list) and isinstance(value, list):
            same = sorted(map(_ident, current)) == sorted(map(_ident, value))
        else:
            same = current == value
        if not same:
            changed.append(name)
            if apply and obj is not None:
                setattr(obj, name, value)
    return changed


def _ident(value):
    return getattr(value, "id", None) or value


def _check_header(kind: str, header: list[str], report: ImportReport) -> bool:
    known = {c.name for c in COLUMNS[kind]}
    for column in COLUMNS[kind]:
        if column.required and column.name not in header:
            report.errors.append(Issue(1, column.name, _("required column is missing")))
    for name in header:
        if name not in known:
            report.warnings.append(Issue(1, name, _("unknown column, ignored")))
    return report.ok


def _duplicate(row: _Row, key: str | None, seen: dict[str, int], column: str) -> bool:
    if key is None:
        return False
    folded = normalise_name(key)
    if folded in seen:
        row.error(column, _("same as row %(row)s", row=seen[folded]))
        return True
    seen[folded] = row.number
    return False


def _email(row: _Row, value: str) -> str | None:
    """One address in its normal form (mediation.emails), or None with the row's error."""
    try:
        return emails.normalise(value)
    except emails.EmailError as exc:
        row.error("email", str(exc))
        return None


def _people_row(row: _Row, apply: bool, seen: dict[str, int]) -> RowResult | None:
    code = row.text("code", 64, required=True)
    name = row.text("name", 200, required=True)
    if code and not re.fullmatch(r"[\w.-]+", code):
        row.error("code", _("letters, digits, dots, dashes and underscores only"))
    _duplicate(row, code, seen, "code")
    values: dict = {"name": name}
    for column, length in (("email", 320), ("phone", 64), ("title", 200)):
        if row.has(column):
            values[column] = row.text(column, length)
    if values.get("email"):
        values["email"] = _email(row, values["email"])
    if row.has("roles"):
        roles = [r.lower() for r in row.items("roles", ";；|,，、 ")]
        bad = [r for r in roles if r not in ("expert", "counsellor")]
        if bad or not roles:
            row.error("roles", _("must be expert and/or counsellor"))
        values["is_expert"] = "expert" in roles
        values["is_counsellor"] = "counsellor" in roles
    for column, high in (("max_hearings", MAX_HEARINGS), ("max_per_day", MAX_PER_DAY)):
        if row.has(column):
            values[column] = row.integer(column, 0, high)
    if row.has("available_weekdays"):
        days = []
        for part in row.items("available_weekdays", ";；|,，、 "):
            if part.isdigit() and 1 <= int(part) <= 7:
                days.append(int(part))
            else:
                row.error("available_weekdays", _("weekdays are numbers 1 (Monday) to 7 (Sunday)"))
                break
        days = sorted(set(days))
        values["available_weekdays"] = None if not days or days == list(range(1, 8)) else days
    if row.has("active"):
        active = row.boolean("active")
        values["active"] = True if active is None else active
    if row.has("expertise"):
        values["expertise"] = _lookup_codes(row, "expertise", ExpertiseArea)
    if row.has("regions"):
        values["regions"] = _lookup_codes(row, "regions", Region)
    if row.failed:
        return None
    person = db.session.scalar(sa.select(Person).where(Person.code == code))
    notes: list[str] = []
    if row.has("organisations"):
        values["organisations"] = _organisations(row.items("organisations"), apply, notes)
        if not apply:
            # Preview: unknown organisations are only noted; compare the known ones by name.
            values.pop("organisations")
            if person is not None and (notes or sorted(o.id for o in person.organisations)
                                       != sorted(o.id for o in _organisations(
                                           row.items("organisations"), False, []))):
                notes.append("organisations")
    if person is None:
        values.setdefault("is_expert", True)
        values.setdefault("is_counsellor", False)
        if apply:
            person = Person(code=code, **{k: v for k, v in values.items()
                                         if k not in ("expertise", "regions", "organisations")})
            db.session.add(person)
            person.expertise = values.get("expertise", [])
            person.regions = values.get("regions", [])
            person.organisations = values.get("organisations", [])
            db.session.flush()
            record("person.import", person, summary=code, after={"created": True})
        return RowResult(row.number, code, "create", notes)
    changes = _diff(person, values, apply)
    if "organisations" in notes and not apply:
        notes.remove("organisations")
        changes.append("organisations")
    if apply and changes:
        if not (person.is_expert or person.is_counsellor):
            row.error("roles", _("must be expert and/or counsellor"))
            return None
        db.session.flush()
        record("person.import", person, summary=code, after={"fields": changes})
    return RowResult(row.number, code, "update" if changes else "unchanged", changes + notes)


def _organisations_row(row: _Row, apply: bool, seen: dict[str, int],
                       names_in_file: set[str], parents: list) -> RowResult | None:
    name = row.text("name", 300, required=True)
    _duplicate(row, name, seen, "name")
    aliases = [a for a in row.items("aliases") if len(a) <= 300]
    if len(aliases) != len(row.items("aliases")):
        row.error("aliases", _("each alias must be at most 300 characters"))
    kind = row.text("kind", 32) if row.has("kind") else None
    parent = row.text("parent", 300) if row.has("parent") else None
    if parent and find_organisation(parent) is None and normalise_name(parent) not in names_in_file:
        row.error("parent", _("unknown organisation %(name)s", name=parent))
    if row.failed:
        return None
    org = find_organisation(name)
    # An alias that already belongs to another organisation would merge records silently.
    for alias in aliases:
        other = find_organisation(alias)
        if other is not None and (org is None or other.id != org.id):
            row.error("aliases", _("%(alias)s is already a name of %(other)s",
                                   alias=alias, other=other.name))
    if row.failed:
        return None
    changes: list[str] = []
    creating = org is None
    if creating and apply:
        org = Organisation(name=name)
        add_alias(org, name)
        db.session.add(org)
    known = {a.alias for a in org.aliases} if org is not None else {normalise_name(name)}
    new_aliases = [a for a in aliases if normalise_name(a) not in known]
    if new_aliases and not creating:
        changes.append("aliases")
    if row.has("kind") and (org.kind if org is not None else None) != kind and not creating:
        changes.append("kind")
    if apply:
        for alias in new_aliases:
            add_alias(org, alias)
        if row.has("kind"):
            org.kind = kind
        db.session.flush()
    if row.has("parent"):
        parents.append((row, org, name, parent, creating))
    if apply and (creating or changes):
        record("organisation.import", org, summary=name,
               after={"created": True} if creating else {"fields": changes})
    return RowResult(row.number, name, "create" if creating else "update" if changes else "unchanged",
                     changes)


@dataclass
class _Context:
    """Who imports which file: the history and audit of imported cases name both."""

    user: object = None
    source: str = ""

    @property
    def note(self) -> str:
        return case_services.imported_note(self.source)


def _positional(row: _Row, column: str, count: int) -> list[str | None]:
    """Cells of a list column aligned with the parties (empty entries kept)."""
    value = row.values.get(column, "").strip()
    if not value:
        return [None] * count
    parts = [p.strip() or None for p in re.split("[;；|\n]", value)]
    if len(parts) > count:
        row.error(column, _("has %(n)s entries for %(parties)s parties",
                            n=len(parts), parties=count))
    return (parts + [None] * count)[:count]


def _acceptance(row: _Row, values: dict) -> tuple[date | None, str | None]:
    """The acceptance date of a new case (default today) and the reason for a late one."""
    today = local_today()
    registered = values.get("registered_on")
    accepted = values.get("accepted_on") or today
    late_reason = row.text("late_reason", 1000) if row.has("late_reason") else None
    if registered is None:
        return None, late_reason
    if registered > today:
        row.error("registered_on", _("must not be in the future"))
        return None, late_reason
    if accepted > today:
        row.error("accepted_on", _("must not be in the future"))
        return None, late_reason
    if accepted < registered:
        return None, late_reason  # reported with the other date checks
    due = deadline(registered, limits()["accept_days"])
    if accepted > due and not late_reason:
        row.error("late_reason", _("is required: the case was accepted on %(accepted)s, after "
                                   "its acceptance deadline %(due)s",
                                   accepted=accepted.isoformat(), due=due.isoformat()))
        return None, late_reason
    return accepted, late_reason


def _terminated_matches(row: _Row, values: dict, people: list[PersonKey]) -> None:
    """The termination-register check of intake: the same person on the same matter as a
    terminated case is not accepted again (a row error, unless new facts: register by hand)."""
    org_ids = [o.id for o in values.get("respondents") or [] if o.id is not None]
    confirmed, _possible = classify(people, values.get("category") or "", org_ids)
    terminated = [c for c in confirmed if c.in_termination_register]
    if terminated:
        row.error("parties", _("same person and matter as %(refs)s, in the termination register: "
                               "not accepted again without new facts",
                               refs=", ".join(c.reference for c in terminated)))


def _create_case(row: _Row, reference: str, values: dict, parties: list, accepted: date,
                 late_reason: str | None, ctx: _Context) -> Case | None:
    """Register and accept through the case services, exactly as the form and Accept do."""
    data = {
        "reference": reference, "title": values["title"], "category": values["category"],
        "region_id": values["region"].id, "priority": values.get("priority") or 3,
        "attendees": values.get("attendees", 1),
        "needs_counsellor": values.get("needs_counsellor", False),
        "responsible_leader_id": getattr(values.get("responsible_leader"), "id", None),
        "earliest": values.get("earliest"),
        "expertise_ids": [a.id for a in values.get("required_expertise") or []],
        "respondents": [o.name for o in values.get("respondents") or []],
        "parties": parties,
    }
    intake = case_services.register_case(data, ctx.user, today=values["registered_on"],
                                         note=ctx.note)
    case = intake.case
    if intake.terminated_repeats:  # a repeat of a case terminated earlier in this same file
        row.error("parties", _("same person and matter as %(refs)s, in the termination register: "
                               "not accepted again without new facts",
                               refs=", ".join(c.reference for c in intake.terminated_repeats)))
        return None
    note = case_services.imported_note(ctx.source, late_reason)
    try:
        case_services.transition(case, "accept", ctx.user, on=accepted, note=note)
    except case_services.TransitionError as exc:
        row.error("accepted_on", str(exc.message))
        return None
    if values.get("due_by"):
        case.due_by = values["due_by"]
    if values.get("repeat_count"):
        case.repeat_count = max(case.repeat_count, values["repeat_count"])
    db.session.flush()
    record("case.import", case, summary=reference, after={"created": True, "file": ctx.source},
           user=ctx.user)
    return case


def _cases_row(row: _Row, apply: bool, seen: dict[str, int],
               ctx: _Context | None = None) -> RowResult | None:
    ctx = ctx or _Context()
    reference = row.text("reference", 64, required=True)
    _duplicate(row, reference, seen, "reference")
    values: dict = {"title": row.text("title", 300, required=True)}
    category = row.text("category", 64, required=True)
    if category and category not in CATEGORIES:
        row.error("category", _("must be one of: %(values)s", values=", ".join(CATEGORIES)))
    values["category"] = category
    region_code = row.text("region", 64, required=True)
    if region_code:
        region = db.session.scalar(sa.select(Region).where(Region.code == region_code))
        if region is None:
            row.error("region", _("unknown region code %(code)s", code=region_code))
        values["region"] = region
    values["registered_on"] = row.day("registered_on", required=True)
    for column in ("accepted_on", "due_by", "earliest"):
        if row.has(column):
            values[column] = row.day(column)
    if row.has("priority"):
        values["priority"] = row.integer("priority", 1, 5) or 3
    if row.has("attendees"):
        attendees = row.integer("attendees", 0, MAX_ATTENDEES)
        values["attendees"] = 1 if attendees is None else attendees
    if row.has("repeat_count"):
        values["repeat_count"] = row.integer("repeat_count", 0, MAX_REPEATS) or 0
    if row.has("needs_counsellor"):
        values["needs_counsellor"] = bool(row.boolean("needs_counsellor"))
    if row.has("responsible_leader"):
        leader_text = row.text("responsible_leader", 200)
        values["responsible_leader"] = find_leader(leader_text) if leader_text else None
        if leader_text and values["responsible_leader"] is None:
            row.error("responsible_leader", _("unknown leader %(value)s (give a leader's code "
                                              "or name from the roster)", value=leader_text))
    if row.has("required_expertise"):
        values["required_expertise"] = _lookup_codes(row, "required_expertise", ExpertiseArea)
    if values.get("accepted_on") and values.get("registered_on") and \
            values["accepted_on"] < values["registered_on"]:
        row.error("accepted_on", _("must not be before registered_on"))
    if values.get("due_by") and values.get("accepted_on") and values["due_by"] < values["accepted_on"]:
        row.error("due_by", _("must not be before accepted_on"))
    party_names = row.items("parties")
    if any(len(p) > 200 for p in party_names):
        row.error("parties", _("each name must be at most 200 characters"))
    id_numbers = _positional(row, "party_id_numbers", len(party_names))
    phones = _positional(row, "party_phones", len(party_names))
    if any(len(v or "") > 64 for v in id_numbers + phones):
        row.error("party_id_numbers", _("each entry must be at most 64 characters"))
    case = db.session.scalar(sa.select(Case).where(Case.reference == reference)) \
        if reference else None
    accepted, late_reason = (None, None)
    if case is None:
        accepted, late_reason = _acceptance(row, values)
    if row.failed:
        return None
    notes: list[str] = []
    if row.has("respondents"):
        respondents = _organisations(row.items("respondents"), apply, notes)
        if apply or case is None:
            values["respondents"] = respondents
        elif not notes and \
                sorted(o.id for o in case.respondents) != sorted(o.id for o in respondents):
            notes.append("respondents")
    if case is None:
        parties = [case_services.PartyData(name=n, id_number=i, phone=p)
                   for n, i, p in zip(party_names, id_numbers, phones, strict=True)]
        people = [PersonKey(d.name, normalise_id_number(d.id_number), normalise_phone(d.phone))
                  for d in parties]
        _terminated_matches(row, values, people)
        if row.failed:
            return None
        if apply and _create_case(row, reference, values, parties, accepted, late_reason,
                                  ctx) is None:
            return None
        return RowResult(row.number, reference, "create", notes)
    changes = _diff(case, values, apply)
    if "respondents" in notes:
        notes.remove("respondents")
        changes.append("respondents")
    existing = {p.name for p in case.parties}
    new_parties = [p for p in party_names if p not in existing]
    if new_parties:
        changes.append("parties")
        if apply:
            case.parties.extend(Party(name=p) for p in new_parties)
    if apply and changes:
        db.session.flush()
        record("case.import", case, summary=reference, after={"fields": changes})
    return RowResult(row.number, reference, "update" if changes else "unchanged", changes + notes)


def run_import(kind: str, table: Table, apply: bool = False, user=None,
               source: str = "") -> ImportReport:
    """Validate every row; with `apply` and no errors, write too (flush only).

    A new case is registered and accepted through the case services (`register_case`, the
    "accept" transition) as `user`, its history noting "imported from `source`"; a row the
    workflow refuses is a row error, and any row error means nothing is written.

    Validation always runs over the whole file first, so a file with any error writes nothing.
    The caller commits when `report.applied` and rolls back otherwise.
    """
    if kind not in KINDS:
        raise ValueError(kind)
    report = ImportReport(kind)
    if not _check_header(kind, table.header, report):
        return report
    if not table.rows:
        report.errors.append(Issue(1, None, _("the file has a header but no rows")))
        return report
    # Pass 1: validate (and preview); pass 2 (only when clean): apply.
    for writing in ((False, True) if apply else (False,)):
        report.rows, seen, parents = [], {}, []
        names_in_file = {normalise_name(v.get("name", "")) for _n, v in table.rows}
        with db.session.no_autoflush:
            for number, values in table.rows:
                row = _Row(number, values, report)
                if kind == "people":
                    result = _people_row(row, writing, seen)
                elif kind == "organisations":
                    result = _organisations_row(row, writing, seen, names_in_file, parents)
                else:
                    result = _cases_row(row, writing, seen, _Context(user, source))
                if result is not None:
                    report.rows.append(result)
            _apply_parents(parents, report, writing)
        if not report.ok:
            # Nothing may be kept: the caller rolls back when `applied` is False.
            return report
    if apply:
        db.session.flush()
        record(f"import.{kind}", object_type="import", after={
            "created": report.created, "updated": report.updated, "unchanged": report.unchanged})
        report.applied = True
    return report


def _org_key(name: str, org: Organisation | None = None) -> tuple:
    """One organisation, named in the file or known: its record, else its normalised name."""
    org = org if org is not None else find_organisation(name)
    return ("id", org.id) if org is not None and org.id is not None else ("new",
                                                                          normalise_name(name))


def _refuse_loops(parents: list) -> set[int]:
    """Rows whose supervising department would, through the file's rows and the records'
    current parents, lead back to the organisation itself; each gets an error naming the loop.
    Returns their row numbers."""
    wanted = {}
    names = {}
    for _row, org, name, parent_name, _creating in parents:
        key = _org_key(name, org)
        names[key] = name
        wanted[key] = _org_key(parent_name) if parent_name else None
        if parent_name:
            names.setdefault(wanted[key], parent_name)

    def parent_of(key):
        if key in wanted:
            return wanted[key]
        if key[0] == "id":
            known = db.session.get(Organisation, key[1])
            if known is not None and known.parent_id is not None:
                names.setdefault(("id", known.parent_id), known.parent.name)
                return ("id", known.parent_id)
        return None

    looping = set()
    for row, org, name, _parent, _creating in parents:
        start = _org_key(name, org)
        chain, seen, key = [name], {start}, parent_of(start)
        while key is not None and key not in seen:
            chain.append(names.get(key, "?"))
            seen.add(key)
            key = parent_of(key)
        if key == start:
            row.error("parent", _("would make a loop of supervising departments: %(chain)s",
                                  chain=" → ".join([*chain, name])))
            looping.add(row.number)
    return looping


def _apply_parents(parents: list, report: ImportReport, apply: bool) -> None:
    by_row = {r.row: r for r in report.rows}
    looping = _refuse_loops(parents)
    for row, org, _name, parent_name, creating in parents:
        if row.number in looping:
            continue
        parent = find_organisation(parent_name) if parent_name else None
        if parent_name and parent is None and apply:
            db.session.flush()
            parent = find_organisation(parent_name)
        current = org.parent_id if org is not None else None
        wanted = parent.id if parent is not None else None
        if parent is not None and org is not None and parent.id == org.id:
            row.error("parent", _("an organisation cannot supervise itself"))
            continue
        if parent_name and parent is None and not apply:
            # Parent created by another row of this file: it is a change for an existing record.
            if not creating:
                _mark(by_row.get(row.number), "parent")
            continue
        if current != wanted and not creating:
            _mark(by_row.get(row.number), "parent")
        if apply and org is not None:
            org.parent = parent


def _mark(result: RowResult | None, change: str) -> None:
    if result is None:
        return
    result.changes.append(change)
    if result.action == "unchanged":
        result.action = "update"


# --- templates and exports ---------------------------------------------------------------------

def template_rows(kind: str) -> tuple[list[str], list[list[str]]]:
    columns = COLUMNS[kind]
    return [c.name for c in columns], [[c.example for c in columns]]


def _join(items) -> str:
    return ";".join(items)


def export_rows(kind: str) -> tuple[list[str], list[list[object]]]:
    """Header and rows of people or cases, in the import columns."""
    header = [c.name for c in COLUMNS[kind]]
    rows: list[list[object]] = []
    if kind == "people":
        for p in db.session.scalars(sa.select(Person).order_by(Person.code)):
            rows.append([
                p.code, p.name, p.email or "", p.phone or "", p.title or "", _join(p.roles),
                _join(a.code for a in p.expertise), _join(o.name for o in p.organisations),
                _join(r.code for r in p.regions),
                "" if p.max_hearings is None else p.max_hearings,
                "" if p.max_per_day is None else p.max_per_day,
                _join(str(d) for d in (p.available_weekdays or [])),
                "yes" if p.active else "no",
            ])
    elif kind == "cases":
        for c in db.session.scalars(sa.select(Case).order_by(Case.reference)):
            rows.append([
                c.reference, c.title, c.category, c.region.code, c.registered_on.isoformat(),
                _iso(c.accepted_on), _iso(c.due_by), _iso(c.earliest), c.priority, c.attendees,
                "yes" if c.needs_counsellor else "no", c.repeat_count,
                _join(a.code for a in c.required_expertise), _join(o.name for o in c.respondents),
                _join(p.name for p in c.parties),
                c.responsible_leader.name if c.responsible_leader else "",
                "", "", "",  # ID numbers and phones are private: never exported
            ])
    elif kind == "organisations":
        for o in db.session.scalars(sa.select(Organisation).order_by(Organisation.name)):
            aliases = [a.alias for a in o.aliases if a.alias != normalise_name(o.name)]
            rows.append([o.name, _join(aliases), o.kind or "", o.parent.name if o.parent else ""])
    else:
        raise ValueError(kind)
    return header, rows


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""

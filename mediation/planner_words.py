"""The planner's findings in the coordinator's language.

The planner (`scheduler/`) returns violations and reasons as a stable `code` with `params`
(`scheduler.Violation`, `scheduler.Reason`; `scheduler.messages` is its English renderer for the
command line and the exchange format). This module words the same codes for people, in the
user's language, through the translation catalogue: plain words, no field names or rule numbers,
a next step where there is one ("…: extend the deadline, then plan again").

Params hold ids (people's, rooms' and centres' codes, region and expertise codes, session codes)
and ISO dates. A `Wording` collects the ids of a batch of findings and looks their names up in
one query (people by name, rooms by name and centre, expertise areas and sessions by their
label), the first time one is worded. In a request, `prefetch(items)` adds a page's findings to
the request's wording before the template words them one by one (`reason_text`,
`violation_text`, `unscheduled_reasons` filters): one query for the whole page.

This module is core (the lowest layer), so it reads the names through the tables' metadata
(`people`, `rooms`, `centres`, …), not through the feature packages' models.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from flask import Flask, g, has_request_context
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mediation.extensions import db
from mediation.timeutil import local_today
from scheduler.messages import TEMPLATES, render

# Sessions by code or English name (HearingSession.name is data, in English in the demo).
SESSION_LABELS = {"am": _l("morning"), "morning": _l("morning"),
                  "pm": _l("afternoon"), "afternoon": _l("afternoon"),
                  "eve": _l("evening"), "evening": _l("evening")}

# Expertise areas by code, for codes the roster's list (expertise_areas) does not name in the
# reader's language (the demo's codes; the roster may get its own label functions later).
AREA_LABELS = {
    "land": _l("land and expropriation compensation"), "labour": _l("labour and wages"),
    "housing": _l("housing and real estate"), "law": _l("law"),
    "finance": _l("finance and accounting"), "medical": _l("medical disputes"),
    "environment": _l("environment"), "social_security": _l("social security"),
    "construction": _l("construction quality"), "psychology": _l("psychology"),
}

# Which kind of thing a param names, by its key (lists of ids and nested dicts are walked).
KINDS = {
    "person": "person", "fixed_counsellor": "person", "fixed_chair": "person",
    "experts": "person", "far": "person", "barred_people": "person", "busy": "person",
    "counsellors": "person", "panel": "person", "fixed_panel": "person", "people": "person",
    "room": "room", "fixed_room": "room",
    "centre": "centre", "room_centre": "centre",
    "region": "region", "centre_region": "region", "case_region": "region",
    "person_regions": "region",
    "area": "area", "areas": "area", "missing": "area", "required": "area",
    "session": "session", "fixed_session": "session",
}
PEOPLE_SHOWN = 5
CASES_SHOWN = 5


def _split(item: Any) -> tuple[str, dict[str, Any]]:
    """(code, params) of a Violation, a Reason or a {code, params} dict."""
    if isinstance(item, dict):
        return item["code"], item.get("params") or {}
    return item.code, item.params or {}


def _walk(params: dict[str, Any], ids: dict[str, set[str]]) -> None:
    for key, value in params.items():
        kind = KINDS.get(key)
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            if isinstance(v, str) and kind:
                ids[kind].add(v)
            elif isinstance(v, dict):
                _walk(v, ids)


def _outside_scope(refs: list[str]) -> set[str]:
    """Of these case references, those outside the reader's regions (`g.region_scope`, set by
    auth for a region-limited user on each request); none outside a request or for a reader
    of every region. Read from the table itself."""
    scope = g.get("region_scope") if has_request_context() else None
    if scope is None or not refs:
        return set()
    t = db.metadata.tables["cases"]
    inside = set(db.session.scalars(sa.select(t.c.reference).where(
        t.c.reference.in_(refs), t.c.region_id.in_(sorted(scope) or [-1]))))
    return set(refs) - inside


def _locale() -> str:
    return str(get_locale() or "en")


def _is_zh() -> bool:
    return _locale().startswith("zh")


class Wording:
    """Words findings, with the names of what they mention looked up once for the whole batch."""

    def __init__(self, items: Iterable[Any] = ()):
        self._wanted: dict[str, set[str]] = defaultdict(set)
        self._names: dict[str, dict[str, tuple[str, str | None]]] = defaultdict(dict)
        self._looked: dict[str, set[str]] = defaultdict(set)
        self.queries = 0
        self.add(items)

    # --- names ---------------------------------------------------------------------------------

    def add(self, items: Iterable[Any]) -> Wording:
        """Findings whose names the next look-up fetches too."""
        for item in items:
            _walk(_split(item)[1], self._wanted)
        return self

    def _load(self) -> None:
        pending = {k: v - self._looked[k] for k, v in self._wanted.items() if v - self._looked[k]}
        if not pending:
            return
        tables = db.metadata.tables
        text = sa.String()
        none = sa.cast(sa.null(), text)
        parts = []
        if "person" in pending:
            t = tables["people"]
            parts.append(sa.select(sa.literal("person", text), t.c.code, t.c.name, none)
                         .where(t.c.code.in_(sorted(pending["person"]))))
        if "room" in pending:
            r, c = tables["rooms"], tables["centres"]
            parts.append(sa.select(sa.literal("room", text), r.c.code, r.c.name, c.c.name)
                         .select_from(r.join(c, r.c.centre_id == c.c.id))
                         .where(r.c.code.in_(sorted(pending["room"]))))
        if "centre" in pending:
            t = tables["centres"]
            parts.append(sa.select(sa.literal("centre", text), t.c.code, t.c.name, none)
                         .where(t.c.code.in_(sorted(pending["centre"]))))
        if "region" in pending:
            t = tables["regions"]
            parts.append(sa.select(sa.literal("region", text), t.c.code, t.c.name, none)
                         .where(t.c.code.in_(sorted(pending["region"]))))
        if "area" in pending:
            t = tables["expertise_areas"]
            parts.append(sa.select(sa.literal("area", text), t.c.code, t.c.name_en, t.c.name_zh)
                         .where(t.c.code.in_(sorted(pending["area"]))))
        if "session" in pending:
            t = tables["hearing_sessions"]
            parts.append(sa.select(sa.literal("session", text), t.c.code, t.c.name, none)
                         .where(t.c.code.in_(sorted(pending["session"]))))
        rows = db.session.execute(parts[0] if len(parts) == 1 else sa.union_all(*parts)).all()
        self.queries += 1
        for kind, code, name, extra in rows:
            self._names[kind][code] = (name, extra)
        for kind, codes in pending.items():
            self._looked[kind] |= codes

    def _name(self, kind: str, code: str) -> tuple[str, str | None] | None:
        if code not in self._looked[kind]:
            self._wanted[kind].add(code)
            self._load()
        return self._names[kind].get(code)

    def person(self, code: str | None) -> str:
        """A person by name; with the code too when another person of the batch has the same
        name ("王建国（E0042）"); the code alone when unknown."""
        if not code:
            return ""
        found = self._name("person", code)
        if found is None:
            return code
        name = found[0]
        twins = [c for c, (n, _x) in self._names["person"].items() if n == name and c != code]
        return _("%(name)s (%(code)s)", name=name, code=code) if twins else name

    def room(self, code: str | None) -> str:
        """A room by its name and centre ("宁安镇调解中心 2号会议室")."""
        if not code:
            return ""
        found = self._name("room", code)
        if found is None:
            return code
        return _("%(room)s at %(centre)s", room=found[0], centre=found[1]) if found[1] \
            else found[0]

    def centre(self, code: str | None, fallback: str | None = None) -> str:
        found = self._name("centre", code) if code else None
        return found[0] if found else (fallback or code or "")

    def region(self, code: str | None, fallback: str | None = None) -> str:
        found = self._name("region", code) if code else None
        return found[0] if found else (fallback or code or "")

    def area(self, code: str | None) -> str:
        """An expertise area by its label in the reader's language (code when unknown)."""
        if code is None:
            return _("counselling")
        found = self._name("area", code)
        name_en, name_zh = found or (None, None)
        if _is_zh() and name_zh:
            return name_zh
        if code in AREA_LABELS and (_is_zh() or not name_en):
            return str(AREA_LABELS[code])
        return name_en or code

    def session(self, code: str | None) -> str:
        if not code:
            return ""
        if code in SESSION_LABELS:
            return str(SESSION_LABELS[code])
        found = self._name("session", code)
        if found is None:
            return code
        label = SESSION_LABELS.get(found[0].strip().lower())
        return str(label) if label else found[0]

    # --- dates and lists -----------------------------------------------------------------------

    @staticmethod
    def day(value: str | date | None) -> str:
        """A date as the locale writes it, without the year when it is this year ("11月26日")."""
        if not value:
            return ""
        d = date.fromisoformat(value) if isinstance(value, str) else value
        skeleton = "MMMd" if d.year == local_today().year else "yMMMd"
        return format_skeleton(skeleton, d, locale=_locale())

    @staticmethod
    def weekday(value: str | date) -> str:
        d = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(d, "EEEE", locale=_locale())

    def period(self, first: str, last: str) -> str:
        """"between Dec 1 and Dec 5" / "12月1日至12月5日期间"; "on Dec 1" for one day."""
        if first == last:
            return _("on %(date)s", date=self.day(first))
        return _("between %(first)s and %(last)s", first=self.day(first), last=self.day(last))

    def when(self, day: str | None, session: str | None = None) -> str:
        if not session:
            return self.day(day)
        return _("%(date)s, %(session)s", date=self.day(day), session=self.session(session))

    @staticmethod
    def join(texts: Iterable[str]) -> str:
        """"A, B and C" / "甲、乙和丙"."""
        texts = [t for t in texts if t]
        return format_list(texts, locale=_locale()) if texts else ""

    def people(self, codes: Iterable[str], limit: int = PEOPLE_SHOWN) -> str:
        """"王一、李二等 5 人" when there are more than `limit`."""
        codes = list(dict.fromkeys(codes))
        if len(codes) <= limit:
            return self.join(self.person(c) for c in codes)
        shown = _list_sep().join(self.person(c) for c in codes[:limit])
        return ngettext("%(names)s and others, %(num)d person in all",
                        "%(names)s and others, %(num)d people in all", len(codes), names=shown)

    def cases(self, refs: Iterable[str], limit: int = CASES_SHOWN) -> str:
        refs = list(dict.fromkeys(refs))
        hidden = _outside_scope(refs)
        if hidden:  # a region-limited reader: other regions' cases are not named
            refs = [r for r in refs if r not in hidden]
            elsewhere = ngettext("%(num)d hearing in another region",
                                 "%(num)d hearings in other regions", len(hidden))
            return self.join([self.cases(refs, limit), elsewhere] if refs else [elsewhere])
        if len(refs) <= limit:
            return Wording.join(refs)
        shown = _list_sep().join(refs[:limit])
        return ngettext("%(names)s and others, %(num)d case in all",
                        "%(names)s and others, %(num)d cases in all", len(refs), names=shown)

    def areas(self, codes: Iterable[str]) -> str:
        return self.join(self.area(c) for c in dict.fromkeys(codes))

    # --- wording -------------------------------------------------------------------------------

    def text(self, code: str, params: dict[str, Any] | None = None) -> str:
        """A finding in the reader's words; a code this module does not know (a planner newer
        than the app) falls back to the planner's English."""
        params = params or {}
        words = WORDS.get(code) or APP_WORDS.get(code)
        if words is None:
            return render(code, params) if code in TEMPLATES else code
        return words(self, params)

    def violation(self, v: Any) -> str:
        code, params = _split(v)
        if code not in WORDS and getattr(v, "message", None):
            return str(v.message)  # a violation the app made up itself, already worded
        return self.text(code, params)

    def reasons_of(self, unscheduled: Any) -> list[str]:
        """An unscheduled case's reasons: worded from its details, or its stored (English or
        coordinator-written) reasons when it has none."""
        details = getattr(unscheduled, "details", None)
        if details:
            return [self.text(*_split(d)) for d in details]
        return list(getattr(unscheduled, "reasons", None) or [])


def _list_sep() -> str:
    return "、" if _is_zh() else ", "


def _sentences(*texts: str) -> str:
    """Sentences one after the other (no space between them in Chinese)."""
    return ("" if _is_zh() else " ").join(t for t in texts if t)


# --- violations of the hard rules --------------------------------------------------------------
# Each function: (wording, params) -> text. Violations are shown next to their case (a hearing
# page, a candidate list, the list of broken hearings), so they do not repeat it.

W = Wording
P = dict[str, Any]


def _who(w: W, p: P) -> str:
    return w.person(p.get("person"))


def _unknown_person(w: W, p: P) -> str:
    return _("%(who)s is not in the roster: choose someone from the roster.", who=_who(w, p))


def _not_expert(w: W, p: P) -> str:
    return _("%(who)s is not an expert: choose an expert for the panel.", who=_who(w, p))


def _panel_size(w: W, p: P) -> str:
    return _("The panel has %(count)d different people but needs exactly %(size)d: add or "
             "replace members.", count=p["distinct"], size=p["panel_size"])


def _chair_not_member(w: W, p: P) -> str:
    return _("%(who)s chairs the hearing but is not on the panel: choose a chair from the "
             "panel.", who=_who(w, p))


def _not_covered(w: W, p: P) -> str:
    return _("Nobody on the panel knows %(areas)s: replace a member with an expert in it.",
             areas=w.areas(p["missing"]))


def _not_counsellor(w: W, p: P) -> str:
    return _("%(who)s is not a counsellor: choose a counsellor.", who=_who(w, p))


def _counsellor_missing(w: W, p: P) -> str:
    return _("The case needs a counsellor and has none: choose one.")


def _counsellor_not_needed(w: W, p: P) -> str:
    return _("The case needs no counsellor, but %(who)s is set as one: take them off.",
             who=_who(w, p))


def _counsellor_on_panel(w: W, p: P) -> str:
    return _("%(who)s is both the counsellor and on the panel: choose someone else for one of "
             "the two seats.", who=_who(w, p))


def _conflict_member(w: W, p: P) -> str:
    return _("%(who)s belongs to %(organisation)s, a party to the case, and must stand aside: "
             "choose someone else.", who=_who(w, p), organisation=p["organisation"])


def _conflict_organisation(w: W, p: P) -> str:
    return _("%(who)s must stand aside from %(organisation)s (%(reason)s): choose someone "
             "else.", who=_who(w, p), organisation=p["organisation"], reason=p["reason"])


def _conflict_case(w: W, p: P) -> str:
    return _("%(who)s must stand aside from this case (%(reason)s): choose someone else.",
             who=_who(w, p), reason=p["reason"])


def _not_working_day(w: W, p: P) -> str:
    return _("%(who)s does not take hearings on %(weekday)s (%(date)s): choose another day or "
             "someone else.", who=_who(w, p), weekday=w.weekday(p["date"]),
             date=w.day(p["date"]))


def _unavailable(w: W, p: P) -> str:
    when = w.day(p["date"]) if p.get("whole_day") else w.when(p["date"], p.get("session"))
    return _("%(who)s cannot come on %(when)s: choose another time or someone else.",
             who=_who(w, p), when=when)


def _person_booked(w: W, p: P) -> str:
    return _("%(who)s already attends %(cases)s at that time (%(when)s): choose another time "
             "or someone else.", who=_who(w, p), cases=w.cases(p.get("others", [])),
             when=w.when(p.get("date"), p.get("session")))


def _room_booked(w: W, p: P) -> str:
    return _("%(room)s is already taken by %(cases)s at that time (%(when)s): choose another "
             "room or time.", room=w.room(p.get("room")), cases=w.cases(p.get("others", [])),
             when=w.when(p.get("date"), p.get("session")))


def _person_clash(w: W, p: P) -> str:
    return _("%(who)s is booked for %(cases)s at the same time (%(when)s).", who=_who(w, p),
             cases=w.cases(p.get("cases", [])), when=w.when(p.get("date"), p.get("session")))


def _room_clash(w: W, p: P) -> str:
    return _("%(room)s is booked for %(cases)s at the same time (%(when)s).",
             room=w.room(p.get("room")), cases=w.cases(p.get("cases", [])),
             when=w.when(p.get("date"), p.get("session")))


def _per_day(w: W, p: P) -> str:
    return _("%(who)s would have %(count)d hearings on %(date)s, but takes at most %(limit)d a "
             "day: choose someone else or another day.", who=_who(w, p), count=p["count"],
             limit=p["limit"], date=w.day(p.get("date")))


def _total(w: W, p: P) -> str:
    return _("%(who)s would have %(count)d hearings in this plan, more than the %(limit)d "
             "agreed: choose someone else.", who=_who(w, p), count=p["count"], limit=p["limit"])


def _per_day_exceeded(w: W, p: P) -> str:
    return _("%(who)s has %(count)d hearings on %(date)s, but takes at most %(limit)d a day.",
             who=_who(w, p), count=p["count"], limit=p["limit"], date=w.day(p.get("date")))


def _total_exceeded(w: W, p: P) -> str:
    return _("%(who)s has %(count)d hearings, more than the %(limit)d agreed.", who=_who(w, p),
             count=p["count"], limit=p["limit"])


def _room_unknown(w: W, p: P) -> str:
    return _("There is no room %(room)s: choose a room from the list.", room=p.get("room"))


def _room_too_small(w: W, p: P) -> str:
    return _("%(room)s seats %(capacity)d, but the hearing needs %(seats)d seats: choose a "
             "bigger room.", room=w.room(p.get("room")), capacity=p["capacity"],
             seats=p["seats"])


def _centre_closed(w: W, p: P) -> str:
    return _("%(centre)s is closed on %(date)s: choose another day or centre.",
             centre=w.centre(p.get("centre"), p.get("centre_name")), date=w.day(p.get("date")))


def _centre_mismatch(w: W, p: P) -> str:
    return _("%(room)s is not at %(centre)s.", room=w.room(p.get("room")),
             centre=w.centre(p.get("centre")))


def _centre_region(w: W, p: P) -> str:
    return _("%(centre)s does not serve %(region)s, where the case is: choose a centre that "
             "serves it.", centre=w.centre(p.get("centre"), p.get("centre_name")),
             region=w.region(p.get("case_region"), p.get("case_region_name")))


def _person_region(w: W, p: P) -> str:
    names = p.get("person_region_names") or []
    regions = w.join(w.region(r, names[i] if i < len(names) else None)
                     for i, r in enumerate(p.get("person_regions", [])))
    if not regions:
        return _("%(who)s does not go to %(region)s (no area is set for them): choose someone "
                 "else.", who=_who(w, p), region=w.region(p.get("region"), p.get("region_name")))
    return _("%(who)s does not go to %(region)s (works in %(regions)s): choose someone else.",
             who=_who(w, p), region=w.region(p.get("region"), p.get("region_name")),
             regions=regions)


def _too_early(w: W, p: P) -> str:
    return _("%(date)s is before %(first)s, the first day the case may be heard: choose a "
             "later day.", date=w.day(p.get("date")), first=w.day(p["first"]))


def _too_late(w: W, p: P) -> str:
    return _("%(date)s is after %(last)s, the last day the case may be heard: choose an "
             "earlier day, or extend the deadline.", date=w.day(p.get("date")),
             last=w.day(p["last"]))


def _unknown_session(w: W, p: P) -> str:
    return _("There is no session %(session)s: choose a session from the list.",
             session=p.get("session"))


def _in_past(w: W, p: P) -> str:
    return _("%(date)s has passed (today is %(today)s): choose a later day.",
             date=w.day(p.get("date")), today=w.day(p.get("today")))


def _pinned_missing(w: W, p: P) -> str:
    return _("The pinned hearing of %(case)s (%(when)s) is missing from the plan.",
             case=p.get("case"), when=w.when(p.get("date"), p.get("session")))


def _pinned_changed(w: W, p: P) -> str:
    return _("The pinned hearing of %(case)s was changed; it was pinned on %(when)s in "
             "%(room)s with %(panel)s.", case=p.get("case"),
             when=w.when(p.get("fixed_date"), p.get("fixed_session")),
             room=w.room(p.get("fixed_room")), panel=w.people(p.get("fixed_panel", [])))


VIOLATION_WORDS: dict[str, Callable[[W, P], str]] = {
    "panel.unknown_person": _unknown_person,
    "panel.not_expert": _not_expert,
    "panel.size": _panel_size,
    "panel.chair_not_member": _chair_not_member,
    "expertise.not_covered": _not_covered,
    "counsellor.not_counsellor": _not_counsellor,
    "counsellor.missing": _counsellor_missing,
    "counsellor.not_needed": _counsellor_not_needed,
    "counsellor.on_panel": _counsellor_on_panel,
    "conflict.member": _conflict_member,
    "conflict.hard_organisation": _conflict_organisation,
    "conflict.hard_case": _conflict_case,
    "availability.not_working_day": _not_working_day,
    "availability.unavailable": _unavailable,
    "double_booking.person": _person_booked,
    "double_booking.room": _room_booked,
    "double_booking.person_clash": _person_clash,
    "double_booking.room_clash": _room_clash,
    "load.max_per_day": _per_day,
    "load.max_hearings": _total,
    "load.max_per_day_exceeded": _per_day_exceeded,
    "load.max_hearings_exceeded": _total_exceeded,
    "room.unknown": _room_unknown,
    "room.too_small": _room_too_small,
    "room.centre_closed": _centre_closed,
    "room.centre_mismatch": _centre_mismatch,
    "travel.centre_region": _centre_region,
    "travel.person_region": _person_region,
    "time.too_early": _too_early,
    "time.too_late": _too_late,
    "time.unknown_session": _unknown_session,
    "time.in_past": _in_past,
    "pinned.missing": _pinned_missing,
    "pinned.changed": _pinned_changed,
    # rule 12 is about a whole plan read from a file; the app never stores such a plan
    "accounted.unknown_case": lambda w, p: _(
        "The plan names a case that does not exist: %(case)s.", case=p.get("case")),
    "accounted.unknown_unscheduled": lambda w, p: _(
        "The list of cases left out names a case that does not exist: %(case)s.",
        case=p.get("case")),
    "accounted.duplicate": lambda w, p: _(
        "%(case)s is scheduled %(count)d times.", case=p.get("case"), count=p.get("count", 0)),
    "accounted.no_reason": lambda w, p: _(
        "%(case)s is left out with no reason given.", case=p.get("case")),
    "accounted.both": lambda w, p: _(
        "%(case)s is both scheduled and left out.", case=p.get("case")),
    "accounted.unaccounted": lambda w, p: _(
        "%(case)s is neither scheduled nor listed as left out.", case=p.get("case")),
}


# --- reasons a case is not scheduled -----------------------------------------------------------


def _region(w: W, p: P) -> str:
    return w.region(p.get("region"), p.get("region_name"))


def _empty_window(w: W, p: P) -> str:
    """The window is empty: past its deadline, a deadline before the day it may first be heard,
    or a first day after the plan's period."""
    first, last, due = p["first"], p["last"], p["due_by"]
    if due < p["horizon_start"]:
        return _("Past its deadline (%(due)s): extend the deadline, then plan it again.",
                 due=w.day(due))
    if due == last:  # the deadline, not the plan's period, ends the window
        if first == p.get("earliest"):
            because = _("not before %(date)s, as asked", date=w.day(first))
        elif first == p.get("accepted_on"):
            because = _("accepted on %(date)s", date=w.day(first))
        else:
            because = _("the start of this plan")
        return _("Its deadline (%(due)s) comes before the first day it may be heard "
                 "(%(first)s, %(because)s): extend the deadline, then plan it again.",
                 due=w.day(due), first=w.day(first), because=because)
    return _("It may be heard from %(first)s on, after the end of this plan (%(end)s): plan a "
             "later period.", first=w.day(first), end=w.day(last))


def _no_centre(w: W, p: P) -> str:
    return _("No mediation centre serves %(region)s: add a centre in %(region)s or in an area "
             "above it.", region=_region(w, p))


def _too_small_everywhere(w: W, p: P) -> str:
    return _("It needs %(seats)d seats (%(attendees)d attending and %(extra)d for the panel and "
             "any counsellor), but the largest room at the centres serving %(region)s seats "
             "%(largest)d: add a bigger room, or fewer attending.", seats=p["seats"],
             attendees=p["attendees"], extra=p["seats"] - p["attendees"],
             region=_region(w, p), largest=p["largest"])


def _none_open(w: W, p: P) -> str:
    return _("No centre serving %(region)s with a room of %(seats)d seats is open %(period)s: "
             "add opening days, or plan a longer period.", region=_region(w, p),
             seats=p["seats"], period=w.period(p["first"], p["last"]))


def _not_in_roster(w: W, p: P) -> str:
    return _("No expert in the roster knows %(area)s: add one to the roster.",
             area=w.area(p["area"]))


def _barred(w: W, groups: list[dict[str, Any]]) -> list[str]:
    """'2 belong to Ning'an Town Government', '1 must stand aside from …'."""
    out = []
    for grp in groups:
        n = grp["count"]
        if grp["code"] == "conflict.member":
            out.append(ngettext("%(num)d belongs to %(organisation)s",
                                "%(num)d belong to %(organisation)s", n,
                                organisation=grp.get("organisation")))
        elif grp["code"] == "conflict.hard_organisation":
            out.append(_("%(num)d must stand aside from %(organisation)s", num=n,
                         organisation=grp.get("organisation")))
        elif grp["code"] == "conflict.hard_case":
            out.append(_("%(num)d must stand aside from this case (%(reason)s)", num=n,
                         reason=grp.get("reason")))
        else:  # another rule that bars people from a case
            out.append(_("%(num)d may not take this case", num=n))
    return out


def _details(w: W, parts: list[str]) -> str:
    return _("; ").join(parts)


def _no_eligible_expert(w: W, p: P) -> str:
    parts = _barred(w, p.get("barred") or [])
    if p.get("far"):
        parts.append(_("%(people)s do not go to a centre serving %(region)s with a room of "
                       "%(seats)d seats", people=w.people(p["far"]), region=_region(w, p),
                       seats=p["seats"]))
    return _("No expert in %(area)s can take it (%(details)s): add an expert in %(area)s who "
             "serves %(region)s, or review the conflicts.", area=w.area(p["area"]),
             details=_details(w, parts), region=_region(w, p))


def _too_few_experts(w: W, p: P) -> str:
    return ngettext("Only %(num)d expert free of conflicts serves %(region)s (%(people)s), and "
                    "a panel needs %(size)d: add experts who serve %(region)s.",
                    "Only %(num)d experts free of conflicts serve %(region)s (%(people)s), and "
                    "a panel needs %(size)d: add experts who serve %(region)s.",
                    p["count"], region=_region(w, p), people=w.people(p.get("experts", [])),
                    size=p["panel_size"])


def _no_cover(w: W, p: P) -> str:
    return _("No %(size)d experts serving %(region)s together know %(areas)s: add experts in "
             "these areas.", size=p["panel_size"], region=_region(w, p),
             areas=w.areas(p.get("areas", [])))


def _no_counsellor(w: W, p: P) -> str:
    if p.get("barred"):
        detail = _details(w, _barred(w, p["barred"]))
    elif p.get("counsellors_in_roster"):
        detail = _("none goes there")
    else:
        detail = _("the roster has no counsellor")
    return _("It needs a counsellor and none can take it (%(details)s): add a counsellor who "
             "serves %(region)s.", details=detail, region=_region(w, p))


def _no_expert_available(w: W, p: P) -> str:
    missing = [_("%(area)s (%(people)s)", area=w.area(m["area"]), people=w.people(m["people"]))
               if m.get("people") else w.area(m["area"]) for m in p.get("missing", [])]
    return _("No expert in %(areas)s is free %(period)s on a day when a suitable centre is "
             "open: agree a day with them, or plan a longer period.", areas=w.join(missing),
             period=w.period(p["first"], p["last"]))


def _no_counsellor_available(w: W, p: P) -> str:
    return _("No counsellor who could take it (%(people)s) is free %(period)s on a day when a "
             "suitable centre is open: agree a day with one, or plan a longer period.",
             people=w.people(p.get("counsellors", [])), period=w.period(p["first"], p["last"]))


def _never_together(w: W, p: P) -> str:
    values = dict(period=w.period(p["first"], p["last"]), size=p["panel_size"],
                  areas=w.areas(p.get("areas", [])))
    if p.get("needs_counsellor"):
        return _("No session %(period)s has a suitable room open with %(size)d experts knowing "
                 "%(areas)s and a counsellor all free: agree a day with them, or plan a longer "
                 "period.", **values)
    return _("No session %(period)s has a suitable room open with %(size)d experts knowing "
             "%(areas)s all free: agree a day with them, or plan a longer period.", **values)


def _pinned_blocks(w: W, p: P) -> str:
    return _sentences(_("Pinned hearings take what it needs: unpin some, then plan again."),
                      w.text(p["code"], p.get("params") or {}))


def _people_booked(w: W, p: P) -> str:
    people = p.get("people", [])
    shown = []
    for q in people[:PEOPLE_SHOWN]:
        if q.get("full"):
            shown.append(ngettext("%(who)s (at the limit of %(num)d hearing: %(cases)s)",
                                  "%(who)s (at the limit of %(num)d hearings: %(cases)s)",
                                  q.get("max_hearings") or 0, who=w.person(q["person"]),
                                  cases=w.cases(q.get("cases", []), 3)))
        else:
            shown.append(_("%(who)s (busy with %(cases)s)", who=w.person(q["person"]),
                           cases=w.cases(q.get("cases", []), 3)))
    total = p.get("people_total", len(people))  # plans before it listed everyone
    if total > PEOPLE_SHOWN:
        shown.append(ngettext("%(num)d more", "%(num)d more", total - PEOPLE_SHOWN))
    values = dict(period=w.period(p["first"], p["last"]), details=_details(w, shown))
    if p.get("area") is None:
        return _("Every counsellor who could come is booked %(period)s by the cases scheduled "
                 "instead: %(details)s. Raise its priority and plan again, or add counsellors.",
                 **values)
    return _("Every expert in %(area)s who could come is booked %(period)s by the cases "
             "scheduled instead: %(details)s. Raise its priority and plan again, or add experts "
             "in %(area)s.", area=w.area(p["area"]), **values)


def _rooms_taken(w: W, p: P) -> str:
    return _("Every room of %(seats)d seats or more at the centres serving %(region)s is taken "
             "%(period)s on every open day (by %(cases)s): add opening days or rooms, or plan a "
             "longer period.", seats=p["seats"], region=_region(w, p),
             period=w.period(p["first"], p["last"]), cases=w.cases(p.get("cases", [])))


def _oversubscribed(w: W, p: P) -> str:
    return _("Too many cases need %(area)s: %(demand)d cases, while its experts can sit "
             "%(supply)d hearings in all: add experts in %(area)s or let them take more "
             "hearings.", area=w.area(p["area"]), demand=p["demand"], supply=p["supply"])


def _not_together(w: W, p: P) -> str:
    values = dict(period=w.period(p["first"], p["last"]), size=p["panel_size"],
                  areas=w.areas(p.get("areas", [])))
    if p.get("needs_counsellor"):
        text = _("It fits on its own, but once the other cases are placed no session "
                 "%(period)s has a free room, %(size)d free experts knowing %(areas)s and a "
                 "free counsellor together.", **values)
    else:
        text = _("It fits on its own, but once the other cases are placed no session "
                 "%(period)s has a free room and %(size)d free experts knowing %(areas)s "
                 "together.", **values)
    busy = _("Experts at their limit: %(people)s (taken by %(cases)s).",
             people=w.people(p["busy"]), cases=w.cases(p.get("held_by", []))) \
        if p.get("busy") else ""
    return _sentences(text, busy, _("Raise its priority and plan again."))


REASON_WORDS: dict[str, Callable[[W, P], str]] = {
    "time.empty_window": _empty_window,
    "travel.no_centre": _no_centre,
    "room.too_small_everywhere": _too_small_everywhere,
    "room.none_open": _none_open,
    "expertise.not_in_roster": _not_in_roster,
    "expertise.no_eligible_expert": _no_eligible_expert,
    "panel.too_few_experts": _too_few_experts,
    "expertise.no_cover": _no_cover,
    "counsellor.none_eligible": _no_counsellor,
    "availability.no_expert_available": _no_expert_available,
    "availability.no_counsellor_available": _no_counsellor_available,
    "availability.never_together": _never_together,
    "pinned.blocks": _pinned_blocks,
    "load.people_booked": _people_booked,
    "double_booking.rooms_taken": _rooms_taken,
    "load.area_oversubscribed": _oversubscribed,
    "accounted.not_together": _not_together,
    "accounted.lower_priority": lambda w, p: _(
        "It fits on its own but was left out for cases of higher priority: raise its priority "
        "and plan again."),
}

WORDS: dict[str, Callable[[W, P], str]] = {**VIOLATION_WORDS, **REASON_WORDS}
# Reasons the app writes itself beside the planner's, by code (`register_reasons`)
APP_WORDS: dict[str, Callable[[W, P], str]] = {}


def register_reasons(words: dict[str, Callable[[W, P], str]]) -> None:
    """Words for reasons a feature writes itself beside the planner's (planning: a case that
    left planning, a hearing a coordinator took out), by code; called from its init_app."""
    clash = set(words) & set(WORDS)
    if clash:
        raise ValueError(f"reason codes already worded by the planner: {sorted(clash)}")
    APP_WORDS.update(words)


# --- the request's wording and the public functions ----------------------------------------------


def wording() -> Wording:
    """The request's wording (one per request, so a page looks names up once); a fresh one
    outside a request."""
    if not has_request_context():
        return Wording()
    found = g.get("_planner_wording")
    if found is None:
        found = g._planner_wording = Wording()
    return found


def _findings(items: Iterable[Any]) -> Iterable[Any]:
    """The findings in a page's data: violations, reasons, {code, params} dicts, unscheduled
    cases (their `details`), candidates (their violations and the areas they bring), and lists
    or tuples of these (e.g. (hearing, violations) pairs); anything else is skipped."""
    for item in items:
        if isinstance(item, list | tuple):
            yield from _findings(item)
        elif isinstance(item, dict):
            if "code" in item:
                yield item
        elif hasattr(item, "code") and hasattr(item, "params"):
            yield item
        elif isinstance(getattr(item, "details", None), list):
            yield from item.details
        elif hasattr(item, "violations") and hasattr(item, "covers"):
            yield from item.violations
            yield {"code": "", "params": {"areas": list(item.covers)}}


def prefetch(items: Iterable[Any]) -> None:
    """Add a page's findings (see `_findings`) to the request's wording, so the names of
    everything they mention come in one query, before the template words them one by one."""
    wording().add(_findings(items))


def reason_text(code: str, params: dict[str, Any]) -> str:
    """Why a case is not scheduled, in the user's words."""
    return wording().text(code, params)


def violation_text(violation: Any) -> str:
    """A broken hard rule (a `scheduler.Violation` or a dict with `code` and `params`)."""
    return wording().violation(violation)


def violation_texts(violations: Iterable[Any]) -> list[str]:
    """Several violations in the user's words, their names looked up together."""
    violations = list(violations)
    w = wording().add(violations)
    return [w.violation(v) for v in violations]


def unscheduled_reasons(unscheduled: Any) -> list[str]:
    """An unscheduled case's reasons in the user's words (stored English ones for old runs)."""
    return wording().reasons_of(unscheduled)


def areas_text(codes: Iterable[str]) -> str:
    """Expertise areas by their labels, joined for the reader ("法律、土地征收补偿")."""
    return wording().areas(codes or [])


ROLE_LABELS = {"chair": _l("chair"), "member": _l("panel member"),
               "counsellor": _l("psychological counsellor")}


def hearing_text(h: Any) -> str:
    """A hearing's date, session and place in words ("12月8日上午，宁安镇调解中心第一会议室")."""
    w = wording()
    return _("%(when)s, %(room)s", when=w.when(h.date, h.session.code),
             room=_("%(room)s at %(centre)s", room=h.room.name, centre=h.room.centre.name))


def change_text(change: Any) -> str:
    """One line of a proposal's changes against the published schedule (a
    `planning.publish.Change`: kind, before, after), in words."""
    before, after = change.before, change.after
    parts = []
    if before is not None and after is not None:
        if (before.room_id, before.date, before.session_id) != \
                (after.room_id, after.date, after.session_id):
            parts.append(_("%(before)s → %(after)s", before=hearing_text(before),
                           after=hearing_text(after)))
        old = {m.person_id: m for m in before.members}
        new = {m.person_id: m for m in after.members}
        people = [_("%(name)s leaves", name=old[p].person.name) for p in old if p not in new]
        people += [_("%(name)s joins as %(role)s", name=new[p].person.name,
                     role=ROLE_LABELS.get(new[p].role, new[p].role))
                   for p in new if p not in old]
        people += [_("%(name)s: now %(role)s", name=new[p].person.name,
                     role=ROLE_LABELS.get(new[p].role, new[p].role))
                   for p in new if p in old and old[p].role != new[p].role]
        if people:
            parts.append(_list_sep().join(str(t) for t in people))
    elif after is not None or before is not None:
        parts.append(hearing_text(after if after is not None else before))
    return _("; ").join(parts)


# --- a run's result and scope ---------------------------------------------------------------------


def run_summary(run: Any) -> list[str]:
    """A run's result as a coordinator would say it: cases heard, the score against the best
    possible (the planner's objective and proved bound), whether it is proved best, stopped
    early, and on a re-plan what became of the earlier hearings. No raw keys."""
    if run.scheduled_count is None:
        return []
    stats = run.stats or {}
    total = run.scheduled_count + (run.unscheduled_count or 0)
    lines = [_("The plan hears %(n)d of the %(total)d cases in scope.", n=run.scheduled_count,
               total=total)]
    if run.objective is not None and run.bound is not None:
        lines.append(_("Each case heard counts its priority (1 to 5 points): the plan scores "
                       "%(objective)d points.", objective=int(run.objective)))
        if run.objective >= run.bound:
            lines.append(_("No plan can do better with these experts, rooms and dates: this one "
                           "is proved best."))
        else:
            gap = max(0.0, (run.bound - run.objective) / run.bound) if run.bound > 0 else 0.0
            lines.append(_("No plan can score more than %(bound)d points, so searching longer "
                           "could gain at most %(pct)s.", bound=int(run.bound),
                           pct=format_percent(gap, "#,##0.0%", locale=_locale())))
    if stats.get("stopped_by") == "coordinator":
        lines.append(_("Stopped early by a coordinator: the best plan found until then is kept."))
    elif (stats.get("stopped_early") == "stop"
          or str(stats.get("status", "")).endswith("(stopped)")):
        lines.append(_("The search was stopped early; this is the best plan found until then."))
    elif stats.get("stopped_early") == "gap":
        tolerance = stats.get("gap_tolerance")
        if isinstance(tolerance, (int, float)) and tolerance > 0:
            lines.append(_("The plan is within %(pct)s of the most points any plan can reach, "
                           "so the search ended early.",
                           pct=format_percent(tolerance, "#,##0.###%", locale=_locale())))
        else:
            lines.append(_("The plan is close enough to the most points any plan can reach, "
                           "so the search ended early."))
    replan = stats.get("replan")
    if isinstance(replan, dict) and any(replan.get(k) for k in ("kept", "repaired", "replanned")):
        lines.append(_("Of the hearings planned before, %(kept)d stay as they were, %(repaired)d "
                       "keep their time and room with other people, and %(replanned)d are "
                       "planned afresh.", kept=replan.get("kept", 0),
                       repaired=replan.get("repaired", 0), replanned=replan.get("replanned", 0)))
    repair = stats.get("repair")
    if isinstance(repair, dict) and repair:
        how = [str(v) for v in repair.values()]
        lines.append(_("Re-planned cases: %(same)d keep their time and room with other people, "
                       "%(afresh)d are planned afresh, %(unchanged)d stay as they were.",
                       same=sum(h.startswith("same slot") for h in how),
                       afresh=sum(h == "re-planned" for h in how),
                       unchanged=sum(h == "unchanged" for h in how)))
    return lines


def fairness_summary(stats: dict | None) -> list[str]:
    """The secondary aims of a run in words, from its stored `stats["fairness"]` (see
    scheduler/fairness.py): expert and counsellor loads, how soon urgent cases are heard, soft
    conflicts used. Runs without the figure (older ones) say nothing."""
    fair = (stats or {}).get("fairness")
    if not isinstance(fair, dict):
        return []
    lines = []

    def number(x: Any) -> str:
        return format_decimal(float(x or 0), "#,##0.0", locale=_locale())

    def load(group: dict[str, Any]) -> dict[str, Any]:
        return dict(max=group.get("max", 0), mean=number(group.get("mean_used")),
                    used=group["used"], eligible=group.get("eligible", 0),
                    spread=group.get("spread", 0), full=group.get("at_max", 0))

    experts = fair.get("experts") or {}
    if experts.get("used"):
        lines.append(_("Expert load: at most %(max)d hearings each, %(mean)s on average for the "
                       "%(used)d of %(eligible)d experts who sit, a difference of %(spread)d "
                       "between the busiest and the least busy; at their limit: %(full)d.",
                       **load(experts)))
    counsellors = fair.get("counsellors") or {}
    if counsellors.get("used"):
        lines.append(_("Counsellor load: at most %(max)d hearings each, %(mean)s on average for "
                       "the %(used)d of %(eligible)d counsellors who attend, a difference of "
                       "%(spread)d; at their limit: %(full)d.", **load(counsellors)))
    urgent = fair.get("urgent") or {}
    if urgent.get("cases"):
        if urgent.get("scheduled") and urgent.get("mean_delay_days") is not None:
            lines.append(_("Urgent cases (due within %(days)d days, or petitioned %(repeats)d "
                           "times or more): %(heard)d of %(total)d heard, on average %(mean)s "
                           "days after the first day they may be heard (at most %(most)d days).",
                           days=urgent.get("days", 7), repeats=urgent.get("repeats", 3),
                           heard=urgent["scheduled"], total=urgent["cases"],
                           mean=number(urgent["mean_delay_days"]),
                           most=urgent.get("max_delay_days") or 0))
        else:
            lines.append(_("Urgent cases (due within %(days)d days, or petitioned %(repeats)d "
                           "times or more): none of the %(total)d is heard.",
                           days=urgent.get("days", 7), repeats=urgent.get("repeats", 3),
                           total=urgent["cases"]))
    if "soft_conflicts" in fair:
        lines.append(_("People with a soft conflict (allowed) sit on hearings %(n)d times.",
                       n=int(fair["soft_conflicts"] or 0)))
    return lines


def run_scope_text(run: Any) -> str:
    """What a run was asked to plan, in words (not its key "all", "region:…")."""
    try:
        scope = run.inputs
    except (KeyError, TypeError, ValueError):
        return str(getattr(run, "scope_key", ""))
    if scope.kind == "all":
        return _("every case ready for planning")
    if scope.kind == "region":
        return _("the cases of %(region)s", region=wording().region(scope.region_code))
    if scope.kind == "repair":
        return ngettext("re-planning %(num)d hearing", "re-planning %(num)d hearings",
                        len(scope.release_ids) or len(scope.case_ids))
    return ngettext("%(num)d chosen case", "%(num)d chosen cases", len(scope.case_ids))


def run_error_text(error: str | None) -> str:
    """Why a run failed or stopped, in words: the run stores a short English note
    (planning.runs), recognised here by its start; anything else is shown after a plain
    sentence."""
    if not error:
        return ""
    if error.startswith("cancelled by a coordinator"):
        return _("Cancelled by a coordinator; nothing of this run was kept.")
    if error.startswith("cancelled before it started"):
        return _("Cancelled before it started.")
    found = re.match(r"the worker stopped reporting for over (\d+) s", error)
    if found:
        return _("The background worker stopped answering for over %(n)s seconds, so nothing "
                 "of this run was kept: start the plan again.", n=found.group(1))
    if error.startswith("could not hand the run to a worker"):
        return _("The background queue was not reachable, so the plan did not start: try "
                 "again shortly or tell the administrator.")
    if error.startswith("the result conflicts with hearings booked meanwhile"):
        return _("The result clashes with hearings booked meanwhile: run the plan again.")
    if error.startswith("the planner returned an invalid plan"):
        return _("The planner's result broke a rule, so nothing was kept: tell the "
                 "administrator.")
    if error.startswith("the data cannot be planned: "):
        return _("The data cannot be planned (%(detail)s): correct it and run the plan again.",
                 detail=error.removeprefix("the data cannot be planned: "))
    return _("The plan failed (%(detail)s): run it again, or tell the administrator.",
             detail=error)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["reason_text"] = lambda d: reason_text(*_split(d))
    app.jinja_env.filters["violation_text"] = violation_text
    app.jinja_env.filters["unscheduled_reasons"] = unscheduled_reasons
    app.jinja_env.filters["areas_text"] = areas_text
    app.jinja_env.filters["change_text"] = change_text
    app.jinja_env.filters["run_scope_text"] = run_scope_text
    app.jinja_env.filters["run_error_text"] = run_error_text
    app.jinja_env.globals["planner_prefetch"] = lambda *items: prefetch(items) or ""

"""English texts of the planner's structured results: a `code` and its `params` in, a sentence out.

Every `Violation` (a broken hard rule) and every `Reason` (why a case is not scheduled) carries a
stable `code` ("availability.not_working_day") and JSON-serialisable `params` holding every value
its text uses, so another renderer (the web app, in Chinese) can word it from code + params alone.
This module is the English renderer; `render(code, params)` never raises for a known code.

Conventions for params: ids are strings (`case`, `person`, `room`, `centre`, `region`), dates ISO
strings, lists stay lists (this renderer shortens long ones: "E1, E2 and 3 more"), a person's name
is `person_name` (the text shows "E0042 (Name)"), a region's display name `*_name`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def names(ids: list[str] | tuple[str, ...], limit: int = 5) -> str:
    """'E1, E2, E3, E4, E5 and 2 more'."""
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def who(person: str | None, name: str | None) -> str:
    return f"{person} ({name})" if name else str(person)


def _p(params: dict[str, Any]) -> dict[str, Any]:
    """Params as text: lists joined, `who` and `prefix` ("CASE-1: ") derived."""
    out = {k: (", ".join(map(str, v)) if isinstance(v, list | tuple) else v)
           for k, v in params.items()}
    out["who"] = who(params.get("person"), params.get("person_name"))
    out["prefix"] = f"{params['case']}: " if params.get("case") else ""
    return out


def _fmt(template: str) -> Callable[[dict[str, Any]], str]:
    return lambda params: template.format(**_p(params))


# --- violations of the hard rules --------------------------------------------------------------

def _weekday(p: dict[str, Any]) -> str:
    day = WEEKDAYS[date.fromisoformat(p["date"]).isoweekday() - 1]
    return f"{_p(p)['prefix']}{who(p['person'], p.get('person_name'))} does not work on " \
        f"{day}s ({p['date']})"


def _travel(p: dict[str, Any]) -> str:
    serves = ", ".join(p["person_region_names"]) or "nowhere"
    return f"{_p(p)['prefix']}{who(p['person'], p.get('person_name'))} does not serve " \
        f"{p['region_name']} (serves {serves})"


def _pinned_changed(p: dict[str, Any]) -> str:
    return (f"{p['case']}: the fixed hearing was changed (fixed: {p['fixed_date']} "
            f"{p['fixed_session']} room {p['fixed_room']} panel {', '.join(p['fixed_panel'])} "
            f"counsellor {p['fixed_counsellor']})")


VIOLATIONS: dict[str, Callable[[dict[str, Any]], str]] = {
    # rule 1
    "panel.unknown_person": _fmt("{case}: unknown person {person!r}"),
    "panel.not_expert": _fmt("{case}: {who} does not have the role expert"),
    "panel.size": _fmt("{case}: the panel has {distinct} distinct people, it needs exactly "
                       "{panel_size}"),
    "panel.chair_not_member": _fmt("{case}: chair {person} is not on the panel"),
    # rule 2
    "expertise.not_covered": _fmt("{case}: the panel does not cover {missing}"),
    # rule 3
    "counsellor.not_counsellor": _fmt("{case}: {who} does not have the role counsellor"),
    "counsellor.missing": _fmt("{case}: needs a counsellor and has none"),
    "counsellor.not_needed": _fmt("{case}: does not need a counsellor but has {person}"),
    "counsellor.on_panel": _fmt("{case}: counsellor {who} is also on the panel"),
    # rule 4
    "conflict.member": _fmt("{case}: {who} belongs to {organisation}, an organisation in the "
                            "case"),
    "conflict.hard_organisation": _fmt("{case}: {who} has a hard conflict with organisation "
                                       "{organisation} ({reason})"),
    "conflict.hard_case": _fmt("{case}: {who} has a hard conflict with the case ({reason})"),
    # rule 5
    "availability.not_working_day": _weekday,
    "availability.unavailable": _fmt("{prefix}{who} is unavailable on {date} {session}"),
    # rule 6
    "double_booking.person": _fmt("{case}: {who} already attends {others} on {date} {session}"),
    "double_booking.room": _fmt("{case}: room {room} already holds {others} on {date} "
                                "{session}"),
    "double_booking.person_clash": _fmt("{who} attends {cases} at once on {date} {session}"),
    "double_booking.room_clash": _fmt("room {room} holds {cases} at once on {date} {session}"),
    # rule 7
    "load.max_per_day": _fmt("{prefix}{who} would attend {count} hearings on {date} "
                             "(max_per_day {limit})"),
    "load.max_hearings": _fmt("{prefix}{who} would attend {count} hearings (max_hearings "
                              "{limit})"),
    "load.max_per_day_exceeded": _fmt("{who} attends {count} hearings on {date} (max_per_day "
                                      "{limit})"),
    "load.max_hearings_exceeded": _fmt("{who} attends {count} hearings (max_hearings {limit})"),
    # rule 8
    "room.unknown": _fmt("{case}: unknown room {room!r}"),
    "room.too_small": _fmt("{case}: room {room} ({room_name}, {centre_name}) seats {capacity}, "
                           "the hearing needs {seats}"),
    "room.centre_closed": _fmt("{case}: {centre_name} is closed on {date}"),
    "room.centre_mismatch": _fmt("{case}: room {room} is in centre {room_centre}, not {centre}"),
    # rule 9
    "travel.centre_region": _fmt("{case}: {centre_name} ({centre_region_name}) does not serve "
                                 "{case_region_name}"),
    "travel.person_region": _travel,
    # rule 10
    "time.too_early": _fmt("{case}: {date} is before {first}, the first allowed date"),
    "time.too_late": _fmt("{case}: {date} is after {last}, the last allowed date"),
    "time.unknown_session": _fmt("{case}: unknown session {session!r}"),
    "time.in_past": _fmt("{case}: {date} is in the past (today is {today})"),
    # rule 11
    "pinned.missing": _fmt("{case}: the fixed hearing on {date} {session} is missing from the "
                           "plan"),
    "pinned.changed": _pinned_changed,
    # rule 12
    "accounted.unknown_case": _fmt("unknown case {case!r}"),
    "accounted.unknown_unscheduled": _fmt("unscheduled lists unknown case {case!r}"),
    "accounted.duplicate": _fmt("{case} is scheduled {count} times"),
    "accounted.no_reason": _fmt("{case} is unscheduled with no reason"),
    "accounted.both": _fmt("{case} is both scheduled and unscheduled"),
    "accounted.unaccounted": _fmt("{case} is neither scheduled nor listed as unscheduled"),
}


# --- reasons a case is not scheduled -----------------------------------------------------------

def _barred(groups: list[dict[str, Any]]) -> str:
    """'2 have a conflict with Ning'an Town Government; 1 belong to Company 4'."""
    parts = []
    for g in groups:
        if g["code"] == "conflict.member":
            cause = f"belong to {g['organisation']}"
        elif g["code"] == "conflict.hard_organisation":
            cause = f"have a conflict with {g['organisation']}"
        elif g["code"] == "conflict.hard_case":
            cause = f"have a hard conflict with the case ({g['reason']})"
        else:  # any other rule that bars people from a case
            cause = f"are barred ({g['code']})"
        parts.append(f"{g['count']} {cause}")
    return "; ".join(parts)


def _empty_window(p: dict[str, Any]) -> str:
    return (f"its date window is empty: the earliest allowed date {p['first']} (horizon start, "
            f"accepted_on {p['accepted_on']}, earliest {p['earliest'] or '-'}) is after the last "
            f"allowed date {p['last']} (horizon end, due_by {p['due_by']})")


def _no_expert(p: dict[str, Any]) -> str:
    detail = []
    if p["barred"]:
        detail.append(_barred(p["barred"]))
    if p["far"]:
        detail.append(f"{len(p['far'])} do not travel to a centre serving {p['region_name']} "
                      f"with a {p['seats']}-seat room ({names(p['far'])})")
    return (f"no conflict-free expert in `{p['area']}` serves {p['region_name']} "
            f"({'; '.join(detail)})")


def _no_counsellor(p: dict[str, Any]) -> str:
    if p["barred"]:
        detail = _barred(p["barred"])
    elif p["counsellors_in_roster"]:
        detail = "none travels there"
    else:
        detail = "the roster has no counsellor"
    return f"needs a counsellor and no conflict-free counsellor serves {p['region_name']} " \
        f"({detail})"


def _no_expert_available(p: dict[str, Any]) -> str:
    missing = ", ".join(f"`{m['area']}` ({names(m['people'])})" for m in p["missing"])
    return (f"no expert in {missing} is available on a date between {p['first']} and "
            f"{p['last']} when a centre serving {p['region_name']} with a big enough room is open")


def _never_together(p: dict[str, Any]) -> str:
    return (f"no date and session between {p['first']} and {p['last']} has a suitable open room "
            f"and {p['panel_size']} available experts covering {', '.join(p['areas'])}"
            + (" plus a counsellor" if p["needs_counsellor"] else "") + " at the same time")


def _pinned_blocks(p: dict[str, Any]) -> str:
    return f"pinned (fixed) hearings take what it needs: {render(p['code'], p['params'])}"


# The people a "fully booked" reason names (`explain` lists these in its params, and counts all)
PEOPLE_NAMED = 6


def _people_booked(p: dict[str, Any]) -> str:
    label = "counselling" if p["area"] is None else f"`{p['area']}`"
    detail = []
    for q in p["people"][:PEOPLE_NAMED]:
        what = f"max_hearings {q['max_hearings']} reached" if q["full"] else "busy"
        detail.append(f"{q['person']} ({what}: {names(q['cases'], 3)})")
    # plans before `people_total` listed everyone
    more = p.get("people_total", len(p["people"])) - PEOPLE_NAMED
    return (f"eligible people for {label} are fully booked between {p['first']} and {p['last']} "
            f"by the cases scheduled instead: {'; '.join(detail)}"
            + (f" and {more} more" if more > 0 else ""))


def _not_together(p: dict[str, Any]) -> str:
    text = (f"fits on its own, but no date and session between {p['first']} and {p['last']} has "
            f"a free room and {p['panel_size']} free experts covering {', '.join(p['areas'])}"
            + (" and a free counsellor" if p["needs_counsellor"] else "")
            + " at the same time once the other cases are placed")
    if p["busy"]:
        text += f"; experts at their max_hearings: {names(p['busy'])}"
        text += f" (held by {names(p['held_by'], 5)})"
    return text


REASONS: dict[str, Callable[[dict[str, Any]], str]] = {
    "time.empty_window": _empty_window,
    "travel.no_centre": _fmt("no mediation centre serves {region_name}: add a centre in "
                             "{region_name} or above it"),
    "room.too_small_everywhere": _fmt("every room at centres serving {region_name} is smaller "
                                      "than {seats} seats ({attendees} attendees + panel + "
                                      "counsellor; the largest has {largest})"),
    "room.none_open": _fmt("no centre serving {region_name} with a room of {seats}+ seats is "
                           "open between {first} and {last}"),
    "expertise.not_in_roster": _fmt("no expert in the roster has expertise in `{area}`"),
    "expertise.no_eligible_expert": _no_expert,
    "panel.too_few_experts": lambda p: (
        f"only {p['count']} conflict-free experts serve {p['region_name']} "
        f"({names(p['experts'])}); a panel needs {p['panel_size']}"),
    "expertise.no_cover": _fmt("no {panel_size} conflict-free experts serving {region_name} "
                               "together cover {areas}"),
    "counsellor.none_eligible": _no_counsellor,
    "availability.no_expert_available": _no_expert_available,
    "availability.no_counsellor_available": lambda p: (
        f"no eligible counsellor ({names(p['counsellors'])}) is available between {p['first']} "
        f"and {p['last']} when a suitable centre is open"),
    "availability.never_together": _never_together,
    "pinned.blocks": _pinned_blocks,
    "load.people_booked": _people_booked,
    "double_booking.rooms_taken": lambda p: (
        f"every room of {p['seats']}+ seats at centres serving {p['region_name']} is taken on "
        f"every open date between {p['first']} and {p['last']}, by {names(p['cases'], 8)}"),
    "load.area_oversubscribed": _fmt("`{area}` is oversubscribed: {demand} cases need it, the "
                                     "experts having it can sit at most {supply} hearings in "
                                     "all"),
    "accounted.not_together": _not_together,
    "accounted.lower_priority": _fmt("fits on its own but was left out for higher-priority "
                                     "cases"),
}

TEMPLATES = {**VIOLATIONS, **REASONS}


def render(code: str, params: dict[str, Any]) -> str:
    """The English text of a violation or reason code with its params."""
    return TEMPLATES[code](params)

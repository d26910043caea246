"""Every cross-feature signal, in one place (core layer: anyone may import it).

Signals are blinker signals (Flask's own signalling library). An emitter calls
``signal.send(sender, **payload)`` inside its transaction; subscribers run synchronously in the
same transaction and must only flush, never commit. Subscribers are connected at app start-up
by each feature's ``init_app`` (called by ``mediation.create_app``), never as an import side
effect. docs/architecture.md ("Signals") lists who emits and who subscribes.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

hearing_published = _signals.signal("hearing-published", doc="""\
A proposal entered the schedule of record (layer 0, status published).

Sender: the Hearing (flushed, SEQUENCE and LAST-MODIFIED set).
Payload: ``previous_attendee_ids`` (empty set), ``before`` (None: attendees saw nothing yet).
Emitted by: mediation.hearings.lifecycle. Subscribers: calendar (queues REQUEST invites), cases
(an accepted case goes into handling).
""")

hearing_changed = _signals.signal("hearing-changed", doc="""\
What attendees of a published hearing see changed (time, place names or address, a person or
a role); SEQUENCE was raised and ``last_modified_at`` set. Never sent for a pin or an internal
change.

Sender: the Hearing (flushed).
Payload: ``previous_attendee_ids`` (set of person ids who attended before the change),
``before`` (the attendee-visible snapshot before: date, session, starts/ends, room, centre,
address, members with roles, status, sequence; see mediation.hearings.lifecycle.seen).
Emitted by: mediation.hearings.lifecycle. Subscribers: calendar (REQUEST to attendees, CANCEL
to people removed); notices (a new version of the hearing's current notice, if it has one).
""")

hearing_cancelled = _signals.signal("hearing-cancelled", doc="""\
A published hearing was cancelled (kept in layer 0 with status cancelled, SEQUENCE raised).

Sender: the Hearing (flushed). Payload: ``previous_attendee_ids``, ``before`` (as above).
Emitted by: mediation.hearings.lifecycle. Subscribers: calendar (CANCEL to every attendee);
notices (a cancellation notice replaces the hearing's current notice, if it has one).
""")

case_left_planning = _signals.signal("case-left-planning", doc="""\
A case left planning (transferred, referred, not accepted, resolved, terminated).

Sender: the Case. Payload: ``action`` (the workflow action's code: transfer, refer…),
``note`` (the coordinator's words, or ""), ``user`` (who did it, or None). Codes, not text:
each reader words them in their own language.
Emitted by: mediation.cases.services. Subscribers: planning (drops the case's proposals as
unscheduled with the reason and cancels its published hearings from today on).
""")

place_changed = _signals.signal("place-changed", doc="""\
Rooms or a centre were renamed or their address changed (what a LOCATION shows).

Sender: the Centre. Payload: ``room_ids`` (list of room ids affected; every room of the centre
for a centre change), ``centre_id``.
Emitted by: mediation.centres.services. Subscribers: hearings (raises SEQUENCE of every current
published hearing whose visible place changed, which sends ``hearing_changed``).
""")

run_finished = _signals.signal("run-finished", doc="""\
A plan run ended (succeeded, failed or cancelled) and its result is committed.

Sender: the PlanRun. Payload: ``status``.
Emitted by: mediation.planning.runs. Subscribers: none yet (dashboards may listen).
""")

plan_published = _signals.signal("plan-published", doc="""\
A run's proposal was published into the schedule of record (inside the transaction).

Sender: the PlanRun. Payload: ``counts`` (dict change kind → number), ``user``.
Emitted by: mediation.planning.publish. Subscribers: none yet.
""")

invites_preview = _signals.signal("invites-preview", doc="""\
Publishing is about to be confirmed: how many emails would these hearing changes send?

Sender: the PlanRun. Payload: ``changes`` (list of dicts: ``kind`` "published" / "updated" /
"cancelled", ``members`` [(person id, role)] after the change, ``previous_attendee_ids``,
``before`` (what attendees saw, or None), ``now_seen`` (what they would see)). Each subscriber
returns a number; nothing is written.
Emitted by: mediation.planning.publish.preview. Subscribers: calendar (counts the invites it
would queue, with the code that queues them).
""")

person_page_sections = _signals.signal("person-page-sections", doc="""\
The person page (roster, a lower layer) is being rendered: higher features may add a section.

Sender: the Person. Payload: none. Each subscriber returns an HTML fragment (Markup, rendered
by its own template) or None; the page shows the fragments in the order returned.
Emitted by: mediation.roster.views (show). Subscribers: hearings (the person's hearings, role,
outcome and load).
""")

hearing_declined = _signals.signal("hearing-declined", doc="""\
Someone on a published hearing declined it (recorded as a declared hard conflict with the case).

Sender: the Hearing. Payload: ``person`` (the Person), ``reason`` (text, may be empty),
``channel`` ("page", "email" or "coordinator"), ``user`` (the coordinator, or None).
Emitted by: mediation.planning.edits.decline. Subscribers: attendance (keeps the answer);
calendar (emails the case's coordinators unless a coordinator recorded it).
""")

__all__ = ["case_left_planning", "hearing_cancelled", "hearing_changed", "hearing_declined",
           "hearing_published", "invites_preview", "person_page_sections", "place_changed",
           "plan_published", "run_finished"]

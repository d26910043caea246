"""Calendar pages: the public feed URL, feed-link management, the outbox. Views are thin."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.http import http_date

from mediation.attendance.services import person_by_token, person_hearing
from mediation.auth.access import can_see_region
from mediation.auth.permissions import can_edit, editor_required, region_scope, signed_in
from mediation.calendar import redact
from mediation.calendar.events import vevent
from mediation.calendar.feeds import cached_feed
from mediation.calendar.ical import new_calendar, to_bytes
from mediation.calendar.kinds import KINDS
from mediation.calendar.links import feed_url, person_page_url, webcal_url
from mediation.calendar.listing import (
    LINK_STATES,
    PERSON_ROLES,
    live_person_links,
    outbox_counts,
    outbox_statement,
    people_statement,
    scoped_outbox,
)
from mediation.calendar.mail import outbox_dir, retry_now
from mediation.calendar.models import MESSAGE_STATUSES, OutboxMessage
from mediation.calendar.services import (
    FeedError,
    find_by_token,
    live_token,
    note_content,
    revoke_token,
    rotate_token,
    token_of,
)
from mediation.centres.models import Centre
from mediation.extensions import db
from mediation.hearings.models import Hearing
from mediation.hearings.queries import in_schedule
from mediation.web import paginate, public, safe_next

bp = Blueprint("calendar", __name__)
bp.record_once(lambda state: redact.install(state.app))


# --- the feed itself ------------------------------------------------------------------------


@bp.route("/feeds/<token>.ics")
@public
def feed(token: str):
    """A subscription feed. Unknown and revoked tokens get the same 404."""
    row = find_by_token(token)
    if row is None:
        abort(404)
    feed = cached_feed(row)
    last_modified = note_content(row, feed.etag)
    db.session.commit()
    # gzip when the client accepts it (a different representation: its own strong ETag).
    gzipped = request.accept_encodings["gzip"] > 0
    etag = f"{feed.etag}-gz" if gzipped else feed.etag
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": http_date(last_modified),
        "Cache-Control": "private, no-cache",
        "Vary": "Accept-Encoding",
    }
    if _not_modified(etag, last_modified):
        return Response(status=304, headers=headers)
    response = Response(feed.gzipped if gzipped else feed.body, status=200, headers=headers,
                        content_type="text/calendar; charset=utf-8")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Disposition"] = 'inline; filename="hearings.ics"'
    return response


def _not_modified(etag: str, last_modified) -> bool:
    # RFC 9110 §13.1.3: If-None-Match wins; If-Modified-Since counts only without it.
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return since is not None and last_modified.replace(microsecond=0) <= since


@bp.route("/calendar/hearings/<uid>")
@signed_in
def hearing(uid: str):
    """Where a feed or invite links: the hearing's page in the app (sign-in required)."""
    found = db.session.scalar(
        sa.select(Hearing).where(Hearing.uid == uid, in_schedule()))
    if found is None:
        abort(404)
    return redirect(url_for("planning.show_hearing", hearing_id=found.id))


@bp.route("/p/<token>/hearings/<int:hearing_id>.ics")
@public
def person_hearing_ics(token: str, hearing_id: int):
    """One hearing of a person's own page (mediation.attendance) as an .ics download; the page
    link's token is the credential (same 404 for unknown, revoked, malformed, not theirs)."""
    person = person_by_token(token)
    hearing = person_hearing(person, hearing_id) if person is not None else None
    if hearing is None:
        abort(404)
    role = next(m.role for m in hearing.members if m.person_id == person.id)
    with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        calendar = new_calendar()
        calendar.add_component(vevent(hearing, dtstamp=hearing.last_modified_at
                                      or hearing.updated_at, role=role,
                                      page_url=person_page_url(token)))
        body = to_bytes(calendar)
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="hearing-{hearing.id}.ics"')
    response.headers["Cache-Control"] = "no-store"
    return response


# --- managing links -------------------------------------------------------------------------


@bp.app_template_global("person_feed_box")
def person_feed_box(person) -> dict | None:
    """The person page's feed link box (roster sits below calendar and does not import it), for
    editors of every region only: the link opens the person's hearings, in every region, to
    anyone who has it."""
    return feed_box("person", person) if can_edit() and _sees_every_region() else None


def _sees_every_region() -> bool:
    return region_scope(current_user) is None


def feed_box(kind: str, target) -> dict:
    """What a page needs to show one feed link (the person page includes calendar/_feed.html)."""
    return _box(kind, target, live_token(kind, target))


def _box(kind: str, target, row) -> dict:
    token = token_of(row) if row is not None else None
    return {"kind": kind, "target": target, "row": row,
            "url": feed_url(token) if token else None,
            "webcal": webcal_url(token) if token else None,
            "unshowable": row is not None and token is None}


def _target_or_404(kind: str, target_id: int):
    feed_kind = KINDS.get(kind)
    if feed_kind is None:
        abort(404)
    target = db.session.get(feed_kind.model, target_id)
    if target is None:
        abort(404)
    # A coordinator's feed is their own: nobody else may see or replace its link.
    if feed_kind.owner_only and target.id != current_user.id:
        abort(403)
    # A person's feed shows their hearings in every region: not for a region-limited user.
    if feed_kind.all_regions and not _sees_every_region():
        abort(403)
    # Rooms and centres outside a region-limited coordinator's regions do not exist for them.
    if feed_kind.region_bound and not can_see_region(current_user, feed_kind.region_id(target)):
        abort(404)
    return target


def _back(default: str) -> str:
    return safe_next(request.form.get("next"), default)


@bp.route("/calendar/feeds/<kind>/<int:target_id>/rotate", methods=["POST"])
@editor_required
def rotate(kind: str, target_id: int):
    target = _target_or_404(kind, target_id)
    had_link = live_token(kind, target) is not None
    try:
        rotate_token(kind, target, by=current_user)
    except FeedError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("New feed link made: the old one no longer works.") if had_link
              else _("Feed link made."), "ok")
    return redirect(_back(url_for("calendar.feeds")))


@bp.route("/calendar/feeds/<kind>/<int:target_id>/revoke", methods=["POST"])
@editor_required
def revoke(kind: str, target_id: int):
    target = _target_or_404(kind, target_id)
    try:
        done = revoke_token(kind, target, by=current_user)
    except FeedError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Feed link revoked: it no longer works.") if done
              else _("There was no feed link to revoke."), "ok")
    return redirect(_back(url_for("calendar.feeds")))


FEEDS_PER_PAGE = 25
OUTBOX_PER_PAGE = 25


@bp.route("/calendar/feeds")
@editor_required
def feeds():
    """The signed-in coordinator's own feed, the feeds of centres and rooms, and the people's
    feed links as a paged table (filter by name or code, role, with or without a link)."""
    query = sa.select(Centre).options(selectinload(Centre.rooms)).order_by(Centre.code)
    scope = region_scope(current_user)
    if scope is not None:
        query = query.where(Centre.region_id.in_(sorted(scope) or [-1]))
    centres = list(db.session.scalars(query))
    boxes = {("centre", c.id): feed_box("centre", c) for c in centres}
    boxes.update({("room", r.id): feed_box("room", r) for c in centres for r in c.rooms})
    filters = {"q": request.args.get("q", "")[:64].strip(),
               "role": request.args.get("role") if request.args.get("role") in PERSON_ROLES
               else "",
               "link": request.args.get("link") if request.args.get("link") in LINK_STATES
               else ""}
    people = paginate(people_statement(text=filters["q"], role=filters["role"] or None,
                                       link=filters["link"] or None), FEEDS_PER_PAGE)
    person_boxes = None  # people's links show every region's hearings: not for a limited user
    if _sees_every_region():
        links = live_person_links(people.items)
        person_boxes = {p.id: _box("person", p, links.get(p.id)) for p in people.items}
    return render_template("calendar/feeds.html", mine=feed_box("coordinator", current_user),
                           centres=centres, boxes=boxes, people=people,
                           person_boxes=person_boxes, filters=filters, roles=PERSON_ROLES,
                           filter_args={k: v for k, v in filters.items() if v},
                           linked_rooms={target_id for (kind, target_id), box in boxes.items()
                                         if kind == "room" and box["row"] is not None})


# --- the outbox -----------------------------------------------------------------------------


@bp.route("/calendar/outbox")
@editor_required
def outbox():
    """Every email invite the viewer may see, newest first, paged; by status and by person."""
    status = request.args.get("status")
    if status not in MESSAGE_STATUSES:
        status = None
    person = request.args.get("person", "")[:64].strip()
    scope = region_scope(current_user)
    page = paginate(outbox_statement(scope, status=status, person=person), OUTBOX_PER_PAGE)
    return render_template(
        "calendar/outbox.html", page=page, status=status, person=person,
        statuses=MESSAGE_STATUSES, counts=outbox_counts(scope, person=person),
        smtp_host=current_app.config.get("SMTP_HOST"), folder=str(outbox_dir()))


def _scoped(query):
    """Messages about hearings of cases in the user's regions (all for an unlimited user)."""
    return scoped_outbox(query, region_scope(current_user))


def _message_or_404(message_id: int) -> OutboxMessage:
    message = db.session.scalar(_scoped(sa.select(OutboxMessage)
                                        .where(OutboxMessage.id == message_id)))
    return message or abort(404)


@bp.route("/calendar/outbox/<int:message_id>.eml")
@editor_required
def message_file(message_id: int):
    message = _message_or_404(message_id)
    response = Response(message.message.encode("utf-8"), content_type="message/rfc822")
    response.headers["Content-Disposition"] = f'attachment; filename="{message.id:08d}.eml"'
    return response


@bp.route("/calendar/outbox/<int:message_id>/retry", methods=["POST"])
@editor_required
def retry(message_id: int):
    message = _message_or_404(message_id)
    try:
        retry_now(message)
    except ValueError:
        flash(_("Only a failed message with an address can be sent again."), "error")
    else:
        db.session.commit()
        flash(_("Message %(id)s will be sent again shortly.", id=message.id), "ok")
    return redirect(_back(url_for("calendar.outbox", status=request.args.get("status"))))

"""The expert's page (public, by secret link) and the coordinators' link management.

The page needs no account and no session: the token in the URL is the credential. Its answer
form carries a signed nonce bound to the link and the hearing (CSRF protection without a
session cookie); Flask-WTF's session-based check is exempted for that one view.
"""

from __future__ import annotations

from email.utils import parseaddr

from flask import (
    Blueprint,
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
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeTimedSerializer

from mediation.attendance import services
from mediation.attendance.models import RESPONSES
from mediation.auth.access import can_see
from mediation.auth.permissions import EDITORS, can_edit, region_scope, role_required
from mediation.extensions import csrf, db
from mediation.roster.models import Person
from mediation.web import public

bp = Blueprint("attendance", __name__)

NONCE_MAX_AGE = 7 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt="mediation.attendance.answer-form.v1")


def _binding(token: str, hearing_id: int) -> str:
    return f"{services.hash_token(token)[:32]}:{hearing_id}"


def make_nonce(token: str, hearing_id: int) -> str:
    return _serializer().dumps(_binding(token, hearing_id))


def nonce_ok(nonce: str, token: str, hearing_id: int) -> bool:
    try:
        value = _serializer().loads(nonce or "", max_age=NONCE_MAX_AGE)
    except BadData:
        return False
    return value == _binding(token, hearing_id)


def _locale(person: Person) -> str:
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _coordinator_contact() -> dict:
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    return {"name": name, "email": address,
            "phone": current_app.config.get("MEDIATION_OFFICE_PHONE") or ""}


def _page(token: str, person: Person, *, errors: dict | None = None, status: int = 200):
    locale = _locale(person)
    with force_locale(locale):
        items = services.page_hearings(person)
        body = render_template("attendance/page.html", person=person, token=token, items=items,
                               locale=locale, errors=errors or {}, contact=_coordinator_contact(),
                               nonce=lambda hid: make_nonce(token, hid),
                               messages=request.args.get("done"))
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/p/<token>")
@public
def page(token: str):
    """The person's hearings. Unknown, revoked and malformed links get the same 404."""
    person = services.person_by_token(token)
    if person is None:
        abort(404)
    return _page(token, person)


@bp.route("/p/<token>/hearings/<int:hearing_id>/answer", methods=["POST"])
@public
@csrf.exempt
def answer(token: str, hearing_id: int):
    # The form's signed nonce is checked first, as CSRFProtect checks its token: a forged or
    # stale form gets the app's CSRF refusal (400), whether or not the link is valid.
    if not nonce_ok(request.form.get("nonce", ""), token, hearing_id):
        raise CSRFError(_("The form's security check (CSRF) failed: it has expired or did "
                          "not come from your page. Reload the page and answer again."))
    person = services.person_by_token(token)
    if person is None:
        abort(404)
    hearing = services.person_hearing(person, hearing_id)
    if hearing is None:
        abort(404)
    response = request.form.get("response", "")
    if response not in RESPONSES:
        abort(400)
    lang = _locale(person)
    with force_locale(lang):
        try:
            services.respond(hearing, person, response, request.form.get("reason", ""))
        except services.AttendanceError as exc:
            db.session.rollback()
            return _page(token, person, errors={hearing_id: str(exc)}, status=422)
    db.session.commit()
    return redirect(url_for("attendance.page", token=token, lang=request.args.get("lang"),
                            done=response) + f"#h{hearing_id}", code=303)


# --- for coordinators -----------------------------------------------------------------------


@bp.app_template_global("person_page_box")
def person_page_box(person) -> dict | None:
    """The person page's box with their page link (editors of every region only: the page
    shows the person's hearings in every region)."""
    if not can_edit() or region_scope(current_user) is not None:
        return None
    row = services.live_link(person)
    token = services.token_of(row)
    return {"person": person, "row": row, "url": _link_url(token) if token else None,
            "unshowable": row is not None and token is None}


def _link_url(token: str) -> str:
    base = current_app.config.get("MEDIATION_BASE_URL")
    path = url_for("attendance.page", token=token)
    if base:
        return base + path
    return request.url_root.rstrip("/") + path


def _person_or_404(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    return person


@bp.route("/attendance/people/<int:person_id>/link/rotate", methods=["POST"])
@role_required(*EDITORS, all_regions=True)
def rotate(person_id: int):
    person = _person_or_404(person_id)
    had = services.live_link(person) is not None
    services.rotate_link(person, by=current_user)
    db.session.commit()
    flash(_("New page link made: the old one no longer works.") if had
          else _("Page link made."), "ok")
    return redirect(url_for("roster.show", person_id=person.id) + "#page-link")


@bp.route("/attendance/people/<int:person_id>/link/revoke", methods=["POST"])
@role_required(*EDITORS, all_regions=True)
def revoke(person_id: int):
    person = _person_or_404(person_id)
    done = services.revoke_link(person, by=current_user)
    db.session.commit()
    flash(_("Page link revoked: it no longer works.") if done
          else _("There was no page link to revoke."), "ok")
    return redirect(url_for("roster.show", person_id=person.id) + "#page-link")


@bp.app_template_global("hearing_answers")
def hearing_answers(hearing) -> services.HearingAnswers:
    return services.hearing_answers(hearing)


@bp.app_template_global("declines_needing_attention")
def declines_needing_attention() -> list:
    if not can_edit():
        return []
    return services.needing_attention(lambda h: can_see(current_user, h))

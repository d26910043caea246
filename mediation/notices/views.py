"""Notice pages: generate from the case page, download (region-checked, audited)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mediation.audit.services import record
from mediation.auth.access import require_visible
from mediation.auth.permissions import editor_required, signed_in
from mediation.cases.models import Case
from mediation.extensions import db
from mediation.forms import Form
from mediation.hearings.models import Hearing
from mediation.notices import services
from mediation.notices.models import Notice
from mediation.storage import StorageError

bp = Blueprint("notices", __name__, url_prefix="/notices")


@bp.app_template_global("case_notices")
def _case_notices(case: Case) -> dict:
    """For the case page (cases sits below notices): the notices and what can be generated."""
    return {"notices": services.notices_for_case(case),
            "hearings": services.published_hearings(case),
            "labels": services.KIND_LABELS, "form": Form(formdata=None)}


def _back(case: Case):
    return redirect(url_for("cases.show", case_id=case.id) + "#notices")


@bp.route("/cases/<int:case_id>/hearings/<int:hearing_id>", methods=["POST"])
@editor_required
def hearing_notice(case_id: int, hearing_id: int):
    case = require_visible(db.session.get(Case, case_id))
    hearing = db.session.get(Hearing, hearing_id)
    if hearing is None or hearing.case_id != case.id:
        abort(404)
    if not Form().validate_on_submit():
        abort(400)
    if not services.can_generate_hearing_notice(hearing):
        flash(_("A hearing notice is only for a published hearing."), "error")
        return _back(case)
    notice = services.generate_hearing_notice(hearing, current_user)
    db.session.commit()
    flash(_("Hearing notice generated (version %(n)s).", n=notice.version), "success")
    return _back(case)


@bp.route("/cases/<int:case_id>/reply", methods=["POST"])
@editor_required
def written_reply(case_id: int):
    case = require_visible(db.session.get(Case, case_id))
    if not Form().validate_on_submit():
        abort(400)
    try:
        notice = services.generate_written_reply(case, current_user)
    except services.NoticeError as exc:
        flash(str(exc.message), "error")
        return _back(case)
    db.session.commit()
    flash(_("Written reply generated (version %(n)s).", n=notice.version), "success")
    return _back(case)


@bp.route("/<int:notice_id>/download")
@signed_in
def download(notice_id: int):
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        abort(404)
    require_visible(notice.case)  # another region's notice: 404
    try:
        data = services.read(notice)
    except StorageError:
        abort(404)
    record("notice.download", notice, summary=notice.case.reference,
           after={"kind": notice.kind, "version": notice.version})
    db.session.commit()
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{services.download_name(notice)}"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})

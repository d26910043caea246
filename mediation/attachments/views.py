"""Attachments: upload on the case page (editors), download (anyone who may see the case,
audited), delete with a reason (editors, audited). Views are thin; the checks are in services."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mediation import storage
from mediation.attachments import services
from mediation.attachments.forms import DeleteForm, UploadForm
from mediation.attachments.models import Attachment
from mediation.auth.access import require_visible
from mediation.auth.permissions import editor_required, signed_in
from mediation.cases.models import Case
from mediation.extensions import db

bp = Blueprint("attachments", __name__, url_prefix="/attachments")


@bp.app_template_global("case_attachments")
def _case_attachments(case: Case) -> list[Attachment]:
    return services.for_case(case)


@bp.app_template_global("attachment_type_label")
def _type_label(content_type: str) -> str:
    return services.type_label(content_type)


@bp.app_template_global("attachment_forms")
def _forms() -> dict:
    return {"upload": UploadForm(formdata=None), "delete": DeleteForm(formdata=None)}


def _back(case_id: int):
    return redirect(url_for("cases.show", case_id=case_id) + "#attachments")


@bp.errorhandler(413)
def _too_large(_exc):
    db.session.rollback()
    flash(_("The file is larger than %(mb)s MB; nothing was stored.",
            mb=services.max_bytes() // (1024 * 1024)), "error")
    case_id = (request.view_args or {}).get("case_id")
    return _back(case_id) if case_id else ("", 413)


@bp.route("/case/<int:case_id>", methods=["POST"])
@editor_required
def upload(case_id: int):
    case = require_visible(db.session.get(Case, case_id))
    form = UploadForm()
    if not form.validate_on_submit():
        flash("; ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return _back(case.id)
    upload = form.file.data
    data = upload.stream.read(services.max_bytes() + 1)
    try:
        stored = services.add(case, data, upload.filename, current_user, form.note.data)
    except services.AttachmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(case.id)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        services.discard(stored.key)
        raise
    flash(_("Attached %(name)s.", name=stored.attachment.filename), "success")
    return _back(case.id)


@bp.route("/<int:attachment_id>")
@signed_in
def download(attachment_id: int):
    attachment = require_visible(db.session.get(Attachment, attachment_id))
    try:
        data = services.read(attachment)
    except storage.StorageError:
        abort(404)
    services.record_download(attachment)
    db.session.commit()
    response = send_file(io.BytesIO(data), mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, max_age=0, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:attachment_id>/delete", methods=["POST"])
@editor_required
def delete(attachment_id: int):
    attachment = require_visible(db.session.get(Attachment, attachment_id))
    case_id = attachment.case_id
    form = DeleteForm()
    if not form.validate_on_submit():
        flash("; ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return _back(case_id)
    name = attachment.filename
    key = services.delete(attachment, form.reason.data)
    db.session.commit()
    services.discard(key)  # the row is gone for good: now the file
    flash(_("Deleted %(name)s.", name=name), "success")
    return _back(case_id)

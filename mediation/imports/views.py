"""Imports and exports pages. Views are thin: the work is in `services.py`.

An uploaded file is kept between preview and commit as a temporary file under the instance
folder, named by a random token and bound to the user who uploaded it; the commit re-reads and
re-validates it, so what is written is exactly what the preview showed.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from datetime import timedelta
from pathlib import Path

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
from flask_babel import gettext as _
from flask_login import current_user

import scheduler
from mediation import bounded_json, spreadsheets
from mediation.audit.services import record
from mediation.auth.permissions import EDITORS, role_required, signed_in
from mediation.exchange.services import export_scenario, import_scenario
from mediation.extensions import db
from mediation.imports import audit_words, services
from mediation.timeutil import local_today, parse_day

bp = Blueprint("imports", __name__, url_prefix="/imports")

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
UPLOAD_TTL = 2 * 3600  # seconds an uploaded file waits for its commit


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _clean_old_uploads(folder: Path) -> None:
    cutoff = time.time() - UPLOAD_TTL
    for item in folder.glob("*.upload"):
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink()
                item.with_suffix(".json").unlink(missing_ok=True)
        except OSError:  # pragma: no cover - a concurrent clean-up
            pass


def _store_upload(data: bytes, kind: str, filename: str) -> str:
    folder = _upload_dir()
    _clean_old_uploads(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.upload").write_bytes(data)
    meta = {"kind": kind, "filename": filename, "user_id": current_user.id}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def _load_upload(token: str) -> tuple[bytes, dict]:
    if not TOKEN_RE.match(token or ""):
        abort(400)
    folder = _upload_dir()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.upload").read_bytes()
    except (OSError, ValueError):
        abort(410)
    if meta.get("user_id") != current_user.id:
        abort(403)
    return data, meta


def _drop_upload(token: str) -> None:
    folder = _upload_dir()
    (folder / f"{token}.upload").unlink(missing_ok=True)
    (folder / f"{token}.json").unlink(missing_ok=True)


def _read_file_field(name: str = "file") -> tuple[bytes | None, str, str | None]:
    """The uploaded bytes (None and a message on failure) and the file name."""
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        return None, "", _("Choose a file to upload.")
    max_bytes = spreadsheets.Limits.current().max_bytes
    try:
        data = upload.stream.read(max_bytes + 1)
    finally:
        upload.close()  # large uploads are spooled to a temporary file
    if len(data) > max_bytes:
        return None, upload.filename, _(
            "The file is larger than %(mb)s MB; split it into smaller files.",
            mb=f"{max_bytes / (1024 * 1024):g}")
    return data, upload.filename, None


def _index(kind: str = "people", error: str | None = None, status: int = 200):
    today = local_today()
    bounds = spreadsheets.Limits.current()
    return render_template(
        "imports/index.html", columns=services.COLUMNS, labels=services.KIND_LABELS,
        kind=kind, error=error, max_mb=f"{bounds.max_bytes / (1024 * 1024):g}",
        max_rows=bounds.max_rows, horizon_start=today, horizon_end=today + timedelta(days=27),
    ), status


@bp.route("/")
@signed_in
def index():
    kind = request.args.get("kind", "people")
    return _index(kind if kind in services.KINDS else "people")


@bp.route("/template/<kind>.csv")
@signed_in
def template(kind: str):
    if kind not in services.KINDS:
        abort(404)
    header, rows = services.template_rows(kind)
    return _download(spreadsheets.to_csv(header, rows), f"{kind}-template.csv", "text/csv")


@bp.route("/upload", methods=["POST"])
@role_required(*EDITORS, all_regions=True)
def upload():
    kind = request.form.get("kind", "")
    if kind not in services.KINDS:
        return _index(error=_("Choose what the file contains."), status=400)
    data, filename, error = _read_file_field()
    if error:
        return _index(kind, error, 400)
    try:
        table = services.parse_table(data, filename)
    except services.ImportFileError as exc:
        return _index(kind, str(exc), 400)
    report = services.run_import(kind, table, user=current_user, source=filename)
    db.session.rollback()  # a preview never writes
    token = _store_upload(data, kind, filename) if report.ok else None
    return render_template("imports/preview.html", report=report, kind=kind, filename=filename,
                           token=token, labels=services.KIND_LABELS,
                           status=200 if report.ok else 422), 200 if report.ok else 422


@bp.route("/commit", methods=["POST"])
@role_required(*EDITORS, all_regions=True)
def commit():
    token = request.form.get("token", "")
    data, meta = _load_upload(token)
    try:
        table = services.parse_table(data, meta["filename"])
    except services.ImportFileError as exc:  # pragma: no cover - checked at upload
        _drop_upload(token)
        return _index(meta["kind"], str(exc), 400)
    report = services.run_import(meta["kind"], table, apply=True, user=current_user,
                                 source=meta["filename"])
    if not report.applied:
        db.session.rollback()
        return render_template("imports/preview.html", report=report, kind=meta["kind"],
                               filename=meta["filename"], token=None,
                               labels=services.KIND_LABELS), 422
    db.session.commit()
    _drop_upload(token)
    flash(_("Imported %(file)s: %(summary)s.", file=meta["filename"], summary=report.summary()),
          "success")
    return redirect(url_for("imports.index", kind=meta["kind"]))


@bp.route("/export/<kind>.<fmt>")
@signed_in
def export(kind: str, fmt: str):
    if kind not in ("people", "cases", "organisations") or fmt not in ("csv", "xlsx"):
        abort(404)
    header, rows = services.export_rows(kind)
    stamp = local_today().isoformat()
    if fmt == "csv":
        return _download(spreadsheets.to_csv(header, rows), f"{kind}-{stamp}.csv", "text/csv")
    return _download(
        spreadsheets.to_xlsx(header, rows, kind), f"{kind}-{stamp}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- scenarios (exchange format) ---------------------------------------------------------------


def _scenario_from_upload() -> tuple[dict | None, str, str | None]:
    data, filename, error = _read_file_field()
    if error:
        return None, filename, error
    try:  # bounded: depth, numbers, NUL and lone surrogates
        parsed = bounded_json.loads(spreadsheets.decode_text(data))
    except bounded_json.UnusableJSON as exc:
        return None, filename, str(exc)
    except spreadsheets.SpreadsheetError:  # neither UTF-8 nor GB18030
        return None, filename, _("The file is not JSON.")
    if not isinstance(parsed, dict):
        return None, filename, _("The file is not a scenario (a JSON object).")
    return parsed, filename, None


@bp.route("/scenario/upload", methods=["POST"])
@role_required(*EDITORS, all_regions=True)
def scenario_upload():
    data, filename, error = _scenario_from_upload()
    if error:
        return _index(error=error, status=400)
    problems: list[str] = []
    summary = None
    try:
        summary = import_scenario(data)
    except scheduler.ScenarioError as exc:
        problems = [str(p) for p in exc.problems]
    db.session.rollback()  # preview only
    token = None
    if not problems:
        token = _store_upload(json.dumps(data).encode("utf-8"), "scenario", filename)
    counts = {key: len(data.get(key) or []) for key in
              ("regions", "centres", "people", "cases", "conflicts", "fixed")}
    return render_template("imports/scenario_preview.html", filename=filename, problems=problems,
                           summary=summary, counts=counts, token=token), 200 if token else 422


@bp.route("/scenario/commit", methods=["POST"])
@role_required(*EDITORS, all_regions=True)
def scenario_commit():
    token = request.form.get("token", "")
    raw, meta = _load_upload(token)
    if meta.get("kind") != "scenario":
        abort(400)
    try:
        summary = import_scenario(json.loads(raw.decode("utf-8")))
    except scheduler.ScenarioError as exc:  # pragma: no cover - checked at upload
        db.session.rollback()
        return render_template("imports/scenario_preview.html", filename=meta["filename"],
                               problems=[str(p) for p in exc.problems], summary=None,
                               counts={}, token=None), 422
    record("scenario.import", object_type="scenario", summary=meta["filename"],
           after={"created": summary.created, "updated": summary.updated})
    db.session.commit()
    _drop_upload(token)
    flash(_("Imported scenario %(file)s: %(summary)s.", file=meta["filename"],
            summary=audit_words.scenario_counts(summary.created, summary.updated)), "success")
    return redirect(url_for("imports.index"))


@bp.route("/scenario/export")
@role_required(*EDITORS, all_regions=True)
def scenario_export():
    try:
        start = parse_day(request.args.get("start", ""))
        end = parse_day(request.args.get("end", ""))
    except ValueError:
        return _index(error=_("Enter the horizon as two dates (YYYY-MM-DD)."), status=400)
    if end < start:
        return _index(error=_("The horizon must not end before it starts."), status=400)
    if (end - start).days > 366:
        return _index(error=_("The horizon may be at most a year long."), status=400)
    scenario = export_scenario(start, end)
    body = json.dumps(scheduler.scenario_to_dict(scenario), ensure_ascii=False, indent=1) + "\n"
    return _download(body.encode("utf-8"), f"scenario-{start}-{end}.json", "application/json")

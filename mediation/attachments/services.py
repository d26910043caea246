"""Attachments: check an upload by its content, store it outside the web root, delete it.

Types are decided from the bytes, never from the name or the browser's Content-Type: the
`filetype` library reads the magic numbers; OOXML documents (zip files) must name a Word or Excel
main part in their `[Content_Types].xml`; plain text must decode as UTF-8 or GB18030 with no NUL
or other control characters and must not be markup (HTML, SVG, XML: a script risk if a browser
ever rendered it). Everything else is refused, naming what was detected. Services flush; the
caller commits (and removes a stored file again if the commit fails).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from mediation import storage
from mediation.attachments.models import Attachment
from mediation.audit.services import record
from mediation.cases.models import Case
from mediation.extensions import db

FOLDER = "attachments"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Detected type → label shown in the list and the error (the stored type is the key).
ALLOWED: dict[str, object] = {
    "application/pdf": _l("PDF document"),
    "image/jpeg": _l("JPEG image"),
    "image/png": _l("PNG image"),
    "image/gif": _l("GIF image"),
    "image/webp": _l("WebP image"),
    "image/heic": _l("HEIC photo"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        _l("Word document"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _l("Excel workbook"),
    "audio/mpeg": _l("MP3 recording"),
    "audio/mp4": _l("M4A recording"),
    "video/mp4": _l("MP4 video"),
    "audio/x-wav": _l("WAV recording"),
    "text/plain; charset=utf-8": _l("Text"),
    "text/plain; charset=gb18030": _l("Text"),
}
# The main part an OOXML package must declare to count as a Word or Excel document (macro-enabled
# variants declare other types and are refused).
OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_NAME = re.compile(r'[<>:"/\\|?*;]')


def _(message: str, **values) -> str:
    """Translated in a request; plain English outside one."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


class AttachmentError(ValueError):
    """An upload refused: the message names the reason (and the detected type)."""


def max_bytes() -> int:
    return int(current_app.config.get("MEDIATION_MAX_ATTACHMENT_BYTES") or DEFAULT_MAX_BYTES)


def type_label(content_type: str) -> str:
    label = ALLOWED.get(content_type)
    return str(label) if label is not None else content_type


def sanitise_filename(name: str | None) -> str:
    """A display name: the last path part, NFC, no control or shell/markup characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    # Control and bidirectional-override characters go; characters with a meaning in paths,
    # shells or markup become "_".
    name = _UNSAFE_NAME.sub("_", _NAME_CONTROL.sub("", name)).strip(" .")
    name = " ".join(name.split())
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "attachment"


def _ooxml_type(data: bytes) -> str | None:
    """The Word/Excel type an OOXML package declares, None if it declares neither."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1024 * 1024:
                return None
            types = archive.read(info).decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return None
    for main, kind in OOXML_MAIN.items():
        if f'ContentType="{main}"' in types:
            return kind
    return None


def _text_type(data: bytes) -> str:
    """The type of a file filetype does not recognise: plain text, markup, or binary."""
    if b"\x00" in data:
        return "application/octet-stream"
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    for encoding, kind in (("utf-8", "text/plain; charset=utf-8"),
                           ("gb18030", "text/plain; charset=gb18030")):
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            return "application/octet-stream"
        head = text.lstrip()[:512].lower()
        if head.startswith("<"):
            if "<svg" in head:
                return "image/svg+xml"
            if head.startswith("<?xml"):
                return "application/xml"
            return "text/html"
        if "<script" in text.lower() or "<html" in text.lower():
            return "text/html"
        return kind
    return "application/octet-stream"


def detect(data: bytes) -> str:
    """The content type of `data`, from its content alone."""
    kind = filetype.guess(data)
    if kind is None:
        return _text_type(data)
    if kind.mime == "application/zip" or kind.mime in OOXML_MAIN.values():
        # Any zip: only a package whose [Content_Types].xml names a Word or Excel main part.
        return _ooxml_type(data) or "application/zip"
    return kind.mime


def check(data: bytes) -> str:
    """The detected, allowed type of an upload; AttachmentError otherwise."""
    limit = max_bytes()
    if len(data) > limit:
        raise AttachmentError(_("The file is larger than %(mb)s MB.", mb=_mb(limit)))
    if not data:
        raise AttachmentError(_("The file is empty."))
    detected = detect(data)
    if detected not in ALLOWED:
        raise AttachmentError(_(
            "This kind of file is not accepted (detected: %(type)s). Accepted: PDF, JPEG, PNG, "
            "GIF, WebP, HEIC, Word and Excel documents, MP3, M4A, MP4 and WAV recordings, plain "
            "text.", type=detected))
    return detected


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f}" if n >= 1024 * 1024 else f"{n / (1024 * 1024):.2f}"


@dataclass
class Stored:
    attachment: Attachment
    key: str


def add(case: Case, data: bytes, filename: str | None, user, note: str | None = None) -> Stored:
    """Check and store an upload for `case`; flushes the row. The caller commits, or calls
    `discard` on failure so no file is left without its row."""
    content_type = check(data)
    key = storage.save(data, folder=FOLDER)
    attachment = Attachment(
        case=case, filename=sanitise_filename(filename), content_type=content_type,
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=key,
        uploaded_by_id=getattr(user, "id", None), note=(note or "").strip()[:500] or None)
    db.session.add(attachment)
    try:
        db.session.flush()
    except Exception:
        storage.delete(key)
        raise
    record("attachment.upload", attachment, summary=f"{case.reference} {attachment.filename}",
           after=snapshot(attachment))
    return Stored(attachment, key)


def discard(key: str) -> None:
    """Remove a file stored for a row that was not committed."""
    storage.delete(key)


def snapshot(attachment: Attachment) -> dict:
    return {"case_id": attachment.case_id, "filename": attachment.filename,
            "content_type": attachment.content_type, "size": attachment.size,
            "sha256": attachment.sha256, "note": attachment.note}


def read(attachment: Attachment) -> bytes:
    """The stored bytes (StorageError when the file is missing)."""
    return storage.read(attachment.storage_key)


def record_download(attachment: Attachment) -> None:
    record("attachment.download", attachment,
           summary=f"{attachment.case.reference} {attachment.filename}")


def delete(attachment: Attachment, reason: str) -> str:
    """Delete the row (audited with the reason and what the file was); returns the storage key
    for the caller to remove once the transaction is committed."""
    reason = (reason or "").strip()
    if not reason:
        raise AttachmentError(_("Give a reason for deleting the attachment."))
    record("attachment.delete", attachment,
           summary=f"{attachment.case.reference} {attachment.filename}: {reason}",
           before=snapshot(attachment), after={"reason": reason})
    key = attachment.storage_key
    db.session.delete(attachment)
    db.session.flush()
    return key


def for_case(case: Case) -> list[Attachment]:
    return list(db.session.scalars(
        sa.select(Attachment).where(Attachment.case_id == case.id)
        .order_by(Attachment.uploaded_at.desc(), Attachment.id.desc())))

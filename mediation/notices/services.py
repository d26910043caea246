"""Notices for the petitioner as PDF: the hearing notice (调解会通知书) and the written reply
(处理意见书), rendered from Jinja HTML templates by WeasyPrint with the Noto CJK fonts, stored
with `mediation.storage` (outside the web root) and listed per case with their versions.

Documents go to petitioners and are always in Chinese, whatever the coordinator's language.
They show the petitioner's name, but of the panel and the counsellor only their names: never a
phone number, an email or an address of theirs.

Regeneration: when a hearing that has a current notice moves or changes (`hearing_changed`) a new
version is generated and the older one marked superseded; when it is cancelled
(`hearing_cancelled`) a cancellation notice (kind `hearing_cancelled`) replaces it. One PDF takes
about half a second (`python -m bench.notices`; docs/closure-and-notices.md) and runs inside the
changing transaction: a rolled-back change leaves no row (the file it wrote is an orphan, never
served).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from mediation import storage
from mediation.audit.services import record
from mediation.cases.models import Case
from mediation.db import now_utc
from mediation.extensions import db
from mediation.hearings.models import PUBLISHED_LAYER, Hearing
from mediation.notices.models import Notice
from mediation.timeutil import local_today, to_local

KIND_LABELS = {
    "hearing_notice": _l("Hearing notice"),
    "hearing_cancelled": _l("Hearing cancellation notice"),
    "written_reply": _l("Written reply"),
}
# A hearing's notice and its cancellation are versions of one document.
FAMILIES = {"hearing_notice": "hearing", "hearing_cancelled": "hearing",
            "written_reply": "written_reply"}
OPINION_ZH = {"support": "支持", "explain": "解释说明", "not_support": "不予支持"}
ROLE_ZH = {"chair": "组长", "member": "成员"}
WEEKDAY_ZH = "一二三四五六日"
CATEGORY_ZH = {
    "land_compensation": "征地补偿", "unpaid_wages": "拖欠工资", "housing_project": "问题楼盘",
    "medical_dispute": "医疗纠纷", "environmental_pollution": "环境污染",
    "social_security": "社会保障", "demolition_resettlement": "拆迁安置",
    "rural_collective": "农村集体事务", "other": "其他",
}


class NoticeError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def day_zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _petitioners(case: Case) -> str:
    people = [p.name for p in case.parties if p.kind == "person"] or [p.name for p in case.parties]
    return "、".join(people)


def office_name(case: Case) -> str:
    """The office that signs the written reply: MEDIATION_OFFICE_NAME, or the region's
    petition bureau."""
    return current_app.config.get("MEDIATION_OFFICE_NAME") or f"{case.region.name}信访局"


def hearing_context(h: Hearing) -> dict:
    """What the hearing notice shows. People are named only (no phone, email or address)."""
    starts, ends = to_local(h.starts_at), to_local(h.ends_at)
    centre = h.room.centre
    panel = [(m.person.name, ROLE_ZH.get(m.role, "成员")) for m in
             sorted(h.members, key=lambda m: (m.role != "chair", m.person.name))
             if m.role != "counsellor"]
    counsellors = [m.person.name for m in h.members if m.role == "counsellor"]
    return {
        "case": h.case, "petitioner": _petitioners(h.case), "reference": h.case.reference,
        "day": day_zh(h.date), "weekday": WEEKDAY_ZH[h.date.weekday()],
        "starts": starts.strftime("%H:%M"), "ends": ends.strftime("%H:%M"),
        "centre": centre.name, "address": centre.address or "", "room": h.room.name,
        "panel": panel, "counsellors": counsellors, "issued": day_zh(local_today()),
        "cancelled": h.status == "cancelled",
    }


def reply_context(case: Case) -> dict:
    return {
        "case": case, "petitioner": _petitioners(case), "reference": case.reference,
        "title": case.title, "description": case.description or "",
        "category": CATEGORY_ZH.get(case.category, case.category),
        "registered": day_zh(case.registered_on), "opinion": OPINION_ZH[case.opinion],
        "opinion_code": case.opinion, "office": office_name(case),
        "issued": day_zh(local_today()),
    }


@dataclass
class Rendered:
    pdf: bytes
    text: str  # the laid-out text of every page (what the PDF shows)


def render(template: str, context: dict) -> Rendered:
    """Render a notice template to PDF (A4, Noto CJK fonts)."""
    from weasyprint import HTML  # heavy import (Pango): only when a notice is made

    html = render_template(template, **context)
    document = HTML(string=html, base_url=current_app.root_path).render()
    text = "\n".join(_page_text(page._page_box) for page in document.pages)
    return Rendered(document.write_pdf(), text)


def _page_text(box) -> str:
    parts = []
    stack = [box]
    while stack:
        b = stack.pop()
        if hasattr(b, "text") and isinstance(b.text, str):
            parts.append(b.text)
        stack.extend(reversed(list(getattr(b, "children", []) or [])))
    return "".join(parts)


def render_hearing_notice(h: Hearing) -> Rendered:
    return render("notices/hearing_notice.html", hearing_context(h))


def render_written_reply(case: Case) -> Rendered:
    return render("notices/written_reply.html", reply_context(case))


# --- stored notices -----------------------------------------------------------------------------


def _family(case_id: int, kind: str, hearing_id: int | None) -> sa.Select:
    kinds = [k for k, f in FAMILIES.items() if f == FAMILIES[kind]]
    stmt = sa.select(Notice).where(Notice.case_id == case_id, Notice.kind.in_(kinds))
    if FAMILIES[kind] == "hearing":
        stmt = stmt.where(Notice.hearing_id == hearing_id)
    return stmt


def current_notice(case_id: int, kind: str, hearing_id: int | None = None) -> Notice | None:
    return db.session.scalar(_family(case_id, kind, hearing_id)
                             .where(Notice.superseded.is_(False))
                             .order_by(Notice.version.desc()).limit(1))


def _store(case: Case, kind: str, rendered: Rendered, user, hearing: Hearing | None,
           reason: str | None = None) -> Notice:
    family = list(db.session.scalars(_family(case.id, kind, hearing.id if hearing else None)))
    for old in family:
        old.superseded = True
    key = storage.save(rendered.pdf, folder="notices")
    notice = Notice(case_id=case.id, hearing_id=hearing.id if hearing else None, kind=kind,
                    version=1 + max((n.version for n in family), default=0), file_key=key,
                    size=len(rendered.pdf), generated_at=now_utc(),
                    generated_by_id=getattr(user, "id", None), superseded=False)
    db.session.add(notice)
    db.session.flush()
    record("notice.generate", notice, user=user, summary=case.reference,
           after={"kind": kind, "version": notice.version} | ({"reason": reason} if reason else {}))
    return notice


def can_generate_hearing_notice(h: Hearing) -> bool:
    return h.layer == PUBLISHED_LAYER and h.status == "published"


def generate_hearing_notice(h: Hearing, user=None, reason: str | None = None) -> Notice:
    """A new current hearing notice (or, for a cancelled hearing, its cancellation)."""
    if h.layer != PUBLISHED_LAYER or h.status not in ("published", "cancelled"):
        raise NoticeError(_l("A hearing notice is only for a published hearing."))
    kind = "hearing_cancelled" if h.status == "cancelled" else "hearing_notice"
    return _store(h.case, kind, render_hearing_notice(h), user, h, reason)


def generate_written_reply(case: Case, user=None) -> Notice:
    if not case.opinion:
        raise NoticeError(_l("A written reply needs the panel's opinion first."))
    return _store(case, "written_reply", render_written_reply(case), user, None)


def notices_for_case(case: Case) -> list[Notice]:
    return list(db.session.scalars(
        sa.select(Notice).where(Notice.case_id == case.id)
        .order_by(Notice.superseded, Notice.generated_at.desc(), Notice.id.desc())))


def published_hearings(case: Case) -> list[Hearing]:
    return list(db.session.scalars(
        sa.select(Hearing).where(Hearing.case_id == case.id, Hearing.layer == PUBLISHED_LAYER,
                                 Hearing.status == "published")
        .order_by(Hearing.date, Hearing.id)))


def read(notice: Notice) -> bytes:
    return storage.read(notice.file_key)


def download_name(notice: Notice) -> str:
    stamp = notice.generated_at if isinstance(notice.generated_at, datetime) else now_utc()
    return f"{notice.case.reference}-{notice.kind}-v{notice.version}-{stamp:%Y%m%d}.pdf"


# --- subscribers (connected in mediation.notices.init_app) ---------------------------------------


def on_hearing_changed(h: Hearing, **_: object) -> None:
    """A hearing with a current notice moved or changed: generate the new version."""
    if current_notice(h.case_id, "hearing_notice", h.id) is not None:
        generate_hearing_notice(h, reason="hearing_changed")


def on_hearing_cancelled(h: Hearing, **_: object) -> None:
    """A hearing with a current notice was cancelled: the cancellation notice replaces it."""
    if current_notice(h.case_id, "hearing_notice", h.id) is not None:
        generate_hearing_notice(h, reason="hearing_cancelled")

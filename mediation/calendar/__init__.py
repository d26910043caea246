"""Calendars: secret iCalendar feeds and iMIP email invites for published hearings."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from mediation import signals, worker
from mediation.audit.summaries import register_summaries
from mediation.calendar import audit_words, invites, labels, replies, subscribers, version


def init_app(app: Flask) -> None:
    """Register the mail tasks, the calendar's subscribers and its template filter (called by
    the app factory)."""
    app.add_template_filter(labels.message_error, "message_error")
    register_summaries(audit_words.SUMMARIES)
    worker.register_periodic("mail.deliver", subscribers.deliver_task)
    worker.register_periodic("mail.fetch_replies", replies.fetch_task)
    signals.hearing_published.connect(subscribers.on_published)
    signals.hearing_changed.connect(subscribers.on_changed)
    signals.hearing_cancelled.connect(subscribers.on_cancelled)
    signals.hearing_declined.connect(subscribers.on_declined)
    signals.invites_preview.connect(invites.count_invites)
    if not sa.event.contains(Session, "before_flush", version.before_flush):
        sa.event.listen(Session, "before_flush", version.before_flush)
        sa.event.listen(Session, "after_flush", version.after_flush)
    if not sa.event.contains(Session, "after_commit", subscribers.after_commit):
        sa.event.listen(Session, "after_commit", subscribers.after_commit)
        sa.event.listen(Session, "after_soft_rollback", _after_soft_rollback)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        subscribers.after_rollback(session)

"""What a person does with their reminders: choose how to receive them, mark a deadline done
(where its rule allows it), mark notifications read. Each flushes; the view commits."""
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from portfolio.audit.tracking import described
from portfolio.extensions import db
from portfolio.reminders.generate import cancel_pending, delivery_time, digested_since_last_slot
from portfolio.reminders.models import DEFAULT_DELIVERY, DELIVERY_MODES, Deadline, Notification, NotificationPreference
from portfolio.reminders.queries import shown_in_inbox
from portfolio.reminders.rules import RULES
from portfolio.timeutil import utcnow


class ReminderError(ValueError):
    """An action the reminders refuse; the message is French."""


def preference_of(user) -> str:
    mode = db.session.scalar(select(NotificationPreference.mode).where(NotificationPreference.user_id == user.id))
    return mode or DEFAULT_DELIVERY


def preference_row(user) -> NotificationPreference | None:
    """The person's stored choice, if they made one (what the preferences form edits)."""
    return db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id))


def set_preference(user, mode: str, now: datetime | None = None) -> NotificationPreference:
    """Record the person's choice and re-plan their reminders not yet delivered accordingly."""
    if mode not in DELIVERY_MODES:
        raise ReminderError("Choisissez une des façons de recevoir les rappels proposées.")
    now = now or utcnow()
    preference = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    if preference is None:
        preference = NotificationPreference(user_id=user.id, mode=mode)
        db.session.add(preference)
    else:
        preference.mode = mode
    db.session.flush()
    hour = current_app.config["REMINDER_SEND_HOUR"]
    digested = user.id in digested_since_last_slot(now, hour, [user.id]).get(mode, set())
    pending = db.session.scalars(
        select(Notification).where(
            Notification.recipient_id == user.id,
            Notification.sent_at.is_(None),
            Notification.cancelled_at.is_(None),
            Notification.claimed_at.is_(None),
        )
    )
    for notification in pending:
        notification.channel = mode
        notification.scheduled_for = delivery_time(mode, notification.due_at, now, hour, digested)
    db.session.flush()
    return preference


def can_mark_done(deadline: Deadline) -> bool:
    rule = RULES.get(deadline.rule)
    return rule is not None and rule.manual_done and deadline.closed_at is None


def mark_done(deadline: Deadline, by, now: datetime | None = None) -> None:
    """Close a deadline by hand: its pending reminders are cancelled and the sweep sends no more."""
    rule = RULES.get(deadline.rule)
    if rule is None or not rule.manual_done:
        raise ReminderError(
            "Cette échéance ne se marque pas comme faite à la main : elle se clôt d’elle-même "
            "quand ce qui est attendu est enregistré sur sa page."
        )
    if deadline.closed_at is not None:
        raise ReminderError("Cette échéance est déjà close.")
    now = now or utcnow()
    with described(action="deadline_done"):
        deadline.closed_at = now
        deadline.close_reason = "done"
        deadline.closed_by_id = by.id
        db.session.flush()
    cancel_pending([deadline.id], now, "done")


def mark_read(notification: Notification, now: datetime | None = None) -> None:
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()


def mark_all_read(user, now: datetime | None = None) -> int:
    now = now or utcnow()
    return db.session.execute(
        update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None), *shown_in_inbox(now))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount

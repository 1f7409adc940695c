"""What the reminders' pages read: a person's "À faire", inbox and unread count, the admin's lists,
and what the homes show of them (a person's "À faire" in short, the deliveries' health)."""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portfolio.database import among
from portfolio.extensions import db
from portfolio.reminders.models import Deadline, DeadlineRecipient, Notification, OutboxMessage
from portfolio.reminders.settled import settled

#: The admin page's filter: label, and the condition on a notification.
STATUS_FILTERS = {
    "pending": "À envoyer",
    "failing": "En échec (nouvel essai prévu)",
    "sent": "Envoyés",
    "cancelled": "Annulés",
}


def shown_in_inbox(now: datetime):
    # A reminder replaced by a newer one of the same deadline was never shown: it stays out.
    return (
        Notification.due_at <= now,
        or_(Notification.cancel_reason.is_(None), Notification.cancel_reason != "superseded"),
    )


def unread_count(user_id: int, now: datetime) -> int:
    """The header's figure: one statement."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.recipient_id == user_id, Notification.read_at.is_(None), *shown_in_inbox(now)
        )
    )


def inbox(user_id: int, now: datetime) -> Select:
    """The person's notifications, unread first, newest first."""
    return (
        select(Notification)
        .where(Notification.recipient_id == user_id, *shown_in_inbox(now))
        .order_by(Notification.read_at.is_not(None), Notification.due_at.desc(), Notification.id.desc())
        # Joined, not a second statement: the page runs the same statements with or without rows.
        .options(joinedload(Notification.deadline))
    )


def _mine(user_id: int, today: date) -> tuple[tuple, list, set[int]]:
    """The condition on the open deadlines due from the person and shown from their first reminder;
    those the data do not settle yet, as (id, rule, subject, created at, due on), earliest first, read
    in one statement; and the ids of those the data already settle (portfolio.reminders.settled)."""
    condition = (DeadlineRecipient.user_id == user_id, Deadline.closed_at.is_(None), Deadline.visible_from <= today)
    mine = db.session.execute(
        select(Deadline.id, Deadline.rule, Deadline.subject, Deadline.created_at, Deadline.due_on)
        .join(DeadlineRecipient, DeadlineRecipient.deadline_id == Deadline.id)
        .where(*condition)
        .order_by(Deadline.due_on, Deadline.id)
    ).all()
    done = settled(((row.id, row.rule, row.subject, row.created_at) for row in mine), today)
    return condition, [row for row in mine if row.id not in done], done


def todo(user_id: int, today: date) -> Select:
    """The open deadlines due from the person, shown from their first reminder, earliest first;
    those the data already settle (a report filed, a preparation completed…) are left out at once,
    before the next sweep closes them (portfolio.reminders.settled)."""
    condition, _, done = _mine(user_id, today)
    statement = (
        select(Deadline)
        .join(DeadlineRecipient, DeadlineRecipient.deadline_id == Deadline.id)
        .where(*condition)
        .order_by(Deadline.due_on, Deadline.id)
    )
    return statement.where(~among(Deadline.id, done)) if done else statement


def role_on(deadline_ids: list[int], user_id: int) -> dict[int, str]:
    """{deadline id: the person's role on it}."""
    if not deadline_ids:
        return {}
    return dict(
        db.session.execute(
            select(DeadlineRecipient.deadline_id, DeadlineRecipient.role).where(
                DeadlineRecipient.deadline_id.in_(deadline_ids), DeadlineRecipient.user_id == user_id
            )
        ).all()
    )


def _status_condition(status: str):
    if status == "sent":
        return (Notification.sent_at.is_not(None),)
    if status == "cancelled":
        return (Notification.cancelled_at.is_not(None),)
    if status == "failing":
        return (Notification.sent_at.is_(None), Notification.cancelled_at.is_(None), Notification.attempts > 0)
    return (Notification.sent_at.is_(None), Notification.cancelled_at.is_(None), Notification.attempts == 0)


def admin_notifications(status: str | None) -> Select:
    statement = select(Notification).options(
        selectinload(Notification.recipient), selectinload(Notification.deadline)
    )
    if status in STATUS_FILTERS:
        statement = statement.where(*_status_condition(status))
    return statement.order_by(Notification.scheduled_for.desc(), Notification.id.desc())


def admin_counts() -> dict[str, int]:
    """How many notifications per status, in two statements that read the pending index only
    (sent_at, cancelled_at…), not every row: sent and cancelled ones are nearly all of them."""
    sent, cancelled = db.session.execute(
        select(
            func.count(Notification.sent_at),
            func.count(Notification.id).filter(Notification.sent_at.is_(None), Notification.cancelled_at.is_not(None)),
        )
    ).one()
    return {**undelivered_counts(), "sent": sent, "cancelled": cancelled}


def _undelivered(*also) -> Select:
    """SELECT pending, failing[, also…]: how many notifications wait for their first delivery or
    for another attempt, over the few undelivered rows (the pending index)."""
    return select(
        func.count(Notification.id).filter(Notification.attempts == 0),
        func.count(Notification.id).filter(Notification.attempts > 0),
        *also,
    ).where(Notification.sent_at.is_(None), Notification.cancelled_at.is_(None))


def undelivered_counts() -> dict[str, int]:
    """How many notifications wait for their first delivery ("pending") or for another attempt
    ("failing"): one statement over the few undelivered rows."""
    pending, failing = db.session.execute(_undelivered()).one()
    return {"pending": pending, "failing": failing}


def upcoming_deadlines(limit: int = 20) -> list[Deadline]:
    """The open deadlines, earliest first, for the admin page."""
    return list(
        db.session.scalars(
            select(Deadline)
            .where(Deadline.closed_at.is_(None))
            .order_by(Deadline.due_on, Deadline.id)
            .limit(limit)
            .options(selectinload(Deadline.recipients))
        )
    )


def open_deadline_count() -> int:
    return db.session.scalar(select(func.count(Deadline.id)).where(Deadline.closed_at.is_(None)))


def _unreceived() -> Select:
    return (
        select(func.count(func.distinct(Deadline.id)))
        .join(DeadlineRecipient, DeadlineRecipient.deadline_id == Deadline.id)
        .where(Deadline.closed_at.is_(None), DeadlineRecipient.role == "admin")
    )


def unreceived_deadline_count() -> int:
    """Open deadlines that reach the admins only because nobody else would receive them."""
    return db.session.scalar(_unreceived())


def outbox() -> Select:
    return select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())


# --- The homes ------------------------------------------------------------------------------


@dataclass
class TodoSummary:
    """A person's "À faire" in short: how many deadlines (and how many late) per rule, the first few
    of all, and the first few of the rules a home lists apart."""

    total: int = 0
    late: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    late_by_rule: dict[str, int] = field(default_factory=dict)
    first: list[Deadline] = field(default_factory=list)
    first_of_rule: dict[str, list[Deadline]] = field(default_factory=dict)


def todo_summary(user_id: int, today: date, first: int = 5, listed_rules: tuple[str, ...] = ()) -> TodoSummary:
    """The "À faire" of `todo` (the same deadlines), counted and cut short, in two statements: the
    person's open deadlines (counted here), then the few shown."""
    _, mine, _ = _mine(user_id, today)
    summary = TodoSummary()
    for row in mine:
        summary.by_rule[row.rule] = summary.by_rule.get(row.rule, 0) + 1
        summary.late_by_rule[row.rule] = summary.late_by_rule.get(row.rule, 0) + (row.due_on < today)
    summary.total, summary.late = len(mine), sum(summary.late_by_rule.values())
    first_ids = [row.id for row in mine[:first]]
    of_rule = {rule: [row.id for row in mine if row.rule == rule][:first] for rule in listed_rules}
    shown = {deadline.id: deadline for deadline in db.session.scalars(
        select(Deadline).where(among(Deadline.id, {*first_ids, *(ident for ids in of_rule.values() for ident in ids)})))}
    summary.first = [shown[ident] for ident in first_ids]
    summary.first_of_rule = {rule: [shown[ident] for ident in ids] for rule, ids in of_rule.items()}
    return summary


@dataclass
class DeliveryHealth:
    """The reminders' deliveries as the admin's home shows them."""

    counts: dict[str, int]
    #: The last notifications that failed and wait for another attempt, latest attempt first.
    failing: list[Notification]
    #: When a reminder was last delivered (None before the first).
    last_sent_at: datetime | None
    #: Open deadlines nobody but the admins would receive.
    unreceived: int


def delivery_health(first: int = 3) -> DeliveryHealth:
    failing = db.session.scalars(
        select(Notification)
        .where(*_status_condition("failing"))
        .order_by(Notification.next_attempt_at.desc(), Notification.id.desc())
        .limit(first)
        .options(joinedload(Notification.recipient))
    ).all()
    # The counts, the last delivery and the deadlines only admins receive, in one statement.
    pending, failing_count, last_sent_at, unreceived = db.session.execute(_undelivered(
        select(func.max(Notification.sent_at)).scalar_subquery(), _unreceived().scalar_subquery(),
    )).one()
    return DeliveryHealth(
        counts={"pending": pending, "failing": failing_count},
        failing=list(failing),
        last_sent_at=last_sent_at,
        unreceived=unreceived,
    )

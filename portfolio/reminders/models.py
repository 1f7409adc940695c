"""The reminders' rows: the deadlines the rules derive, who each is due from, every notification
(one row per rule, subject, recipient and occurrence: a second one cannot exist), each person's
delivery preference, and the outbox where e-mails land when no SMTP server is configured."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.accounts.models import User
from portfolio.audit.tracking import Audited
from portfolio.core.concurrency import Versioned
from portfolio.extensions import db
from portfolio.timeutil import utcnow
from portfolio.types import UTCDateTime

#: How a person wants their reminders: every one by e-mail at once, grouped in a daily or a
#: weekly e-mail, or only in the application's inbox.
DELIVERY_MODES = {
    "immediate": "Un courriel pour chaque rappel, dès qu’il est dû",
    "daily": "Un récapitulatif quotidien par courriel",
    "weekly": "Un récapitulatif hebdomadaire par courriel (le lundi)",
    "in_app": "Uniquement dans l’application (aucun courriel)",
}
DEFAULT_DELIVERY = "immediate"
#: Why a deadline is closed.
CLOSE_REASONS = {
    "done": "Marquée comme faite",
    "resolved": "Réglée (la règle ne la produit plus)",
}
#: Why a notification will not be delivered.
CANCEL_REASONS = {
    "superseded": "Remplacé par un rappel plus récent de la même échéance",
    "resolved": "Échéance réglée avant l’envoi",
    "done": "Échéance marquée comme faite avant l’envoi",
}


class Deadline(Audited, db.Model):
    """Something due, derived by a rule (portfolio.reminders.rules) from the other domains' rows.

    The sweep creates it when its first reminder falls due, keeps its title, date and link up to
    date, and closes it ("resolved") when the rule no longer produces it; a person may close it
    ("done") when the rule allows it.
    """

    __tablename__ = "reminder_deadlines"
    #: What the sweep last wrote of it: set by its bulk statements without events (see generate.py).
    __audit_bookkeeping__ = frozenset({"reminded_on", "recipients_digest"})
    __table_args__ = (
        UniqueConstraint("rule", "subject"),
        Index("ix_reminder_deadlines_open_due", "closed_at", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A key of portfolio.reminders.rules.RULES.
    rule: Mapped[str] = mapped_column(String(40))
    #: What it is about, stable across sweeps (e.g. "convention:3:2025-01-01").
    subject: Mapped[str] = mapped_column(String(200))
    #: French, shown in "À faire" and in the messages.
    title: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date] = mapped_column(Date)
    #: From this day on it appears in "À faire" (its first reminder, or earlier).
    visible_from: Mapped[date] = mapped_column(Date)
    #: Path of the page where it is acted on (e.g. "/startups/signaux-faibles").
    url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: One of CLOSE_REASONS.
    close_reason: Mapped[str | None] = mapped_column(String(20))
    #: Who marked it done (null when the rule closed it).
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The sweep's own bookkeeping, so that a generation writes only what changed: the reminder day
    #: whose notifications it last made for every recipient, and a digest of the recipients (with
    #: their roles) it last wrote.
    reminded_on: Mapped[date | None] = mapped_column(Date)
    recipients_digest: Mapped[str | None] = mapped_column(String(64))

    recipients: Mapped[list["DeadlineRecipient"]] = relationship(
        back_populates="deadline", cascade="all, delete-orphan", passive_deletes=True
    )

    def __str__(self) -> str:
        return self.title

    def is_due_from(self, user) -> bool:
        return any(recipient.user_id == user.id for recipient in self.recipients)


class DeadlineRecipient(db.Model):
    """A person a deadline is due from, and the role that makes it theirs (kept in step by the sweep)."""

    __tablename__ = "reminder_recipients"
    __table_args__ = (UniqueConstraint("deadline_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("reminder_deadlines.id", ondelete="CASCADE"))
    deadline: Mapped[Deadline] = relationship(back_populates="recipients")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: e.g. "finance", "coach", "intrapreneur", "chair", "owner".
    role: Mapped[str] = mapped_column(String(40))


#: The condition of ix_notifications_undelivered, which the sweep's statements repeat.
UNDELIVERED = "sent_at IS NULL AND cancelled_at IS NULL"


class Notification(db.Model):
    """One reminder to one person for one occurrence of a deadline, and its delivery.

    The unique constraint on (rule, subject, recipient, occurrence) makes a second copy
    impossible; a sweep claims a row (claimed_at, claim_token) before delivering it, so two
    sweeps never deliver the same row; a failed delivery is retried from next_attempt_at on.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("rule", "subject", "recipient_id", "occurrence"),
        Index("ix_notifications_pending", "sent_at", "cancelled_at", "scheduled_for"),
        Index("ix_notifications_inbox", "recipient_id", "read_at", "due_at"),
        # Who already had the current slot's digest (generate.digested_since_last_slot).
        Index("ix_notifications_channel_sent", "channel", "sent_at"),
        # The admin's list, latest first.
        Index("ix_notifications_scheduled", "scheduled_for", "id"),
        # The few rows still to deliver, by recipient, among all those sent: what a sweep reads
        # whatever the planner's statistics say (with them, SQLite preferred the inbox index).
        Index(
            "ix_notifications_undelivered", "recipient_id", "scheduled_for",
            sqlite_where=text(UNDELIVERED), postgresql_where=text(UNDELIVERED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("reminder_deadlines.id", ondelete="CASCADE"), index=True)
    deadline: Mapped[Deadline] = relationship()
    #: The deadline's rule and subject, repeated here for the unique constraint.
    rule: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recipient: Mapped[User] = relationship()
    #: The day (Europe/Paris) this reminder belongs to: J-7, the due day, each week while late…
    occurrence: Mapped[date] = mapped_column(Date)
    #: The deadline's title when the row was made (the messages add "in N days" / "late by N days"
    #: as of the day they are sent).
    text: Mapped[str] = mapped_column(String(700))
    #: One of DELIVERY_MODES, from the recipient's preference when the row was made.
    channel: Mapped[str] = mapped_column(String(20))
    #: When it becomes due and shows in the inbox (the occurrence day at the sending hour, Paris).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When its delivery may start (later than due_at for the digests).
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set by the sweep that took the row, with that sweep's token; cleared again on failure.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(36), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Delivery attempts made, the last error, and when the next attempt may run (backoff).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: One of CANCEL_REASONS.
    cancel_reason: Mapped[str | None] = mapped_column(String(20))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self) -> str:
        return self.text

    @property
    def status(self) -> str:
        """sent, cancelled, failing (waiting for a retry), claimed (being delivered) or pending."""
        if self.sent_at is not None:
            return "sent"
        if self.cancelled_at is not None:
            return "cancelled"
        if self.claimed_at is not None:
            return "claimed"
        if self.attempts:
            return "failing"
        return "pending"


class GenerationMark(db.Model):
    """What the last complete generation of the rules' dues read: the day in Paris and the audit
    log's version (see portfolio.audit.tracking.log_version). Every write of the application leaves an audit
    event and the rules depend on nothing else but the day, so while the mark is unchanged a new
    generation would write nothing, and the sweep skips it. One row (id 1)."""

    __tablename__ = "reminder_generation_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    #: The log's version ("token.number"); empty when the log had no version yet.
    log_version: Mapped[str] = mapped_column(String(50))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationPreference(Versioned, Audited, db.Model):
    """How one person receives their reminders (no row: DEFAULT_DELIVERY)."""

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    user: Mapped[User] = relationship()
    #: One of DELIVERY_MODES.
    mode: Mapped[str] = mapped_column(String(20), default=DEFAULT_DELIVERY)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        return DELIVERY_MODES.get(self.mode, self.mode)


class OutboxMessage(db.Model):
    """An e-mail kept in the application instead of leaving the machine (MAIL_BACKEND "outbox")."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sender: Mapped[str] = mapped_column(String(300))
    #: The "To" header as written (one address per message here).
    to: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(500))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    #: How many notifications the message carries (more than one for a digest).
    notification_count: Mapped[int] = mapped_column(Integer, default=1)
    #: The attached file, if any (the committee's pack as a PDF).
    attachment_filename: Mapped[str | None] = mapped_column(String(300))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    def __str__(self) -> str:
        return self.subject

"""The sweep's first half: the rules' dues turned into rows, idempotently.

Deadlines are kept in step with the rules (created, updated, reopened, closed when settled), their
recipients likewise, and one notification row is inserted per recipient and reminder day that
fell due. Each deadline keeps what the last generation wrote of it (its last reminder day, a
digest of its recipients), so a generation after a write touches only what changed. Inserts are `INSERT … ON CONFLICT DO NOTHING` against the unique constraints (SQLite and
PostgreSQL alike), so a second sweep, a concurrent one or a restart adds nothing twice.
"""
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable, Iterator, Sequence

from flask import current_app
from sqlalchemy import Table, bindparam, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from portfolio.audit import tracking
from portfolio.database import refresh_planner_statistics
from portfolio.extensions import db
from portfolio.reminders.calendar import last_slot, next_slot, paris_instant
from portfolio.reminders.due import Context, Due
from portfolio.reminders.models import (
    DEFAULT_DELIVERY,
    Deadline,
    DeadlineRecipient,
    GenerationMark,
    Notification,
    NotificationPreference,
)
from portfolio.reminders.rules import RULES, evaluate

CHUNK = 500
#: Notifications made by one generation beyond which the planner's statistics are refreshed.
BULK_ROWS = 10_000
#: Key of the PostgreSQL advisory lock held while generating (any number no other code uses):
#: two sweeps generate one after the other instead of deadlocking on each other's rows.
GENERATION_LOCK = 602026


@dataclass
class Generated:
    deadlines_opened: int = 0
    deadlines_closed: int = 0
    created: int = 0
    #: Nothing changed since the last generation (same day, same audit log): nothing to do.
    skipped: bool = False


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def insert_ignoring_duplicates(table: Table, rows: list[dict], keys: list[str]) -> int:
    """INSERT … ON CONFLICT (keys) DO NOTHING; returns how many rows were really inserted."""
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(index_elements=keys).returning(table.c.id)
    inserted = 0
    for part in chunks(rows):
        inserted += len(db.session.execute(statement, list(part)).all())
    return inserted


#: The digests: the weekday of their slot (None: every day).
DIGEST_WEEKDAYS = {"daily": None, "weekly": 0}


def delivery_time(channel: str, due_at: datetime, now: datetime, hour: int, digested_since_last_slot: bool) -> datetime:
    """When a notification's e-mail may go. "immediate" and "in_app" (no e-mail): when due. A digest:
    at its first slot (8 h, or Monday 8 h) at or after the due time; when that slot has passed (a row
    made later in the day, or after downtime) it goes with the next sweep — unless the person already
    had this slot's digest, in which case it waits for the next slot: one digest per day or week."""
    if channel not in DIGEST_WEEKDAYS:
        return due_at
    weekday = DIGEST_WEEKDAYS[channel]
    target = next_slot(due_at, hour, weekday)
    if target <= now and digested_since_last_slot:
        return next_slot(now + timedelta(seconds=1), hour, weekday)
    return target


def digested_since_last_slot(now: datetime, hour: int, user_ids=None) -> dict[str, set[int]]:
    """{digest channel: the people who already had the digest of the current slot}."""
    result = {}
    for channel, weekday in DIGEST_WEEKDAYS.items():
        statement = select(Notification.recipient_id).where(
            Notification.channel == channel, Notification.sent_at >= last_slot(now, hour, weekday)
        )
        if user_ids is not None:
            statement = statement.where(Notification.recipient_id.in_(user_ids))
        result[channel] = set(db.session.scalars(statement.distinct()))
    return result


def preferences() -> dict[int, str]:
    return dict(db.session.execute(select(NotificationPreference.user_id, NotificationPreference.mode)).all())


def generate(now: datetime) -> Generated:
    """Evaluate every rule at `now` and write what is due, unless nothing changed since the last
    generation (see GenerationMark). Commits."""
    config = current_app.config
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": GENERATION_LOCK})
    ctx = Context.at(now, config["REMINDER_CATCH_UP_DAYS"])
    # Read before the rules: a write committed meanwhile changes the log, so the next sweep sees it.
    mark = _mark(ctx.today)
    if mark == _last_mark():
        db.session.commit()
        return Generated(skipped=True)
    dues = list({(due.rule, due.subject): due for due in evaluate(ctx)}.values())
    result = Generated()
    open_deadlines = _sync_deadlines(dues, now, result)
    added = _sync_recipients(dues, open_deadlines)
    result.created = _add_notifications(dues, open_deadlines, added, now, config["REMINDER_SEND_HOUR"])
    _save_mark(mark, now)
    db.session.commit()
    if result.created >= BULK_ROWS:
        # Planned on the statistics of a nearly empty table, claiming them would scan it once per row.
        refresh_planner_statistics(Notification.__tablename__, DeadlineRecipient.__tablename__, Deadline.__tablename__)
    return result


def _mark(day: date) -> tuple[date, str]:
    return day, tracking.log_version(db.session) or ""


def _last_mark() -> tuple[date, str] | None:
    row = db.session.execute(
        select(GenerationMark.day, GenerationMark.log_version).where(GenerationMark.id == 1)
    ).first()
    return None if row is None else tuple(row)


def _save_mark(mark: tuple[date, str], now: datetime) -> None:
    """Remember what this generation read. Its own writes are bulk statements, which leave no audit
    event: they do not change the version."""
    day, version = mark
    values = {"day": day, "log_version": version, "generated_at": now}
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(
        insert(GenerationMark).values(id=1, **values).on_conflict_do_update(index_elements=["id"], set_=values)
    )


def _deadline_values(due: Due) -> dict:
    return {"title": due.title[:500], "due_on": due.due_on, "visible_from": due.visible_from, "url": due.url}


@dataclass(frozen=True)
class OpenDeadline:
    """An open deadline that a rule produced, with what the last generation wrote of it."""

    id: int
    reminded_on: date | None
    recipients_digest: str | None


def _sync_deadlines(dues: list[Due], now: datetime, result: Generated) -> dict[tuple[str, str], OpenDeadline]:
    """Create, update, reopen and close deadlines; returns the open ones due by (rule, subject)."""
    columns = (Deadline.id, Deadline.rule, Deadline.subject, Deadline.closed_at, Deadline.close_reason,
               Deadline.title, Deadline.due_on, Deadline.visible_from, Deadline.url, Deadline.reminded_on,
               Deadline.recipients_digest)
    # The open deadlines in one statement, then by subject only the dues not among them (new ones,
    # or closed ones that may reopen).
    open_rows = {(row.rule, row.subject): row for row in db.session.execute(
        select(*columns).where(Deadline.closed_at.is_(None))
    )}
    known = dict(open_rows)
    known.update(
        {(row.rule, row.subject): row
         for row in _deadlines_for([due for due in dues if (due.rule, due.subject) not in open_rows], columns)}
    )
    missing = [due for due in dues if (due.rule, due.subject) not in known]
    result.deadlines_opened = insert_ignoring_duplicates(
        Deadline.__table__,
        [{"rule": due.rule, "subject": due.subject, "created_at": now, **_deadline_values(due)} for due in missing],
        ["rule", "subject"],
    )
    if missing:
        known.update({(row.rule, row.subject): row for row in _deadlines_for(missing, columns)})
    wanted: dict[tuple[str, str], OpenDeadline] = {}
    for due in dues:
        row = known[(due.rule, due.subject)]
        if row.close_reason == "done":
            continue  # closed by a person: no more reminders for it
        values = _deadline_values(due)
        if row.closed_at is not None:
            values.update(closed_at=None, close_reason=None, closed_by_id=None)
        if row.closed_at is not None or any(getattr(row, key) != value for key, value in values.items()):
            db.session.execute(update(Deadline).where(Deadline.id == row.id).values(**values))
        wanted[(due.rule, due.subject)] = OpenDeadline(row.id, row.reminded_on, row.recipients_digest)
    settled = [row.id for key, row in open_rows.items() if key not in wanted and row.rule in RULES]
    for part in chunks(settled):
        db.session.execute(
            update(Deadline).where(Deadline.id.in_(part)).values(closed_at=now, close_reason="resolved")
        )
        cancel_pending(part, now, "resolved")
    result.deadlines_closed = len(settled)
    return wanted


def _deadlines_for(dues: Iterable[Due], columns) -> list:
    by_rule: dict[str, list[str]] = {}
    for due in dues:
        by_rule.setdefault(due.rule, []).append(due.subject)
    rows = []
    for rule, subjects in by_rule.items():
        for part in chunks(subjects):
            rows += db.session.execute(select(*columns).where(Deadline.rule == rule, Deadline.subject.in_(part))).all()
    return rows


def cancel_pending(deadline_ids: Sequence[int], now: datetime, reason: str) -> int:
    """Cancel the notifications of these deadlines that no sweep has sent nor holds."""
    return db.session.execute(
        update(Notification)
        .where(
            Notification.deadline_id.in_(deadline_ids),
            Notification.sent_at.is_(None),
            Notification.cancelled_at.is_(None),
            Notification.claimed_at.is_(None),
        )
        .values(cancelled_at=now, cancel_reason=reason)
    ).rowcount


def recipients_digest(recipients: dict[int, str]) -> str:
    """What a deadline's recipients and their roles were, in 64 characters."""
    return hashlib.sha256(repr(sorted(recipients.items())).encode()).hexdigest()


def _sync_recipients(dues: list[Due], open_deadlines: dict[tuple[str, str], OpenDeadline]) -> set[tuple[int, int]]:
    """Write the recipients of the deadlines whose recipients changed since the last generation (told
    by their digest); returns the (deadline id, user id) pairs added."""
    changed: dict[int, tuple[dict[int, str], str]] = {}
    for due in dues:
        deadline = open_deadlines.get((due.rule, due.subject))
        if deadline is not None:
            digest = recipients_digest(due.recipients)
            if digest != deadline.recipients_digest:
                changed[deadline.id] = (due.recipients, digest)
    if not changed:
        return set()
    desired = {
        (deadline_id, user_id): role
        for deadline_id, (recipients, _) in changed.items()
        for user_id, role in recipients.items()
    }
    existing = {}
    for part in chunks(list(changed)):
        rows = db.session.execute(
            select(
                DeadlineRecipient.id, DeadlineRecipient.deadline_id, DeadlineRecipient.user_id, DeadlineRecipient.role
            ).where(DeadlineRecipient.deadline_id.in_(part))
        )
        existing.update({(deadline_id, user_id): (row_id, role) for row_id, deadline_id, user_id, role in rows})
    added = [key for key in desired if key not in existing]
    insert_ignoring_duplicates(
        DeadlineRecipient.__table__,
        [{"deadline_id": deadline_id, "user_id": user_id, "role": desired[(deadline_id, user_id)]}
         for deadline_id, user_id in added],
        ["deadline_id", "user_id"],
    )
    gone = [row_id for key, (row_id, _) in existing.items() if key not in desired]
    for part in chunks(gone):
        db.session.execute(delete(DeadlineRecipient).where(DeadlineRecipient.id.in_(part)))
    for key, (row_id, role) in existing.items():
        if key in desired and desired[key] != role:
            db.session.execute(
                update(DeadlineRecipient).where(DeadlineRecipient.id == row_id).values(role=desired[key])
            )
    _write_bookkeeping("recipients_digest", [(deadline_id, digest) for deadline_id, (_, digest) in changed.items()])
    return set(added)


def _write_bookkeeping(column: str, values: list[tuple[int, object]]) -> None:
    """Set one bookkeeping column of these deadlines, (id, value) each, in batches of statements."""
    table = Deadline.__table__
    statement = update(table).where(table.c.id == bindparam("deadline_id")).values({column: bindparam("value")})
    for part in chunks(values):
        db.session.execute(statement, [{"deadline_id": deadline_id, "value": value} for deadline_id, value in part])


def _add_notifications(
    dues: list[Due], open_deadlines: dict[tuple[str, str], OpenDeadline], added: set[tuple[int, int]],
    now: datetime, hour: int,
) -> int:
    """One notification per recipient for the latest reminder day of each due, made once: for a
    deadline already reminded that day, only for the recipients just added. (The earlier days,
    missed during downtime or before the first sweep, would be superseded by it at once: see
    sweep.supersede.) The unique constraint still guards against a row made twice."""
    wanted, reminded = [], []
    for due in dues:
        deadline = open_deadlines.get((due.rule, due.subject))
        if deadline is None or not due.occurrences:
            continue
        occurrence = due.occurrences[-1]
        if deadline.reminded_on == occurrence:
            users = [user_id for user_id in due.recipients if (deadline.id, user_id) in added]
        else:
            users = list(due.recipients)
            reminded.append((deadline.id, occurrence))
        wanted += [(due, deadline.id, occurrence, user_id) for user_id in users]
    # Who gets what how, read only when there is something to make.
    modes = preferences() if wanted else {}
    digested = digested_since_last_slot(now, hour) if wanted else {}
    rows = []
    for due, deadline_id, occurrence, user_id in wanted:
        due_at = paris_instant(occurrence, hour)
        channel = modes.get(user_id, DEFAULT_DELIVERY)
        rows.append({
            "deadline_id": deadline_id,
            "rule": due.rule,
            "subject": due.subject,
            "recipient_id": user_id,
            "occurrence": occurrence,
            "text": due.title[:700],
            "channel": channel,
            "due_at": due_at,
            "scheduled_for": delivery_time(channel, due_at, now, hour, user_id in digested.get(channel, ())),
            "created_at": now,
            "attempts": 0,
        })
    created = insert_ignoring_duplicates(
        Notification.__table__, rows, ["rule", "subject", "recipient_id", "occurrence"]
    )
    _write_bookkeeping("reminded_on", reminded)
    return created

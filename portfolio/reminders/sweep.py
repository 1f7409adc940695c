"""One sweep of the reminders: `run_sweep(now)`, called by the scheduler, `flask reminders sweep`,
the tests (with a controlled clock) and the benchmark.

1. generate: the rules' dues become rows, idempotently (portfolio.reminders.generate);
2. supersede: of several undelivered reminders of one deadline to one person, only the newest
   goes out (after downtime one does not receive "in 7 days" and "today" together);
3. claim: an atomic `UPDATE … SET claimed_at, claim_token WHERE … claimed_at IS NULL` (on
   PostgreSQL over rows picked with `FOR UPDATE SKIP LOCKED`) gives each due row to exactly one
   sweep; a claim older than REMINDER_CLAIM_TIMEOUT_SECONDS (its sweep died) may be taken over;
4. deliver: one e-mail per person and delivery mode (a single reminder, or the list of those that
   fell due together: the daily or weekly digest, or several at once after downtime); in-app
   reminders need none. Then mark sent — in the same transaction as the outbox row, after the SMTP
   exchange for the "smtp" backend. A failure is recorded (attempts, last_error) and retried from
   next_attempt_at with exponential backoff.

The only copy possible is the SMTP one: a sweep killed after the server accepted a message and
before its commit leaves a claim that the next sweep takes over and sends again.
"""
import time
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, event, exists, or_, select, update
from sqlalchemy.orm import aliased

from portfolio.audit.tracking import acting_as
from portfolio.database import refresh_planner_statistics
from portfolio.extensions import db
from portfolio.reminders import messages
from portfolio.reminders.generate import BULK_ROWS, chunks, generate
from portfolio.reminders.mail import configured_backend
from portfolio.accounts.models import User
from portfolio.reminders.models import Deadline, Notification
from portfolio.timeutil import as_utc, utcnow

#: Recipients whose due notifications one claim takes (a person's digest is never split).
RECIPIENTS_PER_CLAIM = 200
SQLITE_BUSY_MILLISECONDS = 30_000


@dataclass
class Failure:
    notification_ids: list[int]
    recipient: str
    error: str
    next_attempt_at: datetime


@dataclass
class SweepResult:
    now: datetime
    #: The rules were not evaluated again: nothing changed since the last generation.
    generation_skipped: bool = False
    deadlines_opened: int = 0
    deadlines_closed: int = 0
    created: int = 0
    superseded: int = 0
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    #: E-mails handed to the backend successfully (a digest is one).
    emails: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["now"] = self.now.isoformat()
        for failure in data["failures"]:
            failure["next_attempt_at"] = failure["next_attempt_at"].isoformat()
        return data


def run_sweep(now: datetime | None = None, backend=None) -> SweepResult:
    """One whole sweep at `now` (the current instant by default), with the configured mail backend."""
    moment = as_utc(now) if now is not None else utcnow()
    started = time.perf_counter()
    _patient_sqlite()
    result = SweepResult(now=moment)
    with acting_as(label="rappels automatiques"):
        generated = generate(moment)
        result.generation_skipped = generated.skipped
        result.deadlines_opened = generated.deadlines_opened
        result.deadlines_closed = generated.deadlines_closed
        result.created = generated.created
        result.superseded = supersede(moment)
        deliver(moment, backend or configured_backend(), result)
    if result.sent + result.superseded >= BULK_ROWS:
        # Planned on statistics that still count these rows as undelivered, the next sweeps would
        # scan the whole table instead of the undelivered rows' index.
        refresh_planner_statistics(Notification.__tablename__)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _patient_sqlite() -> None:
    """SQLite connections wait for each other's writes (two sweeps at once) instead of failing at 5 s."""
    engine = db.engine
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _busy_timeout):
        event.listen(engine, "connect", _busy_timeout)


def _busy_timeout(dbapi_connection, connection_record) -> None:
    dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MILLISECONDS}")


def supersede(now: datetime) -> int:
    """Cancel the undelivered reminders that a newer due one of the same deadline and person replaces."""
    newer = aliased(Notification)
    replaced = exists().where(
        newer.deadline_id == Notification.deadline_id,
        newer.recipient_id == Notification.recipient_id,
        newer.occurrence > Notification.occurrence,
        newer.cancelled_at.is_(None),
        newer.due_at <= now,
    )
    count = db.session.execute(
        update(Notification)
        .where(
            Notification.sent_at.is_(None),
            Notification.cancelled_at.is_(None),
            Notification.claimed_at.is_(None),
            Notification.due_at <= now,
            replaced,
        )
        .values(cancelled_at=now, cancel_reason="superseded")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


def claimable(now: datetime):
    """Due, not delivered, not cancelled, past its backoff, and held by no live sweep."""
    expired = now - timedelta(seconds=current_app.config["REMINDER_CLAIM_TIMEOUT_SECONDS"])
    return and_(
        Notification.sent_at.is_(None),
        Notification.cancelled_at.is_(None),
        Notification.scheduled_for <= now,
        or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        or_(Notification.claimed_at.is_(None), Notification.claimed_at < expired),
    )


def claim(now: datetime, token: str, recipient_ids) -> int:
    """Take the due rows of these recipients for this sweep; returns how many it got. Commits."""
    condition = and_(Notification.recipient_id.in_(recipient_ids), claimable(now))
    if db.session.get_bind().dialect.name == "postgresql":
        # Rows another sweep is claiming right now are skipped rather than waited for.
        picked = select(Notification.id).where(condition).with_for_update(skip_locked=True)
        condition = and_(Notification.id.in_(picked.scalar_subquery()), claimable(now))
    count = db.session.execute(
        update(Notification)
        .where(condition)
        .values(claimed_at=now, claim_token=token)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


def deliver(now: datetime, backend, result: SweepResult) -> None:
    recipients = list(
        db.session.scalars(
            select(Notification.recipient_id).where(claimable(now)).distinct().order_by(Notification.recipient_id)
        )
    )
    try:
        for part in chunks(recipients, RECIPIENTS_PER_CLAIM):
            token = uuid.uuid4().hex
            claimed = claim(now, token, list(part))
            result.claimed += claimed
            if claimed:
                _deliver_claimed(now, token, backend, result)
    finally:
        backend.close()


@dataclass(frozen=True)
class Claimed:
    """A claimed notification as its delivery reads it: plain values, which the commit after each
    e-mail does not expire (ORM rows would all be reloaded one by one after every commit)."""

    id: int
    recipient_id: int
    name: str
    email: str
    channel: str
    attempts: int
    rule: str
    text: str
    due_on: date
    url: str | None


def _deliver_claimed(now: datetime, token: str, backend, result: SweepResult) -> None:
    rows = [
        Claimed(*row)
        for row in db.session.execute(
            select(
                Notification.id, Notification.recipient_id, User.name, User.email, Notification.channel,
                Notification.attempts, Notification.rule, Notification.text, Deadline.due_on, Deadline.url,
            )
            .join(User, User.id == Notification.recipient_id)
            .join(Deadline, Deadline.id == Notification.deadline_id)
            .where(Notification.claim_token == token)
            .order_by(Notification.recipient_id, Notification.due_at, Notification.id)
        )
    ]
    in_app = [row.id for row in rows if row.channel == "in_app"]
    if in_app:
        result.sent += _mark_sent(in_app, token, now)
        db.session.commit()
    # One e-mail per person and mode: what fell due for them in this sweep goes out together.
    batches: dict[tuple[int, str], list[Claimed]] = defaultdict(list)
    for row in rows:
        if row.channel in messages.DIGEST_TITLES:
            batches[(row.recipient_id, row.channel)].append(row)
    for (_, mode), batch in batches.items():
        _send(now, token, backend, mode, batch, result)


def _send(now: datetime, token: str, backend, mode: str, batch: list[Claimed], result: SweepResult) -> None:
    name, email = batch[0].name, batch[0].email
    attempts = {row.id: row.attempts for row in batch}
    items = [messages.item(row.text, row.rule, row.due_on, row.url, now) for row in batch]
    try:
        if mode == "immediate" and len(items) == 1:
            message = messages.single(name, email, items[0])
        else:
            message = messages.digest(name, email, mode, items)
        backend.send(message)
        result.sent += _mark_sent(list(attempts), token, now)
        db.session.commit()
        result.emails += 1
    except Exception as error:  # any failure of any backend: recorded, retried, never lost
        db.session.rollback()
        next_attempt = _record_failure(attempts, token, now, error)
        db.session.commit()
        result.failed += len(attempts)
        result.failures.append(Failure(sorted(attempts), email, _describe(error), next_attempt))
        current_app.logger.warning("reminder delivery to %s failed: %s", email, _describe(error))


def _mark_sent(ids: list[int], token: str, now: datetime) -> int:
    return db.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.claim_token == token)
        .values(sent_at=now, attempts=Notification.attempts + 1, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed attempt: base × 2^(attempts − 1), capped."""
    config = current_app.config
    seconds = config["REMINDER_RETRY_BASE_SECONDS"] * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, config["REMINDER_RETRY_MAX_SECONDS"]))


def _record_failure(attempts: dict[int, int], token: str, now: datetime, error: Exception) -> datetime:
    """Release the rows with their error and the time of their next attempt (the earliest is returned)."""
    earliest = None
    for row_id, made in attempts.items():
        next_attempt = now + backoff(made + 1)
        earliest = next_attempt if earliest is None else min(earliest, next_attempt)
        db.session.execute(
            update(Notification)
            .where(Notification.id == row_id, Notification.claim_token == token)
            .values(
                attempts=made + 1,
                last_error=_describe(error)[:2000],
                next_attempt_at=next_attempt,
                claimed_at=None,
                claim_token=None,
            )
            .execution_options(synchronize_session=False)
        )
    return earliest


def _describe(error: Exception) -> str:
    return str(error) or type(error).__name__

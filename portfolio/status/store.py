"""Writing and reading the `startup_status` rows: the incremental rewrite of a few startups, the
whole rebuild (`flask status rebuild`, the demo generator, the import), the refresh when the day
turns in Paris, and the reads of the pages."""
import secrets
from datetime import date
from typing import Iterable

from flask import current_app
from sqlalchemy import Select, delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from portfolio.extensions import db
from portfolio.status.compute import COLUMNS, Status, compute
from portfolio.database import among
from portfolio.startups.models import PhaseSpan
from portfolio.startups.phases import periods
from portfolio.status.models import PhasePeriod, RecordRevision, StartupStatus
from portfolio.timeutil import today_in_paris

#: Rows written per statement (SQLite binds at most 32,766 parameters).
BATCH = 1000


def new_revision() -> int:
    """A revision: drawn at random, so that it never comes back, even in a database emptied and
    refilled or restored from a backup (a fragment kept under it shows what the data was then)."""
    return secrets.randbits(62)


def write(statuses: Iterable[Status]) -> int:
    """Insert or replace these rows, in startup order (concurrent writers lock rows alike), each with
    a new revision."""
    rows = [{**status.values(), "revision": new_revision()}
            for status in sorted(statuses, key=lambda status: status.startup_id)]
    if not rows:
        return 0
    connection = db.session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = StartupStatus.__table__
    for start in range(0, len(rows), BATCH):
        statement = insert(table).values(rows[start:start + BATCH])
        connection.execute(statement.on_conflict_do_update(
            index_elements=["startup_id"],
            set_={name: statement.excluded[name] for name in (*COLUMNS, "revision") if name != "startup_id"},
        ))
    return len(rows)


#: The record whose revision changes whenever the phases of a day before today change (kind, id).
PHASE_HISTORY = ("phase_history", 0)
#: The record whose revision changes whenever a row's phase (today's) changes (kind, id).
CURRENT_PHASES = ("current_phases", 0)
#: The record whose revision changes whenever a row's committee status (its rank) changes (kind, id).
COMMITTEE_RANKS = ("committee_ranks", 0)


def write_periods(startup_ids: list[int] | None) -> None:
    """Replace the phase periods of these startups (of all when None) by those of their spans; when
    this changes a phase of a day before today, or when all are rewritten, draw the phase history a
    new revision (what is counted of a past day is kept under it)."""
    spans = select(PhaseSpan.startup_id, PhaseSpan.phase, PhaseSpan.start, PhaseSpan.end)
    table = PhasePeriod.__table__
    if startup_ids is None:
        before = None
        db.session.execute(delete(table))
    else:
        spans = spans.where(among(PhaseSpan.startup_id, startup_ids))
        before = db.session.execute(select(table.c.startup_id, table.c.phase, table.c.start, table.c.until)
                                    .where(among(table.c.startup_id, startup_ids))).all()
        db.session.execute(delete(table).where(among(table.c.startup_id, startup_ids)))
    by_startup: dict[int, list] = {}
    for span in db.session.execute(spans.order_by(PhaseSpan.startup_id, PhaseSpan.id)):
        by_startup.setdefault(span.startup_id, []).append(span)
    rows = [{"startup_id": startup_id, "phase": period.phase, "start": period.start, "until": period.until}
            for startup_id, listed in by_startup.items() for period in periods(listed)]
    for start in range(0, len(rows), BATCH):
        db.session.execute(table.insert(), rows[start:start + BATCH])
    after = [(row["startup_id"], row["phase"], row["start"], row["until"]) for row in rows]
    if before is None or _history(before) != _history(after):
        count_up(PHASE_HISTORY[0], [PHASE_HISTORY[1]])


def _history(rows: Iterable[tuple]) -> set[tuple]:
    """(startup id, phase, start, until) periods as they hold the days before today: those that begin
    later left out, the others ending today at the latest."""
    today = today_in_paris()
    return {(startup_id, phase, start, min(until, today) if until else today)
            for startup_id, phase, start, until in rows if start < today}


def phase_history_revision() -> int:
    """The phase history's revision (`write_periods`): the phases of every day before today are the
    same as long as it is."""
    return record_revision(*PHASE_HISTORY)


def current_phases_revision() -> int:
    """The revision of the rows' phases (`rewrite`, `rebuild`): how many startups are in each phase
    today stays the same as long as it does."""
    return record_revision(*CURRENT_PHASES)


def committee_ranks_revision() -> int:
    """The revision of the rows' committee statuses (`rewrite`, `rebuild`): how many startups have
    each status today stays the same as long as it does."""
    return record_revision(*COMMITTEE_RANKS)


def rewrite(startup_ids: Iterable[int], day: date | None = None) -> int:
    """Recompute the rows (and phase periods) of these startups (those that still exist) on `day`
    (today in Paris); when a row's phase or committee status changes, or a row comes or goes, draw
    the rows' phases, or their committee statuses, a new revision (what is counted of them is kept
    under it)."""
    ids = sorted(set(startup_ids))
    if not ids:
        return 0
    before = {row.startup_id: row for row in db.session.execute(
        select(StartupStatus.startup_id, StartupStatus.phase, StartupStatus.committee_rank)
        .where(among(StartupStatus.startup_id, ids)))}
    write_periods(ids)
    statuses = compute(day or today_in_paris(), ids)
    for (kind, record_id), column in ((CURRENT_PHASES, "phase"), (COMMITTEE_RANKS, "committee_rank")):
        if len(statuses) != len(before) or any(
            status.startup_id not in before or getattr(before[status.startup_id], column) != getattr(status, column)
            for status in statuses
        ):
            count_up(kind, [record_id])
    return write(statuses)


def rebuild(day: date | None = None) -> int:
    """Recompute every row and phase period from the records (rows of startups gone are dropped by
    their cascade; any left over are removed), and count up every convention's revision: a bulk
    writer (the generator, the import) rebuilds after writing what the ORM did not see; the rows'
    phases and committee statuses get a new revision too. Returns the number of rows written."""
    from portfolio.funding.models import Convention

    write_periods(None)
    count_up("convention", db.session.scalars(select(Convention.id)))
    for kind, record_id in (CURRENT_PHASES, COMMITTEE_RANKS):
        count_up(kind, [record_id])
    statuses = compute(day or today_in_paris())
    known = {status.startup_id for status in statuses}
    stale_ids = [ident for ident in db.session.scalars(select(StartupStatus.startup_id)) if ident not in known]
    if stale_ids:
        db.session.execute(delete(StartupStatus).where(StartupStatus.startup_id.in_(stale_ids)))
    return write(statuses)


def behind(today: date) -> bool:
    """Whether some row holds for an earlier day than `today` (one indexed lookup)."""
    return bool(db.session.scalar(select(exists().where(StartupStatus.computed_on < today))))


def refresh(today: date | None = None) -> int:
    """When the day has turned since the rows were computed, recompute them all (the scheduler calls
    this every minute; pages call it too, so that a page read just after midnight is of its day).
    Commits when it wrote. Returns the number of rows written.

    Once a process has seen every row of `today` or later, it asks no more that day: a row is only
    ever written for the day it is written on (`rewrite`, `rebuild`), so none falls behind again."""
    today = today or today_in_paris()
    fresh = current_app.extensions.setdefault("status_fresh_on", {})
    if fresh.get(db.engine.url) == today:
        return 0
    written = 0
    if behind(today):
        written = rebuild(today)
        db.session.commit()
    fresh[db.engine.url] = today
    return written


def phases_on(day: date, startup_ids: list[int] | None = None) -> Select:
    """SQL: (startup_id, phase, start) of each startup with a phase on `day` (among `startup_ids` when
    given): the day-D rule read from the kept periods, one range over their index."""
    statement = select(PhasePeriod.startup_id, PhasePeriod.phase, PhasePeriod.start).where(
        PhasePeriod.start <= day, or_(PhasePeriod.until.is_(None), PhasePeriod.until > day)
    )
    return statement if startup_ids is None else statement.where(PhasePeriod.startup_id.in_(startup_ids))


def count_up(kind: str, record_ids: Iterable[int]) -> None:
    """Give these records a new revision."""
    ids = sorted(set(record_ids))
    if not ids:
        return
    connection = db.session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = RecordRevision.__table__
    statement = insert(table).values([{"kind": kind, "record_id": ident, "revision": new_revision()} for ident in ids])
    connection.execute(statement.on_conflict_do_update(
        index_elements=["kind", "record_id"], set_={"revision": statement.excluded.revision}
    ))


def record_revision(kind: str, record_id: int) -> int:
    """A record's revision (0 before its first commit was counted)."""
    return db.session.scalar(select(RecordRevision.revision).where(
        RecordRevision.kind == kind, RecordRevision.record_id == record_id)) or 0


def revisions_of(startup_ids: Iterable[int]) -> dict[int, int]:
    """{startup id: its row's revision}, in one statement."""
    ids = list(set(startup_ids))
    if not ids:
        return {}
    return dict(db.session.execute(
        select(StartupStatus.startup_id, StartupStatus.revision).where(StartupStatus.startup_id.in_(ids))).all())


def revision_of(startup_id: int) -> int | None:
    """The row's revision (None when the startup has no row)."""
    return db.session.scalar(select(StartupStatus.revision).where(StartupStatus.startup_id == startup_id))


def status_of(startup_id: int) -> StartupStatus | None:
    return db.session.get(StartupStatus, startup_id)


def statuses_of(startup_ids: Iterable[int]) -> dict[int, StartupStatus]:
    ids = list(set(startup_ids))
    if not ids:
        return {}
    return {row.startup_id: row for row in db.session.scalars(select(StartupStatus).where(StartupStatus.startup_id.in_(ids)))}


def stored_periods() -> list[tuple]:
    """Every phase period as (startup id, phase, start, until), in order (for the property test)."""
    table = PhasePeriod.__table__
    return [tuple(row) for row in db.session.execute(
        select(table.c.startup_id, table.c.phase, table.c.start, table.c.until).order_by(table.c.startup_id, table.c.start))]


def stored() -> list[Status]:
    """Every row as plain values, by startup id (the property test compares them with `compute`)."""
    rows = db.session.execute(select(*(getattr(StartupStatus, name) for name in COLUMNS)).order_by(StartupStatus.startup_id))
    return [Status(*row) for row in rows]

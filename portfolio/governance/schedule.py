"""Each active startup's committee situation on a day: its last and next investment committees,
its funding run-out and the day its next committee is due by the doctrine (`doctrine`), as the
next-committees page, its CSV, the startup page, the dossier, the calendar feed and the reminders
show it. Today's is read from the status rows (`portfolio.status`); another day's is computed by
the same function that writes them, in a constant number of SQL statements.
"""
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import aliased

from portfolio.core import fragments
from portfolio.database import among
from portfolio.extensions import db
from portfolio.governance.doctrine import STATUS_RANK, STATUSES, committee_status, status_text
from portfolio.governance.models import outcome_label
from portfolio.startups.folding import fold_text
from portfolio.startups.models import CoIncubation, Incubator, Startup
from portfolio.startups.phases import ACTIVE_PHASES, label
from portfolio.status import store
from portfolio.status.compute import RunOuts, compute
from portfolio.status.models import StartupStatus
from portfolio.timeutil import today_in_paris


@dataclass(frozen=True)
class CommitteeSchedule:
    """One active startup's committee situation on a day."""

    startup_id: int
    slug: str
    name: str
    incubator: str | None
    phase: str
    #: The day of the latest investment committee on or before `on` (Paris date), if any.
    last_committee: date | None
    #: The estimated day its funding runs out, when funding is known.
    run_out: date | None
    next_committee: date | None
    status: str
    #: The day of the next investment committee already scheduled after `on`, if any.
    scheduled_on: date | None
    on: date
    #: That scheduled meeting, and the outcome recorded at the last committee (a DECISION_OUTCOMES key).
    scheduled_meeting_id: int | None = None
    last_outcome: str | None = None
    #: Whether funding is followed for the startup ("tracked") or not ("none").
    funding_state: str = "none"

    @property
    def phase_label(self) -> str:
        return label(self.phase)

    @property
    def status_label(self) -> str:
        return status_text(self.status, self.scheduled_on)

    @property
    def last_outcome_label(self) -> str | None:
        """The last committee's outcome as every page names it (None when no committee took place)."""
        return None if self.last_committee is None else outcome_label(self.last_outcome)

    @property
    def days_until(self) -> int | None:
        """Days from `on` to the next committee (negative when overdue)."""
        return None if self.next_committee is None else (self.next_committee - self.on).days


def urgency_order(row: CommitteeSchedule) -> tuple:
    """Most urgent first: by status, then the earliest next committee (none last), then the name."""
    return (STATUS_RANK[row.status], row.next_committee is None, row.next_committee or date.max, fold_text(row.name))


# --- The whole portfolio, in bulk -------------------------------------------------------------


def _startups(incubator: str | None, startup_ids: tuple[int, ...] | None, *columns) -> Select:
    statement = (
        select(Startup.id, Startup.slug, Startup.name, Incubator.name.label("incubator"), *columns)
        .outerjoin(Incubator, Incubator.id == Startup.incubator_id)
    )
    statement = _of_incubator(statement, incubator)
    if startup_ids is not None:
        statement = statement.where(among(Startup.id, startup_ids))
    return statement


def _of_incubator(statement: Select, incubator: str | None) -> Select:
    """The startups of an incubator (by slug), co-incubated ones included."""
    if not incubator:
        return statement
    wanted = aliased(Incubator)
    incubator_id = select(wanted.id).where(wanted.slug == incubator).scalar_subquery()
    co_incubated = exists().where(CoIncubation.startup_id == Startup.id, CoIncubation.incubator_id == incubator_id)
    return statement.where(or_(Startup.incubator_id == incubator_id, co_incubated))


def schedule_from(status, slug: str, name: str, incubator: str | None, on: date) -> CommitteeSchedule:
    """A status (row or computed values) and the startup's names -> its CommitteeSchedule on `on`."""
    return CommitteeSchedule(
        startup_id=status.startup_id,
        slug=slug,
        name=name,
        incubator=incubator,
        phase=status.phase,
        last_committee=status.last_committee_on,
        run_out=status.run_out_on,
        next_committee=status.committee_due_on,
        status=committee_status(on, status.last_committee_on, status.committee_due_on, status.next_committee_on),
        scheduled_on=status.next_committee_on,
        on=on,
        scheduled_meeting_id=status.next_committee_id,
        last_outcome=status.last_committee_outcome,
        funding_state=status.funding_state,
    )


def portfolio_schedule(
    day: date | None = None,
    incubator: str | None = None,
    run_outs: RunOuts | None = None,
    startup_ids: Iterable[int] | None = None,
) -> list[CommitteeSchedule]:
    """Every startup active on `day` (optionally of one incubator, or among `startup_ids`) with its
    next committee, most urgent first. Today's from the status rows (one statement); another day's,
    or with a caller's own run-out provider, computed."""
    today = today_in_paris()
    day = day or today
    startup_ids = None if startup_ids is None else tuple(startup_ids)
    if startup_ids is not None and not startup_ids:
        return []
    if run_outs is None and day == today:
        store.refresh(today)
        return _from_records(db.session.execute(_today(incubator, startup_ids)), day)
    else:
        startups = {record.id: record for record in db.session.execute(_startups(incubator, startup_ids))}
        ids = None if incubator is None and startup_ids is None else list(startups)
        rows = [
            schedule_from(status, startups[status.startup_id].slug, startups[status.startup_id].name,
                          startups[status.startup_id].incubator, day)
            for status in compute(day, ids, run_outs)
            if status.phase in ACTIVE_PHASES and status.startup_id in startups
        ]
    return sorted(rows, key=urgency_order)


def _today(incubator: str | None, startup_ids: tuple[int, ...] | None = None, status: str | None = None) -> Select:
    """Today's active startups from their status rows, most urgent first (`urgency_order`, in SQL:
    the stored status's rank (stored for active startups only), the due day with none last, the
    folded name: one range of `ix_startup_status_committee_order`)."""
    statement = (
        _startups(incubator, startup_ids, StartupStatus)
        .join(StartupStatus, StartupStatus.startup_id == Startup.id)
        .where(StartupStatus.committee_rank.is_not(None))
        .order_by(
            StartupStatus.committee_rank,
            StartupStatus.committee_sort_on,
            StartupStatus.sort_name,
            StartupStatus.startup_id,
        )
    )
    return statement if status is None else statement.where(StartupStatus.committee_rank == STATUS_RANK[status])


def _from_records(records, day: date) -> list[CommitteeSchedule]:
    return [schedule_from(record.StartupStatus, record.slug, record.name, record.incubator, day) for record in records]


class TodayPage(Pagination):
    """A page of today's next committees, read from the status rows a page at a time."""

    def _query_items(self) -> list[CommitteeSchedule]:
        statement = self._query_args["statement"].limit(self.per_page).offset(self._query_offset)
        return _from_records(db.session.execute(statement), self._query_args["day"])

    def _query_count(self) -> int:
        return self._query_args["total"]


def _by_rank(incubator: str | None, today: date) -> tuple:
    """(rank, how many active startups have its status today) under the incubator filter. Those of
    every startup change only with the rows' committee statuses: counted once per revision of these
    and kept (`portfolio.core.fragments`), as long as one was drawn."""

    def count() -> list:
        # By rank (one status each): a range of the order's index, which holds all it counts.
        grouped = (
            select(StartupStatus.committee_rank, func.count())
            .where(StartupStatus.committee_rank.is_not(None))
            .group_by(StartupStatus.committee_rank)
        )
        if incubator:
            grouped = _of_incubator(grouped.join(Startup, Startup.id == StartupStatus.startup_id), incubator)
        return db.session.execute(grouped).all()

    revision = None if incubator else store.committee_ranks_revision()
    return fragments.counts_under(("committee-ranks", today), revision, count)


def today_page(
    incubator: str | None, status: str | None, per_page: int, page: int | None = None
) -> tuple[dict[str, int], TodayPage]:
    """(counts per status under the incubator filter, a page of the rows of `status`: `page`, or the
    request's `page=`) for today: two statements whatever the portfolio's size."""
    today = today_in_paris()
    store.refresh(today)
    by_rank = list(STATUSES)
    counts = dict.fromkeys(STATUSES, 0) | {by_rank[rank]: count for rank, count in _by_rank(incubator, today)}
    total = counts.get(status, 0) if status else sum(counts.values())
    return counts, TodayPage(
        statement=_today(incubator, status=status), day=today, total=total,
        page=page, per_page=per_page, max_per_page=None, error_out=False,
    )


def status_counts(rows: Iterable[CommitteeSchedule]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def next_committee_for(startup: Startup, day: date | None = None, run_outs: RunOuts | None = None):
    """One startup's CommitteeSchedule on `day` (today in Paris), or None when it is not active then."""
    rows = portfolio_schedule(day, run_outs=run_outs, startup_ids=[startup.id])
    return rows[0] if rows else None

"""When each active startup's next investment committee is due: the doctrine's rule, pure, and its
computation for the whole portfolio in a constant number of SQL statements.

Doctrine: an investment committee at least every 6 months per startup, and 30 days at the latest
before its funding runs out. So the next committee is the earlier of (last committee + 6 months)
and (estimated run-out − 30 days) when the run-out is known. A startup never reviewed has the
run-out rule alone (no date without funding). "Last committee" is the latest investment-committee
review of the startup on or before the day (registry history included, cancelled meetings not).
When that committee granted a provisional budget (1–2 months pending proof), the next one is due
at the end of that budget instead of 6 months later.
"""
import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterable, Mapping, Sequence

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import aliased

from portfolio.audit import versions
from portfolio.database import among
from portfolio.extensions import db
from portfolio.governance.models import Decision, Meeting, Review
from portfolio.governance.run_outs import estimated_run_outs
from portfolio.startups.models import CoIncubation, Incubator, Startup
from portfolio.startups.phases import ACTIVE_PHASES, label, phase_on_query
from portfolio.startups.folding import fold_text
from portfolio.timeutil import PARIS, as_utc, to_paris, today_in_paris

COMMITTEE_INTERVAL_MONTHS = 6
RUN_OUT_MARGIN = timedelta(days=30)
DUE_SOON_DAYS = 45

#: Statuses, in the order the chair's view lists them (most urgent first).
STATUSES = {
    "overdue": "En retard",
    "due_soon": f"À tenir sous {DUE_SOON_DAYS} jours",
    "never_reviewed": "Jamais passée en comité",
    "ok": "À jour",
}
STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}

#: (startup ids, day) -> {startup id: estimated funding run-out date, or None when unknown}.
RunOuts = Callable[[Sequence[int], date], Mapping[int, date | None]]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (31 Aug + 6 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_committee_date(
    last_committee: date | None, run_out: date | None, interval_months: int | None = None
) -> date | None:
    """The doctrine's rule: the earlier of last + 6 months (or + the provisional budget's months that
    committee granted) and run-out − 30 days, each when known."""
    candidates = []
    if last_committee is not None:
        candidates.append(add_months(last_committee, interval_months or COMMITTEE_INTERVAL_MONTHS))
    if run_out is not None:
        candidates.append(run_out - RUN_OUT_MARGIN)
    return min(candidates) if candidates else None


def committee_status(day: date, last_committee: date | None, next_committee: date | None) -> str:
    """One of STATUSES on `day`: a startup with no past committee is `never_reviewed` whatever its date."""
    if last_committee is None:
        return "never_reviewed"
    if next_committee < day:
        return "overdue"
    if next_committee <= day + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "ok"


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

    @property
    def phase_label(self) -> str:
        return label(self.phase)

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def days_until(self) -> int | None:
        """Days from `on` to the next committee (negative when overdue)."""
        return None if self.next_committee is None else (self.next_committee - self.on).days


def schedule_of(
    on: date, startup: tuple[int, str, str, str | None, str], last_committee: date | None,
    run_out: date | None, scheduled_on: date | None = None, interval_months: int | None = None,
) -> CommitteeSchedule:
    """The pure assembly: (id, slug, name, incubator, phase) and the dates -> a CommitteeSchedule."""
    startup_id, slug, name, incubator, phase = startup
    next_committee = next_committee_date(last_committee, run_out, interval_months)
    return CommitteeSchedule(
        startup_id=startup_id,
        slug=slug,
        name=name,
        incubator=incubator,
        phase=phase,
        last_committee=last_committee,
        run_out=run_out,
        next_committee=next_committee,
        status=committee_status(on, last_committee, next_committee),
        scheduled_on=scheduled_on,
        on=on,
    )


def urgency_order(row: CommitteeSchedule) -> tuple:
    """Most urgent first: by status, then the earliest next committee (none last), then the name."""
    return (STATUS_RANK[row.status], row.next_committee is None, row.next_committee or date.max, fold_text(row.name))


# --- The whole portfolio, in bulk -------------------------------------------------------------


def _end_of_day(day: date) -> datetime:
    """The first instant (UTC) after `day` ends in Paris: meetings before it happen on or before `day`."""
    return as_utc(datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS))


def _committees() -> Select:
    """Investment-committee reviews that count (a cancelled meeting did not happen)."""
    return (
        select(Review.startup_id, Meeting.starts_at)
        .join(Meeting, Meeting.id == Review.meeting_id)
        .where(Meeting.kind == "investment_committee", Meeting.status != "cancelled")
    )


def _active_startups(day: date, incubator: str | None, startup_ids: Iterable[int] | None) -> Select:
    if startup_ids is not None:
        startup_ids = list(startup_ids)
    # For a few startups (a startup's page, a dossier), the phase window reads only their spans.
    current = phase_on_query(day, startup_ids).subquery("current_phase")
    statement = (
        select(Startup.id, Startup.slug, Startup.name, Incubator.name, current.c.phase)
        .join(current, current.c.startup_id == Startup.id)
        .outerjoin(Incubator, Incubator.id == Startup.incubator_id)
        .where(current.c.phase.in_(ACTIVE_PHASES))
    )
    if incubator:
        wanted = aliased(Incubator)
        incubator_id = select(wanted.id).where(wanted.slug == incubator).scalar_subquery()
        co_incubated = exists().where(CoIncubation.startup_id == Startup.id, CoIncubation.incubator_id == incubator_id)
        statement = statement.where(or_(Startup.incubator_id == incubator_id, co_incubated))
    if startup_ids is not None:
        statement = statement.where(Startup.id.in_(startup_ids))
    return statement


def portfolio_schedule(
    day: date | None = None,
    incubator: str | None = None,
    run_outs: RunOuts | None = None,
    startup_ids: Iterable[int] | None = None,
) -> list[CommitteeSchedule]:
    """Every startup active on `day` (optionally of one incubator, or among `startup_ids`) with its
    next committee, most urgent first. Three statements plus the run-out provider's, whatever the size;
    with the default provider, read from the read cache while no write happened."""
    day = day or today_in_paris()
    startup_ids = None if startup_ids is None else tuple(startup_ids)
    if run_outs is not None:  # a caller's own provider: nothing to share
        return list(_schedule(day, incubator, run_outs, startup_ids))
    compute = lambda: _schedule(day, incubator, estimated_run_outs, startup_ids)  # noqa: E731
    return list(versions.cached("governance.schedule", (day, incubator, startup_ids), compute))


def _schedule(
    day: date, incubator: str | None, run_outs: RunOuts, startup_ids: tuple[int, ...] | None
) -> tuple[CommitteeSchedule, ...]:
    startups = db.session.execute(_active_startups(day, incubator, startup_ids)).all()
    if not startups:
        return ()
    ids = [row[0] for row in startups]
    bound = _end_of_day(day)
    committees = _committees().subquery()
    last = dict(
        db.session.execute(
            select(committees.c.startup_id, func.max(committees.c.starts_at))
            .where(committees.c.starts_at < bound, among(committees.c.startup_id, ids))
            .group_by(committees.c.startup_id)
        ).all()
    )
    upcoming = dict(
        db.session.execute(
            select(committees.c.startup_id, func.min(committees.c.starts_at))
            .where(committees.c.starts_at >= bound, among(committees.c.startup_id, ids))
            .group_by(committees.c.startup_id)
        ).all()
    )
    provisional = _provisional_months(last, bound, ids)
    funding = run_outs(ids, day)
    rows = [
        schedule_of(
            day,
            tuple(startup),
            _paris_day(last.get(startup[0])),
            funding.get(startup[0]),
            _paris_day(upcoming.get(startup[0])),
            provisional.get(startup[0]),
        )
        for startup in startups
    ]
    return tuple(sorted(rows, key=urgency_order))


def _provisional_months(last: Mapping[int, datetime], bound: datetime, ids: list[int]) -> dict[int, int]:
    """{startup id: months of the provisional budget its last committee granted}, for the startups
    whose last committee did (one statement)."""
    if not last:
        return {}
    rows = db.session.execute(
        select(Review.startup_id, Meeting.starts_at, Decision.provisional_months)
        .join(Meeting, Meeting.id == Review.meeting_id)
        .join(Decision, Decision.review_id == Review.id)
        .where(
            Meeting.kind == "investment_committee", Meeting.status != "cancelled", Meeting.starts_at < bound,
            Decision.outcome == "provisional", Decision.provisional_months.is_not(None),
            among(Review.startup_id, ids),
        )
    ).all()
    return {
        startup_id: months for startup_id, starts_at, months in rows
        if as_utc(starts_at) == as_utc(last[startup_id])
    }


def _paris_day(moment: datetime | None) -> date | None:
    return None if moment is None else to_paris(moment).date()


def status_counts(rows: Iterable[CommitteeSchedule]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def next_committee_for(startup: Startup, day: date | None = None, run_outs: RunOuts | None = None):
    """One startup's CommitteeSchedule on `day` (today in Paris), or None when it is not active then."""
    rows = portfolio_schedule(day, run_outs=run_outs, startup_ids=[startup.id])
    return rows[0] if rows else None

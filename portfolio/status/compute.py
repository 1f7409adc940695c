"""The status of startups on a day, computed from the records in a fixed number of statements
whatever their number: for the rows kept in `startup_status` (today) and for the pages asked
about another day (the next committees "as of" a date). One computation for both, so that the
incremental rows, the rebuilt ones and the pages on a past day follow the same rules."""
from dataclasses import astuple, dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterable, Mapping, Sequence

from flask import current_app
from sqlalchemy import func, select

from portfolio.database import among
from portfolio.extensions import db
from portfolio.funding.run_outs import estimated_run_outs
from portfolio.governance.models import Decision, Meeting, Review
from portfolio.governance.doctrine import STATUS_RANK, committee_status, next_committee_date
from portfolio.startups.folding import fold_text
from portfolio.startups.models import (
    CoIncubation, ImpactCertification, Incubator, Organisation, PhaseSpan, Sponsorship, Startup,
)
from portfolio.startups.phases import ACTIVE_PHASES, RANK, phase_on_query
from portfolio.timeutil import PARIS, as_utc, to_paris

#: (startup ids, day) -> {startup id: estimated funding run-out date, or None when unknown}.
RunOuts = Callable[[Sequence[int], date], Mapping[int, date | None]]


@dataclass(frozen=True)
class Status:
    """One startup's status on `computed_on`: the values of its `startup_status` row."""

    startup_id: int
    computed_on: date
    sort_name: str
    search_text: str
    phase: str | None
    phase_since: date | None
    next_phase: str | None
    next_phase_on: date | None
    stale_on: date | None
    beyond_norm_on: date | None
    last_committee_on: date | None
    last_committee_id: int | None
    last_committee_outcome: str | None
    next_committee_on: date | None
    next_committee_id: int | None
    committee_due_on: date | None
    run_out_on: date | None
    funding_state: str
    committee_status: str | None
    committee_rank: int | None
    health: str | None = None
    health_on: date | None = None
    health_meeting_id: int | None = None
    sponsor_names: str = ""
    co_incubator_names: str = ""
    committee_sort_on: date | None = None

    @property
    def sponsors(self) -> list[str]:
        return self.sponsor_names.split("\n") if self.sponsor_names else []

    @property
    def co_incubators(self) -> list[str]:
        return self.co_incubator_names.split("\n") if self.co_incubator_names else []
    impact_level: str | None = None
    impact_on: date | None = None
    impact_by: str | None = None

    def values(self) -> dict:
        return {field.name: value for field, value in zip(fields(self), astuple(self))}


COLUMNS = tuple(field.name for field in fields(Status))
#: The sort day of an active startup without a due day: after every real one, on every database
#: (SQLite puts NULL first, PostgreSQL last), so that next committees' order is one index range.
UNDATED = date(9999, 12, 31)


def stale_from(updated_at: datetime, after_days: int) -> date:
    """The first day (Paris) on which a startup last updated at `updated_at` is stale: the day of the
    instant `after_days` later. The portfolio's flag and the reminder rule both read it."""
    return to_paris(as_utc(updated_at) + timedelta(days=after_days)).date()


def beyond_norm_from(phase: str, since: date, norms: Mapping[str, int]) -> date | None:
    """The first day a startup in `phase` since `since` has spent more days in it than its norm."""
    return since + timedelta(days=norms[phase] + 1) if phase in norms else None


def end_of_day(day: date) -> datetime:
    """The first instant (UTC) after `day` ends in Paris: meetings before it happen on or before `day`."""
    return as_utc(datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS))


def committees_that_count():
    """Investment-committee reviews that count (a cancelled meeting did not happen), with the
    meeting and its decision's outcome (and a provisional budget's months): the rows the last and
    next committee are read from."""
    return (
        select(Review.startup_id, Meeting.id, Meeting.starts_at, Decision.outcome, Decision.provisional_months)
        .join(Meeting, Meeting.id == Review.meeting_id)
        .outerjoin(Decision, Decision.review_id == Review.id)
        .where(Meeting.kind == "investment_committee", Meeting.status != "cancelled")
    )


def _restricted(statement, column, startup_ids):
    return statement if startup_ids is None else statement.where(among(column, startup_ids))


def _names(statement) -> dict[int, str]:
    """{startup id: the names (startup id, name) rows give it, sorted without case nor accents, one a line}."""
    names: dict[int, list[str]] = {}
    for startup_id, name in db.session.execute(statement):
        names.setdefault(startup_id, []).append(name)
    return {startup_id: "\n".join(sorted(listed, key=fold_text)) for startup_id, listed in names.items()}
def _impact_levels(day: date, ids: list[int] | None) -> dict[int, tuple[str, date, str | None]]:
    """{startup id: (level, day, certifier)} of the impact level each startup had on `day`: the one
    recorded with the latest day up to `day` (on the same day, the last recorded)."""
    latest: dict[int, tuple] = {}
    statement = select(
        ImpactCertification.startup_id, ImpactCertification.certified_on, ImpactCertification.id,
        ImpactCertification.level, ImpactCertification.certified_by,
    ).where(ImpactCertification.certified_on <= day)
    for startup_id, on, ident, level, by in db.session.execute(_restricted(statement, ImpactCertification.startup_id, ids)):
        if startup_id not in latest or (on, ident) > latest[startup_id][0]:
            latest[startup_id] = ((on, ident), level, by)
    return {startup_id: (level, key[0], by) for startup_id, (key, level, by) in latest.items()}


def compute(day: date, startup_ids: Iterable[int] | None = None, run_outs: RunOuts | None = None) -> list[Status]:
    """The status on `day` of these startups (all of them when None), by startup id."""
    ids = None if startup_ids is None else sorted(set(startup_ids))
    if ids is not None and not ids:
        return []
    config = current_app.config
    stale_after, norms = config["STALE_AFTER_DAYS"], config["PHASE_NORMS_DAYS"]
    startups = db.session.execute(
        _restricted(select(Startup.id, Startup.name, Startup.pitch, Startup.updated_at), Startup.id, ids)
    ).all()
    current = {row.startup_id: (row.phase, row.start) for row in db.session.execute(phase_on_query(day, ids))}
    planned: dict[int, tuple[str, date]] = {}
    for startup_id, phase, start in db.session.execute(
        _restricted(select(PhaseSpan.startup_id, PhaseSpan.phase, PhaseSpan.start).where(PhaseSpan.start > day),
                    PhaseSpan.startup_id, ids)
    ):
        # The earliest planned start; on the same day, the later stage (the day-D rule).
        key = (start, -RANK.get(phase, -1))
        if startup_id not in planned or key < (planned[startup_id][1], -RANK.get(planned[startup_id][0], -1)):
            planned[startup_id] = (phase, start)
    bound = end_of_day(day)
    last: dict[int, tuple] = {}
    upcoming: dict[int, tuple] = {}
    for startup_id, meeting_id, starts_at, outcome, months in db.session.execute(
        _restricted(committees_that_count(), Review.startup_id, ids)
    ):
        moment = as_utc(starts_at)
        if moment < bound:
            if startup_id not in last or (moment, meeting_id) > last[startup_id][:2]:
                last[startup_id] = (moment, meeting_id, outcome, months if outcome == "provisional" else None)
        elif startup_id not in upcoming or (moment, meeting_id) < upcoming[startup_id][:2]:
            upcoming[startup_id] = (moment, meeting_id)
    healths: dict[int, tuple] = {}
    for startup_id, meeting_id, starts_at, health in db.session.execute(
        _restricted(
            select(Review.startup_id, Meeting.id, Meeting.starts_at, Review.health)
            .join(Meeting, Meeting.id == Review.meeting_id)
            .where(Meeting.status != "cancelled", Review.health.is_not(None)),
            Review.startup_id, ids,
        )
    ):
        moment = as_utc(starts_at)
        if moment < bound and (startup_id not in healths or (moment, meeting_id) > healths[startup_id][:2]):
            healths[startup_id] = (moment, meeting_id, health)
    sponsors = _names(_restricted(
        select(Sponsorship.startup_id, func.coalesce(func.nullif(Organisation.acronym, ""), Organisation.name))
        .join(Organisation, Organisation.id == Sponsorship.organisation_id), Sponsorship.startup_id, ids))
    co_incubators = _names(_restricted(
        select(CoIncubation.startup_id, Incubator.name)
        .join(Incubator, Incubator.id == CoIncubation.incubator_id), CoIncubation.startup_id, ids))
    impacts = _impact_levels(day, ids)
    active = [startup_id for startup_id, (phase, _) in current.items() if phase in ACTIVE_PHASES]
    funding = (run_outs or estimated_run_outs)(active, day) if active else {}
    statuses = []
    for startup in startups:
        phase, since = current.get(startup.id, (None, None))
        is_active = phase in ACTIVE_PHASES
        next_phase, next_phase_on = planned.get(startup.id, (None, None))
        last_moment, last_id, last_outcome, provisional = last.get(startup.id, (None, None, None, None))
        next_moment, next_id = upcoming.get(startup.id, (None, None))
        last_on = to_paris(last_moment).date() if last_moment else None
        run_out = funding.get(startup.id) if is_active else None
        next_on = to_paris(next_moment).date() if next_moment else None
        due_on = next_committee_date(last_on, run_out, provisional) if is_active else None
        situation = committee_status(day, last_on, due_on, next_on) if is_active else None
        health_moment, health_meeting, health = healths.get(startup.id, (None, None, None))
        impact_level, impact_on, impact_by = impacts.get(startup.id, (None, None, None))
        statuses.append(Status(
            startup_id=startup.id,
            computed_on=day,
            sort_name=fold_text(startup.name)[:300],
            search_text=fold_text(f"{startup.name}\n{startup.pitch or ''}"),
            phase=phase,
            phase_since=since,
            next_phase=next_phase,
            next_phase_on=next_phase_on,
            stale_on=stale_from(startup.updated_at, stale_after) if is_active and startup.updated_at else None,
            beyond_norm_on=beyond_norm_from(phase, since, norms) if phase else None,
            last_committee_on=last_on,
            last_committee_id=last_id,
            last_committee_outcome=last_outcome,
            next_committee_on=next_on,
            next_committee_id=next_id,
            committee_due_on=due_on,
            run_out_on=run_out,
            funding_state="tracked" if startup.id in funding else "none",
            committee_status=situation,
            committee_rank=None if situation is None else STATUS_RANK[situation],
            committee_sort_on=None if situation is None else due_on or UNDATED,
            health=health,
            health_on=to_paris(health_moment).date() if health_moment else None,
            health_meeting_id=health_meeting,
            sponsor_names=sponsors.get(startup.id, ""),
            co_incubator_names=co_incubators.get(startup.id, ""),
            impact_level=impact_level,
            impact_on=impact_on,
            impact_by=impact_by,
        ))
    return sorted(statuses, key=lambda status: status.startup_id)

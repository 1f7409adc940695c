"""What the homes read from the status rows: a person's own startups at a glance, and the startups of
an incubator (or of all of them) that need updating — stale, in their phase past its norm, or with a
committee overdue — counted and the first few named. A fixed number of statements whatever the
portfolio's size; the flags mean what the portfolio's filters and the next committees mean."""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, and_, exists, func, or_, select

from portfolio.database import among
from portfolio.extensions import db
from portfolio.governance.doctrine import status_text
from portfolio.startups.models import CoIncubation, Startup
from portfolio.startups.phases import label
from portfolio.status.models import StartupStatus
from portfolio.timeutil import duration_fr

#: The kinds of "to update", in the order a coach reads them.
TO_UPDATE = ("stale", "long_in_phase", "overdue")


@dataclass(frozen=True)
class Glance:
    """One startup as a home shows it: its phase and since, its flags and its committee situation."""

    startup_id: int
    slug: str
    name: str
    phase: str | None
    phase_since: date | None
    stale_on: date | None
    beyond_norm_on: date | None
    committee_status: str | None
    committee_due_on: date | None
    next_committee_on: date | None
    next_committee_id: int | None
    last_committee_on: date | None
    #: When its record last changed (UTC).
    updated_at: datetime | None
    today: date

    @property
    def phase_label(self) -> str:
        return label(self.phase) if self.phase else "Sans phase"

    @property
    def stale(self) -> bool:
        return self.stale_on is not None and self.stale_on <= self.today

    @property
    def long_in_phase(self) -> bool:
        return self.beyond_norm_on is not None and self.beyond_norm_on <= self.today

    @property
    def time_in_phase(self) -> str | None:
        """"1 an et 5 mois", "12 jours", "aujourd’hui", as the startup page says it."""
        return None if self.phase_since is None else duration_fr(self.phase_since, self.today)

    # `status` and `status_label`: what the committee status badge (governance/next_macros.html) reads.
    @property
    def status(self) -> str | None:
        """Its committee status (a `doctrine.STATUSES` key; None for a startup the programme no longer follows)."""
        return self.committee_status

    @property
    def status_label(self) -> str | None:
        """"En retard", "Programmé le 22/12/2026"…"""
        return status_text(self.committee_status, self.next_committee_on) if self.committee_status else None


_GLANCE_COLUMNS = (
    Startup.id, Startup.slug, Startup.name,
    StartupStatus.phase, StartupStatus.phase_since, StartupStatus.stale_on, StartupStatus.beyond_norm_on,
    StartupStatus.committee_status, StartupStatus.committee_due_on, StartupStatus.next_committee_on,
    StartupStatus.next_committee_id, StartupStatus.last_committee_on, Startup.updated_at,
)


def _glances(statement: Select, today: date) -> list[Glance]:
    return [Glance(*row, today=today) for row in db.session.execute(statement)]


def glances_of(startup_ids: list[int], today: date) -> list[Glance]:
    """These startups (a person's own), by name: one statement."""
    if not startup_ids:
        return []
    statement = (
        select(*_GLANCE_COLUMNS)
        .outerjoin(StartupStatus, StartupStatus.startup_id == Startup.id)
        .where(among(Startup.id, startup_ids))
        .order_by(Startup.name, Startup.id)
    )
    return _glances(statement, today)


@dataclass
class ToUpdate:
    """The startups of one incubator (`incubator_slug` None: of every incubator) to update today."""

    incubator_slug: str | None
    incubator_name: str | None
    counts: dict[str, int] = field(default_factory=dict)
    first: dict[str, list[Glance]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _conditions(today: date) -> dict:
    return {
        "stale": StartupStatus.stale_on <= today,
        "long_in_phase": StartupStatus.beyond_norm_on <= today,
        "overdue": StartupStatus.committee_status == "overdue",
    }


#: The first few of each kind: the longest stale, the longest past their norm, the longest overdue.
_ORDERS = {
    "stale": StartupStatus.stale_on,
    "long_in_phase": StartupStatus.beyond_norm_on,
    "overdue": StartupStatus.committee_due_on,
}


def _of_incubator(statement: Select, incubator_id: int | None) -> Select:
    """The startups of the incubator, co-incubated ones included (as the portfolio's filter)."""
    if incubator_id is None:
        return statement
    co_incubated = exists().where(CoIncubation.startup_id == Startup.id, CoIncubation.incubator_id == incubator_id)
    return statement.where(or_(Startup.incubator_id == incubator_id, co_incubated))


def to_update(incubator, today: date, first: int = 3) -> ToUpdate:
    """The incubator's (an Incubator, or None for all) startups to update: counts in one statement,
    then the first `first` of each kind (one statement each)."""
    incubator_id = incubator.id if incubator is not None else None
    conditions = _conditions(today)
    counted = select(*(func.count(StartupStatus.startup_id).filter(condition) for condition in conditions.values()))
    if incubator_id is not None:
        counted = _of_incubator(counted.join(Startup, Startup.id == StartupStatus.startup_id), incubator_id)
    counts = dict(zip(conditions, db.session.execute(counted).one()))
    result = ToUpdate(
        incubator_slug=incubator.slug if incubator is not None else None,
        incubator_name=incubator.name if incubator is not None else None,
        counts={kind: counts[kind] or 0 for kind in TO_UPDATE},
    )
    for kind in TO_UPDATE:
        statement = _of_incubator(
            select(*_GLANCE_COLUMNS)
            .join(StartupStatus, StartupStatus.startup_id == Startup.id)
            .where(and_(conditions[kind]))
            .order_by(_ORDERS[kind], Startup.name, Startup.id)
            .limit(first),
            incubator_id,
        )
        result.first[kind] = _glances(statement, today)
    return result

"""The portfolio view's query: startups filtered by their phase on a day, incubator, sponsor and
text, sorted, counted per phase (the funnel), with the *stale* and *long in phase* flags.

The list page and the CSV export read the same rows from here, so the export is exactly what the
page shows. Every function issues a fixed number of SQL statements, whatever the number of
startups: the sponsors and co-incubators of each row are its status row's.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from flask import current_app
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Row, Select, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import aliased

from portfolio.core import fragments
from portfolio.extensions import db
from portfolio.startups.folding import fold_text
from portfolio.status import store
from portfolio.status.compute import COLUMNS as STATUS_COLUMNS, Status
from portfolio.status.models import StartupStatus
from portfolio.startups.models import CoIncubation, Incubator, Organisation, Sponsorship, Startup
from portfolio.startups.phases import PHASES, label, rank_expression
from portfolio.timeutil import duration_fr, today_in_paris

#: The `phase` filter's value for "no phase on that day".
NO_PHASE = "aucune"
#: The `sort` parameter's values; a leading "-" reverses the order.
SORTS = {
    "name": "Nom (A → Z)",
    "-name": "Nom (Z → A)",
    "phase": "Phase (ordre du cycle de vie)",
    "-phase": "Phase (ordre inverse)",
    "phase_since": "En phase depuis (le plus ancien d’abord)",
    "-phase_since": "En phase depuis (le plus récent d’abord)",
    "updated": "Dernière mise à jour (la plus ancienne d’abord)",
    "-updated": "Dernière mise à jour (la plus récente d’abord)",
}
#: The `flag` filter's values.
FLAGS = {
    "stale": "Pas à jour",
    "long_in_phase": "Phase longue",
}

@dataclass(frozen=True)
class PortfolioQuery:
    """What the person asked for; every filter is optional except the day."""

    #: The day whose phases are shown ("as of" date).
    on: date
    #: A phase of the vocabulary, or NO_PHASE.
    phase: str | None = None
    #: An incubator's slug (main incubator or co-incubator).
    incubator: str | None = None
    #: An organisation's slug.
    sponsor: str | None = None
    #: Searched in the name and the pitch, ignoring case and accents.
    text: str | None = None
    #: One of FLAGS.
    flag: str | None = None
    #: One of HEALTH_LEVELS: the health at its latest committee that recorded one.
    health: str | None = None
    #: One of IMPACT_CERTIFICATION_LEVELS: the certified impact level today ("none" also keeps the
    #: startups that never had one).
    impact: str | None = None
    #: One of SORTS.
    sort: str = "name"
    #: Only the startups whose record changed at or after this instant (the API's `updated_since`).
    updated_since: datetime | None = None


@dataclass
class PortfolioRow:
    """One startup as the portfolio shows it on the query's day."""

    id: int
    slug: str
    name: str
    pitch: str | None
    incubator: str | None
    phase: str | None
    phase_since: date | None
    days_in_phase: int | None
    updated_at: datetime
    stale: bool
    long_in_phase: bool
    #: Its status row's values (last and next committee, committee due, run-out), as of today.
    status: Status | None = None
    co_incubators: list[str] = field(default_factory=list)
    sponsors: list[str] = field(default_factory=list)

    @property
    def phase_label(self) -> str:
        return label(self.phase) if self.phase else ""

    @property
    def time_in_phase(self) -> str:
        """How long the startup has been in its phase on the day, in the startup page's words ("3 mois")."""
        if self.days_in_phase is None or self.phase_since is None:
            return ""
        return duration_fr(self.phase_since, self.phase_since + timedelta(days=self.days_in_phase))


@dataclass(frozen=True)
class FunnelStep:
    phase: str
    label: str
    count: int


@dataclass(frozen=True)
class Funnel:
    """How many startups are in each phase on the day, under the other filters."""

    steps: tuple[FunnelStep, ...]
    without_phase: int

    @property
    def total(self) -> int:
        return sum(step.count for step in self.steps) + self.without_phase

    def selected(self, phase: str | None) -> int:
        """How many startups the phase filter keeps (all of them without one)."""
        if not phase:
            return self.total
        if phase == NO_PHASE:
            return self.without_phase
        return next((step.count for step in self.steps if step.phase == phase), 0)


#: The status row's columns as the row statement reads them (labelled once: built per request,
#: they cost more than the statement's run).
_STATUS_VALUES = tuple(getattr(StartupStatus, name).label(f"status_{name}") for name in STATUS_COLUMNS)


def row_of(record: Row, on: date) -> PortfolioRow:
    """A record of the row statement (`_Statement.row_columns`) as the row of the portfolio on `on`
    (its sponsors and co-incubators are its status row's)."""
    status = Status(*record[-len(STATUS_COLUMNS):])
    return PortfolioRow(
        id=record.id,
        slug=record.slug,
        name=record.name,
        pitch=record.pitch,
        incubator=record.incubator,
        phase=record.phase,
        phase_since=record.phase_since,
        days_in_phase=(on - record.phase_since).days if record.phase_since else None,
        updated_at=record.updated_at,
        stale=bool(record.stale),
        long_in_phase=bool(record.long_in_phase),
        status=status,
        co_incubators=status.co_incubators,
        sponsors=status.sponsors,
    )


class _Statement:
    """The query's SQL pieces, built once per request. The startups are read with their status row
    (`portfolio.status`): today's phase, flags and name order are its indexed columns; the phase on
    another day is the day-D rule over the kept phase periods (for `startup_ids` only, when given)."""

    def __init__(self, query: PortfolioQuery, startup_ids: list[int] | None = None):
        self.query = query
        #: Staleness is of today, whatever day the phases are shown on.
        self.today = today_in_paris()
        self.of_today = query.on == self.today
        if self.of_today:
            self.current = None
            self.phase, self.since = StartupStatus.phase, StartupStatus.phase_since
            self.long_in_phase = StartupStatus.beyond_norm_on <= query.on
        else:
            self.current = store.phases_on(query.on, startup_ids).subquery("current_phase")
            self.phase, self.since = self.current.c.phase, self.current.c.start
            norms = current_app.config["PHASE_NORMS_DAYS"]
            # Above the norm means more days in the phase than the norm: started before on - norm.
            beyond_norm = [
                and_(self.phase == phase, self.since < query.on - timedelta(days=days)) for phase, days in norms.items()
            ]
            self.long_in_phase = or_(*beyond_norm) if beyond_norm else false()
        # Only the startups the programme still follows can be out of date (the status row has no
        # stale day for the others).
        self.stale = StartupStatus.stale_on <= self.today

    def reads_phase(self) -> bool:
        """Whether selecting and ordering the startups needs their phase on another day than today
        (a range over every startup's phase periods), i.e. a phase or flag filter, or a sort by phase."""
        query = self.query
        return bool(query.phase or query.flag or query.sort.lstrip("-") in ("phase", "phase_since"))

    def filters_beside_phase(self) -> bool:
        query = self.query
        return bool(query.incubator or query.sponsor or (query.text and query.text.strip()) or query.health
                    or query.impact or query.flag or query.updated_since is not None)

    def reads_startup(self) -> bool:
        """Whether the filters or the sort need the startups' own table beside their status rows
        (counting by phase over the status rows alone reads one index)."""
        query = self.query
        return bool(query.incubator or query.updated_since is not None or query.sort.lstrip("-") == "updated")

    def filtered(self, *columns, with_phase: bool = True, join_phase: bool = True, only_with_phase: bool = False,
                 join_startup: bool | None = None) -> Select:
        """SELECT columns FROM the status rows (with their startups when the columns, the filters or
        `join_startup` need them) and the phase on the day (`only_with_phase`: of the startups that
        have one, read from the periods' index first), under the query's filters."""
        query = self.query
        statement = select(*columns).select_from(StartupStatus)
        if join_startup or (join_startup is None and self.reads_startup()):
            statement = statement.join(Startup, Startup.id == StartupStatus.startup_id)
        if self.current is not None and join_phase:
            on = self.current.c.startup_id == StartupStatus.startup_id
            statement = statement.join(self.current, on) if only_with_phase else statement.outerjoin(self.current, on)
        if with_phase and query.phase == NO_PHASE:
            statement = statement.where(self.phase.is_(None))
        elif with_phase and query.phase:
            statement = statement.where(self.phase == query.phase)
        if query.incubator:
            # Aliased: the row statement joins the main incubator, which must not correlate here.
            wanted = aliased(Incubator)
            incubator_id = select(wanted.id).where(wanted.slug == query.incubator).scalar_subquery()
            co_incubated = exists().where(
                CoIncubation.startup_id == StartupStatus.startup_id, CoIncubation.incubator_id == incubator_id
            )
            statement = statement.where(or_(Startup.incubator_id == incubator_id, co_incubated))
        if query.sponsor:
            sponsored = (
                exists()
                .where(Sponsorship.startup_id == StartupStatus.startup_id)
                .where(Sponsorship.organisation_id == Organisation.id, Organisation.slug == query.sponsor)
            )
            statement = statement.where(sponsored)
        if query.text and query.text.strip():
            statement = statement.where(StartupStatus.search_text.contains(fold_text(query.text.strip()), autoescape=True))
        if query.updated_since is not None:
            statement = statement.where(Startup.updated_at >= query.updated_since)
        if query.health:
            statement = statement.where(StartupStatus.health == query.health)
        if query.impact == "none":
            statement = statement.where(or_(StartupStatus.impact_level.is_(None), StartupStatus.impact_level == "none"))
        elif query.impact:
            statement = statement.where(StartupStatus.impact_level == query.impact)
        if query.flag == "stale":
            statement = statement.where(self.stale)
        elif query.flag == "long_in_phase":
            statement = statement.where(self.long_in_phase)
        return statement

    def ordered(self, statement: Select) -> Select:
        key = self.query.sort if self.query.sort in SORTS else "name"
        descending = key.startswith("-")
        name = StartupStatus.sort_name
        by_name = (name.desc() if descending else name, StartupStatus.startup_id)
        if key.lstrip("-") == "phase":
            rank = rank_expression(self.phase)
            return statement.order_by(rank.desc() if descending else rank, *by_name)
        if key.lstrip("-") == "phase_since":
            since = self.since
            # Startups without a phase come last in both directions.
            return statement.order_by(since.is_(None), since.desc() if descending else since, name, StartupStatus.startup_id)
        if key.lstrip("-") == "updated":
            updated = Startup.updated_at
            return statement.order_by(updated.desc() if descending else updated, name, StartupStatus.startup_id)
        return statement.order_by(*by_name)

    def records(self, statement: Select) -> list[Row]:
        """Run a statement made by `row_columns`: its plain records (`row_of` makes them rows)."""
        return db.session.execute(statement).all()

    def rows(self, statement: Select) -> list[PortfolioRow]:
        on = self.query.on
        return [row_of(record, on) for record in self.records(statement)]

    def row_columns(self) -> Select:
        return self.filtered(
            Startup.id,
            Startup.slug,
            Startup.name,
            Startup.pitch,
            Startup.updated_at,
            Incubator.name.label("incubator"),
            self.phase.label("phase"),
            self.since.label("phase_since"),
            case((self.stale, True), else_=False).label("stale"),
            case((self.long_in_phase, True), else_=False).label("long_in_phase"),
            # Plain values, last: an ORM object per row would cost more than the rest of the row.
            *_STATUS_VALUES,
            join_startup=True,
        ).outerjoin(Incubator, Incubator.id == Startup.incubator_id)


@dataclass
class Listing:
    """One page of the portfolio: its pagination (of startup ids), its records in order (as the row
    statement reads them: a page renders each row from its record alone), and the funnel."""

    pagination: Pagination
    records: list[Row]
    funnel: Funnel
    on: date

    @property
    def rows(self) -> list[PortfolioRow]:
        return [row_of(record, self.on) for record in self.records]


class _RowsPagination(Pagination):
    """A page of rows read by one statement (`rows(offset, limit)`), its total known beforehand."""

    def _query_items(self) -> list:
        return self._query_args["rows"](self._query_offset, self.per_page)

    def _query_count(self) -> int:
        return self._query_args["total"]


@lru_cache(maxsize=256)
def _todays_page(query: PortfolioQuery, offset: int, limit: int) -> Select:
    """The statement reading a page of today's rows for a query of today: a function of its arguments
    alone, built once per process (building it in Python costs more than running it)."""
    statement = _Statement(query)
    return statement.ordered(statement.row_columns()).offset(offset).limit(limit)


def listing(query: PortfolioQuery, page: int | None, per_page: int) -> Listing:
    """A page of the portfolio and its funnel, in a constant number of statements: the funnel (whose
    counts give the page count), then the page's rows. Today's rows are read at once in their order;
    another day's page is first chosen by id (with the phases of that day only if a filter or the
    sort needs them), then its rows are read for those ids only."""
    store.refresh()
    statement = _Statement(query)
    counts = funnel(query, statement)
    total = counts.selected(query.phase)
    if statement.of_today:
        pagination = _RowsPagination(
            page=page, per_page=per_page, max_per_page=None, error_out=False, count=False, total=total,
            rows=lambda offset, limit: statement.records(_todays_page(query, offset, limit)),
        )
        pagination.total = total
        return Listing(pagination, pagination.items, counts, query.on)
    pagination = SelectPagination(
        select=statement.ordered(statement.filtered(StartupStatus.startup_id, join_phase=statement.reads_phase())),
        session=db.session(), page=page, per_page=per_page, max_per_page=None, error_out=False, count=False,
    )
    pagination.total = total
    ids = list(pagination.items)
    if not ids:
        return Listing(pagination, [], counts, query.on)
    page_statement = _Statement(query, startup_ids=ids)
    # The ids said of both tables: PostgreSQL then reads the page's startups by key, not all of them.
    records = page_statement.records(page_statement.row_columns().where(StartupStatus.startup_id.in_(ids),
                                                                        Startup.id.in_(ids)))
    position = {startup_id: index for index, startup_id in enumerate(ids)}
    return Listing(pagination, sorted(records, key=lambda record: position[record.id]), counts, query.on)


def all_rows(query: PortfolioQuery) -> list[PortfolioRow]:
    """Every row the query selects, in the view's order (for the export)."""
    store.refresh()
    statement = _Statement(query)
    return statement.rows(statement.ordered(statement.row_columns()))


def _by_phase(statement: _Statement) -> dict[str | None, int]:
    """{phase: how many startups the query selects in it on its day} (None: without a phase, today
    only). Without a filter beside the phase, these are counts of every startup, which change only
    with the rows' phases (today) or the phase history (a day before today): counted once per revision
    of these and kept (`portfolio.core.fragments`), as long as one was drawn (never, for data written
    by a migration or a restore alone)."""
    phase, revision = statement.phase, None
    if statement.current is None:
        if not statement.filters_beside_phase():
            revision = store.current_phases_revision
    elif not statement.filters_beside_phase() and statement.query.on < statement.today:
        revision = store.phase_history_revision

    def count() -> list:
        if statement.current is None:
            by_phase = statement.filtered(phase, func.count(), with_phase=False)
        elif statement.filters_beside_phase():
            # The periods that hold that day (a range over their index), joined to the startups for the filters.
            by_phase = statement.filtered(phase, func.count(), with_phase=False, only_with_phase=True)
        else:
            by_phase = select(phase, func.count()).select_from(statement.current)
        return db.session.execute(by_phase.group_by(phase)).all()

    return dict(fragments.counts_under(("phases", statement.query.on), revision() if revision else None, count))


def funnel(query: PortfolioQuery, statement: _Statement | None = None) -> Funnel:
    """Count per phase on the query's day, honouring every filter but the phase itself."""
    statement = statement or _Statement(query)
    counts = _by_phase(statement)
    if statement.current is not None:
        # Another day: the startups without a phase by difference with all those selected.
        selected = db.session.scalar(
            statement.filtered(func.count(), with_phase=False, join_phase=query.flag == "long_in_phase")
        )
        counts[None] = selected - sum(counts.values())
    return Funnel(
        steps=tuple(FunnelStep(name, label(name), counts.get(name, 0)) for name in PHASES),
        without_phase=counts.get(None, 0),
    )

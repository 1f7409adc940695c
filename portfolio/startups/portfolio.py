"""The portfolio view's query: startups filtered by their phase on a day, incubator, sponsor and
text, sorted, counted per phase (the funnel), with the *stale* and *long in phase* flags.

The list page and the CSV export read the same rows from here, so the export is exactly what the
page shows. Every function issues a fixed number of SQL statements, whatever the number of
startups: sponsors and co-incubators are loaded in bulk, never per startup.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import aliased

from portfolio.extensions import db
from portfolio.startups.folding import fold_text
from portfolio.status import store
from portfolio.status.models import StartupStatus
from portfolio.startups.models import CoIncubation, Incubator, Organisation, Sponsorship, Startup
from portfolio.startups.phases import PHASES, label, phase_on_query, rank_expression
from portfolio.timeutil import today_in_paris

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
#: Above this many startups, their sponsors and co-incubators are read whole rather than by id.
MAX_IDS_LISTED = 500
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
    #: Its status row (last and next committee, committee due, run-out), as of today.
    status: StartupStatus | None = None
    co_incubators: list[str] = field(default_factory=list)
    sponsors: list[str] = field(default_factory=list)

    @property
    def phase_label(self) -> str:
        return label(self.phase) if self.phase else ""

    @property
    def time_in_phase(self) -> str:
        """How long the startup has been in its phase on the day, in French ("3 mois")."""
        days = self.days_in_phase
        if days is None:
            return ""
        if days == 0:
            return "depuis aujourd’hui"
        if days < 61:
            return f"{days} jour{'s' if days > 1 else ''}"
        months = days * 12 // 365
        if months < 24:
            return f"{months} mois"
        return f"{months // 12} ans et {months % 12} mois" if months % 12 else f"{months // 12} ans"


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


class _Statement:
    """The query's SQL pieces, built once per request. The startups are read with their status row
    (`portfolio.status`): today's phase, flags and name order are its indexed columns; the phase on
    another day is the day-D rule over the spans (for `startup_ids` only, when given)."""

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
            self.current = phase_on_query(query.on, startup_ids).subquery("current_phase")
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
        (the costly part: a window over every phase span), i.e. a phase or flag filter, or a sort by phase."""
        query = self.query
        return bool(query.phase or query.flag or query.sort.lstrip("-") in ("phase", "phase_since"))

    def filtered(self, *columns, with_phase: bool = True, join_phase: bool = True) -> Select:
        """SELECT columns FROM startups, with their status and phase on the day, under the query's filters."""
        query = self.query
        statement = select(*columns).select_from(Startup).join(StartupStatus, StartupStatus.startup_id == Startup.id)
        if self.current is not None and join_phase:
            statement = statement.outerjoin(self.current, self.current.c.startup_id == Startup.id)
        if with_phase and query.phase == NO_PHASE:
            statement = statement.where(self.phase.is_(None))
        elif with_phase and query.phase:
            statement = statement.where(self.phase == query.phase)
        if query.incubator:
            # Aliased: the row statement joins the main incubator, which must not correlate here.
            wanted = aliased(Incubator)
            incubator_id = select(wanted.id).where(wanted.slug == query.incubator).scalar_subquery()
            co_incubated = exists().where(
                CoIncubation.startup_id == Startup.id, CoIncubation.incubator_id == incubator_id
            )
            statement = statement.where(or_(Startup.incubator_id == incubator_id, co_incubated))
        if query.sponsor:
            sponsored = (
                exists()
                .where(Sponsorship.startup_id == Startup.id)
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
        by_name = (name.desc() if descending else name, Startup.id)
        if key.lstrip("-") == "phase":
            rank = rank_expression(self.phase)
            return statement.order_by(rank.desc() if descending else rank, *by_name)
        if key.lstrip("-") == "phase_since":
            since = self.since
            # Startups without a phase come last in both directions.
            return statement.order_by(since.is_(None), since.desc() if descending else since, name, Startup.id)
        if key.lstrip("-") == "updated":
            updated = Startup.updated_at
            return statement.order_by(updated.desc() if descending else updated, name, Startup.id)
        return statement.order_by(*by_name)

    def rows(self, statement: Select) -> list[PortfolioRow]:
        """Run a statement made by `row_columns` and load the rows' sponsors and co-incubators in bulk."""
        on = self.query.on
        rows = [
            PortfolioRow(
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
                status=record.StartupStatus,
            )
            for record in db.session.execute(statement)
        ]
        if rows:
            by_id = {row.id: row for row in rows}
            # A page's ids are few; for more (the export), the whole tables are cheaper than a long IN.
            ids = list(by_id) if len(by_id) <= MAX_IDS_LISTED else None
            for startup_id, name in _sponsor_names(ids):
                if startup_id in by_id:
                    by_id[startup_id].sponsors.append(name)
            for startup_id, name in _co_incubator_names(ids):
                if startup_id in by_id:
                    by_id[startup_id].co_incubators.append(name)
        return rows

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
            StartupStatus,
        ).outerjoin(Incubator, Incubator.id == Startup.incubator_id)


def _sponsor_names(startup_ids: list[int] | None) -> list[tuple[int, str]]:
    """(startup id, sponsor as shown) for these startups (all when None), sorted by name."""
    statement = select(Sponsorship.startup_id, Organisation.acronym, Organisation.name).join(
        Organisation, Organisation.id == Sponsorship.organisation_id
    )
    if startup_ids is not None:
        statement = statement.where(Sponsorship.startup_id.in_(startup_ids))
    names = [(startup_id, acronym or name) for startup_id, acronym, name in db.session.execute(statement)]
    return sorted(names, key=lambda pair: fold_text(pair[1]))


def _co_incubator_names(startup_ids: list[int] | None) -> list[tuple[int, str]]:
    statement = select(CoIncubation.startup_id, Incubator.name).join(
        Incubator, Incubator.id == CoIncubation.incubator_id
    )
    if startup_ids is not None:
        statement = statement.where(CoIncubation.startup_id.in_(startup_ids))
    return sorted(db.session.execute(statement), key=lambda pair: fold_text(pair[1]))


@dataclass
class Listing:
    """One page of the portfolio: its pagination (of startup ids), its rows in order, and the funnel."""

    pagination: Pagination
    rows: list[PortfolioRow]
    funnel: Funnel


def listing(query: PortfolioQuery, page: int | None, per_page: int) -> Listing:
    """A page of the portfolio and its funnel, in a constant number of statements: the funnel (whose
    counts give the page count), the page's ids (with the phases of another day only if a filter or
    the sort needs them), then the rows, sponsors and co-incubators of those ids only."""
    store.refresh()
    statement = _Statement(query)
    counts = funnel(query, statement)
    pagination = SelectPagination(
        select=statement.ordered(statement.filtered(Startup.id, join_phase=statement.reads_phase())),
        session=db.session(), page=page, per_page=per_page, max_per_page=None, error_out=False, count=False,
    )
    pagination.total = counts.selected(query.phase)
    ids = list(pagination.items)
    if not ids:
        return Listing(pagination, [], counts)
    page_statement = _Statement(query, startup_ids=ids)
    rows = page_statement.rows(page_statement.row_columns().where(Startup.id.in_(ids)))
    position = {startup_id: index for index, startup_id in enumerate(ids)}
    return Listing(pagination, sorted(rows, key=lambda row: position[row.id]), counts)


def all_rows(query: PortfolioQuery) -> list[PortfolioRow]:
    """Every row the query selects, in the view's order (for the export)."""
    store.refresh()
    statement = _Statement(query)
    return statement.rows(statement.ordered(statement.row_columns()))


def funnel(query: PortfolioQuery, statement: _Statement | None = None) -> Funnel:
    """Count per phase on the query's day, honouring every filter but the phase itself."""
    statement = statement or _Statement(query)
    phase = statement.phase
    counts = dict(
        db.session.execute(statement.filtered(phase, func.count(Startup.id), with_phase=False).group_by(phase)).all()
    )
    return Funnel(
        steps=tuple(FunnelStep(name, label(name), counts.get(name, 0)) for name in PHASES),
        without_phase=counts.get(None, 0),
    )


def incubator_choices() -> list[tuple[str, str]]:
    """(slug, name) of every incubator, for the filter."""
    return [tuple(pair) for pair in db.session.execute(select(Incubator.slug, Incubator.name).order_by(Incubator.name))]


def sponsor_choices() -> list[tuple[str, str]]:
    """(slug, name as shown) of the organisations that sponsor at least one startup, for the filter."""
    sponsoring = exists().where(Sponsorship.organisation_id == Organisation.id)
    records = db.session.execute(select(Organisation.slug, Organisation.acronym, Organisation.name).where(sponsoring))
    pairs = [(slug, f"{acronym} — {name}" if acronym and acronym != name else name) for slug, acronym, name in records]
    return sorted(pairs, key=lambda pair: fold_text(pair[1]))

"""Reading conventions and their money: a convention loaded in a fixed number of queries, the
amounts and totals (per convention, per year, per startup) as of a day, a line's history across
amendments, the filtered list, a startup's funding across conventions, and their audit trail."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import abort
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload, subqueryload

from portfolio.audit.models import AuditEvent
from portfolio.extensions import db
from portfolio.funding.amounts import amount_on
from portfolio.funding.models import (
    Amendment,
    ConsumptionReport,
    Convention,
    ConventionParty,
    FundingLine,
    LineAmount,
    Obligation,
    StatusChange,
)
from portfolio.startups.models import Startup

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Amounts:
    """AE and CP together, added up exactly."""

    ae: Decimal = ZERO
    cp: Decimal = ZERO

    def __add__(self, other: "Amounts") -> "Amounts":
        return Amounts(self.ae + other.ae, self.cp + other.cp)


def amounts_on(line: FundingLine, day: date) -> Amounts | None:
    """The line's amounts in force on `day`; None before its first amounts take effect."""
    row = amount_on(line.amounts, day)
    return Amounts(row.ae, row.cp) if row is not None else None


@dataclass
class Totals:
    """Sums of the lines in force on a day: overall, per fiscal year and per startup (in order)."""

    total: Amounts = field(default_factory=Amounts)
    by_year: dict[int, Amounts] = field(default_factory=dict)
    by_startup: dict[Startup, Amounts] = field(default_factory=dict)
    lines: int = 0


def totals_on(lines, day: date) -> Totals:
    totals = Totals()
    for line in lines:
        amounts = amounts_on(line, day)
        if amounts is None:
            continue
        totals.lines += 1
        totals.total += amounts
        totals.by_year[line.fiscal_year] = totals.by_year.get(line.fiscal_year, Amounts()) + amounts
        totals.by_startup[line.startup] = totals.by_startup.get(line.startup, Amounts()) + amounts
    totals.by_year = dict(sorted(totals.by_year.items()))
    totals.by_startup = dict(sorted(totals.by_startup.items(), key=lambda item: item[0].name.lower()))
    return totals


@dataclass
class HistoryEntry:
    """One row of a line's amounts: when it took effect, what it says, where it comes from."""

    row: LineAmount
    source: str
    in_force: bool

    @property
    def effective_on(self) -> date:
        return self.row.effective_on


def line_history(line: FundingLine, day: date) -> list[HistoryEntry]:
    """The line's amounts in the order they took effect: the convention's own, corrections,
    then each amendment's; `in_force` marks the row that applies on `day`."""
    current = amount_on(line.amounts, day)
    entries, seen_sources = [], set()
    for row in sorted(line.amounts, key=lambda row: (row.effective_on, row.id or 0)):
        if row.amendment is not None:
            source = str(row.amendment)
        else:
            source = "Correction" if None in seen_sources else "Convention"
        entries.append(HistoryEntry(row=row, source=source, in_force=row is current))
        seen_sources.add(row.amendment_id if row.amendment is None else row.amendment.id)
    return entries


@dataclass
class LineView:
    line: FundingLine
    amounts: Amounts | None
    history: list[HistoryEntry]


def line_views(convention: Convention, day: date) -> list[LineView]:
    return [LineView(line, amounts_on(line, day), line_history(line, day)) for line in convention.lines]


# --- Loading --------------------------------------------------------------------------------


def full_convention_options(load=selectinload):
    """Everything the convention page and its warnings read: one query per collection, the
    many-to-one relations joined to it. `load` is selectinload for a few conventions; subqueryload
    for all of them (selectinload reads 500 ids per statement, so its statements would grow with
    the portfolio)."""
    return (
        load(Convention.parties).options(joinedload(ConventionParty.organisation)),
        load(Convention.obligations),
        load(Convention.status_changes),
        load(Convention.lines).options(
            joinedload(FundingLine.startup).options(load(Startup.phase_spans)),
            load(FundingLine.amounts).options(joinedload(LineAmount.amendment)),
        ),
        load(Convention.amendments),
        load(Convention.reports).options(load(ConsumptionReport.entries)),
    )


def report_options() -> tuple:
    """What the reports' pages read: the lines (amounts, startup) and the reports (entries)."""
    return (
        selectinload(Convention.lines).selectinload(FundingLine.amounts),
        selectinload(Convention.lines).selectinload(FundingLine.startup),
        selectinload(Convention.reports).selectinload(ConsumptionReport.entries),
    )


def load_convention(convention_id: int, full: bool = False, for_reports: bool = False) -> Convention:
    """The convention (404 otherwise); `full` loads all its page shows, `for_reports` what its reports'
    pages read, each in a fixed number of queries."""
    statement = select(Convention).where(Convention.id == convention_id)
    if full:
        statement = statement.options(*full_convention_options())
    elif for_reports:
        statement = statement.options(*report_options())
    convention = db.session.scalar(statement)
    if convention is None:
        abort(404)
    return convention


def all_conventions() -> list[Convention]:
    """Every convention with all it needs for its warnings (the finance view)."""
    statement = select(Convention).options(*full_convention_options(subqueryload)).order_by(Convention.reference)
    return list(db.session.scalars(statement))


def convention_list(status: str | None = None, year: int | None = None, startup: Startup | None = None) -> Select:
    """The conventions list, filtered: by status, by a fiscal year or a startup they fund."""
    statement = select(Convention).options(*full_convention_options())
    if status:
        statement = statement.where(Convention.status == status)
    line_filters = []
    if year is not None:
        line_filters.append(FundingLine.fiscal_year == year)
    if startup is not None:
        line_filters.append(FundingLine.startup_id == startup.id)
    if line_filters:
        statement = statement.where(exists().where(FundingLine.convention_id == Convention.id, *line_filters))
    return statement.order_by(Convention.signed_on.desc().nulls_last(), Convention.reference)


def funded_years() -> list[int]:
    return list(db.session.scalars(select(FundingLine.fiscal_year).distinct().order_by(FundingLine.fiscal_year)))


def export_lines(status: str | None = None) -> list[FundingLine]:
    """Every line (of the conventions in `status` when given), in convention then annex order,
    with what the lines CSV shows."""
    statement = (
        select(FundingLine)
        .join(FundingLine.convention)
        .options(
            contains_eager(FundingLine.convention),
            joinedload(FundingLine.startup),
            subqueryload(FundingLine.amounts),
        )
        .order_by(Convention.reference, FundingLine.position, FundingLine.id)
    )
    if status is not None:
        statement = statement.where(Convention.status == status)
    return list(db.session.scalars(statement))


def export_conventions(status: str | None = None) -> list[Convention]:
    statement = (
        select(Convention)
        .options(
            subqueryload(Convention.parties).joinedload(ConventionParty.organisation),
            subqueryload(Convention.lines).options(joinedload(FundingLine.startup), subqueryload(FundingLine.amounts)),
        )
        .order_by(Convention.reference)
    )
    if status is not None:
        statement = statement.where(Convention.status == status)
    return list(db.session.scalars(statement))


def export_grants() -> list:
    """Every grant, by startup name, with its startup."""
    from portfolio.funding.grants import Grant

    statement = select(Grant).join(Grant.startup).options(contains_eager(Grant.startup)).order_by(Startup.name, Grant.kind)
    return list(db.session.scalars(statement))


# --- A startup's funding --------------------------------------------------------------------


@dataclass
class StartupFunding:
    """A startup's lines across conventions as of a day, their totals, and its grants (FAST)."""

    day: date
    lines: list[LineView]
    totals: Totals
    grants: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.lines or self.grants)


def startup_funding(startup: Startup, day: date) -> StartupFunding:
    statement = (
        select(FundingLine)
        .join(FundingLine.convention)
        .where(FundingLine.startup_id == startup.id)
        .options(
            selectinload(FundingLine.convention),
            selectinload(FundingLine.amounts).selectinload(LineAmount.amendment),
        )
        .order_by(FundingLine.fiscal_year.desc(), Convention.reference, FundingLine.position)
    )
    lines = list(db.session.scalars(statement))
    views = [LineView(line, amounts_on(line, day), line_history(line, day)) for line in lines]
    return StartupFunding(day=day, lines=views, totals=totals_on(lines, day), grants=list(startup.grants))


# --- Audit ----------------------------------------------------------------------------------


def convention_events(convention: Convention, limit: int = 200) -> list[AuditEvent]:
    """The audit events of the convention and of everything recorded in it, newest first, in one query."""
    members = {
        Convention: [convention],
        ConventionParty: convention.parties,
        Obligation: convention.obligations,
        StatusChange: convention.status_changes,
        FundingLine: convention.lines,
        LineAmount: [row for line in convention.lines for row in line.amounts],
        Amendment: convention.amendments,
        ConsumptionReport: convention.reports,
    }
    conditions = [
        and_(AuditEvent.object_type == model.audit_type(), AuditEvent.object_id.in_([str(obj.id) for obj in objs]))
        for model, objs in members.items()
        if objs
    ]
    # What was removed from the convention is no longer in its collections: its deletion event names it.
    removed_types = [model.audit_type() for model in members if model is not Convention and model is not LineAmount]
    conditions.append(
        and_(
            AuditEvent.action == "delete",
            AuditEvent.object_type.in_(removed_types),
            AuditEvent.before["convention_id"].as_integer() == convention.id,
        )
    )
    statement = select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return list(db.session.scalars(statement.limit(limit)))

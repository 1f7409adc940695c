"""What the quarterly reports say: consumed vs granted per line, per startup and in total as of a
day, the remaining envelope, the burn rate and the estimated run-out date per startup (which the
governance issue uses to date the next committee), and a quarter's lines as its report form
shows them.

The functions work on objects already loaded (see `queries.load_convention(for_reports=True)`), so that a page that
shows all this runs the same number of SQL statements whatever the number of lines and reports;
`consumed_on` sums the entries of many conventions in one statement, for the bulk computations.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portfolio.extensions import db
from portfolio.funding.amounts import amount_on
from portfolio.funding.models import ConsumptionEntry, ConsumptionReport, Convention, FundingLine
from portfolio.funding.reports import ZERO, Quarter, convention_start
from portfolio.startups.models import Startup


@dataclass
class Envelope:
    """Money granted and consumed over a set of lines, and the period the reports cover."""

    granted_ae: Decimal = ZERO
    granted_cp: Decimal = ZERO
    committed_ae: Decimal = ZERO
    paid_cp: Decimal = ZERO
    #: From the convention's start to the end of the last quarter reported on (None: no report).
    period_start: date | None = None
    period_end: date | None = None

    @property
    def remaining_ae(self) -> Decimal:
        return self.granted_ae - self.committed_ae

    @property
    def remaining_cp(self) -> Decimal:
        return self.granted_cp - self.paid_cp

    @property
    def reported_days(self) -> int:
        if self.period_start is None or self.period_end is None or self.period_end < self.period_start:
            return 0
        return (self.period_end - self.period_start).days + 1

    @property
    def burn_rate(self) -> Decimal | None:
        """CP paid per day over the reported period, in euros (None when nothing was reported)."""
        if not self.reported_days:
            return None
        return (self.paid_cp / self.reported_days).quantize(Decimal("0.01"))

    @property
    def run_out(self) -> date | None:
        """When the CP left would be paid out at the burn rate so far: None without reports or
        without payments; the end of the reported period when the envelope is already spent."""
        days = self.reported_days
        if not days or self.paid_cp <= 0:
            return None
        if self.remaining_cp <= 0:
            return self.period_end
        # Exact: ceil(remaining / (paid / days)) in whole days, without rounding the rate.
        remaining_cents, paid_cents = int(self.remaining_cp * 100), int(self.paid_cp * 100)
        return self.period_end + timedelta(days=-(-remaining_cents * days // paid_cents))

    def add(self, other: "Envelope") -> None:
        self.granted_ae += other.granted_ae
        self.granted_cp += other.granted_cp
        self.committed_ae += other.committed_ae
        self.paid_cp += other.paid_cp
        self.period_start = _earliest(self.period_start, other.period_start)
        self.period_end = _latest(self.period_end, other.period_end)


def _earliest(first: date | None, second: date | None) -> date | None:
    return min(day for day in (first, second) if day is not None) if first or second else None


def _latest(first: date | None, second: date | None) -> date | None:
    return max(day for day in (first, second) if day is not None) if first or second else None


@dataclass
class LineConsumption:
    line: FundingLine
    envelope: Envelope


@dataclass
class StartupConsumption:
    startup: Startup
    envelope: Envelope


@dataclass
class Consumption:
    """A convention's consumption as of a day: per line, per startup and in total."""

    day: date
    lines: list[LineConsumption]
    startups: list[StartupConsumption]
    total: Envelope
    reports_counted: int = 0
    over_granted: list[str] = field(default_factory=list)


def _counted_reports(reports: Iterable[ConsumptionReport], day: date) -> list[ConsumptionReport]:
    return [report for report in reports if report.submitted_on <= day]


def _reported_period(convention: Convention, reports: Sequence[ConsumptionReport]) -> tuple[date | None, date | None]:
    if not reports:
        return None, None
    last = Quarter(max(report.quarter_start for report in reports)).end
    if convention.ends_on and not convention.until_paid and convention.ends_on < last:
        last = convention.ends_on
    start = convention_start(convention) or min(report.quarter_start for report in reports)
    return start, last


def _line_envelope(line: FundingLine, day: date, consumed: dict[int, tuple[Decimal, Decimal]], period) -> Envelope:
    amount = amount_on(line.amounts, day)
    committed, paid = consumed.get(line.id, (ZERO, ZERO))
    return Envelope(
        granted_ae=amount.ae if amount else ZERO,
        granted_cp=amount.cp if amount else ZERO,
        committed_ae=committed,
        paid_cp=paid,
        period_start=period[0],
        period_end=period[1],
    )


#: {line id: (AE committed, CP paid)} summed over the reports counted on a day.
Consumed = dict[int, tuple[Decimal, Decimal]]


def _summed(entries: Iterable[tuple[int, Decimal, Decimal]]) -> Consumed:
    consumed: Consumed = {}
    for line_id, ae_committed, cp_paid in entries:
        ae, cp = consumed.get(line_id, (ZERO, ZERO))
        consumed[line_id] = (ae + ae_committed, cp + cp_paid)
    return consumed


def _consumed_by_line(reports: Iterable[ConsumptionReport]) -> Consumed:
    return _summed((entry.line_id, entry.ae_committed, entry.cp_paid) for report in reports for entry in report.entries)


def consumed_on(day: date, line_ids=None) -> Consumed:
    """What `_consumed_by_line` gives over the reports filed by `day`, summed per line by the
    database in one statement (optionally for the lines of `line_ids`, a list or a SELECT of ids):
    for the computations over many conventions, which need no entry objects (a sweep, the
    run-outs, a dossier). The sums keep the columns' two decimals."""
    statement = (
        select(ConsumptionEntry.line_id, func.sum(ConsumptionEntry.ae_committed), func.sum(ConsumptionEntry.cp_paid))
        .join(ConsumptionReport, ConsumptionReport.id == ConsumptionEntry.report_id)
        .where(ConsumptionReport.submitted_on <= day)
        .group_by(ConsumptionEntry.line_id)
    )
    if line_ids is not None:
        statement = statement.where(ConsumptionEntry.line_id.in_(line_ids))
    return {line_id: (ae, cp) for line_id, ae, cp in db.session.execute(statement)}


def consumption(convention: Convention, day: date, consumed: Consumed | None = None) -> Consumption:
    """Consumed vs granted as of `day`: amounts in force that day (amendments included), reports
    filed by that day. Works on the loaded convention (see `load_convention`), its reports' entries
    included unless `consumed` (from `consumed_on`, the same day) gives their sums."""
    reports = _counted_reports(convention.reports, day)
    period = _reported_period(convention, reports)
    if consumed is None:
        consumed = _consumed_by_line(reports)
    lines = [LineConsumption(line, _line_envelope(line, day, consumed, period)) for line in convention.lines]
    total = Envelope(period_start=period[0], period_end=period[1])
    per_startup: dict[int, StartupConsumption] = {}
    over = []
    for item in lines:
        total.add(item.envelope)
        entry = per_startup.setdefault(
            item.line.startup_id, StartupConsumption(item.line.startup, Envelope(period_start=period[0], period_end=period[1]))
        )
        entry.envelope.add(item.envelope)
        name = f"{item.line.startup.name} ({item.line.fiscal_year})"
        if item.envelope.committed_ae > item.envelope.granted_ae:
            over.append(f"{name} : AE engagées au-delà des AE accordées.")
        if item.envelope.paid_cp > item.envelope.granted_cp:
            over.append(f"{name} : CP payés au-delà des CP accordés.")
    startups = sorted(per_startup.values(), key=lambda item: item.startup.name.lower())
    return Consumption(day, lines, startups, total, len(reports), over)


@dataclass
class QuarterLine:
    """A line as the report form of a quarter shows it: granted at the quarter's end, consumed in
    earlier quarters, and this quarter's entry once filed."""

    line: FundingLine
    granted_ae: Decimal
    granted_cp: Decimal
    earlier_ae: Decimal
    earlier_cp: Decimal
    entry: ConsumptionEntry | None


def quarter_lines(convention: Convention, quarter: Quarter) -> list[QuarterLine]:
    earlier = _consumed_by_line(report for report in convention.reports if report.quarter_start < quarter.start)
    report = next((report for report in convention.reports if report.quarter_start == quarter.start), None)
    entries = {entry.line_id: entry for entry in report.entries} if report else {}
    rows = []
    for line in convention.lines:
        amount = amount_on(line.amounts, quarter.end)
        ae, cp = earlier.get(line.id, (ZERO, ZERO))
        rows.append(
            QuarterLine(line, amount.ae if amount else ZERO, amount.cp if amount else ZERO, ae, cp, entries.get(line.id))
        )
    return rows


def envelopes_by_startup(
    lines: Iterable[FundingLine], day: date, consumed: Consumed | None = None
) -> dict[int, Envelope]:
    """{startup id: its envelope on `day`} over lines loaded with their amounts and their
    convention's reports, and the reports' entries unless `consumed` (from `consumed_on`, the
    same day) gives their sums (each convention's reports are read once)."""
    envelopes: dict[int, Envelope] = {}
    by_convention: dict[int, tuple] = {}
    for line in lines:
        if line.convention_id not in by_convention:
            reports = _counted_reports(line.convention.reports, day)
            used = _consumed_by_line(reports) if consumed is None else consumed
            by_convention[line.convention_id] = (used, _reported_period(line.convention, reports))
        used, period = by_convention[line.convention_id]
        envelopes.setdefault(line.startup_id, Envelope()).add(_line_envelope(line, day, used, period))
    return envelopes


def funds_the_future(day: date):
    """SQL: a funding line counts towards a run-out estimated on `day` when its fiscal year is the
    current one or later (AE and CP lapse at the end of their year: older lines fund nothing more)."""
    return FundingLine.fiscal_year >= day.year


def estimated_run_out(startup: Startup, today: date) -> date | None:
    """When the startup's funding would run out, across all its conventions: the CP granted as of
    `today` less the CP paid, spent at the rate paid so far, over the lines of this fiscal year and
    later (`funds_the_future`). None without any payment reported."""
    lines = db.session.scalars(
        select(FundingLine)
        .where(FundingLine.startup_id == startup.id, funds_the_future(today))
        .options(
            selectinload(FundingLine.amounts),
            selectinload(FundingLine.convention).selectinload(Convention.reports).selectinload(ConsumptionReport.entries),
        )
    ).all()
    envelope = envelopes_by_startup(lines, today).get(startup.id)
    return envelope.run_out if envelope else None

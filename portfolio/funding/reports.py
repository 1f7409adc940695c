"""Quarterly consumption reports (Article 3 of the seed): the quarters of a convention's life
with their due dates and statuses, filing a report, and what the reports say — consumed vs
granted per line and in total, the remaining envelope, the burn rate and the estimated
run-out date per startup (which the governance issue uses to date the next committee).

The functions work on objects already loaded (see `load_convention`), so that a page that
shows all this runs the same number of SQL statements whatever the number of lines and reports.
"""
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portfolio.audit.tracking import described
from portfolio.extensions import db
from portfolio.funding.amounts import amount_on
from portfolio.funding.models import ConsumptionEntry, ConsumptionReport, Convention, FundingLine
from portfolio.startups.models import Startup

ZERO = Decimal("0.00")
DEFAULT_DUE_DAYS = 15
#: A quarter's report: not ended yet, ended and not yet due, past due and not filed, filed.
STATUS_LABELS = {"upcoming": "À venir", "to_file": "À déposer", "late": "En retard", "filed": "Déposé"}
_QUARTER_KEY = re.compile(r"^(\d{4})-T([1-4])$")


class ReportError(ValueError):
    """A report that cannot be recorded; the message is French."""


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, named like "2020-T2"."""

    start: date

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        return cls(date(day.year, 3 * ((day.month - 1) // 3) + 1, 1))

    @classmethod
    def from_key(cls, key: str) -> "Quarter":
        match = _QUARTER_KEY.match(key or "")
        if not match:
            raise ValueError(f"« {key} » n’est pas un trimestre (par exemple 2020-T2).")
        return cls(date(int(match[1]), 3 * int(match[2]) - 2, 1))

    @property
    def number(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def key(self) -> str:
        return f"{self.start.year}-T{self.number}"

    @property
    def label(self) -> str:
        return f"{'1er' if self.number == 1 else f'{self.number}e'} trimestre {self.start.year}"

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def next(self) -> "Quarter":
        year, month = (self.start.year + 1, 1) if self.start.month == 10 else (self.start.year, self.start.month + 3)
        return Quarter(date(year, month, 1))


def convention_start(convention: Convention) -> date | None:
    """The convention's life starts on its effective date (publication), or else its signature."""
    return convention.effective_on or convention.signed_on


def convention_quarters(convention: Convention, today: date) -> list[Quarter]:
    """Every quarter of the convention's life, the first one even when it starts mid-quarter; up
    to its end, or — valid until every expense is paid, or without an end — up to today's quarter."""
    start = convention_start(convention)
    if start is None:
        return []
    last_day = convention.ends_on if convention.ends_on and not convention.until_paid else today
    last = max(Quarter.containing(last_day), Quarter.containing(start))
    quarters, quarter = [], Quarter.containing(start)
    while quarter <= last:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters


def due_date(convention: Convention, quarter: Quarter) -> date:
    days = convention.report_due_days if convention.report_due_days is not None else DEFAULT_DUE_DAYS
    return quarter.end + timedelta(days=days)


def report_status(convention: Convention, quarter: Quarter, day: date, report: ConsumptionReport | None) -> str:
    """The status on `day`: filed (by then), upcoming (quarter not over), to file (over, not yet
    due: the due date itself is still in time) or late."""
    if report is not None and report.submitted_on <= day:
        return "filed"
    if day <= quarter.end:
        return "upcoming"
    return "to_file" if day <= due_date(convention, quarter) else "late"


@dataclass
class QuarterState:
    quarter: Quarter
    #: The part of the quarter the convention covers (a first quarter may start mid-way).
    covers_from: date
    covers_to: date
    due_on: date
    status: str
    report: ConsumptionReport | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def filed_late(self) -> bool:
        return self.report is not None and self.report.submitted_on > self.due_on


def schedule(convention: Convention, day: date) -> list[QuarterState]:
    """The quarters with their due dates and statuses on `day` (reports of quarters that fall
    outside the convention's current dates are kept, so that no filed report disappears)."""
    reports = {report.quarter_start: report for report in convention.reports}
    quarters = sorted(set(convention_quarters(convention, day)) | {Quarter(start) for start in reports})
    start = convention_start(convention)
    end = convention.ends_on if not convention.until_paid else None
    states = []
    for quarter in quarters:
        report = reports.get(quarter.start)
        states.append(
            QuarterState(
                quarter=quarter,
                covers_from=max(quarter.start, start) if start else quarter.start,
                covers_to=min(quarter.end, end) if end and end >= quarter.start else quarter.end,
                due_on=due_date(convention, quarter),
                status=report_status(convention, quarter, day, report),
                report=report,
            )
        )
    return states


def load_convention(convention_id: int) -> Convention | None:
    """A convention with its lines (amounts, startup) and reports (entries): a fixed number of queries."""
    return db.session.scalar(
        select(Convention)
        .where(Convention.id == convention_id)
        .options(
            selectinload(Convention.lines).selectinload(FundingLine.amounts),
            selectinload(Convention.lines).selectinload(FundingLine.startup),
            selectinload(Convention.reports).selectinload(ConsumptionReport.entries),
        )
    )


# --- Filing a report --------------------------------------------------------------------------


def file_report(
    convention: Convention,
    quarter: Quarter,
    submitted_on: date,
    entries: dict[int, tuple[Decimal, Decimal]],
    today: date,
    by=None,
    note: str | None = None,
) -> ConsumptionReport:
    """Record the quarter's report: AE committed and CP paid per line (line id -> (AE, CP)); a line
    left out counts as nothing consumed. One report per quarter. Flushes; the caller commits."""
    if quarter not in convention_quarters(convention, today):
        raise ReportError(f"Le trimestre {quarter.key} est en dehors de la période de la convention.")
    if today <= quarter.end:
        raise ReportError(
            f"Le {quarter.label} n’est pas terminé : son compte rendu pourra être déposé "
            f"à partir du {quarter.end + timedelta(days=1):%d/%m/%Y}."
        )
    existing = next((report for report in convention.reports if report.quarter_start == quarter.start), None)
    if existing is not None:
        raise ReportError(_already_filed(quarter, existing))
    if submitted_on > today:
        raise ReportError("La date de dépôt ne peut pas être dans le futur.")
    if submitted_on <= quarter.end:
        raise ReportError(f"La date de dépôt doit suivre la fin du trimestre (le {quarter.end:%d/%m/%Y}).")
    lines = {line.id: line for line in convention.lines}
    unknown = set(entries) - set(lines)
    if unknown:
        raise ReportError("Le compte rendu nomme une ligne qui n’appartient pas à cette convention.")
    report = ConsumptionReport(
        quarter_start=quarter.start,
        submitted_on=submitted_on,
        submitted_by_id=getattr(by, "id", None),
        note=(note or "").strip() or None,
    )
    for line_id, line in lines.items():
        ae, cp = entries.get(line_id, (ZERO, ZERO))
        report.entries.append(ConsumptionEntry(line=line, ae_committed=ae, cp_paid=cp))
    with described(reason=f"Compte rendu du {quarter.label}"):
        convention.reports.append(report)
        try:
            db.session.flush()
        except IntegrityError:
            # Someone filed the same quarter meanwhile: the unique constraint is the last word.
            db.session.rollback()
            raise ReportError(f"Un compte rendu a déjà été déposé pour le {quarter.label}.") from None
    return report


def _already_filed(quarter: Quarter, report: ConsumptionReport) -> str:
    return (
        f"Un compte rendu a déjà été déposé pour le {quarter.label} (le {report.submitted_on:%d/%m/%Y}) : "
        "il ne peut y en avoir qu’un par trimestre."
    )


# --- What the reports say ---------------------------------------------------------------------


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
    """What `_consumed_by_line` gives over the reports filed by `day`, read as plain values in one
    statement (optionally for the lines of `line_ids`, a list or a SELECT of ids): for the
    computations over many conventions, which need no entry objects (a sweep, the run-outs)."""
    statement = (
        select(ConsumptionEntry.line_id, ConsumptionEntry.ae_committed, ConsumptionEntry.cp_paid)
        .join(ConsumptionReport, ConsumptionReport.id == ConsumptionEntry.report_id)
        .where(ConsumptionReport.submitted_on <= day)
    )
    if line_ids is not None:
        statement = statement.where(ConsumptionEntry.line_id.in_(line_ids))
    return _summed(db.session.execute(statement))


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


def estimated_run_out(startup: Startup, today: date) -> date | None:
    """When the startup's funding would run out, across all its conventions: the CP granted as of
    `today` less the CP paid, spent at the rate paid so far. None without any payment reported."""
    lines = db.session.scalars(
        select(FundingLine)
        .where(FundingLine.startup_id == startup.id)
        .options(
            selectinload(FundingLine.amounts),
            selectinload(FundingLine.convention).selectinload(Convention.reports).selectinload(ConsumptionReport.entries),
        )
    ).all()
    envelope = envelopes_by_startup(lines, today).get(startup.id)
    return envelope.run_out if envelope else None

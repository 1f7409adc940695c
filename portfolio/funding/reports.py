"""Quarterly consumption reports (Article 3 of the seed): the quarters of a convention's life
with their due dates and statuses, and filing a report. What the reports say (consumed vs
granted, envelopes, run-out) is `portfolio.funding.consumption`.

The functions work on objects already loaded (see `load_convention`), so that a page that
shows all this runs the same number of SQL statements whatever the number of lines and reports.
"""
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from portfolio.audit.tracking import described
from portfolio.extensions import db
from portfolio.funding.amounts import amount_on, format_euros
from portfolio.funding.models import DEFAULT_REPORT_DUE_DAYS, ConsumptionEntry, ConsumptionReport, Convention

ZERO = Decimal("0.00")
#: A quarter's report: not ended yet, ended and not yet due, past due and not filed, filed; or not
#: filed and owed no more, the convention being closed (its obligations ended: no reminder either).
STATUS_LABELS = {
    "upcoming": "À venir", "to_file": "À déposer", "late": "En retard", "filed": "Déposé",
    "not_owed": "Non dû (convention clôturée)",
}
_QUARTER_KEY = re.compile(r"^(\d{4})-T([1-4])$")


class ReportError(ValueError):
    """A report that cannot be recorded; the message is French."""


class NeedsConfirmation(ReportError):
    """The report may be recorded, but a line would be consumed beyond its granted amount: the
    person confirms it (the two-step pattern of the phase changes), and the alerts then show it."""


def beyond_granted(convention: Convention, quarter: "Quarter", entries: dict[int, tuple[Decimal, Decimal]]) -> list[str]:
    """French descriptions of the lines whose AE committed or CP paid, over this quarter and the
    earlier ones, would exceed the amount granted on the quarter's last day."""
    earlier: dict[int, tuple[Decimal, Decimal]] = {}
    for report in convention.reports:
        if report.quarter_start < quarter.start:
            for entry in report.entries:
                ae, cp = earlier.get(entry.line_id, (ZERO, ZERO))
                earlier[entry.line_id] = (ae + entry.ae_committed, cp + entry.cp_paid)
    found = []
    for line in convention.lines:
        granted = amount_on(line.amounts, quarter.end)
        ae, cp = entries.get(line.id, (ZERO, ZERO))
        before_ae, before_cp = earlier.get(line.id, (ZERO, ZERO))
        granted_ae, granted_cp = (granted.ae, granted.cp) if granted else (ZERO, ZERO)
        name = f"{line.startup.name} ({line.fiscal_year})"
        if before_ae + ae > granted_ae:
            found.append(f"{name} : {format_euros(before_ae + ae)} d’AE engagées pour {format_euros(granted_ae)} accordées")
        if before_cp + cp > granted_cp:
            found.append(f"{name} : {format_euros(before_cp + cp)} de CP payés pour {format_euros(granted_cp)} accordés")
    return found


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


def convention_end(convention: Convention, today: date) -> date:
    """The last day of the convention's obligations: its end date (valid until every expense is
    paid, or without an end: today), and once closed — after its last payment — its closing day."""
    end = convention.ends_on if convention.ends_on and not convention.until_paid else today
    closed = closed_on(convention)
    return min(end, closed) if closed else end


def closed_on(convention: Convention) -> date | None:
    """The day a closed convention was closed (its last closing), None while it is not closed."""
    if convention.status != "closed":
        return None
    return max((change.changed_on for change in convention.status_changes if change.status == "closed"), default=None)


def convention_quarters(convention: Convention, today: date) -> list[Quarter]:
    """Every quarter of the convention's life, the first one even when it starts mid-quarter; up
    to its end (`convention_end`): no report is owed for a quarter after it."""
    start = convention_start(convention)
    if start is None:
        return []
    last_day = convention_end(convention, today)
    last = max(Quarter.containing(last_day), Quarter.containing(start))
    quarters, quarter = [], Quarter.containing(start)
    while quarter <= last:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters


def due_date(convention: Convention, quarter: Quarter) -> date:
    days = convention.report_due_days if convention.report_due_days is not None else DEFAULT_REPORT_DUE_DAYS
    return quarter.end + timedelta(days=days)


def report_status(convention: Convention, quarter: Quarter, day: date, report: ConsumptionReport | None) -> str:
    """The status on `day`: filed (by then), upcoming (quarter not over), to file (over, not yet
    due: the due date itself is still in time) or late; once the convention is closed, an
    unfiled quarter is owed no more (as the reminders, which stop at its closing)."""
    if report is not None and report.submitted_on <= day:
        return "filed"
    closed = closed_on(convention)
    if closed is not None and closed <= day and day > quarter.end:
        return "not_owed"
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


# --- Filing a report --------------------------------------------------------------------------


def file_report(
    convention: Convention,
    quarter: Quarter,
    submitted_on: date,
    entries: dict[int, tuple[Decimal, Decimal]],
    today: date,
    by=None,
    note: str | None = None,
    confirmed: bool = False,
) -> ConsumptionReport:
    """Record the quarter's report: AE committed and CP paid per line (line id -> (AE, CP)); a line
    left out counts as nothing consumed. One report per quarter. A line consumed beyond its
    granted amount raises NeedsConfirmation unless `confirmed`. Flushes; the caller commits."""
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
    beyond = beyond_granted(convention, quarter, entries)
    if beyond and not confirmed:
        raise NeedsConfirmation(
            "Ce compte rendu dépasse le montant accordé — " + " ; ".join(beyond)
            + ". Confirmez-vous ces montants ? Le dépassement sera signalé dans les alertes de la convention."
        )
    report = ConsumptionReport(
        quarter_start=quarter.start,
        submitted_on=submitted_on,
        submitted_by_id=getattr(by, "id", None),
        note=(note or "").strip() or None,
    )
    for line_id, line in lines.items():
        ae, cp = entries.get(line_id, (ZERO, ZERO))
        report.entries.append(ConsumptionEntry(line=line, ae_committed=ae, cp_paid=cp))
    reason = f"Compte rendu du {quarter.label}"
    if beyond:
        reason += " — dépassement du montant accordé confirmé : " + " ; ".join(beyond)
    with described(reason=reason):
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

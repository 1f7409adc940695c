"""Consistency warnings on conventions and their lines: shown, listed for finance, never blocking.

Each warning has a stable code (for filters and tests) and a French message. The paste-import
of an annex calls `total_mismatch` on its parsed rows before anything is stored.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from portfolio.funding.amounts import format_euros
from portfolio.funding.models import Convention, FundingLine
from portfolio.funding.operations import base_amount
from portfolio.funding.queries import Amounts, amounts_on
from portfolio.startups import phases

#: code -> what it means, in French (the finance view's filter).
WARNING_KINDS = {
    "cp_differs_from_ae": "CP différents des AE sur une ligne",
    "total_mismatch": "Somme des lignes différente du TOTAL déclaré",
    "uo_differs": "UO d’une ligne différente de celle de la convention",
    "startup_stopped": "Ligne d’une startup arrêtée",
    "end_before_start": "Date de fin antérieure au début",
    "unconsumed_credits": "Crédits non consommés à la fin de la convention",
    "beyond_granted": "AE engagées ou CP payés au-delà du montant accordé",
}


@dataclass(frozen=True)
class FundingWarning:
    code: str
    message: str
    convention: Convention | None = None
    line: FundingLine | None = None

    @property
    def kind(self) -> str:
        return WARNING_KINDS[self.code]


def _ae_cp(item: Any) -> tuple[Decimal, Decimal]:
    if isinstance(item, dict):
        return Decimal(item["ae"]), Decimal(item["cp"])
    return Decimal(item.ae), Decimal(item.cp)


def total_mismatch(lines: Iterable[Any], declared_ae, declared_cp, convention: Convention | None = None) -> list[FundingWarning]:
    """Warnings when the lines' sum differs from a declared TOTAL (AE and CP checked apart).

    `lines` are anything with `ae` and `cp` (attributes or keys): parsed annex rows, LineAmounts,
    `Amounts`; a declared total left as None is not checked."""
    total = Amounts()
    for item in lines:
        total += Amounts(*_ae_cp(item))
    warnings = []
    for name, declared, summed in (("AE", declared_ae, total.ae), ("CP", declared_cp, total.cp)):
        if declared is None or Decimal(declared) == summed:
            continue
        gap = summed - Decimal(declared)
        warnings.append(
            FundingWarning(
                "total_mismatch",
                f"La somme des lignes en {name} ({format_euros(summed)}) diffère du TOTAL déclaré "
                f"({format_euros(Decimal(declared))}) : écart de {format_euros(gap)}.",
                convention,
            )
        )
    return warnings


def line_warnings(convention: Convention, line: FundingLine, today: date) -> list[FundingWarning]:
    warnings = []
    amounts = amounts_on(line, today)
    name = f"{line.startup.name} ({line.fiscal_year})"
    if amounts is not None and amounts.ae != amounts.cp:
        warnings.append(
            FundingWarning(
                "cp_differs_from_ae",
                f"Ligne {name} : les CP ({format_euros(amounts.cp)}) diffèrent des AE ({format_euros(amounts.ae)}).",
                convention,
                line,
            )
        )
    if line.uo and convention.uo and line.uo.strip().upper() != convention.uo.strip().upper():
        warnings.append(
            FundingWarning(
                "uo_differs",
                f"Ligne {name} : l’UO {line.uo} diffère de l’UO de la convention ({convention.uo}).",
                convention,
                line,
            )
        )
    if line.id is not None:  # an annex preview's transient line has no report yet
        warnings += _beyond_granted(convention, line, amounts, name)
    phase = phases.phase_on(line.startup.phase_spans, today)
    if phase in phases.STOPPED_PHASES:
        warnings.append(
            FundingWarning(
                "startup_stopped",
                f"Ligne {name} : la startup est en phase « {phases.label(phase)} » aujourd’hui.",
                convention,
                line,
            )
        )
    return warnings


def _beyond_granted(convention: Convention, line: FundingLine, amounts, name: str) -> list[FundingWarning]:
    """The line's reports add up to more AE committed or CP paid than it was granted (the report's
    confirmation step let it through: it stays in sight here)."""
    consumed = Amounts()
    for report in convention.reports:
        for entry in report.entries:
            if entry.line_id == line.id:
                consumed += Amounts(entry.ae_committed, entry.cp_paid)
    granted = amounts or Amounts()
    found = [
        f"{format_euros(used)} {what} pour {format_euros(given)} {granted_word}"
        for what, granted_word, used, given in (
            ("d’AE engagées", "accordées", consumed.ae, granted.ae), ("de CP payés", "accordés", consumed.cp, granted.cp)
        )
        if used > given
    ]
    if not found:
        return []
    return [FundingWarning("beyond_granted", f"Ligne {name} : {' et '.join(found)}.", convention, line)]


def _has_ended(convention: Convention, today: date) -> bool:
    return convention.status == "closed" or (convention.ends_on is not None and convention.ends_on < today)


def _unconsumed(convention: Convention, today: date) -> list[FundingWarning]:
    if not _has_ended(convention, today) or not convention.lines:
        return []
    granted = Amounts()
    for line in convention.lines:
        granted += amounts_on(line, today) or Amounts()
    consumed = Amounts()
    for report in convention.reports:
        for entry in report.entries:
            consumed += Amounts(entry.ae_committed, entry.cp_paid)
    left = [
        f"{format_euros(given - used)} en {name}"
        for name, given, used in (("AE", granted.ae, consumed.ae), ("CP", granted.cp, consumed.cp))
        if used < given
    ]
    if not left:
        return []
    return [
        FundingWarning(
            "unconsumed_credits",
            f"La convention est terminée et des crédits n’ont pas été consommés : {' et '.join(left)} "
            "(le délégataire en informe le délégant, article 3).",
            convention,
        )
    ]


def convention_warnings(convention: Convention, today: date) -> list[FundingWarning]:
    """Every warning of a convention loaded with its lines, their amounts, startups' phases and reports.

    The declared TOTAL is the annex's: it is checked against the lines' own amounts (those the
    convention set, corrections included), not against later amendments."""
    warnings = []
    start = convention.effective_on or convention.signed_on
    if convention.ends_on is not None and start is not None and convention.ends_on < start:
        warnings.append(
            FundingWarning(
                "end_before_start",
                f"La date de fin ({convention.ends_on:%d/%m/%Y}) précède le début de la convention "
                f"({start:%d/%m/%Y}).",
                convention,
            )
        )
    own = [base_amount(line) for line in convention.lines if _set_by_convention(line)]
    warnings += total_mismatch(
        [row for row in own if row is not None], convention.declared_total_ae, convention.declared_total_cp, convention
    )
    for line in convention.lines:
        warnings += line_warnings(convention, line, today)
    warnings += _unconsumed(convention, today)
    return warnings


def _set_by_convention(line: FundingLine) -> bool:
    base = base_amount(line)
    return base is not None and base.amendment_id is None and base.amendment is None


def all_warnings(conventions: Iterable[Convention], today: date) -> list[FundingWarning]:
    return [warning for convention in conventions for warning in convention_warnings(convention, today)]

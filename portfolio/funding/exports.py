"""The two open-data exports (Article 7: the délégataire publishes on data.gouv.fr): conventions
and funding lines as CSV, UTF-8 with a header, comma-separated, amounts as plain decimals with a
dot, dates as YYYY-MM-DD, amounts as of a day."""
import csv
import io
from datetime import date
from decimal import Decimal

from portfolio.funding.models import CONVENTION_KINDS, CONVENTION_STATUSES, PARTY_ROLES
from portfolio.funding.queries import Amounts, amounts_on, totals_on

LINE_COLUMNS = (
    "convention", "convention_intitule", "startup", "startup_nom", "year", "projet", "direction",
    "ae", "cp", "uo", "activite", "paaf", "montants_au",
)
CONVENTION_COLUMNS = (
    "reference", "intitule", "nature", "fonds", "programme", "bop", "uo", "statut", "date_signature",
    "date_effet", "date_fin", "jusqu_au_paiement", *PARTY_ROLES, "nombre_lignes", "total_ae", "total_cp",
    "montants_au",
)


def _cell(text: str | None) -> str:
    """Text a spreadsheet will not run as a formula (a cell starting with = + - @ is one)."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _decimal(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


def _writer():
    buffer = io.StringIO()
    return buffer, csv.writer(buffer, lineterminator="\r\n")


def lines_csv(lines, day: date) -> str:
    """One row per funding line, its amounts those in force on `day` (empty before they take effect)."""
    buffer, writer = _writer()
    writer.writerow(LINE_COLUMNS)
    for line in lines:
        amounts = amounts_on(line, day)
        writer.writerow((
            _cell(line.convention.reference), _cell(line.convention.title), line.startup.slug, _cell(line.startup.name),
            line.fiscal_year, _cell(line.label), _cell(line.direction),
            _decimal(amounts.ae if amounts else None), _decimal(amounts.cp if amounts else None),
            _cell(line.uo), _cell(line.activite), _cell(line.paaf), day.isoformat(),
        ))
    return buffer.getvalue()


def conventions_csv(conventions, day: date) -> str:
    """One row per convention, its parties by role (several joined by " | ") and its totals on `day`."""
    buffer, writer = _writer()
    writer.writerow(CONVENTION_COLUMNS)
    for convention in conventions:
        parties = {
            role: " | ".join(party.organisation.name for party in convention.parties if party.role == role)
            for role in PARTY_ROLES
        }
        totals = totals_on(convention.lines, day)
        total = totals.total if totals.lines else Amounts()
        writer.writerow((
            _cell(convention.reference), _cell(convention.title), CONVENTION_KINDS.get(convention.kind, convention.kind),
            _cell(convention.fund), _cell(convention.budget_programme), _cell(convention.bop), _cell(convention.uo),
            CONVENTION_STATUSES.get(convention.status, convention.status), _day(convention.signed_on),
            _day(convention.effective_on), _day(convention.ends_on), "oui" if convention.until_paid else "non",
            *(_cell(parties[role]) for role in PARTY_ROLES), len(convention.lines),
            _decimal(total.ae), _decimal(total.cp), day.isoformat(),
        ))
    return buffer.getvalue()

"""The two open-data exports (Article 7: the délégataire publishes on data.gouv.fr): conventions
and funding lines, amounts as of a day, as tables that `portfolio.core.exports` writes as CSV
and as .xlsx."""
from datetime import date

from portfolio.core.exports import Column, Table
from portfolio.funding.models import CONVENTION_KINDS, CONVENTION_STATUSES, PARTY_ROLES
from portfolio.funding.queries import Amounts, amounts_on, totals_on

LINE_COLUMNS = (
    Column("convention", "Convention"),
    Column("convention_intitule", "Intitulé de la convention"),
    Column("startup", "Startup (identifiant)"),
    Column("startup_nom", "Startup"),
    Column("year", "Exercice", "integer"),
    Column("projet", "Projet"),
    Column("direction", "Direction"),
    Column("ae", "AE (€)", "amount"),
    Column("cp", "CP (€)", "amount"),
    Column("uo", "UO", "code"),
    Column("activite", "Activité", "code"),
    Column("paaf", "PAAF", "code"),
    Column("montants_au", "Montants au", "date"),
)
CONVENTION_COLUMNS = (
    Column("reference", "Référence"),
    Column("intitule", "Intitulé"),
    Column("nature", "Nature"),
    Column("fonds", "Fonds"),
    Column("programme", "Programme", "code"),
    Column("bop", "BOP", "code"),
    Column("uo", "UO", "code"),
    Column("statut", "Statut"),
    Column("date_signature", "Date de signature", "date"),
    Column("date_effet", "Date d’effet", "date"),
    Column("date_fin", "Date de fin", "date"),
    Column("jusqu_au_paiement", "Jusqu’au paiement", "flag"),
    *(Column(role, label) for role, label in PARTY_ROLES.items()),
    Column("nombre_lignes", "Nombre de lignes", "integer"),
    Column("total_ae", "Total AE (€)", "amount"),
    Column("total_cp", "Total CP (€)", "amount"),
    Column("montants_au", "Montants au", "date"),
)


GRANT_COLUMNS = (
    Column("startup", "Startup (identifiant)"),
    Column("startup_nom", "Startup"),
    Column("nature", "Nature"),
    Column("promotion", "Promotion", "integer"),
    Column("montant", "Montant (€)", "amount"),
    Column("source", "Source"),
)


def grants_table(grants) -> Table:
    """One row per grant (the registry's FAST grants), by startup."""
    rows = [
        (grant.startup.slug, grant.startup.name, grant.kind_label, grant.promotion, grant.amount_eur, grant.source)
        for grant in grants
    ]
    return Table(GRANT_COLUMNS, rows, "Subventions")


def lines_table(lines, day: date) -> Table:
    """One row per funding line, its amounts those in force on `day` (empty before they take effect)."""
    rows = []
    for line in lines:
        amounts = amounts_on(line, day)
        rows.append((
            line.convention.reference, line.convention.title, line.startup.slug, line.startup.name,
            line.fiscal_year, line.label, line.direction,
            amounts.ae if amounts else None, amounts.cp if amounts else None,
            line.uo, line.activite, line.paaf, day,
        ))
    return Table(LINE_COLUMNS, rows, "Lignes de financement")


def conventions_table(conventions, day: date) -> Table:
    """One row per convention, its parties by role (several joined by " | ") and its totals on `day`."""
    rows = []
    for convention in conventions:
        parties = {
            role: " | ".join(party.organisation.name for party in convention.parties if party.role == role)
            for role in PARTY_ROLES
        }
        totals = totals_on(convention.lines, day)
        total = totals.total if totals.lines else Amounts()
        rows.append((
            convention.reference, convention.title, CONVENTION_KINDS.get(convention.kind, convention.kind),
            convention.fund, convention.budget_programme, convention.bop, convention.uo,
            CONVENTION_STATUSES.get(convention.status, convention.status), convention.signed_on,
            convention.effective_on, convention.ends_on, convention.until_paid,
            *(parties[role] for role in PARTY_ROLES), len(convention.lines),
            total.ae, total.cp, day,
        ))
    return Table(CONVENTION_COLUMNS, rows, "Conventions")

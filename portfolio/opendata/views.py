"""Open data (Article 7 of the seed convention: the délégataire publishes the convention): the
conventions whose status is "published", their parties, their amounts in force today (amendments
applied, by `funding.queries`) and their annex lines by startup and year, as a page, two CSVs
(`portfolio.core.exports`) and one JSON carrying the data.gouv.fr metadata. Anyone may read them;
nothing else of the application is reachable without an account."""
from datetime import date

from flask import jsonify, render_template, url_for

from portfolio.accounts.access import public
from portfolio.core import exports
from portfolio.funding import exports as funding_exports, queries
from portfolio.funding.models import CONVENTION_KINDS, PARTY_ROLES
from portfolio.timeutil import today_in_paris


PUBLISHED = "published"
LICENCE = {
    "name": "Licence Ouverte / Open Licence version 2.0",
    "id": "lov2",
    "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
DATASET = {
    "title": "Conventions de financement des startups d’État (beta.gouv.fr)",
    "description": (
        "Les conventions publiées qui financent des startups d’État du programme beta.gouv.fr "
        "(conventions de délégation de gestion notamment) : leurs parties (délégant, délégataire, "
        "porteurs de projets), leurs montants en vigueur (autorisations d’engagement et crédits de "
        "paiement, avenants appliqués) et leurs lignes d’annexe par startup et par exercice. "
        "Montants en euros ; une ligne par ligne d’annexe dans lignes.csv, une ligne par convention "
        "dans conventions.csv ; le fichier JSON reprend les mêmes données et ces métadonnées."
    ),
    "frequency": "Mise à jour à chaque publication ou avenant (données générées à la demande)",
    "frequency_code": "irregular",
    "producer": "Direction interministérielle du numérique (DINUM), programme beta.gouv.fr",
}


def _amount(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _convention_record(convention, day: date) -> dict:
    totals = queries.totals_on(convention.lines, day)
    return {
        "reference": convention.reference,
        "intitule": convention.title,
        "nature": CONVENTION_KINDS.get(convention.kind, convention.kind),
        "fonds": convention.fund,
        "programme": convention.budget_programme,
        "date_signature": convention.signed_on.isoformat() if convention.signed_on else None,
        "date_effet": convention.effective_on.isoformat() if convention.effective_on else None,
        "date_fin": convention.ends_on.isoformat() if convention.ends_on else None,
        "jusqu_au_paiement": convention.until_paid,
        "parties": [
            {"role": PARTY_ROLES.get(party.role, party.role), "organisation": party.organisation.name}
            for party in convention.parties
        ],
        "total_ae": _amount(totals.total.ae),
        "total_cp": _amount(totals.total.cp),
        "lignes": [
            {
                "startup": line.startup.slug,
                "startup_nom": line.startup.name,
                "exercice": line.fiscal_year,
                "projet": line.label,
                "ae": _amount(amounts.ae) if amounts else None,
                "cp": _amount(amounts.cp) if amounts else None,
            }
            for line in convention.lines
            for amounts in [queries.amounts_on(line, day)]
        ],
    }


def published_conventions(day: date) -> list[dict]:
    return [_convention_record(convention, day) for convention in queries.export_conventions(PUBLISHED)]


@public
def index():
    day = today_in_paris()
    return render_template(
        "opendata/index.html", conventions=published_conventions(day), day=day, licence=LICENCE, dataset=DATASET
    )


@public
def conventions_csv():
    day = today_in_paris()
    table = funding_exports.conventions_table(queries.export_conventions(PUBLISHED), day)
    return exports.csv_response(table, f"conventions-publiees-{day.isoformat()}")


@public
def lines_csv():
    day = today_in_paris()
    table = funding_exports.lines_table(queries.export_lines(PUBLISHED), day)
    return exports.csv_response(table, f"lignes-conventions-publiees-{day.isoformat()}")


@public
def conventions_json():
    day = today_in_paris()
    response = jsonify({
        "metadata": {
            **DATASET,
            "licence": LICENCE,
            "date_des_donnees": day.isoformat(),
            "page": url_for("opendata.index", _external=True),
        },
        "conventions": published_conventions(day),
    })
    response.headers["Content-Disposition"] = f'attachment; filename="conventions-publiees-{day.isoformat()}.json"'
    return response

"""The demo's convention: the seed convention of April 2020 (../shared/seed-convention.txt), as it reads.

The SG of the economic ministries delegates to the DINUM the management of FTM credits for two
startups carried by the DGE. Loading is idempotent: the convention is found by its reference.
Its annex raises the warnings the text itself carries: CP ≠ AE on Place des Entreprises, and
the annex's UO 0218-CE5G-CAOD unlike Article 1's 0218-CESG-CMOD.
"""
from datetime import date

from sqlalchemy import select

from portfolio.extensions import db
from portfolio.timeutil import today_in_paris
from portfolio.funding import operations
from portfolio.funding.models import Convention
from portfolio.startups.models import Organisation, Startup

REFERENCE = "SGMEF-DINUM-FTM-2020"
SIGNED_ON = date(2020, 4, 6)
CONVENTION = {
    "reference": REFERENCE,
    "title": "Délégation de gestion FTM 2020 : Signaux Faibles et Place des Entreprises",
    "kind": "delegation_gestion",
    "fund": "Fonds de Transformation Ministériel (FTM) du Secrétariat général des ministères économiques et financiers",
    "budget_programme": "218",
    "bop": "Secrétariat général",
    "uo": "0218-CESG-CMOD",
    "legal_basis": (
        "Vu le décret 2004-1085 du 14 janvier 2004 modifié relatif à la délégation de gestion dans les services "
        "de l’Etat\n"
        "Vu le décret n° 2012-1246 du 7 novembre 2012 relatif à la gestion budgétaire et comptable publique"
    ),
    "purpose": (
        "Autoriser le délégataire à consommer des crédits, hors titre 2, de l’UO 0218-CESG-CMOD « Modernisation » "
        "du BOP « Secrétariat général » du programme 218, pour financer les projets pilotés par le porteur de "
        "projets, suivis par le délégataire et retenus par le délégant dans le cadre du FTM : le délégant lui "
        "confie l’ordonnancement des dépenses et des recettes, dans la limite des montants fixés en annexe."
    ),
    "signed_on": SIGNED_ON,
    "until_paid": True,
    "declared_total_ae": "368 000",
    "declared_total_cp": "620 900",
}
#: (role, organisation slug, address, representative, representative's title, signatory, signatory's title)
PARTIES = [
    (
        "delegant", "sg-mef", None,
        "Mme Marie-Anne BARBAT-LAYANI", "secrétaire générale, responsable du programme 218",
        "Isabelle PEROT", "sous-directrice SAFI2/SG, pour le Secrétariat général des ministères économiques et financiers",
    ),
    (
        "delegataire", "dinum", "20 avenue de Ségur, 75007 Paris",
        "M. Nadi BOU HANNA", "directeur interministériel du numérique",
        "Nadi BOU HANNA", "directeur interministériel du numérique",
    ),
    (
        "porteur", "dge", "67 rue Barbès, 94201 Ivry-sur-Seine Cedex",
        "M. Thomas Courbes", "directeur général des entreprises, porteur des projets",
        "Raphaël KELLER", "secrétaire général, pour le directeur général des entreprises",
    ),
]
OBLIGATIONS = [
    (
        "quarterly_report",
        "Article 3 : le délégataire rend compte trimestriellement au délégant de sa consommation de l’UO "
        "0218-CESG-CMOD et l’informe dans les meilleurs délais des crédits non consommés à l’issue du projet.",
    ),
    (
        "other",
        "Article 3 : le délégataire passe, signe et exécute les marchés et conventions nécessaires aux projets de "
        "l’annexe, dans le respect des règles de la commande publique.",
    ),
    (
        "other",
        "Article 4 : le porteur met à disposition une équipe comptant au moins un intrapreneur à temps complet ; "
        "des instances de gouvernance présidées par son représentant valident les orientations stratégiques.",
    ),
    (
        "investment_committee",
        "Article 4 : avant la fin de la convention, un comité d’investissement présidé par le représentant du "
        "porteur évalue les résultats de chaque équipe et décide de la suite ; la DINUM et le représentant du "
        "délégant y participent.",
    ),
    (
        "amendment_by_avenant",
        "Article 5 : toute modification fait l’objet d’un avenant, transmis aux contrôleurs budgétaires et "
        "comptables ministériels du délégant et du délégataire.",
    ),
    (
        "other",
        "Article 6 : la convention prend effet à sa publication et vaut jusqu’au paiement par le délégataire de "
        "l’ensemble des dépenses liées au projet, dans la limite des crédits alloués.",
    ),
    (
        "publication",
        "Article 7 : publication sur l’intranet Matignon Infos Services (DSAF du Premier ministre), au Bulletin "
        "officiel des ministères économiques et financiers (délégant) et sur data.gouv.fr (délégataire).",
    ),
]
#: The annex as published; its blank UO and activité cells mean "same as above".
LINES = [
    {
        "startup": "conseillers-entreprises", "fiscal_year": 2020, "label": "Startup Etat (place des entreprises)",
        "direction": "DGE/DIUM", "ae": "200 000", "cp": "452 900", "uo": "0218-CE5G-CAOD",
        "activite": "021813010101", "paaf": "07-FIN-21800032429",
    },
    {
        "startup": "signaux-faibles", "fiscal_year": 2020, "label": "Signaux faibles",
        "direction": "DGE/DIUM", "ae": "168 000", "cp": "168 000", "uo": "0218-CE5G-CAOD",
        "activite": "021813010101", "paaf": "07-FIN-21800032538",
    },
]
PUBLICATION_NOTE = (
    "La convention ne donne pas sa date de publication : la date de signature est reprise."
)


def _by_slug(model, slug: str):
    return db.session.scalar(select(model).where(model.slug == slug))


#: The convention's real life (Article 3 and 6): its 2020 quarterly reports, credits of the year
#: consumed (AE and CP are valid one calendar year), then closed once its last payment was made.
#: (quarter, filed on, {startup slug: (AE committed, CP paid)}).
DEMO_REPORTS = [
    ("2020-T2", date(2020, 7, 10), {"conseillers-entreprises": ("120 000", "60 000"), "signaux-faibles": ("100 000", "50 000")}),
    ("2020-T3", date(2020, 10, 12), {"conseillers-entreprises": ("80 000", "110 000"), "signaux-faibles": ("68 000", "70 000")}),
    ("2020-T4", date(2021, 1, 15), {"conseillers-entreprises": ("0", "282 900"), "signaux-faibles": ("0", "48 000")}),
]
#: The day of the last payment, when the convention ("jusqu’au paiement") was closed.
CLOSED_ON = date(2021, 1, 29)
CLOSING_REASON = "Dernier paiement du délégataire effectué : la convention, valable jusqu’au paiement, est close."


def file_demo_reports() -> int:
    """Tell the seed convention's life after its signature, once: file its 2020 reports, then close
    it; how many reports were filed now.

    Kept out of `load_demo()` (the tests' fixture), whose convention starts with no report, open."""
    from portfolio.funding.amounts import parse_amount
    from portfolio.funding.reports import Quarter, file_report

    convention = db.session.scalar(select(Convention).where(Convention.reference == REFERENCE))
    if convention is None or convention.reports:
        return 0
    lines = {line.startup.slug: line.id for line in convention.lines}
    for key, filed_on, amounts in DEMO_REPORTS:
        entries = {lines[slug]: (parse_amount(ae), parse_amount(cp)) for slug, (ae, cp) in amounts.items()}
        file_report(convention, Quarter.from_key(key), filed_on, entries, today=today_in_paris(),
                    note="Compte rendu de démonstration.")
    if convention.status != "closed":
        operations.change_status(convention, "closed", CLOSED_ON, reason=CLOSING_REASON)
    return len(DEMO_REPORTS)


def load_demo_funding(report=None) -> Convention:
    """The seed convention, created once (its parties, obligations, status history and annex lines)."""
    existing = db.session.scalar(select(Convention).where(Convention.reference == REFERENCE))
    if existing is not None:
        return existing
    convention = operations.create_convention(**CONVENTION)
    for role, slug, address, representative, representative_title, signatory, signatory_title in PARTIES:
        operations.add_party(
            convention, role=role, organisation=_by_slug(Organisation, slug), address=address,
            representative_name=representative, representative_title=representative_title,
            signatory_name=signatory, signatory_title=signatory_title,
        )
    for kind, description in OBLIGATIONS:
        operations.add_obligation(convention, kind, description)
    for values in LINES:
        operations.add_line(convention, **{**values, "startup": _by_slug(Startup, values["startup"])})
    operations.change_status(convention, "signed", SIGNED_ON, reason="Signature à Paris, le 6 avril 2020.")
    operations.change_status(convention, "published", SIGNED_ON, note=PUBLICATION_NOTE)
    if report is not None:
        report.count("conventions")
    return convention

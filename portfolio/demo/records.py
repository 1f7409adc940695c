"""The demo's startup records, taken from the seed convention (../shared/seed-convention.txt):
porteur, sponsors, phase history, milestones and the "établissements traités" indicator.

Everything goes through the startups' operations, so the demo's timeline shows each phase
change with its reason like any other. Loading is idempotent: phases are only written for a
startup without any (an imported registry history is never doubled), and sponsors,
milestones, indicators and measurements are looked up by their natural key first.

Where the convention gives a period rather than a day, the day chosen is noted beside it.
"""
from datetime import date

from sqlalchemy import select

from portfolio.extensions import db
from portfolio.startups import operations
from portfolio.startups.models import Organisation, Sponsorship, Startup

#: slug -> the records of that startup.
RECORDS = {
    "signaux-faibles": {
        "porteur": "dge",
        # The parties of the April 2019 convention that deploys Signaux Faibles in every region.
        "sponsors": ["dge", "dgefp", "bdf", "acoss", "dinum"],
        "phases": [
            (
                "construction",
                date(2016, 1, 1),  # "à partir de 2016"
                "Travaux menés à partir de 2016 à la DIRECCTE de Bourgogne-Franche-Comté avec l’URSSAF, "
                "sous la forme d’une Startup d’État : conception et mise en test de l’algorithme de détection.",
            ),
            (
                "acceleration",
                date(2019, 4, 1),  # "en avril 2019"
                "Convention d’avril 2019 (DGE, DGEFP, Banque de France, ACOSS, DINUM) : déploiement dans "
                "toutes les régions, passage à l’échelle.",
            ),
        ],
        "indicators": [("établissements traités", "établissements")],
        # (indicator, day, value): measurements the convention gives without a milestone of their own.
        "measurements": [
            ("établissements traités", date(2018, 12, 31), 8_000),  # "fin 2018"
            ("établissements traités", date(2019, 3, 31), 20_000),  # "début 2019"
        ],
        # (day, kind, title, text, {indicator: value})
        "milestones": [
            (
                date(2019, 4, 1),  # "en avril 2019"
                "partnership",
                "Convention de déploiement national",
                "Le ministère de l’Économie et des Finances (DGE), le ministère du Travail (DGEFP), la Banque de "
                "France, l’ACOSS et la DINUM signent une convention qui déploie l’expérimentation dans toutes les "
                "régions et met en place un service public de prévention renforcé.",
                {},
            ),
            (
                date(2019, 8, 31),  # "pendant l’été 2019"
                "security_audit",
                "Tests d’intrusion du CERT de la Banque de France",
                "L’infrastructure technique, hébergée sur des serveurs sécurisés, est validée par les tests "
                "d’intrusion réalisés par le CERT de la Banque de France pendant l’été 2019.",
                {},
            ),
            (
                date(2019, 12, 31),  # "en 2019"
                "scale_up",
                "Listes d’entreprises livrées dans chaque région métropolitaine",
                "Le volume de données a été multiplié par 30 : l’algorithme traite plus de 300 000 établissements "
                "et a livré les listes d’entreprises dans chacune des régions métropolitaines selon le calendrier "
                "fixé en avril.",
                {"établissements traités": 300_000},
            ),
            (
                date(2020, 4, 6),  # the convention's date
                "other",
                "Convention de délégation de gestion FTM : 168 000 €",
                "Crédits du Fonds de transformation ministériel alloués à la DGE pour le passage à l’échelle au "
                "niveau national (AE et CP 2020 : 168 000 €).",
                {},
            ),
        ],
    },
    "conseillers-entreprises": {
        "porteur": "dge",
        "sponsors": ["dge"],
        # The convention dates no phase of Place des Entreprises (it speaks of "une longue période
        # d'expérimentation" then of the passage à l'échelle): the days are the public registry's.
        "phases": [
            ("investigation", date(2017, 9, 1), "Investigation (dates du registre beta.gouv.fr)."),
            (
                "construction",
                date(2019, 3, 1),
                "Expérimentation en Hauts-de-France : mise en relation semi-automatique des entreprises "
                "avec le bon conseiller.",
            ),
            ("acceleration", date(2021, 9, 1), "Passage à l’échelle et déploiement national."),
            ("transfere", date(2022, 6, 21), "Service transféré (date du registre beta.gouv.fr)."),
        ],
        "indicators": [],
        "measurements": [],
        "milestones": [
            (
                date(2020, 4, 6),  # the convention's date
                "other",
                "Convention de délégation de gestion FTM : 200 000 €",
                "Crédits du Fonds de transformation ministériel alloués à la DGE pour le passage à l’échelle au "
                "niveau national (AE 2020 : 200 000 € ; CP 2020 : 452 900 €).",
                {},
            ),
            (
                date(2020, 4, 6),  # "actuellement", at the convention's date
                "partnership",
                "Collaboration testée avec le Conseil régional d’Île-de-France",
                "Place des Entreprises est imbriqué en tant qu’outil dans les réseaux leader de la Région, pour "
                "évaluer la capacité à reproduire rapidement le carnet d’adresses et à mobiliser les conseillers.",
                {},
            ),
        ],
    },
}


def load_startup_records(report) -> None:
    """Add what the convention says about the demo startups, skipping what is already there."""
    for slug, records in RECORDS.items():
        startup = operations.find_startup(slug)
        if startup is not None:
            _load(startup, records, report)


def _organisation(slug: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def _load(startup: Startup, records: dict, report) -> None:
    if startup.porteur is None:
        startup.porteur = _organisation(records["porteur"])
    present = {link.organisation.slug for link in startup.sponsorships}
    for slug in records["sponsors"]:
        organisation = _organisation(slug)
        if slug not in present and organisation is not None:
            startup.sponsorships.append(Sponsorship(organisation=organisation))
            report.count("sponsors")
    db.session.flush()
    if not startup.phase_spans:
        for phase, start, reason in records["phases"]:
            operations.change_phase(startup, to=phase, on=start, reason=reason, confirmed=True)
            report.count("phases")
    indicators = {indicator.name: indicator for indicator in startup.indicators}
    for name, unit in records["indicators"]:
        if name not in indicators:
            indicators[name] = operations.add_indicator(startup, name, unit)
            report.count("indicateurs")
    for name, day, value in records["measurements"]:
        if all(measurement.date != day for measurement in indicators[name].measurements):
            operations.record_measurement(indicators[name], day, value)
            report.count("mesures")
    logged = {(milestone.date, milestone.title) for milestone in startup.milestones}
    for day, kind, title, text, values in records["milestones"]:
        if (day, title) in logged:
            continue
        measured = [
            (indicators[name], value)
            for name, value in values.items()
            if all(measurement.date != day for measurement in indicators[name].measurements)
        ]
        operations.log_milestone(startup, day, kind, title, text, measurements=measured)
        report.count("faits marquants")

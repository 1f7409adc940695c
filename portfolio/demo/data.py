"""The demo: the parties and startups of the seed convention, one account per persona.

Loading is idempotent: every object is found by its natural key before it is created.
"""
from dataclasses import dataclass, field

from sqlalchemy import select

from portfolio.accounts import operations
from portfolio.accounts.models import User
from portfolio.demo.records import load_startup_records
from portfolio.extensions import db
from portfolio.startups.models import Incubator, Organisation, Startup

DEMO_PASSWORD = "demo-portfolio"

ORGANISATIONS = [
    ("dinum", "Direction interministérielle du numérique", "DINUM"),
    ("dge", "Direction générale des entreprises", "DGE"),
    ("sg-mef", "Secrétariat général des ministères économiques et financiers", "SG MEF"),
    # The other signatories of Signaux Faibles' April 2019 convention (slugs as in the registry).
    ("dgefp", "Délégation générale à l’emploi et à la formation professionnelle", "DGEFP"),
    ("bdf", "Banque de France", "BDF"),
    ("acoss", "Agence centrale des organismes de sécurité sociale", "ACOSS"),
]
INCUBATORS = [("dinum", "Le département Accompagnement de services numériques de la DINUM", "dinum")]
STARTUPS = [
    (
        "signaux-faibles",
        "Signaux Faibles",
        "Mieux cibler les interventions en remédiation de l’État vers les entreprises en difficulté",
        "dinum",
    ),
    (
        "conseillers-entreprises",
        "Place des Entreprises",
        "Orienter les entreprises vers le bon conseiller public, quel que soit leur besoin",
        "dinum",
    ),
]
#: (email, name, role, scope slug): one account per persona, printed by `make run`.
PERSONAS = [
    ("admin@demo.beta.gouv.fr", "Alex Martin", "admin", None),
    ("coach@demo.beta.gouv.fr", "Camille Bernard", "coach", "dinum"),
    ("intrapreneur@demo.beta.gouv.fr", "Inès Moreau", "intrapreneur", "signaux-faibles"),
    ("presidente@demo.beta.gouv.fr", "Claire Lefèvre", "committee_chair", None),
    ("finance@demo.beta.gouv.fr", "Fabien Roux", "finance", None),
]


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.created.values())


def _get_or_create(model, report: LoadReport, kind: str, slug: str, **values):
    found = db.session.scalar(select(model).where(model.slug == slug))
    if found is None:
        found = model(slug=slug, **values)
        db.session.add(found)
        db.session.flush()
        report.count(kind)
    return found


def load_demo() -> LoadReport:
    report = LoadReport()
    organisations = {
        slug: _get_or_create(Organisation, report, "organisations", slug, name=name, acronym=acronym)
        for slug, name, acronym in ORGANISATIONS
    }
    incubators = {
        slug: _get_or_create(Incubator, report, "incubateurs", slug, name=name, owner=organisations[owner])
        for slug, name, owner in INCUBATORS
    }
    for slug, name, pitch, incubator in STARTUPS:
        _get_or_create(Startup, report, "startups", slug, name=name, pitch=pitch, incubator=incubators[incubator])
    load_startup_records(report)
    for email, name, role, scope in PERSONAS:
        if operations.find_user_by_email(email) is None:
            user = operations.create_user(email, name, DEMO_PASSWORD)
            operations.grant_role(user, role, scope)
            report.count("comptes")
    from portfolio.demo.funding import load_demo_funding

    load_demo_funding(report)
    from portfolio.demo.governance import load_demo_governance

    load_demo_governance(report)
    return report


def persona_logins() -> list[tuple[str, str, str]]:
    """(role label, email, password) of each demo persona still present."""
    from portfolio.accounts.models import ROLE_LABELS

    emails = set(db.session.scalars(select(User.email)))
    return [(ROLE_LABELS[role], email, DEMO_PASSWORD) for email, _, role, _ in PERSONAS if email in emails]

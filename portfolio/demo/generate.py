"""A synthetic portfolio shaped like the real registry, N times over, for benchmarks.

The proportions are those measured on ../shared/data/betagouv (662 startups, 23 incubators,
145 organisations, 1,695 phase spans, 562 events, 826 sponsorships): at scale N the
generator writes N times as many, plus conventions with their lines and quarterly reports,
meetings with reviews and decisions, and accounts. Rows go in by bulk inserts (one
statement per table and batch, not one ORM object each); the run itself is recorded as
one audit event. The same seed gives the same portfolio.
"""
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Callable

from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from portfolio.accounts.models import RoleGrant, User
from portfolio.audit.models import AuditEvent
from portfolio.status import store
from portfolio.audit.tracking import current_actor
from portfolio.extensions import db
from portfolio.funding.models import (
    DEFAULT_REPORT_DUE_DAYS,
    ConsumptionEntry,
    ConsumptionReport,
    Convention,
    ConventionParty,
    FundingLine,
    LineAmount,
    Obligation,
)
from portfolio.governance.models import Decision, FollowUpAction, Meeting, Participant, Review
from portfolio.startups.models import (
    ImpactCertification, Incubator, Milestone, Organisation, PhaseSpan, Sponsorship, Startup,
)
from portfolio.timeutil import PARIS, utcnow

#: Per unit of scale, as in the real registry (and the issue's targets for the rest).
PER_SCALE = {
    "organisations": 145,
    "incubators": 23,
    "startups": 662,
    "users": 200,
    "conventions": 50,
    "meetings": 300,
}
#: The latest phase of the registry's startups, counted on the real files.
FINAL_PHASES = {
    "abandon-investigation": 202,
    "abandon": 124,
    "construction": 105,
    "transfere": 92,
    "acceleration": 75,
    "investigation": 28,
    "consolidation": 22,
    "opere": 14,
}
#: The path that leads to each final phase.
PATHS = {
    "investigation": ["investigation"],
    "abandon-investigation": ["investigation", "abandon-investigation"],
    "construction": ["investigation", "construction"],
    "acceleration": ["investigation", "construction", "acceleration"],
    "consolidation": ["investigation", "construction", "acceleration", "consolidation"],
    "abandon": ["investigation", "construction", "abandon"],
    "transfere": ["investigation", "construction", "acceleration", "transfere"],
    "opere": ["investigation", "construction", "acceleration", "opere"],
}
EVENT_KINDS = {"committee": 215, "product_launch": 145, "other": 68, "end": 57, "fast": 38, "national_impact": 37, "eig": 2}
WORDS = (
    "Aides Territoires Signal Dossier Facile Mon Entreprise Place Service Public Démarches Simplifiées Carte "
    "Emploi Santé Justice Écoles Données Ouvertes Alerte Accès Droits Logement Transport Énergie Culture Agri "
    "Eau Forêt Mer Ville Rural Inclusion Solidarité Sport Jeunes Seniors Handicap Numérique Budget Achat"
).split()
ANCHOR = date(2026, 11, 1)
BATCH = 2000


@dataclass
class GenerationReport:
    scale: int
    seed: int
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, count: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + count


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days)))


def _insert(model, rows: list[dict], report: GenerationReport, kind: str, returning: bool = False) -> list[int]:
    """Bulk insert in batches; the new ids, in the order of `rows`, when asked."""
    ids: list[int] = []
    for offset in range(0, len(rows), BATCH):
        chunk = rows[offset : offset + BATCH]
        if returning:
            result = db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), chunk)
            ids.extend(result.scalars())
        else:
            db.session.execute(insert(model), chunk)
    report.add(kind, len(rows))
    return ids


def generate(scale: int, seed: int = 1, progress: Callable[[str], None] = lambda message: None) -> GenerationReport:
    """Write a synthetic portfolio of `scale` times the registry; the caller commits."""
    if scale < 1:
        raise ValueError("La taille doit être un entier positif.")
    rng = random.Random(seed)
    report = GenerationReport(scale=scale, seed=seed)
    prefix = f"synth{seed}-"
    if db.session.scalar(select(Startup.id).where(Startup.slug.like(f"{prefix}%")).limit(1)):
        raise ValueError(f"Un portefeuille synthétique de graine {seed} existe déjà : choisissez une autre graine.")
    now = utcnow()

    progress("organisations et incubateurs")
    organisation_ids = _insert(
        Organisation,
        [
            {"slug": f"{prefix}org-{i}", "name": f"Administration synthétique {i}", "acronym": f"AS{i}",
             "kind": rng.choice(["administration-centrale", "operateur", "autre"])}
            for i in range(PER_SCALE["organisations"] * scale)
        ],
        report, "organisations", returning=True,
    )
    incubator_ids = _insert(
        Incubator,
        [
            {"slug": f"{prefix}inc-{i}", "name": f"Incubateur synthétique {i}", "owner_id": rng.choice(organisation_ids)}
            for i in range(PER_SCALE["incubators"] * scale)
        ],
        report, "incubateurs", returning=True,
    )
    # A few big incubators host most startups, as in the registry.
    incubator_weights = [1 / (rank + 1) for rank in range(len(incubator_ids))]

    progress("startups")
    startups, histories = [], []
    for i in range(PER_SCALE["startups"] * scale):
        first_day = _day(rng, date(2015, 1, 1), date(2026, 6, 30))
        updated = datetime.combine(_day(rng, first_day, ANCHOR), time(12), tzinfo=timezone.utc)
        startups.append({
            "slug": f"{prefix}{i:06d}",
            "name": " ".join(rng.sample(WORDS, 2)) + f" {i}",
            "pitch": "Simplifier " + " ".join(rng.sample(WORDS, 4)).lower(),
            "incubator_id": rng.choices(incubator_ids, weights=incubator_weights)[0],
            "porteur_id": rng.choice(organisation_ids),
            "extra": {},
            "updated_at": min(updated, now),
        })
        histories.append(first_day)
    startup_ids = _insert(Startup, startups, report, "startups", returning=True)

    progress("phases, sponsors, faits marquants")
    spans, sponsorships, milestones = [], [], []
    for startup_id, first_day in zip(startup_ids, histories):
        path = PATHS[_weighted(rng, FINAL_PHASES)]
        day = first_day
        for position, phase in enumerate(path):
            last = position == len(path) - 1
            end = None if last else day + timedelta(days=rng.randint(60, 700))
            spans.append({"startup_id": startup_id, "phase": phase, "start": day, "end": end, "created_at": now})
            if end is not None:
                day = end
        if rng.random() < 0.02:  # anomalies: a planned span in the future, as some registry files have
            spans[-1]["end"] = ANCHOR + timedelta(days=30) if spans[-1]["start"] < ANCHOR else None
            if spans[-1]["end"] is not None:
                spans.append({"startup_id": startup_id, "phase": "consolidation", "start": spans[-1]["end"],
                              "end": None, "created_at": now})
        for organisation_id in rng.sample(organisation_ids, rng.choices([0, 1, 2, 3], weights=[5, 70, 18, 7])[0]):
            sponsorships.append({"startup_id": startup_id, "organisation_id": organisation_id})
        for _ in range(rng.choices([0, 1, 2, 3], weights=[48, 28, 14, 10])[0]):
            kind = _weighted(rng, EVENT_KINDS)
            milestones.append({
                "startup_id": startup_id, "date": _day(rng, first_day, ANCHOR), "kind": kind,
                "title": kind.replace("_", " ").capitalize(), "text": "Fait marquant synthétique.", "created_at": now,
            })
    _insert(PhaseSpan, spans, report, "périodes de phase")
    _insert(Sponsorship, sponsorships, report, "sponsors")
    _insert(Milestone, milestones, report, "faits marquants")

    progress("comptes")
    password_hash = generate_password_hash(f"synthetique-{seed}")
    user_count = PER_SCALE["users"] * scale
    user_ids = _insert(
        User,
        [
            {"email": f"{prefix}user{i}@synthetique.beta.gouv.fr", "name": f"Personne synthétique {i}",
             "password_hash": password_hash, "active": rng.random() > 0.05, "created_at": now}
            for i in range(user_count)
        ],
        report, "comptes", returning=True,
    )
    grants = []
    # Coaches belong to an incubator, each incubator in turn (so that every one has some); a few
    # (1 in 20) coach the whole programme.
    coached = itertools.cycle(rng.sample(incubator_ids, len(incubator_ids)))
    for user_id in user_ids:
        role = rng.choices(["intrapreneur", "coach", "committee_chair", "finance", "admin"], weights=[70, 15, 6, 6, 3])[0]
        grants.append({
            "user_id": user_id, "role": role, "granted_at": now,
            "startup_id": rng.choice(startup_ids) if role == "intrapreneur" else None,
            "incubator_id": next(coached) if role == "coach" and rng.random() < 0.95 else None,
        })
    _insert(RoleGrant, grants, report, "rôles")
    chairs = [grant["user_id"] for grant in grants if grant["role"] == "committee_chair"] or user_ids[:1]

    progress("conventions, lignes, comptes rendus")
    _generate_funding(rng, scale, prefix, organisation_ids, startup_ids, now, report)

    progress("comités, revues, décisions")
    _generate_meetings(rng, scale, startup_ids, user_ids, chairs, now, report)

    progress("niveaux d’impact")
    _generate_impact_levels(seed, startup_ids, histories, chairs, now, report)

    db.session.add(
        AuditEvent(
            at=now, actor_id=current_actor().user_id, actor_label=current_actor().label, object_type="portfolio",
            object_id=f"synth{seed}", object_label=f"Portefeuille synthétique ×{scale}", action="generate",
            before=None, after=dict(report.counts),
        )
    )
    db.session.flush()
    # Bulk inserts leave no unit of work for the status rows to follow: rebuild them all.
    progress("statuts dérivés")
    store.rebuild()
    return report


def _generate_impact_levels(seed, startup_ids, first_days, chairs, now, report) -> None:
    """A third of the startups published an impact matrix, some of them then had it certified, a few
    validated: each step a row, on a later day. Drawn from their own random stream, so that the rest
    of a seed's portfolio is what it was before impact levels existed."""
    rng = random.Random(f"impact-{seed}")
    rows = []
    for startup_id, first_day in zip(startup_ids, first_days):
        if rng.random() >= 1 / 3:
            continue
        steps = rng.choices([1, 2, 3], weights=[60, 30, 10])[0]
        day = _day(rng, max(first_day, date(2024, 1, 1)), ANCHOR)
        for level in ("published", "certified", "validated")[:steps]:
            rows.append({
                "startup_id": startup_id, "level": level, "certified_on": day,
                "certified_by": None if level == "published" else "Coachs produit de la DINUM",
                "recorded_by_id": rng.choice(chairs), "recorded_at": now,
            })
            day = min(day + timedelta(days=rng.randint(30, 200)), ANCHOR)
    _insert(ImpactCertification, rows, report, "niveaux d’impact")


def _generate_funding(rng, scale, prefix, organisation_ids, startup_ids, now, report) -> None:
    conventions = []
    for i in range(PER_SCALE["conventions"] * scale):
        signed = _day(rng, date(2018, 1, 1), date(2026, 6, 30))
        conventions.append({
            "reference": f"{prefix}CONV-{i:05d}", "title": f"Convention synthétique {i}", "kind": "delegation_gestion",
            "fund": "Fonds de Transformation Ministériel (FTM)", "budget_programme": "218", "uo": "0218-CESG-CMOD",
            "signed_on": signed, "effective_on": signed + timedelta(days=rng.randint(0, 40)),
            "ends_on": signed + timedelta(days=rng.choice([365, 730, 1095, 1825])), "until_paid": False,
            "status": rng.choice(["signed", "published", "published", "closed"]), "report_due_days": DEFAULT_REPORT_DUE_DAYS,
            "created_at": now,
        })
    convention_ids = _insert(Convention, conventions, report, "conventions", returning=True)
    parties, obligations, lines = [], [], []
    for convention_id in convention_ids:
        for role, organisation_id in zip(("delegant", "delegataire", "porteur"), rng.sample(organisation_ids, 3)):
            parties.append({"convention_id": convention_id, "role": role, "organisation_id": organisation_id,
                            "representative_name": "Représentant·e", "signatory_name": "Signataire"})
        obligations.append({"convention_id": convention_id, "kind": "quarterly_report", "description": "Article 3"})
    _insert(ConventionParty, parties, report, "parties")
    _insert(Obligation, obligations, report, "obligations")
    for convention_id, convention in zip(convention_ids, conventions):
        for position, startup_id in enumerate(rng.sample(startup_ids, 10)):
            lines.append({
                "convention_id": convention_id, "startup_id": startup_id, "fiscal_year": convention["signed_on"].year,
                "label": f"Ligne {position + 1}", "direction": "DGE/DIUM", "position": position,
                "uo": convention["uo"] if rng.random() > 0.05 else "0218-CE5G-CAOD",
                "activite": "021813010101", "paaf": f"07-FIN-{rng.randrange(10**10):010d}",
            })
    line_ids = _insert(FundingLine, lines, report, "lignes", returning=True)
    amounts, granted = [], {}
    for line_id, line in zip(line_ids, lines):
        ae = Decimal(rng.randrange(50, 600) * 1000)
        cp = ae if rng.random() > 0.1 else ae + Decimal(rng.randrange(1, 100) * 1000)
        granted[line_id] = (ae, cp)
        amounts.append({"line_id": line_id, "effective_on": date(line["fiscal_year"], 1, 1), "ae": ae, "cp": cp})
    _insert(LineAmount, amounts, report, "montants")

    reports, report_lines = [], []
    lines_by_convention: dict[int, list[int]] = {}
    for line_id, line in zip(line_ids, lines):
        lines_by_convention.setdefault(line["convention_id"], []).append(line_id)
    for convention_id, convention in zip(convention_ids, conventions):
        quarter = date(convention["effective_on"].year, 3 * ((convention["effective_on"].month - 1) // 3) + 1, 1)
        for _ in range(20):
            quarter_end = (quarter.replace(day=28) + timedelta(days=70)).replace(day=1) - timedelta(days=1)
            if quarter_end >= ANCHOR or quarter_end > convention["ends_on"]:
                break
            reports.append({"convention_id": convention_id, "quarter_start": quarter,
                            "submitted_on": quarter_end + timedelta(days=rng.randint(1, 30))})
            report_lines.append(lines_by_convention[convention_id])
            quarter = quarter_end + timedelta(days=1)
    report_ids = _insert(ConsumptionReport, reports, report, "comptes rendus", returning=True)
    entries = []
    for report_id, line_ids_of_report in zip(report_ids, report_lines):
        for line_id in line_ids_of_report:
            ae, cp = granted[line_id]
            entries.append({"report_id": report_id, "line_id": line_id,
                            "ae_committed": (ae / 8).quantize(Decimal("1")), "cp_paid": (cp / 10).quantize(Decimal("1"))})
    _insert(ConsumptionEntry, entries, report, "lignes de compte rendu")


def _generate_meetings(rng, scale, startup_ids, user_ids, chairs, now, report) -> None:
    meetings, agendas = [], []
    for i in range(PER_SCALE["meetings"] * scale):
        day = _day(rng, date(2017, 1, 1), date(2027, 6, 30))
        starts_at = datetime.combine(day, time(rng.choice([9, 10, 14, 15])), tzinfo=PARIS).astimezone(timezone.utc)
        past = starts_at < now
        meetings.append({
            "kind": rng.choice(["investment_committee", "investment_committee", "governance_instance"]),
            "title": f"Comité synthétique {i}", "starts_at": starts_at, "location": "Paris",
            "chair_id": rng.choice(chairs), "status": "closed" if past else "scheduled", "source": "local",
            "created_at": now,
        })
        agendas.append((past, rng.sample(startup_ids, rng.choice([1, 1, 2, 3]))))
    meeting_ids = _insert(Meeting, meetings, report, "comités", returning=True)
    participants, reviews, review_meta = [], [], []
    for meeting_id, (past, agenda) in zip(meeting_ids, agendas):
        for user_id in rng.sample(user_ids, 3):
            participants.append({"meeting_id": meeting_id, "user_id": user_id, "name": "Participant·e",
                                 "role": rng.choice(["intrapreneur", "sponsor", "portfolio_manager"])})
        for position, startup_id in enumerate(agenda):
            reviews.append({"meeting_id": meeting_id, "startup_id": startup_id, "position": position,
                            "presentation_minutes": 15, "questions_minutes": 15, "deliberation_minutes": 20})
            review_meta.append(past)
    _insert(Participant, participants, report, "participants")
    review_ids = _insert(Review, reviews, report, "revues", returning=True)
    decisions = [
        {"review_id": review_id, "outcome": rng.choice(["continue_6_months", "continue_6_months", "provisional", "stop"]),
         "validated_at": now}
        for review_id, past in zip(review_ids, review_meta)
        if past
    ]
    decision_ids = _insert(Decision, decisions, report, "décisions", returning=True)
    _insert(
        FollowUpAction,
        [
            {"decision_id": decision_id, "text": "Action de suivi synthétique", "owner_id": rng.choice(user_ids),
             "due_on": _day(rng, date(2018, 1, 1), date(2027, 6, 30)), "status": rng.choice(["open", "done"])}
            for decision_id in decision_ids
            if rng.random() < 0.5
        ],
        report, "actions de suivi",
    )

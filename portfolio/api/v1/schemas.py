"""The API v1's shapes, as marshmallow schemas: the query parameters each route accepts (checked,
French messages) and the JSON each returns. The OpenAPI document is generated from them."""
from datetime import date, datetime, timezone

from marshmallow import Schema, ValidationError, fields, post_load, validate

from portfolio.funding.models import CONVENTION_STATUSES
from portfolio.governance.models import MEETING_KINDS, MEETING_STATUSES
from portfolio.governance.schedule import STATUSES as COMMITTEE_STATUSES
from portfolio.startups.models import IMPACT_CERTIFICATION_LEVELS
from portfolio.startups.phases import PHASES
from portfolio.startups.portfolio import NO_PHASE

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
#: Days outside this range are refused (the rules compute dates months and years around them).
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)
DAY_HELP = "Jour au format AAAA-MM-JJ, entre 1900-01-01 et 2999-12-31 ; aujourd’hui (Paris) par défaut."


def _day_in_range(day: date) -> None:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationError("Choisissez un jour entre le 01/01/1900 et le 31/12/2999.")


#: The same range, written where the document can say it (a pattern on the ISO form).
DAY_PATTERN = r"^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def _day(description: str = DAY_HELP) -> fields.Date:
    return fields.Date(
        validate=_day_in_range, metadata={"description": description, "pattern": DAY_PATTERN},
        error_messages={"invalid": "Saisissez une date valide au format AAAA-MM-JJ (par exemple 2026-03-31)."},
    )


def _choice(values, what: str) -> validate.OneOf:
    return validate.OneOf(list(values), error=f"{what} : valeur inconnue ; choisissez parmi {{choices}}.")


def _decimal(description: str | None = None, **options) -> fields.Decimal:
    """An exact amount or value, written as a decimal string ("452900.00"), never a float."""
    metadata = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
    if description:
        metadata["description"] = description
    return fields.Decimal(as_string=True, metadata=metadata, **options)


class ErrorSchema(Schema):
    """Every error of the API: a short title and a sentence, in French."""

    error = fields.String(required=True, metadata={"description": "L’erreur en quelques mots (« Accès refusé »)."})
    message = fields.String(required=True, metadata={"description": "Ce qui s’est passé et que faire."})
    errors = fields.Dict(metadata={"description": "Pour un paramètre invalide : le message de chaque paramètre."})


# --- Pagination -----------------------------------------------------------------------------


class PageArgs(Schema):
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=1_000_000, error="La page doit être un entier à partir de 1."),
        metadata={"description": "Numéro de page, à partir de 1."},
    )
    per_page = fields.Integer(
        load_default=DEFAULT_PER_PAGE,
        validate=validate.Range(min=1, max=MAX_PER_PAGE, error=f"per_page doit être entre 1 et {MAX_PER_PAGE}."),
        metadata={"description": f"Éléments par page (1 à {MAX_PER_PAGE}, {DEFAULT_PER_PAGE} par défaut)."},
    )


class PageLinksSchema(Schema):
    self = fields.String(required=True)
    first = fields.String(required=True)
    last = fields.String(required=True)
    next = fields.String(required=True, allow_none=True)
    prev = fields.String(required=True, allow_none=True)


class PaginationSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Nombre total d’éléments."})
    pages = fields.Integer(required=True)
    links = fields.Nested(PageLinksSchema, required=True)


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """The schema of one page of `item_schema` items."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item_schema), required=True), "pagination": fields.Nested(PaginationSchema, required=True)},
        name=name,
    )


# --- Reference data -------------------------------------------------------------------------


class RefSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class OrganisationSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    acronym = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    ministry_domain = fields.String(allow_none=True)


class IncubatorSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    owner = fields.Nested(RefSchema, allow_none=True)
    short_description = fields.String(allow_none=True)
    website = fields.String(allow_none=True)


# --- Startups -------------------------------------------------------------------------------


class StartupListArgs(PageArgs):
    phase = fields.String(
        validate=_choice([*PHASES, NO_PHASE], "Phase"),
        metadata={"description": f"Phase le jour `on` ; « {NO_PHASE} » pour les startups sans phase ce jour-là."},
    )
    incubator = fields.String(metadata={"description": "Identifiant (slug) d’un incubateur, principal ou co-incubateur."})
    sponsor = fields.String(metadata={"description": "Identifiant (slug) d’une organisation sponsor."})
    on = _day("Jour dont on lit les phases (AAAA-MM-JJ, entre 1900 et 2999) ; aujourd’hui (Paris) par défaut.")
    updated_since = fields.AwareDateTime(
        default_timezone=None,
        metadata={"description": "Seulement les startups modifiées à partir de cet instant (ISO 8601 avec fuseau)."},
        error_messages={"invalid": "Saisissez un instant ISO 8601 avec son fuseau (par exemple 2026-03-31T08:00:00+02:00)."},
    )

    @post_load
    def _bounded_instant(self, data, **kwargs):
        """An instant before 1900 means "since always", one after 2999 "never": kept within what the
        database stores (year 1 at +05:00 is before the first representable UTC instant)."""
        since = data.get("updated_since")
        if since is not None and since.year < EARLIEST_DAY.year:
            data["updated_since"] = datetime(EARLIEST_DAY.year, 1, 1, tzinfo=timezone.utc)
        elif since is not None and since.year > LATEST_DAY.year:
            data["updated_since"] = datetime(LATEST_DAY.year, 12, 31, tzinfo=timezone.utc)
        return data


class StartupSummarySchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    pitch = fields.String(allow_none=True)
    incubator = fields.String(allow_none=True, metadata={"description": "Nom de l’incubateur principal."})
    co_incubators = fields.List(fields.String(), required=True)
    sponsors = fields.List(fields.String(), required=True)
    phase = fields.String(allow_none=True, metadata={"description": "Phase le jour demandé."})
    phase_since = fields.Date(allow_none=True)
    updated_at = fields.AwareDateTime(required=True)
    stale = fields.Boolean(required=True, metadata={"description": "Pas à jour (aujourd’hui)."})
    long_in_phase = fields.Boolean(required=True)
    url = fields.String(required=True, metadata={"description": "Adresse du détail dans l’API."})


class PhaseSpanSchema(Schema):
    phase = fields.String(required=True)
    label = fields.String(required=True)
    start = fields.Date(required=True)
    end = fields.Date(allow_none=True)


class MilestoneSchema(Schema):
    date = fields.Date(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    text = fields.String(allow_none=True)


class MeasurementSchema(Schema):
    date = fields.Date(required=True)
    value = _decimal(required=True)


class IndicatorSchema(Schema):
    name = fields.String(required=True)
    unit = fields.String(allow_none=True)
    measurements = fields.List(fields.Nested(MeasurementSchema), required=True)


class StartupStatusSchema(Schema):
    on = fields.Date(required=True)
    phase = fields.String(allow_none=True, metadata={"description": "Phase actuelle."})
    phase_since = fields.Date(allow_none=True)
    last_committee = fields.Date(allow_none=True)
    next_committee = fields.Date(allow_none=True, metadata={"description": "Prochain comité d’investissement programmé."})
    next_committee_due = fields.Date(allow_none=True, metadata={"description": "Date limite du prochain comité (doctrine)."})
    committee_status = fields.String(allow_none=True, validate=validate.OneOf(list(COMMITTEE_STATUSES)))
    run_out = fields.Date(allow_none=True, metadata={"description": "Fin de financement estimée."})


class GrantSchema(Schema):
    kind = fields.String(required=True, metadata={"description": "Nature : « fast »."})
    label = fields.String(required=True, metadata={"description": "Nature en clair : « Subvention FAST »."})
    promotion = fields.Integer(allow_none=True, metadata={"description": "Numéro de promotion FAST."})
    amount = _decimal("Montant (euros).", required=True)
    source = fields.String(allow_none=True)


IMPACT_LEVEL_HELP = (
    "Niveau d’impact certifié : « none » (pas de matrice d’impact), « published » (matrice publiée, non "
    "revue), « certified » (matrice certifiée), « validated » (matrice validée)."
)


class ImpactLevelSchema(Schema):
    level = fields.String(required=True, validate=validate.OneOf(list(IMPACT_CERTIFICATION_LEVELS)),
                          metadata={"description": IMPACT_LEVEL_HELP})
    label = fields.String(required=True, metadata={"description": "Le niveau en clair : « Matrice certifiée »."})
    since = fields.Date(required=True, metadata={"description": "Le jour où ce niveau a été atteint."})
    certified_by = fields.String(allow_none=True, metadata={"description": "Qui l’a certifié (personne ou équipe)."})


class ImpactCertificationSchema(ImpactLevelSchema):
    comment = fields.String(allow_none=True)
    recorded_by = fields.String(allow_none=True, metadata={"description": "Le compte qui l’a enregistré."})
    recorded_at = fields.AwareDateTime(required=True)


class StartupDetailSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    pitch = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    repository = fields.String(allow_none=True)
    incubator = fields.Nested(RefSchema, allow_none=True)
    co_incubators = fields.List(fields.Nested(RefSchema), required=True)
    porteur = fields.Nested(RefSchema, allow_none=True)
    sponsors = fields.List(fields.Nested(RefSchema), required=True)
    updated_at = fields.AwareDateTime(required=True)
    status = fields.Nested(StartupStatusSchema, required=True)
    phases = fields.List(fields.Nested(PhaseSpanSchema), required=True)
    milestones = fields.List(fields.Nested(MilestoneSchema), required=True)
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True)
    grants = fields.List(fields.Nested(GrantSchema), required=True, metadata={"description": "Subventions (FAST) du registre."})
    impact = fields.Nested(ImpactLevelSchema, allow_none=True, required=True,
                           metadata={"description": "Le niveau d’impact certifié aujourd’hui ; null si aucun n’a été enregistré."})
    impact_history = fields.List(fields.Nested(ImpactCertificationSchema), required=True,
                                 metadata={"description": "Chaque niveau d’impact enregistré, le plus récent d’abord."})


# --- Funding --------------------------------------------------------------------------------


class OnArgs(Schema):
    on = _day("Jour des montants (avenants compris) (AAAA-MM-JJ) ; aujourd’hui (Paris) par défaut.")


class ConventionListArgs(PageArgs, OnArgs):
    status = fields.String(validate=_choice(CONVENTION_STATUSES, "Statut"))
    year = fields.Integer(
        validate=validate.Range(min=1900, max=2999, error="L’année doit être entre 1900 et 2999."),
        metadata={"description": "Seulement les conventions qui financent cette année budgétaire."},
    )


class AmountsSchema(Schema):
    ae = _decimal("Autorisations d’engagement (euros).", required=True)
    cp = _decimal("Crédits de paiement (euros).", required=True)


class PartySchema(Schema):
    role = fields.String(required=True)
    organisation = fields.Nested(RefSchema, required=True)


class LineSchema(Schema):
    id = fields.Integer(required=True)
    startup = fields.Nested(RefSchema, required=True)
    fiscal_year = fields.Integer(required=True)
    label = fields.String(allow_none=True)
    direction = fields.String(allow_none=True)
    uo = fields.String(allow_none=True)
    activite = fields.String(allow_none=True)
    paaf = fields.String(allow_none=True)
    amounts = fields.Nested(AmountsSchema, allow_none=True, metadata={"description": "En vigueur le jour `on` ; null avant."})


class ConventionSummarySchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    fund = fields.String(allow_none=True)
    budget_programme = fields.String(allow_none=True)
    signed_on = fields.Date(allow_none=True)
    effective_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    until_paid = fields.Boolean(required=True)
    parties = fields.List(fields.Nested(PartySchema), required=True)
    amounts_on = fields.Date(required=True)
    total = fields.Nested(AmountsSchema, required=True)
    url = fields.String(required=True)


class ConventionDetailSchema(ConventionSummarySchema):
    bop = fields.String(allow_none=True)
    uo = fields.String(allow_none=True)
    purpose = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(LineSchema), required=True)


# --- Governance -----------------------------------------------------------------------------


class MeetingListArgs(PageArgs):
    kind = fields.String(validate=_choice(MEETING_KINDS, "Type"))
    status = fields.String(validate=_choice(MEETING_STATUSES, "Statut"))


class FollowUpSchema(Schema):
    text = fields.String(required=True)
    owner = fields.String(allow_none=True)
    due_on = fields.Date(required=True)
    status = fields.String(required=True)


class DecisionSchema(Schema):
    outcome = fields.String(required=True)
    outcome_label = fields.String(required=True)
    phase_change_to = fields.String(allow_none=True)
    phase_change_on = fields.Date(allow_none=True)
    amount_granted = _decimal(allow_none=True)
    conditions = fields.String(allow_none=True)
    reserves = fields.String(allow_none=True)
    validated_at = fields.AwareDateTime(allow_none=True)
    follow_ups = fields.List(fields.Nested(FollowUpSchema), required=True)


class ReviewSchema(Schema):
    position = fields.Integer(required=True)
    startup = fields.Nested(RefSchema, required=True)
    presentation_minutes = fields.Integer(required=True)
    questions_minutes = fields.Integer(required=True)
    deliberation_minutes = fields.Integer(required=True)
    decision = fields.Nested(DecisionSchema, allow_none=True)


class MeetingSummarySchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    location = fields.String(allow_none=True)
    video_link = fields.String(allow_none=True)
    status = fields.String(required=True)
    chair = fields.String(allow_none=True, metadata={"description": "Nom de la présidence."})
    sequence = fields.Integer(required=True, metadata={"description": "Révision (SEQUENCE du .ics)."})
    startups = fields.List(fields.Nested(RefSchema), required=True)
    url = fields.String(required=True)


class MeetingDetailSchema(MeetingSummarySchema):
    reviews = fields.List(fields.Nested(ReviewSchema), required=True)


class NextCommitteeArgs(PageArgs, OnArgs):
    incubator = fields.String(metadata={"description": "Identifiant (slug) d’un incubateur."})
    status = fields.String(validate=_choice(COMMITTEE_STATUSES, "Statut"))


class NextCommitteeSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    incubator = fields.String(allow_none=True)
    phase = fields.String(required=True)
    last_committee = fields.Date(allow_none=True)
    run_out = fields.Date(allow_none=True)
    next_committee = fields.Date(allow_none=True, metadata={"description": "Date limite (doctrine)."})
    days_until = fields.Integer(allow_none=True)
    status = fields.String(required=True)
    scheduled_on = fields.Date(allow_none=True, metadata={"description": "Comité déjà programmé, le cas échéant."})

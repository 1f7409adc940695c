"""Forms of a startup's own pages: identity, phase change and correction, team, milestones,
indicators and measurements. Messages are French; the rules themselves live in operations."""
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Optional, ValidationError

from portfolio.forms import DESCRIPTION_TEXT, LONG_TEXT, REQUIRED, Form, bounded, choices
from portfolio.startups.models import MILESTONE_KINDS
from portfolio.startups.operations import StartupError, parse_value
from portfolio.startups.phases import PHASE_LABELS
from portfolio.startups.pickers import OrganisationPicker
from portfolio.validation import LINK_LENGTH, LINK_MESSAGE, WebLink

LINK = LINK_MESSAGE


def _link(label: str) -> URLField:
    # The importer applies the same rule (portfolio.validation): http(s) only.
    return URLField(label, validators=[Optional(), WebLink(LINK), bounded(LINK_LENGTH)])


class StartupForm(Form):
    name = StringField("Nom", validators=[DataRequired(REQUIRED), bounded(300)])
    slug = StringField(
        "Identifiant",
        validators=[Optional(), bounded(120)],
        description="Lettres minuscules, chiffres et tirets ; déduit du nom s’il est laissé vide. Il ne change plus ensuite.",
    )
    pitch = TextAreaField("Mission (pitch)", validators=[Optional(), bounded(2000)])
    description = TextAreaField("Description : le problème, la solution", validators=[Optional(), bounded(DESCRIPTION_TEXT)])
    incubator = SelectField("Incubateur principal", validators=[DataRequired("Choisissez l’incubateur principal.")])
    co_incubators = SelectMultipleField("Co-incubateurs", validators=[Optional()])
    porteur = OrganisationPicker(
        "Porteur (administration)",
        validators=[Optional(), bounded()],
        description="Tapez quelques lettres de son nom ou de son sigle, puis choisissez-la ; ou saisissez son nom, son sigle ou son identifiant.",
    )
    sponsors = SelectMultipleField("Sponsors", validators=[Optional()])
    contact = StringField("Contact", validators=[Optional(), bounded(300)])
    website = _link("Site web")
    repository = _link("Code source")
    stats_url = _link("Page de statistiques")
    impact_url = _link("Mesure d’impact")
    budget_url = _link("Budget")
    dashlord_url = _link("DashLord")

    def set_choices(self, incubators, organisations) -> None:
        incubator_pairs = [(incubator.id, incubator.name) for incubator in incubators]
        organisation_pairs = [(organisation.id, str(organisation)) for organisation in organisations]
        self.incubator.choices = choices(incubator_pairs, empty="— Choisir un incubateur —")
        self.co_incubators.choices = choices(incubator_pairs)
        self.sponsors.choices = choices(organisation_pairs)


class PhaseChangeForm(Form):
    phase = SelectField(
        "Nouvelle phase",
        choices=choices(PHASE_LABELS.items(), empty="— Choisir une phase —"),
        validators=[DataRequired("Choisissez la nouvelle phase.")],
        default="",
    )
    on = DateField("Date du changement", validators=[DataRequired("Indiquez la date du changement.")])
    reason = TextAreaField(
        "Motif", validators=[DataRequired("Indiquez le motif du changement de phase."), bounded(2000)]
    )
    #: Set by the confirmation step when the change goes against the lifecycle.
    confirmed = HiddenField(default="")


class SpanCorrectionForm(Form):
    phase = SelectField("Phase", choices=choices(PHASE_LABELS.items()), validators=[DataRequired(REQUIRED)])
    start = DateField("Début", validators=[DataRequired("Indiquez la date de début.")])
    end = DateField("Fin (exclue : le jour où la phase suivante commence)", validators=[Optional()])
    comment = TextAreaField("Commentaire de la période", validators=[Optional(), bounded(2000)])
    reason = TextAreaField(
        "Motif de la correction", validators=[DataRequired("Indiquez le motif de la correction."), bounded(2000)]
    )
    confirmed = HiddenField(default="")


class TeamMemberForm(Form):
    name = StringField("Nom", validators=[DataRequired(REQUIRED), bounded(200)])
    role = StringField(
        "Rôle",
        validators=[DataRequired(REQUIRED), bounded(120)],
        description="Par exemple intrapreneur·e, développeur·se, designer, coach.",
    )
    start = DateField("Arrivée", validators=[Optional()])
    end = DateField("Départ", validators=[Optional()])


class TeamEndForm(Form):
    end = DateField("Date de départ", validators=[DataRequired("Indiquez la date de départ.")])


class DecimalText(StringField):
    """A number as people write it in French ("20 000", "12,5"); `number` holds the parsed Decimal."""

    number = None

    def pre_validate(self, form) -> None:
        self.number = None
        if self.data and self.data.strip():
            try:
                self.number = parse_value(self.data)
            except StartupError as error:
                raise ValidationError(str(error)) from None


class IndicatorForm(Form):
    name = StringField(
        "Nom de l’indicateur",
        validators=[DataRequired(REQUIRED), bounded(200)],
        description="Par exemple : établissements traités.",
    )
    unit = StringField("Unité", validators=[Optional(), bounded(60)], description="Par exemple : établissements.")
    allows_negative = BooleanField(
        "Peut prendre des valeurs négatives", description="Un solde ou une variation ; pas un nombre d’établissements."
    )


class MeasurementForm(Form):
    date = DateField("Date de la mesure", validators=[DataRequired("Indiquez la date de la mesure.")])
    value = DecimalText("Valeur", validators=[DataRequired("Indiquez la valeur mesurée.")])


class MilestoneForm(Form):
    date = DateField("Date", validators=[DataRequired("Indiquez la date du fait marquant.")])
    kind = SelectField(
        "Type",
        choices=choices(MILESTONE_KINDS.items(), empty="— Choisir un type —"),
        validators=[DataRequired("Choisissez le type du fait marquant.")],
        default="",
    )
    title = StringField("Titre", validators=[DataRequired(REQUIRED), bounded(300)])
    text = TextAreaField("Texte", validators=[Optional(), bounded(LONG_TEXT)])


def milestone_form_for(indicators, **kwargs) -> MilestoneForm:
    """The milestone form with one optional value per indicator of the startup."""

    class StartupMilestoneForm(MilestoneForm):
        pass

    for indicator in indicators:
        unit = f" ({indicator.unit})" if indicator.unit else ""
        setattr(
            StartupMilestoneForm,
            f"indicator_{indicator.id}",
            DecimalText(f"{indicator.name}{unit}", validators=[Optional()]),
        )
    form = StartupMilestoneForm(**kwargs)
    form.indicator_fields = [(indicator, form[f"indicator_{indicator.id}"]) for indicator in indicators]
    return form

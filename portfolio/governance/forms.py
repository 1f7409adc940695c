"""Forms of the governance pages: scheduling, participants, the agenda, the preparation, the
decision with its follow-ups, attendance and minutes. Messages are French; the rules
themselves live in `operations` and `decisions`."""

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)

from portfolio.forms import REQUIRED, Form, bounded, choices
from portfolio.funding.amounts import AmountError, parse_amount
from portfolio.governance.decisions import RECORDABLE_OUTCOMES
from portfolio.governance.models import (
    ACTION_STATUSES,
    DEFAULT_SLOTS,
    IMPACT_CRITERIA,
    IMPACT_LEVELS,
    MEETING_KINDS,
    MEETING_STATUSES,
    PARTICIPANT_ROLES,
)
from portfolio.governance.operations import MAX_SLOT_MINUTES
from portfolio.startups.phases import PHASE_LABELS
from portfolio.startups.pickers import StartupPicker
from portfolio.validation import WebLink

EMAIL = "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.gouv.fr."
SLOT = f"Saisissez un nombre de minutes entre 0 et {MAX_SLOT_MINUTES}."
DATE_MESSAGE = "Saisissez une date valide au format aaaa-mm-jj (par exemple 2026-03-31)."
REASON_HINT = "La réunion est clôturée : cette correction est un amendement, gardé dans l’historique avec son motif."


class AmountText(StringField):
    """An amount in euros as people write it ("452 900", "452 900,50"), read by parse_amount."""

    def pre_validate(self, form) -> None:
        if self.data and self.data.strip():
            try:
                parse_amount(self.data)
            except AmountError as error:
                raise ValidationError(str(error)) from None


def _reason() -> TextAreaField:
    return TextAreaField("Motif de la correction", validators=[Optional(), bounded(2000)], description=REASON_HINT)


class MeetingForm(Form):
    kind = SelectField(
        "Type de réunion",
        choices=choices(MEETING_KINDS.items(), empty="— Choisir un type —"),
        validators=[DataRequired("Choisissez le type de réunion.")],
        default="",
    )
    title = StringField(
        "Intitulé",
        validators=[Optional(), bounded(300)],
        description="Laissé vide : le type et la date, par exemple « Comité d’investissement du 12/03/2027 ».",
    )
    day = DateField("Date", validators=[DataRequired("Indiquez la date de la réunion.")])
    at = TimeField("Heure de début (heure de Paris)", validators=[DataRequired("Indiquez l’heure de début.")])
    location = StringField("Lieu", validators=[Optional(), bounded(300)], description="Adresse ou salle.")
    video_link = URLField(
        "Lien de visioconférence",
        validators=[
            Optional(),
            WebLink("Saisissez une adresse web complète, commençant par https://."),
            bounded(500),
        ],
    )
    chair = SelectField("Présidence", validators=[DataRequired("Choisissez la présidence de la réunion.")])


class ParticipantForm(Form):
    user = SelectField("Compte de l’application", validators=[Optional()])
    name = StringField(
        "Nom (personne extérieure)",
        validators=[Optional(), bounded(200)],
        description="Laissez vide pour un compte choisi ci-dessus.",
    )
    email = EmailField(
        "Adresse électronique (personne extérieure)", validators=[Optional(), Email(EMAIL), bounded(254)]
    )
    organisation = StringField(
        "Organisation", validators=[Optional(), bounded(300)], description="Par exemple : DGE."
    )
    role = SelectField(
        "Rôle",
        choices=choices(PARTICIPANT_ROLES.items(), empty="— Choisir un rôle —"),
        validators=[DataRequired("Choisissez le rôle du participant.")],
        default="",
    )


def _slot(label: str, key: str) -> IntegerField:
    return IntegerField(
        label,
        default=DEFAULT_SLOTS[key],
        validators=[InputRequired(SLOT), NumberRange(min=0, max=MAX_SLOT_MINUTES, message=SLOT)],
    )


class SlotsForm(Form):
    presentation = _slot("Présentation (minutes)", "presentation")
    questions = _slot("Questions (minutes)", "questions")
    deliberation = _slot("Délibération (minutes)", "deliberation")


#: What a startup picker says beneath its label.
STARTUP_HINT = "Tapez quelques lettres de son nom, puis choisissez-la ; ou saisissez son nom complet ou son identifiant."


class ReviewForm(SlotsForm):
    startup = StartupPicker(
        "Startup", validators=[DataRequired("Choisissez la startup à examiner."), bounded()], description=STARTUP_HINT
    )


class MoveForm(Form):
    direction = HiddenField(validators=[AnyOf(["up", "down"], message="Sens inconnu.")])


class PreparationForm(Form):
    done_since_last = TextAreaField(
        "Ce qui a été fait depuis le dernier comité", validators=[Optional(), bounded(10_000)]
    )
    objectives = TextAreaField("Objectifs des 6 prochains mois", validators=[Optional(), bounded(10_000)])
    budget_asked = AmountText(
        "Budget demandé (euros)",
        validators=[Optional(), bounded(40)],
        description="Par exemple : 452 900 ou 452 900,50.",
    )
    blockers = TextAreaField("Points de blocage", validators=[Optional(), bounded(10_000)])

    @property
    def impact_fields(self):
        """(criterion key, label, level field, comment field) in the doctrine's order."""
        return [
            (key, label, self[f"impact_{key}_level"], self[f"impact_{key}_comment"])
            for key, label in IMPACT_CRITERIA.items()
        ]

    def impact_values(self) -> dict[str, tuple[str | None, str | None]]:
        return {key: (level.data, comment.data) for key, _, level, comment in self.impact_fields}


for _key, _label in IMPACT_CRITERIA.items():
    setattr(
        PreparationForm,
        f"impact_{_key}_level",
        SelectField(f"{_label} : niveau", choices=choices(IMPACT_LEVELS.items(), empty="— Non évalué —"), default=""),
    )
    setattr(
        PreparationForm,
        f"impact_{_key}_comment",
        TextAreaField(f"{_label} : commentaire", validators=[Optional(), bounded(2000)]),
    )


class FollowUpForm(Form):
    """One row of the decision's follow-ups (inside DecisionForm: no CSRF token of its own)."""

    class Meta:
        csrf = False

    id = HiddenField()
    text = StringField("Action", validators=[Optional(), bounded(2000)])
    owner = SelectField("Responsable (compte)", validators=[Optional()], default="")
    owner_name = StringField("ou responsable (nom)", validators=[Optional(), bounded(200)])
    due_on = DateField("Échéance", validators=[Optional()])
    status = SelectField("Statut", choices=choices(ACTION_STATUSES.items()), default="open")


class DecisionForm(Form):
    outcome = SelectField(
        "Issue",
        choices=choices(RECORDABLE_OUTCOMES.items(), empty="— Choisir l’issue —"),
        validators=[DataRequired("Choisissez l’issue de la revue.")],
        default="",
    )
    phase_change_to = SelectField(
        "Changement de phase décidé",
        choices=choices(PHASE_LABELS.items(), empty="— Aucun changement de phase —"),
        validators=[Optional()],
        default="",
    )
    phase_change_on = DateField("À partir du", validators=[Optional()])
    provisional_months = SelectField(
        "Durée du budget provisoire",
        choices=choices([("1", "1 mois"), ("2", "2 mois")], empty="— Sans objet —"),
        validators=[Optional()],
        default="",
        description="Pour un budget provisoire : le prochain comité est dû à son terme.",
    )
    amount_granted = AmountText("Montant accordé (euros)", validators=[Optional(), bounded(40)])
    conditions = TextAreaField("Conditions", validators=[Optional(), bounded(10_000)])
    reserves = TextAreaField("Réserves", validators=[Optional(), bounded(10_000)])
    follow_ups = FieldList(FormField(FollowUpForm), min_entries=0)
    reason = _reason()

    def set_owner_choices(self, pairs) -> None:
        for entry in self.follow_ups:
            entry.form.owner.choices = choices(pairs, empty="— Aucun compte —")


class MinutesForm(Form):
    minutes = TextAreaField("Compte rendu de la revue", validators=[Optional(), bounded(50_000)])
    reason = _reason()


class ValidateForm(Form):
    #: Set by the confirmation step when the phase change goes against the lifecycle.
    confirmed = HiddenField(default="")


class FollowUpStatusForm(Form):
    status = SelectField("Statut", choices=choices(ACTION_STATUSES.items()), validators=[DataRequired(REQUIRED)])


def attendance_form_for(participants, **kwargs):
    """Attendance (one checkbox per participant), the meeting's minutes and, once closed, the reason."""

    class AttendanceForm(Form):
        minutes = TextAreaField("Compte rendu général de la réunion", validators=[Optional(), bounded(50_000)])
        reason = _reason()

    for participant in participants:
        setattr(AttendanceForm, f"present_{participant.id}", BooleanField(str(participant)))
    form = AttendanceForm(**kwargs)
    form.presence_fields = [(participant, form[f"present_{participant.id}"]) for participant in participants]
    return form


class MeetingFilterForm(Form):
    """The meetings list's GET parameters (no CSRF token): a period, a kind, a status, a startup.
    An unknown value, a date that is none or a period that ends before it starts: a French error."""

    class Meta:
        csrf = False

    since = DateField("Du", validators=[Optional()], format="%Y-%m-%d", invalid_value_message=DATE_MESSAGE)
    until = DateField("Au", validators=[Optional()], format="%Y-%m-%d", invalid_value_message=DATE_MESSAGE)
    kind = SelectField("Type", choices=choices(MEETING_KINDS.items(), empty="Tous les types"), validate_choice=False)
    status = SelectField(
        "Statut", choices=choices(MEETING_STATUSES.items(), empty="Tous les statuts"), validate_choice=False
    )
    # No hint beneath the label: the filters' fields stay aligned (the type-ahead speaks for itself).
    startup = StartupPicker("Startup examinée", validators=[Optional(), bounded()])

    #: The parameters the list reads (the pages' links keep them).
    PARAMETERS = ("since", "until", "kind", "status", "startup")

    @staticmethod
    def _known(field, message: str) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(message.format(value=field.data))

    def validate_kind(self, field):
        self._known(field, "Type inconnu : « {value} ». Choisissez un type de la liste.")

    def validate_status(self, field):
        self._known(field, "Statut inconnu : « {value} ». Choisissez un statut de la liste.")

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(
                f"La fin de la période ({field.data:%d/%m/%Y}) précède son début ({self.since.data:%d/%m/%Y})."
            )

    @property
    def filtering(self) -> bool:
        """Whether any filter is set."""
        return any(self[name].data for name in self.PARAMETERS)

    def values(self) -> dict:
        """The filters as `queries.filtered_meetings` takes them (a valid form only)."""
        return {
            "since": self.since.data,
            "until": self.until.data,
            "kind": self.kind.data or None,
            "status": self.status.data or None,
            "startup": self.startup.picked,
        }

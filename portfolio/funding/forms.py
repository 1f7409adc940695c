"""Forms of the funding pages: convention, party, obligation, status change, document, funding
line, amendment, and the list's filters. Amounts are read by `parse_amount` (French messages);
the rules themselves live in operations."""
from decimal import Decimal

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from portfolio.forms import LONG_TEXT, REQUIRED, Form, bounded, choices
from portfolio.funding.amounts import AmountError, parse_amount
from portfolio.funding.models import CONVENTION_KINDS, CONVENTION_STATUSES, OBLIGATION_KINDS, PARTY_ROLES
from portfolio.startups.pickers import OrganisationPicker, StartupPicker

YEAR_MESSAGE = "Indiquez l’exercice : une année, par exemple 2020."
#: What the startup and organisation pickers say beneath their label.
STARTUP_HINT = "Tapez quelques lettres de son nom, puis choisissez-la ; ou saisissez son nom complet ou son identifiant."
ORGANISATION_HINT = "Tapez quelques lettres de son nom ou de son sigle, puis choisissez-la ; ou saisissez son nom, son sigle ou son identifiant."


class AmountField(StringField):
    """An amount in euros as people write it ("452 900", "452 900,50", "452900.5");
    `amount` holds the exact Decimal once validated, None when left empty."""

    amount: Decimal | None = None

    def pre_validate(self, form) -> None:
        self.amount = None
        if self.data and self.data.strip():
            try:
                self.amount = parse_amount(self.data)
            except AmountError as error:
                raise ValidationError(str(error)) from None


def amount_text(amount: Decimal | None) -> str:
    """452900 -> "452 900", 452900.5 -> "452 900,50": what the amount fields show to edit."""
    if amount is None:
        return ""
    whole, fraction = f"{Decimal(amount):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    return grouped if fraction == "00" else f"{grouped},{fraction}"


def _text(label: str, size: int, required: bool = False, **kwargs) -> StringField:
    validators = [DataRequired(REQUIRED)] if required else [Optional()]
    return StringField(label, validators=[*validators, bounded(size)], **kwargs)


class ConventionForm(Form):
    reference = _text("Référence", 120, required=True, description="Unique, par exemple DINUM-SGMEF-FTM-2020.")
    title = _text("Intitulé", 400, required=True)
    kind = SelectField(
        "Nature",
        choices=choices(CONVENTION_KINDS.items(), empty="— Choisir —"),
        validators=[DataRequired("Choisissez la nature de la convention.")],
    )
    fund = _text("Fonds", 300, description="Par exemple : Fonds de Transformation Ministériel (FTM).")
    budget_programme = _text("Programme budgétaire", 40, description="Par exemple : 218.")
    bop = _text("BOP", 200, description="Par exemple : Secrétariat général.")
    uo = _text("UO", 60, description="L’unité opérationnelle nommée dans la convention, par exemple 0218-CESG-CMOD.")
    legal_basis = TextAreaField("Visas (« Vu le décret… »)", validators=[Optional(), bounded(LONG_TEXT)])
    purpose = TextAreaField("Objet (article 1er)", validators=[Optional(), bounded(LONG_TEXT)])
    signed_on = DateField("Date de signature", validators=[Optional()])
    effective_on = DateField("Date d’effet (publication)", validators=[Optional()])
    ends_on = DateField("Date de fin", validators=[Optional()])
    until_paid = BooleanField("Valable jusqu’au paiement de l’ensemble des dépenses")
    report_due_days = IntegerField(
        "Délai de dépôt des comptes rendus trimestriels (jours après la fin du trimestre)",
        default=15,
        validators=[
            InputRequired("Indiquez un nombre de jours."),
            NumberRange(0, 365, "Indiquez un nombre de jours entre 0 et 365."),
        ],
    )
    declared_total_ae = AmountField("TOTAL AE déclaré en annexe", description="Laissez vide si l’annexe n’en donne pas.")
    declared_total_cp = AmountField("TOTAL CP déclaré en annexe", description="Laissez vide si l’annexe n’en donne pas.")

    def fill_from(self, convention) -> None:
        for name in ("reference", "title", "kind", "fund", "budget_programme", "bop", "uo", "legal_basis",
                     "purpose", "signed_on", "effective_on", "ends_on", "until_paid", "report_due_days"):
            self[name].data = getattr(convention, name)
        self.declared_total_ae.data = amount_text(convention.declared_total_ae)
        self.declared_total_cp.data = amount_text(convention.declared_total_cp)

    def values(self) -> dict:
        return {
            **{name: self[name].data for name in ("reference", "title", "kind", "fund", "budget_programme", "bop",
                                                 "uo", "legal_basis", "purpose", "signed_on", "effective_on",
                                                 "ends_on", "until_paid", "report_due_days")},
            "declared_total_ae": self.declared_total_ae.amount,
            "declared_total_cp": self.declared_total_cp.amount,
        }


class PartyForm(Form):
    role = SelectField(
        "Rôle", choices=choices(PARTY_ROLES.items(), empty="— Choisir —"), validators=[DataRequired("Choisissez le rôle.")]
    )
    organisation = OrganisationPicker(
        "Organisation", validators=[DataRequired("Choisissez l’organisation."), bounded()], description=ORGANISATION_HINT
    )
    address = _text("Adresse", 500)
    representative_name = _text("Représentée par (nom)", 200)
    representative_title = _text("Qualité du représentant", 300)
    signatory_name = _text("Signataire (nom)", 200, description="Si la personne qui signe n’est pas le représentant.")
    signatory_title = _text("Qualité du signataire", 300)

    DETAILS = ("address", "representative_name", "representative_title", "signatory_name", "signatory_title")


class ObligationForm(Form):
    kind = SelectField(
        "Nature", choices=choices(OBLIGATION_KINDS.items(), empty="— Choisir —"),
        validators=[DataRequired("Choisissez la nature de l’obligation.")],
    )
    description = TextAreaField("Ce que prévoit la convention", validators=[Optional(), bounded(LONG_TEXT)])


class StatusForm(Form):
    status = SelectField(
        "Nouveau statut", choices=choices(CONVENTION_STATUSES.items(), empty="— Choisir —"),
        validators=[DataRequired("Choisissez le nouveau statut.")],
    )
    on = DateField("Date du changement", validators=[DataRequired("Indiquez la date du changement.")])
    reason = TextAreaField("Motif", validators=[Optional(), bounded(2000)])
    note = TextAreaField("Note (par exemple : où la convention est publiée)", validators=[Optional(), bounded(2000)])


class DocumentForm(Form):
    document = FileField("Convention signée (PDF)", validators=[FileRequired("Choisissez le fichier PDF à déposer.")])


class LineForm(Form):
    startup = StartupPicker("Startup", validators=[DataRequired("Choisissez la startup financée."), bounded()], description=STARTUP_HINT)
    fiscal_year = IntegerField(
        "Exercice", validators=[InputRequired(YEAR_MESSAGE), NumberRange(2000, 2100, YEAR_MESSAGE)]
    )
    label = _text("Projet (tel que l’annexe le nomme)", 300)
    direction = _text("Direction", 120, description="Par exemple : DGE/DIUM.")
    ae = AmountField("AE (autorisations d’engagement, en euros)", validators=[DataRequired("Indiquez le montant des AE.")])
    cp = AmountField("CP (crédits de paiement, en euros)", validators=[DataRequired("Indiquez le montant des CP.")])
    uo = _text("UO", 60)
    activite = _text("Activité", 60)
    paaf = _text("PAAF", 60)

    TEXTS = ("label", "direction", "uo", "activite", "paaf")


#: How many new lines one amendment form offers.
NEW_LINE_SLOTS = 2


class AmendmentForm(Form):
    """Built per convention by `amendment_form_for`: a pair of amount fields per existing line
    (blank keeps the amount) and NEW_LINE_SLOTS optional new lines."""

    number = IntegerField("Numéro", validators=[InputRequired("Indiquez le numéro de l’avenant."), NumberRange(1, 999)])
    signed_on = DateField("Date de signature", validators=[DataRequired("Indiquez la date de signature de l’avenant.")])
    description = TextAreaField(
        "Ce que change l’avenant", validators=[DataRequired("Décrivez ce que change l’avenant."), bounded(LONG_TEXT)]
    )

    line_fields: list = []
    new_slots: list = []

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for slot in self.new_slots:
            used = any((slot[name].data or "").strip() for name in ("startup", "ae", "cp", "label"))
            if not used:
                continue
            for name, message in (
                ("startup", "Choisissez la startup de la nouvelle ligne."),
                ("ae", "Indiquez les AE de la nouvelle ligne."),
                ("cp", "Indiquez les CP de la nouvelle ligne."),
            ):
                if not (slot[name].data or "").strip():
                    slot[name].errors = [*slot[name].errors, message]
                    valid = False
            if slot["fiscal_year"].data is None:
                slot["fiscal_year"].errors = [*slot["fiscal_year"].errors, YEAR_MESSAGE]
                valid = False
        return valid

    def changes(self) -> list[tuple[object, Decimal | None, Decimal | None]]:
        """(line, ae, cp) for each line given new amounts."""
        return [(line, ae.amount, cp.amount) for line, ae, cp in self.line_fields if ae.amount is not None or cp.amount is not None]

    def new_lines(self) -> list[dict]:
        """The filled new-line slots, as the values `add_line` takes."""
        lines = []
        for slot in self.new_slots:
            if slot["startup"].picked is None:
                continue
            lines.append({
                "startup": slot["startup"].picked, "fiscal_year": slot["fiscal_year"].data,
                "ae": slot["ae"].amount, "cp": slot["cp"].amount,
                **{name: slot[name].data for name in LineForm.TEXTS},
            })
        return lines


def amendment_form_for(lines, next_number: int) -> AmendmentForm:
    """An amendment form with amount fields for `lines` and NEW_LINE_SLOTS new-line slots."""
    class BoundAmendmentForm(AmendmentForm):
        pass

    for line in lines:
        setattr(BoundAmendmentForm, f"ae_{line.id}", AmountField(f"Nouveaux AE — {line.startup.name} {line.fiscal_year}"))
        setattr(BoundAmendmentForm, f"cp_{line.id}", AmountField(f"Nouveaux CP — {line.startup.name} {line.fiscal_year}"))
    for n in range(1, NEW_LINE_SLOTS + 1):
        prefix = f"new{n}_"
        setattr(BoundAmendmentForm, prefix + "startup", StartupPicker(f"Startup (nouvelle ligne {n})", validators=[Optional(), bounded()], description=STARTUP_HINT))
        setattr(BoundAmendmentForm, prefix + "fiscal_year", IntegerField("Exercice", validators=[Optional(), NumberRange(2000, 2100, YEAR_MESSAGE)]))
        setattr(BoundAmendmentForm, prefix + "ae", AmountField("AE"))
        setattr(BoundAmendmentForm, prefix + "cp", AmountField("CP"))
        for name, label, size in (("label", "Projet", 300), ("direction", "Direction", 120), ("uo", "UO", 60),
                                  ("activite", "Activité", 60), ("paaf", "PAAF", 60)):
            setattr(BoundAmendmentForm, prefix + name, _text(label, size))
    form = BoundAmendmentForm()
    if not form.is_submitted():
        form.number.data = next_number
    form.line_fields = [(line, form[f"ae_{line.id}"], form[f"cp_{line.id}"]) for line in lines]
    form.new_slots = [
        {name: form[f"new{n}_{name}"] for name in ("startup", "fiscal_year", "ae", "cp", *LineForm.TEXTS)}
        for n in range(1, NEW_LINE_SLOTS + 1)
    ]
    return form


class ConventionFilterForm(Form):
    """The list's filters, read from the query string."""

    class Meta:
        csrf = False

    status = SelectField("Statut", choices=choices(CONVENTION_STATUSES.items(), empty="Tous"), validators=[Optional()])
    year = SelectField("Exercice", validators=[Optional()])
    startup = StartupPicker("Startup financée", validators=[Optional(), bounded()], description="Son nom ou son identifiant.")

    def set_choices(self, years) -> None:
        self.year.choices = choices([(year, str(year)) for year in years], empty="Tous")


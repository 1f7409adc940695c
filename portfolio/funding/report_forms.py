"""Forms of the annex import (paste, then confirm with a choice per uncertain row) and of the
quarterly consumption report (AE committed and CP paid per line, French amounts)."""
from datetime import date
from decimal import Decimal

from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portfolio.forms import REQUIRED, Form, bounded
from portfolio.funding.amounts import AmountError, parse_amount
from portfolio.funding.annex_import import REFUSE, Preview

#: A long annex stays far below this; a bigger paste is a mistake.
MAX_ANNEX_CHARACTERS = 200_000


class AnnexPasteForm(Form):
    text = TextAreaField(
        "Tableau de l’annexe",
        validators=[
            InputRequired(REQUIRED),
            Length(max=MAX_ANNEX_CHARACTERS, message="Le texte collé est trop long (200 000 caractères au plus)."),
        ],
    )
    preview = SubmitField("Prévisualiser")


class AnnexConfirmForm(Form):
    """Carries the signed preview; one `row_<line>` select per ambiguous or unmatched row."""

    token = HiddenField(validators=[InputRequired("L’aperçu manque : collez l’annexe à nouveau.")])
    confirm = SubmitField("Confirmer l’import")
    back = SubmitField("Modifier le texte")

    def row_field(self, line_no: int):
        return self[f"row_{line_no}"]

    def choices(self) -> dict[int, str | None]:
        return {
            int(name.removeprefix("row_")): field.data or None
            for name, field in self._fields.items()
            if name.startswith("row_")
        }


def _row_choices(match, preview: Preview) -> list[SelectChoice]:
    options = [SelectChoice("", "— Choisissez la startup —"), SelectChoice(REFUSE, "Ne pas importer cette ligne")]
    if match.status == "ambiguous":
        return options + [SelectChoice(str(s.id), f"{s.name} ({s.slug})", optgroup="Startups possibles") for s in match.candidates]
    suggested = {startup.id for startup in match.suggestions}
    options += [SelectChoice(str(s.id), f"{s.name} ({s.slug})", optgroup="Suggestions") for s in match.suggestions]
    options += [
        SelectChoice(str(s.id), f"{s.name} ({s.slug})", optgroup="Toutes les startups")
        for s in preview.startups
        if s.id not in suggested
    ]
    return options


def annex_confirm_form(preview: Preview, formdata=None) -> AnnexConfirmForm:
    """The confirmation form of this preview: a startup to choose for each uncertain row."""

    class RowsForm(AnnexConfirmForm):
        pass

    for match in preview.to_choose:
        field = SelectField(
            f"Startup de la ligne {match.row.line_no} ({match.row.label})",
            choices=_row_choices(match, preview),
            validators=[InputRequired("Choisissez la startup de cette ligne, ou refusez la ligne.")],
        )
        setattr(RowsForm, f"row_{match.row.line_no}", field)
    form = RowsForm(formdata=formdata) if formdata is not None else RowsForm()
    form.token.data = preview.token
    return form


def amount_check(form, field) -> None:
    """A French amount, or blank (nothing consumed); the value is kept as text, read on save."""
    if not (field.data or "").strip():
        return
    try:
        parse_amount(field.data)
    except AmountError as error:
        raise ValidationError(str(error)) from None


def optional_amount(text: str | None) -> Decimal:
    return parse_amount(text) if (text or "").strip() else Decimal("0.00")


class ReportFormBase(Form):
    submitted_on = DateField(
        "Date de dépôt",
        validators=[InputRequired("Indiquez la date de dépôt (jj/mm/aaaa).")],
    )
    note = TextAreaField("Commentaire", validators=[Optional(), bounded(5000)])
    #: Set by the confirmation step when a line is consumed beyond its granted amount.
    confirmed = HiddenField(default="")
    submit = SubmitField("Enregistrer le compte rendu")

    def entries(self, lines) -> dict[int, tuple]:
        """line id -> (AE committed, CP paid), blank fields read as zero."""
        return {
            line.id: (optional_amount(self[f"ae_{line.id}"].data), optional_amount(self[f"cp_{line.id}"].data))
            for line in lines
        }


def report_form(lines, today: date) -> ReportFormBase:
    """The report form of a convention: two amount fields per funding line."""

    class ReportForm(ReportFormBase):
        pass

    for line in lines:
        name = f"{line.startup.name} {line.fiscal_year}"
        setattr(ReportForm, f"ae_{line.id}", StringField(f"AE engagées — {name}", validators=[amount_check, bounded(40)]))
        setattr(ReportForm, f"cp_{line.id}", StringField(f"CP payés — {name}", validators=[amount_check, bounded(40)]))
    form = ReportForm()
    if not form.is_submitted():
        form.submitted_on.data = today
    return form

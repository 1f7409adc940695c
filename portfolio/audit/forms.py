"""The audit log's filter form (GET, so no CSRF token)."""
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from portfolio.forms import Form, bounded

DATE_MESSAGE = "Saisissez une date valide (jj/mm/aaaa)."


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    object_type = SelectField("Type d’objet", choices=[], validators=[Optional()], validate_choice=False)
    object_id = StringField("Identifiant de l’objet", validators=[Optional(), bounded(40)])
    actor = SelectField("Personne", choices=[], validators=[Optional()])
    since = DateField("Du", validators=[Optional()], format="%Y-%m-%d")
    until = DateField("Au", validators=[Optional()], format="%Y-%m-%d")

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("La date de fin doit suivre la date de début.")

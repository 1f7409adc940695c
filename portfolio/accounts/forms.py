"""Forms of accounts; their error messages are French."""
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from portfolio.accounts.models import ROLE_LABELS
from portfolio.accounts.operations import MIN_PASSWORD_LENGTH
from portfolio.forms import REQUIRED, Form, bounded, choices

EMAIL = "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.gouv.fr."


class LoginForm(Form):
    email = EmailField(
        "Adresse électronique",
        validators=[DataRequired(REQUIRED), Email(EMAIL), bounded(254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        "Mot de passe", validators=[DataRequired(REQUIRED), bounded(200)], render_kw={"autocomplete": "current-password"}
    )


class RoleFields:
    role = SelectField("Rôle", choices=choices(ROLE_LABELS.items(), empty="— Choisir un rôle —"), default="")
    scope = StringField(
        "Périmètre (identifiant de l’incubateur pour un·e coach, de la startup pour un·e intrapreneur·e)",
        validators=[Optional(), bounded(120)],
    )


class UserCreateForm(RoleFields, Form):
    email = EmailField("Adresse électronique", validators=[DataRequired(REQUIRED), Email(EMAIL), bounded(254)])
    name = StringField("Nom complet", validators=[DataRequired(REQUIRED), bounded(200)])
    password = PasswordField(
        "Mot de passe initial",
        validators=[
            DataRequired(REQUIRED),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.",
            ),
            bounded(200),
        ],
    )


class RoleGrantForm(RoleFields, Form):
    role = SelectField(
        "Rôle",
        choices=choices(ROLE_LABELS.items(), empty="— Choisir un rôle —"),
        validators=[DataRequired("Choisissez un rôle.")],
    )


class ConfirmForm(Form):
    """A confirmation: nothing but the CSRF token."""

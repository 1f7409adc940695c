"""Forms of sign-in links, password self-service and invitations; their error messages are French."""
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portfolio.accounts.forms import EMAIL, RoleFields
from portfolio.accounts.operations import MIN_PASSWORD_LENGTH
from portfolio.forms import REQUIRED, Form, bounded

TOO_SHORT = f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères."
MISMATCH = "Les deux mots de passe ne sont pas identiques."


def _email_field(label: str = "Adresse électronique") -> EmailField:
    return EmailField(
        label,
        validators=[DataRequired(REQUIRED), Email(EMAIL), bounded(254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )


def _new_password_fields():
    new = PasswordField(
        "Nouveau mot de passe",
        validators=[DataRequired(REQUIRED), Length(min=MIN_PASSWORD_LENGTH, max=200, message=TOO_SHORT)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Confirmation du nouveau mot de passe",
        validators=[DataRequired(REQUIRED), EqualTo("new_password", message=MISMATCH), bounded(200)],
        render_kw={"autocomplete": "new-password"},
    )
    return new, confirm


class EmailRequestForm(Form):
    """An address to which a link is sent (sign-in link, password reset)."""

    email = _email_field()


class PasswordResetForm(Form):
    new_password, confirm_password = _new_password_fields()


class PasswordChangeForm(Form):
    current_password = PasswordField(
        "Mot de passe actuel", validators=[DataRequired(REQUIRED), bounded(200)], render_kw={"autocomplete": "current-password"}
    )
    new_password, confirm_password = _new_password_fields()


class InviteForm(RoleFields, Form):
    email = EmailField("Adresse électronique professionnelle",
                       validators=[DataRequired(REQUIRED), Email(EMAIL), bounded(254)])
    name = StringField("Nom complet", validators=[DataRequired(REQUIRED), bounded(200)])

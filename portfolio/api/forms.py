"""The form of the personal API tokens page: a new token's name."""
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portfolio.api.tokens import NAME_MAX_LENGTH
from portfolio.forms import Form


class TokenForm(Form):
    name = StringField(
        "Nom du jeton",
        description="Pour le reconnaître : l’outil qui s’en sert (par exemple « Tableau de bord DashLord »).",
        validators=[
            DataRequired("Donnez un nom au jeton, pour le reconnaître (par exemple « Tableau de bord »)."),
            Length(max=NAME_MAX_LENGTH, message=f"Le nom du jeton doit faire au plus {NAME_MAX_LENGTH} caractères."),
        ],
    )

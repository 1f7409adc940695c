"""The reminders' forms: the delivery preference, and the bare confirmations (CSRF only)."""
from wtforms import RadioField
from wtforms.validators import InputRequired

from portfolio.forms import Form, choices
from portfolio.reminders.models import DELIVERY_MODES


class PreferenceForm(Form):
    mode = RadioField(
        "Comment recevoir vos rappels",
        choices=choices(DELIVERY_MODES.items()),
        validators=[InputRequired("Choisissez une des façons de recevoir les rappels.")],
    )


class ActionForm(Form):
    """A button's POST: nothing but the CSRF token."""

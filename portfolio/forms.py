"""What every domain's forms share: the French base form and select options."""
from typing import Iterable

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

REQUIRED = "Ce champ est obligatoire."


class Form(FlaskForm):
    """Base of every form: WTForms' own messages in French."""

    class Meta:
        locales = ("fr_FR", "fr")


def choices(pairs: Iterable[tuple[str, str]], empty: str | None = None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, optionally led by an empty option."""
    options = [SelectChoice("", empty)] if empty is not None else []
    return options + [SelectChoice(str(value), label) for value, label in pairs]

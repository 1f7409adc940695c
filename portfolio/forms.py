"""What every domain's forms share."""
from typing import Iterable

from wtforms.fields.choices import SelectChoice

REQUIRED = "Ce champ est obligatoire."


def choices(pairs: Iterable[tuple[str, str]], empty: str | None = None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, optionally led by an empty option."""
    options = [SelectChoice("", empty)] if empty is not None else []
    return options + [SelectChoice(str(value), label) for value, label in pairs]

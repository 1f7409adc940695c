"""What every domain's forms share: the French base form and select options."""
from typing import Iterable

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from portfolio.validation import supported_date

REQUIRED = "Ce champ est obligatoire."

#: The bounds of free text live in portfolio.validation, shared with the importer.
from portfolio.validation import DESCRIPTION_TEXT, LONG_TEXT, MINUTES_TEXT, REASON_TEXT, SHORT_TEXT, too_long_message  # noqa: E402,F401


def bounded(maximum: int = SHORT_TEXT) -> Length:
    """The length bound of a free text field, with its French message."""
    return Length(max=maximum, message=too_long_message(maximum))


class Form(FlaskForm):
    """Base of every form: WTForms' own messages in French."""

    class Meta:
        locales = ("fr_FR", "fr")

        def render_field(self, field, render_kw):
            """A plain select's options are written in one pass: WTForms' widget costs some 30 µs
            an option, 50 ms for a filter listing 1,500 organisations."""
            widget = field.widget
            if type(widget) is not widgets.Select or widget.multiple or field.has_groups():
                return super().render_field(field, render_kw)
            return _select(field, dict(getattr(field, "render_kw", None) or {}, **render_kw))

    def validate(self, extra_validators=None) -> bool:
        """Every date field of every form, filters included, holds a date within the supported range."""
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, DateField):
                extra.setdefault(name, []).append(supported_date)
        return super().validate(extra)


def choices(pairs: Iterable[tuple[str, str]], empty: str | None = None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, optionally led by an empty option."""
    options = [SelectChoice("", empty)] if empty is not None else []
    return options + [SelectChoice(str(value), label) for value, label in pairs]


def _select(field, attributes: dict) -> Markup:
    """What WTForms' Select widget writes (same attributes, same options), for a field without groups."""
    attributes.setdefault("id", field.id)
    flags = field.flags
    for name in widgets.Select.validation_attrs:
        if name not in attributes and getattr(flags, name, False):
            attributes[name] = getattr(flags, name)
    options = "".join(
        f'<option {_option_params(value, selected, option_kw)}>{escape(label)}</option>'
        if option_kw or value is True
        else f'<option {"selected " if selected else ""}value="{escape(value)}">{escape(label)}</option>'
        for value, label, selected, option_kw in field.iter_choices()
    )
    return Markup(f"<select {widgets.html_params(name=field.name, **attributes)}>{options}</select>")


def _option_params(value, selected: bool, option_kw: dict) -> str:
    options = dict(option_kw, value=str(value) if value is True else value)
    if selected:
        options["selected"] = True
    return widgets.html_params(**options)


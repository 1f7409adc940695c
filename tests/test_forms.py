"""The base form's fast select: the same HTML as WTForms' own widget, in one pass."""
from wtforms import SelectField, widgets

from portfolio.forms import Form, choices


class Filters(Form):
    class Meta:
        csrf = False

    sponsor = SelectField("Sponsor", choices=[], validate_choice=False)
    kind = SelectField("Type", choices=choices([("a", "A & <b>"), ("b", "B")]), render_kw={"data-x": "1"})


def test_the_select_renders_exactly_as_wtforms_own_widget(app):
    with app.test_request_context("/?sponsor=org-1&kind=b"):
        from flask import request

        form = Filters(request.args)
        form.sponsor.choices = choices([("org-1", "Org « 1 »"), ("org-2", 'Org "2"')], empty="Tous")
        for field, extra in ((form.sponsor, {"class_": "fr-select"}), (form.kind, {"aria-describedby": "kind-error"})):
            expected = widgets.Select()(field, **dict(field.render_kw or {}, **extra))
            assert field(**extra) == expected
        assert '<option selected value="org-1">Org « 1 »</option>' in form.sponsor()
        assert "A &amp; &lt;b&gt;" in form.kind()

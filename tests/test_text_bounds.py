"""Values that make sense: every free text field of every form has a length bound with a French
message (one shared set, portfolio.forms.bounded), and a count indicator takes no negative value."""
import pytest
from sqlalchemy import select
from wtforms import HiddenField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

from conftest import post_form
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.forms import Form
from portfolio.startups.models import Indicator, Measurement


def _form_classes(base=Form):
    for cls in base.__subclasses__():
        yield cls
        yield from _form_classes(cls)


def _text_fields(cls):
    """Its fields a person types free text in: not the hidden ones (the form's own), nor the amounts
    and numbers, which their parser bounds."""
    from portfolio.funding.forms import AmountField
    from portfolio.governance.forms import AmountText
    from portfolio.startups.forms import DecimalText

    for name in dir(cls):
        field = getattr(cls, name, None)
        if not isinstance(field, UnboundField) or not issubclass(field.field_class, StringField):
            continue
        if issubclass(field.field_class, (HiddenField, AmountField, AmountText, DecimalText)):
            continue
        yield name, field


def test_every_free_text_field_of_every_form_is_bounded_with_a_french_message(app):
    import portfolio.funding.report_forms  # noqa: F401  (forms defined on import)
    from portfolio.funding.report_forms import report_form
    from portfolio.governance.forms import attendance_form_for
    from portfolio.startups.forms import milestone_form_for

    with app.test_request_context():
        report_form([], None), milestone_form_for([]), attendance_form_for([])
    unbounded = []
    for cls in set(_form_classes()):
        for name, field in _text_fields(cls):
            validators = field.kwargs.get("validators") or []
            lengths = [validator for validator in validators if isinstance(validator, Length) and validator.max > 0]
            if not lengths or not all(validator.message and "caractères" in validator.message for validator in lengths):
                unbounded.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert not unbounded, f"free text fields without a French length bound: {sorted(unbounded)}"


@pytest.fixture
def as_coach(client, demo):
    response = post_form(client, "/login", {"email": "coach@demo.beta.gouv.fr", "password": DEMO_PASSWORD}, token_from="/login")
    assert response.status_code == 302
    return client


def test_a_long_text_is_refused_in_french_and_changes_nothing(as_coach):
    url = "/startups/signaux-faibles/milestones/new"
    response = post_form(as_coach, url, {"date": "2026-11-02", "kind": "other", "title": "Titre", "text": "x" * 10_001},
                         token_from=url)
    assert response.status_code == 422
    assert "Ce texte est trop long : 10\u202f000 caractères au plus." in response.get_data(as_text=True)


def test_a_negative_value_is_refused_unless_the_indicator_allows_it(as_coach):
    indicator = db.session.scalar(select(Indicator))
    assert indicator.allows_negative is False
    url = f"/startups/signaux-faibles/indicators/{indicator.id}/measurements/new"
    before = db.session.query(Measurement).count()
    response = post_form(as_coach, url, {"date": "2026-11-02", "value": "-5"}, token_from=url)
    assert response.status_code == 422
    assert "ne prend pas de valeur négative" in response.get_data(as_text=True)
    assert db.session.query(Measurement).count() == before
    new = "/startups/signaux-faibles/indicators/new"
    created = post_form(as_coach, new, {"name": "Solde", "unit": "€", "allows_negative": "y"}, token_from=new)
    assert created.status_code == 302
    solde = db.session.scalar(select(Indicator).where(Indicator.name == "Solde"))
    assert solde.allows_negative is True
    url = f"/startups/signaux-faibles/indicators/{solde.id}/measurements/new"
    assert post_form(as_coach, url, {"date": "2026-11-02", "value": "-5"}, token_from=url).status_code == 302

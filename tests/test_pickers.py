"""Startup and organisation pickers without JavaScript: a plain POST with a typed name, acronym or
slug is resolved by the server; an unknown or ambiguous one answers a French error and saves
nothing. And the suggestions the type-ahead reads: JSON, case and accents ignored, ten at most,
one statement whatever the number of startups."""
from datetime import time

import pytest
from sqlalchemy import func, select

from conftest import count_statements, post_form
from governance_helpers import chair, next_weekday
from portfolio.audit.models import AuditEvent
from portfolio.demo.funding import REFERENCE
from portfolio.extensions import db
from portfolio.funding.models import Convention, ConventionParty, FundingLine
from portfolio.governance import operations as governance
from portfolio.governance.models import Review
from portfolio.startups import operations as startup_operations
from portfolio.startups.models import Incubator, Organisation, Startup


def audit_events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def add_startups(*names: str, slugs=None) -> list[Startup]:
    dinum = db.session.scalar(select(Incubator).where(Incubator.slug == "dinum"))
    created = [
        startup_operations.create_startup(name, dinum, slug=slug)
        for name, slug in zip(names, slugs or [None] * len(names))
    ]
    db.session.commit()
    return created


def suggestions(client, url: str, typed: str) -> list[dict]:
    response = client.get(url, query_string={"q": typed})
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()["items"]


# --- The suggestions ---------------------------------------------------------------------------


def test_startup_suggestions_ignore_case_and_accents_and_put_the_best_matches_first(demo, make_user, login, client):
    add_startups("Écoles et entreprises", "Entreprises Écoles")
    login(make_user("committee_chair"))
    found = suggestions(client, "/startups/suggestions", "ENTREPRISES")
    # Those whose name starts with the text come first, then the others, by name.
    assert [item["value"] for item in found] == ["Entreprises Écoles", "Écoles et entreprises", "Place des Entreprises"]
    assert found[-1]["hint"] == "Transféré · Le département Accompagnement de services numériques de la DINUM"
    assert [item["value"] for item in suggestions(client, "/startups/suggestions", "ecoles")] == [
        "Écoles et entreprises", "Entreprises Écoles",
    ]
    # By slug too.
    assert [item["value"] for item in suggestions(client, "/startups/suggestions", "conseillers")] == ["Place des Entreprises"]


def test_startup_suggestions_are_ten_at_most_and_name_a_shared_name_by_its_slug(demo, make_user, login, client):
    add_startups(*(f"Trésor {n:02d}" for n in range(1, 13)))
    add_startups("Doublon", "Doublon", slugs=["doublon-dge", "doublon-urssaf"])
    login(make_user("coach"))
    assert len(suggestions(client, "/startups/suggestions", "tresor")) == 10
    twins = suggestions(client, "/startups/suggestions", "doublon")
    assert [(item["value"], item["label"]) for item in twins] == [
        ("doublon-dge", "Doublon (doublon-dge)"), ("doublon-urssaf", "Doublon (doublon-urssaf)"),
    ]


def test_organisation_suggestions_by_acronym_name_or_slug(demo, make_user, login, client):
    login(make_user("finance"))
    found = suggestions(client, "/organisations/suggestions", "dge")
    # The organisation so named first, then those whose acronym starts with it.
    assert [item["value"] for item in found] == [
        "DGE — Direction générale des entreprises",
        "DGEFP — Délégation générale à l’emploi et à la formation professionnelle",
    ]
    assert [item["value"] for item in suggestions(client, "/organisations/suggestions", "delegation generale")] == [
        "DGEFP — Délégation générale à l’emploi et à la formation professionnelle",
    ]
    assert [item["value"] for item in suggestions(client, "/organisations/suggestions", "sg-mef")] == [
        "SG MEF — Secrétariat général des ministères économiques et financiers",
    ]


@pytest.mark.parametrize("typed", ["", "   ", "%", "_", "x" * 301])
def test_suggestions_for_nothing_useful_are_empty_not_an_error(demo, make_user, login, client, typed):
    login(make_user("coach"))
    for url in ("/startups/suggestions", "/organisations/suggestions"):
        response = client.get(url, query_string={"q": typed})
        assert response.status_code == 200
        assert response.get_json()["items"] == []
    if len(typed) > 300:
        assert "trop long" in client.get("/startups/suggestions", query_string={"q": typed}).get_json()["message"]


def test_suggestions_run_as_many_statements_for_one_match_as_for_many(demo, make_user, login, client):
    login(make_user("coach"))
    client.get("/")
    add_startups("Trésor 1")
    db.session.add(Organisation(slug="tresor-1", name="Trésor 1"))
    db.session.commit()
    few = [count_statements(client, url, q="tresor") for url in ("/startups/suggestions", "/organisations/suggestions")]
    add_startups(*(f"Trésor {n}" for n in range(2, 30)))
    db.session.add_all([Organisation(slug=f"tresor-{n}", name=f"Trésor {n}") for n in range(2, 30)])
    db.session.commit()
    many = [count_statements(client, url, q="tresor") for url in ("/startups/suggestions", "/organisations/suggestions")]
    assert many == few


# --- The agenda ----------------------------------------------------------------------------------


@pytest.fixture
def meeting(demo):
    item = governance.schedule_meeting("investment_committee", next_weekday(), time(14, 0), chair(), location="DGE")
    db.session.commit()
    return item


@pytest.fixture
def chair_client(client, meeting):
    response = post_form(client, "/login", {"email": "presidente@demo.beta.gouv.fr", "password": "demo-portfolio"},
                         token_from="/login")
    assert response.status_code == 302
    return client


def add_to_agenda(client, meeting, typed: str):
    return post_form(client, f"/governance/meetings/{meeting.id}/reviews/new",
                     {"startup": typed, "presentation": "15", "questions": "15", "deliberation": "20"})


def reviewed(meeting) -> list[str]:
    return list(db.session.scalars(select(Startup.slug).join(Review).where(Review.meeting_id == meeting.id)))


def test_the_agenda_takes_a_typed_name_in_any_case_or_a_slug(chair_client, meeting):
    response = add_to_agenda(chair_client, meeting, "  signaux   FAIBLES ")
    assert response.status_code == 302
    assert add_to_agenda(chair_client, meeting, "conseillers-entreprises").status_code == 302
    assert sorted(reviewed(meeting)) == ["conseillers-entreprises", "signaux-faibles"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Signaux", "Aucune startup ne s’appelle « Signaux ». Vouliez-vous dire : Signaux Faibles ?"),
        ("Inconnue au bataillon", "Aucune startup ne s’appelle « Inconnue au bataillon ». Saisissez son nom complet ou son identifiant."),
        ("Doublon", "Plusieurs startups s’appellent « Doublon » : saisissez l’identifiant de celle que vous voulez (doublon-dge, doublon-urssaf)."),
        ("", "Choisissez la startup à examiner."),
        ("y" * 301, "Ce texte est trop long : 300 caractères au plus."),
    ],
)
def test_an_unknown_or_ambiguous_startup_is_refused_in_french_and_nothing_is_saved(chair_client, meeting, typed, message):
    add_startups("Doublon", "Doublon", slugs=["doublon-dge", "doublon-urssaf"])
    before = audit_events()
    response = add_to_agenda(chair_client, meeting, typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'data-suggest="/startups/suggestions"' in html  # the field is still the type-ahead
    assert f'value="{typed}"' in html or not typed.strip() or len(typed) > 300  # what was typed is kept
    assert reviewed(meeting) == [] and audit_events() == before
    # Its slug settles it.
    assert add_to_agenda(chair_client, meeting, "doublon-urssaf").status_code == 302
    assert reviewed(meeting) == ["doublon-urssaf"]


def test_the_agenda_form_is_a_text_field_with_the_suggestions_address(chair_client, meeting):
    html = chair_client.get(f"/governance/meetings/{meeting.id}/reviews/new").get_data(as_text=True)
    assert '<select id="startup"' not in html
    assert 'name="startup"' in html and 'data-suggest="/startups/suggestions"' in html and 'autocomplete="off"' in html
    assert "Tapez quelques lettres de son nom" in html


# --- Funding ---------------------------------------------------------------------------------------


@pytest.fixture
def finance_client(client, demo):
    response = post_form(client, "/login", {"email": "finance@demo.beta.gouv.fr", "password": "demo-portfolio"},
                         token_from="/login")
    assert response.status_code == 302
    return client


def seed_convention() -> Convention:
    return db.session.scalar(select(Convention).where(Convention.reference == REFERENCE))


def lines_of(convention) -> int:
    return db.session.scalar(select(func.count(FundingLine.id)).where(FundingLine.convention_id == convention.id))


def test_a_funding_line_takes_a_typed_startup_and_its_edit_form_shows_its_name(finance_client):
    convention = seed_convention()
    before = lines_of(convention)
    refused = post_form(finance_client, f"/funding/conventions/{convention.id}/lines/new",
                        {"startup": "Signaux Fables", "fiscal_year": "2024", "ae": "1 000", "cp": "1 000"})
    assert refused.status_code == 422 and "Aucune startup ne s’appelle « Signaux Fables »" in refused.get_data(as_text=True)
    assert lines_of(convention) == before
    response = post_form(finance_client, f"/funding/conventions/{convention.id}/lines/new",
                         {"startup": "place des entreprises", "fiscal_year": "2024", "ae": "1 000", "cp": "1 000"})
    assert response.status_code == 302
    line = db.session.scalar(select(FundingLine).where(FundingLine.convention_id == convention.id,
                                                       FundingLine.fiscal_year == 2024))
    assert line.startup.slug == "conseillers-entreprises"
    edit = finance_client.get(f"/funding/conventions/{convention.id}/lines/{line.id}/edit").get_data(as_text=True)
    assert 'value="Place des Entreprises"' in edit


def test_an_amendment_new_line_with_an_unknown_startup_saves_nothing(finance_client):
    convention = seed_convention()
    before, events = lines_of(convention), audit_events()
    response = post_form(finance_client, f"/funding/conventions/{convention.id}/amendments/new", {
        "number": "1", "signed_on": "2020-10-01", "description": "Nouvelle ligne",
        "new1_startup": "Nulle part", "new1_fiscal_year": "2021", "new1_ae": "5 000", "new1_cp": "4 000",
    })
    assert response.status_code == 422
    assert "Aucune startup ne s’appelle « Nulle part »" in response.get_data(as_text=True)
    assert (lines_of(convention), audit_events()) == (before, events)
    response = post_form(finance_client, f"/funding/conventions/{convention.id}/amendments/new", {
        "number": "1", "signed_on": "2020-10-01", "description": "Nouvelle ligne",
        "new1_startup": "Signaux Faibles", "new1_fiscal_year": "2021", "new1_ae": "5 000", "new1_cp": "4 000",
    })
    assert response.status_code == 302 and lines_of(convention) == before + 1


def test_the_conventions_list_filters_on_a_typed_startup(finance_client):
    assert REFERENCE in finance_client.get("/funding/?startup=signaux faibles").get_data(as_text=True)
    refused = finance_client.get("/funding/?startup=Personne")
    assert refused.status_code == 422 and "Aucune startup ne s’appelle « Personne »" in refused.get_data(as_text=True)


def test_a_party_takes_an_organisation_by_acronym_name_or_suggestion_and_refuses_an_ambiguous_one(finance_client):
    db.session.add_all([
        Organisation(slug="anah", name="Agence nationale de l’habitat", acronym="Anah"),
        Organisation(slug="anah-bis", name="Agence nationale de l'amélioration de l'habitat", acronym="ANAH"),
    ])
    db.session.commit()
    convention = seed_convention()
    url = f"/funding/conventions/{convention.id}/parties/new"
    parties = db.session.scalar(select(func.count(ConventionParty.id)))
    by_slug = post_form(finance_client, url, {"role": "porteur", "organisation": "anah"})  # a slug names one
    assert by_slug.status_code == 302
    ambiguous = post_form(finance_client, url, {"role": "porteur", "organisation": "ANAH"})
    assert ambiguous.status_code == 422
    assert "Plusieurs organisations répondent à « ANAH »" in ambiguous.get_data(as_text=True)
    unknown = post_form(finance_client, url, {"role": "porteur", "organisation": "Ministère des rêves"})
    assert unknown.status_code == 422 and "Aucune organisation ne s’appelle « Ministère des rêves »" in unknown.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ConventionParty.id))) == parties + 1
    # A suggestion's value settles it, apostrophes and accents as typed or not.
    [suggestion] = [item for item in suggestions(finance_client, "/organisations/suggestions", "amelioration")]
    assert suggestion["value"] == "ANAH — Agence nationale de l'amélioration de l'habitat"
    added = post_form(finance_client, url, {"role": "delegant", "organisation": "anah — agence nationale de l’amelioration de l’habitat"})
    assert added.status_code == 302
    assert {party.organisation.slug for party in db.session.get(Convention, convention.id).parties} >= {"anah", "anah-bis"}


def test_a_startup_porteur_is_typed_and_shown_as_its_suggestion(demo, make_user, login, client):
    login(make_user("coach", scope="dinum"))
    startup = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    form = client.get("/startups/signaux-faibles/edit").get_data(as_text=True)
    assert 'data-suggest="/organisations/suggestions"' in form
    dinum_id = db.session.scalar(select(Incubator.id).where(Incubator.slug == "dinum"))
    response = post_form(client, "/startups/signaux-faibles/edit", {
        "name": "Signaux Faibles", "incubator": dinum_id, "porteur": "Banque de France", "version": startup.version,
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles")).porteur.slug == "bdf"
    form = client.get("/startups/signaux-faibles/edit").get_data(as_text=True)
    assert 'value="BDF — Banque de France"' in form


def test_organisation_suggestions_can_be_limited_to_sponsors_and_say_their_kind(demo, make_user, login, client):
    db.session.add(Organisation(slug="dge-bis", name="Direction générale des écoles", acronym="DGEC", kind="operateur "))
    db.session.commit()
    login(make_user("coach"))
    every = suggestions(client, "/organisations/suggestions", "direction generale")
    assert [(item["value"], item["hint"]) for item in every] == [
        ("DGEC — Direction générale des écoles", "Opérateur"), ("DGE — Direction générale des entreprises", ""),
    ]
    # Only DGE sponsors a demo startup.
    sponsors = client.get("/organisations/suggestions", query_string={"q": "direction generale", "sponsoring": "1"})
    assert [item["value"] for item in sponsors.get_json()["items"]] == ["DGE — Direction générale des entreprises"]


def test_the_field_macro_puts_the_type_ahead_on_any_text_field_given_a_suggestions_url(app):
    from flask import render_template_string
    from wtforms import StringField

    from portfolio.forms import Form

    class SponsorFilter(Form):
        class Meta:
            csrf = False

        sponsor = StringField("Sponsor")

    with app.test_request_context("/?sponsor=dge"):
        html = render_template_string(
            '{% from "_macros.html" import field %}'
            "{{ field(form.sponsor, options=[('dge', 'DGE')], suggest=url_for('organisations.suggestions', sponsoring=1)) }}",
            form=SponsorFilter(formdata=None),
        )
    assert 'data-suggest="/organisations/suggestions?sponsoring=1"' in html
    assert 'list="sponsor-options"' in html and '<datalist id="sponsor-options">' in html  # the no-script fallback


def test_the_portfolio_filters_offer_incubators_and_sponsors_as_one_types(demo, make_user, login, client):
    """The filters are pickers: each field names its suggestions' address (sponsors only for the
    sponsor filter), and an incubator typed in any case or by a few letters is offered and found."""
    from portfolio.startups.models import Incubator

    db.session.add(Incubator(slug="fabnum", name="Fabrique numérique des ministères sociaux"))
    db.session.commit()
    login(make_user("coach"))
    page = client.get("/startups/").get_data(as_text=True)
    assert 'data-suggest="/incubators/suggestions"' in page and 'data-suggest="/organisations/suggestions?sponsoring=1"' in page
    assert [item["value"] for item in suggestions(client, "/incubators/suggestions", "FABRIQUE")] == [
        "Fabrique numérique des ministères sociaux"]
    assert suggestions(client, "/incubators/suggestions", "numerique")[0]["value"] == "Fabrique numérique des ministères sociaux"
    found = client.get("/startups/", query_string={"incubator": "fabrique numerique des ministeres sociaux"})
    assert found.status_code == 200 and "Aucun incubateur" not in found.get_data(as_text=True)
    refused = client.get("/startups/", query_string={"incubator": "Fabrique"})
    assert refused.status_code == 400
    assert "Aucun incubateur ne s’appelle « Fabrique ». Vouliez-vous dire : Fabrique numérique des ministères sociaux ?" \
        in refused.get_data(as_text=True)

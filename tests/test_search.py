"""The search from the header: startups, meetings and conventions matching a typed text (case and
accents ignored), grouped by kind, a few of each then all of one kind a page at a time, each kind
limited to what the person may read; an empty or over-long text answers a French message; a
constant number of SQL statements whatever the portfolio's size."""
import re
from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from conftest import count_statements
from portfolio.extensions import db
from portfolio.governance.models import Meeting, Review
from portfolio.startups import operations as startup_operations
from portfolio.startups.models import Incubator, Startup
from portfolio.timeutil import PARIS


@pytest.fixture
def app_overrides():
    return {"PAGE_SIZE": 3}


def results(response, kind: str) -> list[str]:
    """The names, titles or references listed under one kind of result."""
    html = response.get_data(as_text=True)
    if f'data-testid="results-{kind}"' not in html:
        return []
    section = html.split(f'data-testid="results-{kind}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a class="fr-link fr-text--lg" href="[^"]+">([^<]+)</a>', section)


def add_startups(*names: str) -> None:
    dinum = db.session.scalar(select(Incubator).where(Incubator.slug == "dinum"))
    for name in names:
        startup_operations.create_startup(name, dinum, pitch="Une startup de test")
    db.session.commit()


def add_meeting(title: str, slugs=(), day=date(2024, 1, 15)) -> Meeting:
    startups = [db.session.scalar(select(Startup).where(Startup.slug == slug)) for slug in slugs]
    meeting = Meeting(
        kind="investment_committee", title=title, starts_at=datetime.combine(day, time(14), tzinfo=PARIS),
        reviews=[Review(startup=startup, position=index) for index, startup in enumerate(startups)],
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


def test_a_coach_finds_startups_meetings_and_conventions_whatever_the_case_and_accents(demo, make_user, login, client):
    add_startups("Écoles numériques")
    login(make_user("coach", scope="dinum"))
    response = client.get("/search", query_string={"q": "SIGNAUX"})
    assert response.status_code == 200
    assert results(response, "startups") == ["Signaux Faibles"]
    # The demo committee reviews it; the seed convention funds it.
    assert results(response, "meetings") == ["Comité d’investissement — Signaux Faibles et Place des Entreprises"]
    assert results(response, "conventions") == ["SGMEF-DINUM-FTM-2020"]
    assert "3 résultats pour « SIGNAUX »." in response.get_data(as_text=True)
    # Accents and case ignored, both ways; the pitch is searched as the portfolio list searches it.
    assert results(client.get("/search?q=ecoles"), "startups") == ["Écoles numériques"]
    assert results(client.get("/search?q=%C3%A9COLES"), "startups") == ["Écoles numériques"]
    assert results(client.get("/search?q=remediation"), "startups") == ["Signaux Faibles"]
    # A convention by its reference, a meeting by its title.
    assert results(client.get("/search?q=sgmef-dinum"), "conventions") == ["SGMEF-DINUM-FTM-2020"]
    assert results(client.get("/search?q=comite d'investissement"), "meetings")
    # The startup links to its page, and to the portfolio filtered by the same text.
    html = response.get_data(as_text=True)
    assert 'href="/startups/signaux-faibles"' in html and 'href="/startups/?q=SIGNAUX"' in html


def test_each_person_finds_only_what_they_may_read(demo, make_user, login, client):
    add_meeting("Comité Signaux Faibles de janvier", slugs=("signaux-faibles",))
    login(make_user("intrapreneur", scope="conseillers-entreprises"))
    response = client.get("/search", query_string={"q": "signaux"})
    html = response.get_data(as_text=True)
    # Every startup is readable; the meeting of another startup is not, nor any convention.
    assert results(response, "startups") == ["Signaux Faibles"]
    assert results(response, "meetings") == ["Comité d’investissement — Signaux Faibles et Place des Entreprises"]
    assert 'data-testid="results-conventions"' not in html
    assert "Les conventions ne sont lisibles que par" in html
    refused = client.get("/search", query_string={"q": "signaux", "kind": "conventions"})
    assert refused.status_code == 403
    assert "Vous n’avez pas accès aux conventions" in refused.get_data(as_text=True)


def test_a_kind_shows_a_few_results_then_all_of_them_a_page_at_a_time(demo, make_user, login, client):
    add_startups(*(f"Trésor public {n}" for n in range(1, 9)))
    login(make_user("admin"))
    overview = client.get("/search?q=tresor")
    assert len(results(overview, "startups")) == 5  # PREVIEW
    html = overview.get_data(as_text=True)
    assert 'href="/search?q=tresor&amp;kind=startups">Voir les 8 startups</a>' in html
    assert "Aucune réunion ne correspond à « tresor »." in html
    first = client.get("/search?q=tresor&kind=startups")
    assert results(first, "startups") == ["Trésor public 1", "Trésor public 2", "Trésor public 3"]  # PAGE_SIZE
    assert 'data-testid="results-meetings"' not in first.get_data(as_text=True)
    pages = first.get_data(as_text=True)
    assert re.search(r'href="/search\?q=tresor&amp;kind=startups&amp;page=2"', pages)
    assert results(client.get("/search?q=tresor&kind=startups&page=3"), "startups") == ["Trésor public 7", "Trésor public 8"]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 200, "Saisissez le nom d’une startup, d’une réunion ou d’une convention à rechercher."),
        ("q=", 200, "Saisissez le nom d’une startup, d’une réunion ou d’une convention à rechercher."),
        ("q=%20%20", 200, "Saisissez le nom d’une startup, d’une réunion ou d’une convention à rechercher."),
        ("q=" + "a" * 201, 400, "Votre recherche est trop longue : 200 caractères au plus."),
        ("q=signaux&kind=startupz", 400, "Type de résultat inconnu : « startupz »."),
    ],
)
def test_an_empty_or_over_long_search_answers_a_french_message(demo, make_user, login, client, query, status, message):
    login(make_user("coach"))
    response = client.get(f"/search?{query}")
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_wildcards_are_searched_as_text(demo, make_user, login, client):
    add_startups("Cent pour_cent")
    login(make_user("coach"))
    assert results(client.get("/search?q=%25"), "startups") == []
    assert results(client.get("/search?q=r_c"), "startups") == ["Cent pour_cent"]
    assert results(client.get("/search?q=pour_"), "startups") == ["Cent pour_cent"]
    assert results(client.get("/search?q=_"), "startups") == ["Cent pour_cent"]


def test_the_header_has_a_search_form_for_signed_in_people_only(demo, make_user, login, client):
    assert 'id="header-search"' not in client.get("/login").get_data(as_text=True)
    login(make_user("finance"))
    html = client.get("/governance/meetings").get_data(as_text=True)
    header = html[: html.index("</header>")]
    assert '<form class="fr-search-bar" id="header-search" role="search"' in header
    assert 'action="/search"' in header and 'name="q"' in header
    # On the results page, the header keeps what was searched.
    searched = client.get("/search?q=Faibles").get_data(as_text=True)
    assert 'id="header-search-input" name="q" maxlength="200"\n                       value="Faibles"' in searched


def test_the_search_runs_as_many_statements_for_a_few_results_as_for_many(demo, make_user, login, client):
    login(make_user("admin"))
    client.get("/")
    add_startups("Synthèse 1")
    add_meeting("Comité synthèse 1", slugs=("signaux-faibles",))
    few = {kind: count_statements(client, "/search", q="synthese", kind=kind) for kind in ("", "meetings", "startups")}
    add_startups(*(f"Synthèse {n}" for n in range(2, 12)))
    for n in range(2, 12):
        add_meeting(f"Comité synthèse {n}", slugs=("signaux-faibles", "conseillers-entreprises"))
    many = {kind: count_statements(client, "/search", q="synthese", kind=kind) for kind in ("", "meetings", "startups")}
    assert many == few

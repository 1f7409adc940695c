"""The meetings list filtered by period, kind, status and reviewed startup: a GET form whose bad
values (a date that is none, a period that ends before it starts, an unknown kind, status or
startup) answer a French error, whose filters stay in the pagination's links, within what each
person may read, in a constant number of SQL statements."""
import re
from datetime import date, datetime, time

import pytest

from conftest import count_statements, post_form
from governance_helpers import chair, startup
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance.models import Meeting, Review
from portfolio.timeutil import PARIS


@pytest.fixture
def app_overrides():
    return {"PAGE_SIZE": 2}


def meeting(title: str, day: date, kind="investment_committee", status="scheduled", slugs=("signaux-faibles",), hour=14):
    item = Meeting(
        kind=kind, title=title, status=status, chair=chair(), location="DGE",
        starts_at=datetime.combine(day, time(hour, 0), tzinfo=PARIS),
        reviews=[Review(startup=startup(slug), position=position) for position, slug in enumerate(slugs)],
    )
    db.session.add(item)
    db.session.commit()
    return item


@pytest.fixture
def meetings(demo):
    """Five meetings besides the demo's (whose day depends on today: the filters below avoid it)."""
    meeting("Comité de janvier", date(2024, 1, 15), status="closed", slugs=("signaux-faibles", "conseillers-entreprises"))
    meeting("Instance Signaux Faibles", date(2024, 3, 1), kind="governance_instance", status="held")
    meeting("Instance Place des Entreprises", date(2024, 3, 31), kind="governance_instance",
            slugs=("conseillers-entreprises",), hour=23)
    meeting("Comité annulé", date(2024, 6, 10), status="cancelled", slugs=("conseillers-entreprises",))
    meeting("Comité de 2025", date(2025, 2, 3), slugs=())


@pytest.fixture
def as_persona(client):
    def log_in(email: str):
        response = post_form(client, "/login", {"email": email, "password": DEMO_PASSWORD}, token_from="/login")
        assert response.status_code == 302
        return client

    return log_in


def titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    table = html[html.index('data-testid="meeting-table"'):]
    return re.findall(r'<a class="fr-link" href="/governance/meetings/\d+">([^<]+)</a>', table)


def listed(client, **filters) -> set[str]:
    """Every title the filtered list shows, page after page."""
    shown, page = set(), 1
    while True:
        response = client.get("/governance/meetings", query_string={**filters, "page": page})
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        found = titles(response)
        if not found:
            return shown
        shown.update(found)
        page += 1


def test_the_filters_narrow_the_list_by_period_kind_status_and_startup(meetings, as_persona):
    client = as_persona("presidente@demo.beta.gouv.fr")
    in_2024 = {"since": "2024-01-01", "until": "2024-12-31"}
    assert listed(client, **in_2024) == {
        "Comité de janvier", "Instance Signaux Faibles", "Instance Place des Entreprises", "Comité annulé",
    }
    # The period's days are Paris days, both included: 31 March at 23:00 in Paris is 21:00 UTC.
    assert listed(client, since="2024-03-01", until="2024-03-31") == {
        "Instance Signaux Faibles", "Instance Place des Entreprises",
    }
    assert listed(client, **in_2024, kind="governance_instance") == {
        "Instance Signaux Faibles", "Instance Place des Entreprises",
    }
    assert listed(client, **in_2024, status="cancelled") == {"Comité annulé"}
    # A startup typed as people write it: any case, no accents needed, or its slug.
    assert listed(client, **in_2024, startup="place des entreprises") == {
        "Comité de janvier", "Instance Place des Entreprises", "Comité annulé",
    }
    assert listed(client, **in_2024, startup="signaux-faibles", kind="investment_committee") == {"Comité de janvier"}
    assert listed(client, since="2025-01-01", until="2025-12-31") == {"Comité de 2025"}


def test_the_count_says_how_many_meetings_match_and_the_pages_keep_the_filters(meetings, as_persona):
    client = as_persona("presidente@demo.beta.gouv.fr")
    response = client.get("/governance/meetings", query_string={"since": "2024-01-01", "until": "2024-12-31"})
    html = response.get_data(as_text=True)
    assert "4 réunions correspondent aux filtres" in html
    next_page = re.search(r'class="fr-pagination__link fr-pagination__link--next[^"]*" href="([^"]+)"', html).group(1)
    assert "since=2024-01-01" in next_page and "until=2024-12-31" in next_page and "page=2" in next_page
    # The form shows the filters in force.
    assert 'value="2024-01-01"' in html and 'value="2024-12-31"' in html
    empty = client.get("/governance/meetings", query_string={"since": "2030-01-01", "until": "2030-01-02"})
    assert "Aucune réunion ne correspond aux filtres." in empty.get_data(as_text=True)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"since": "2024-02-30"}, "Saisissez une date valide au format aaaa-mm-jj"),
        ({"until": "31/12/2024"}, "Saisissez une date valide au format aaaa-mm-jj"),
        ({"since": "1989-12-31"}, "Saisissez une date entre le 01/01/1990 et le 31/12/2100."),
        ({"since": "2024-06-01", "until": "2024-05-31"}, "La fin de la période (31/05/2024) précède son début (01/06/2024)."),
        ({"kind": "apero"}, "Type inconnu : « apero »."),
        ({"status": "perdue"}, "Statut inconnu : « perdue »."),
        ({"startup": "Signaux"}, "Aucune startup ne s’appelle « Signaux ». Vouliez-vous dire : Signaux Faibles ?"),
        ({"startup": "x" * 301}, "Ce texte est trop long"),
    ],
)
def test_a_bad_filter_answers_a_french_error_and_lists_nothing(meetings, as_persona, filters, message):
    client = as_persona("presidente@demo.beta.gouv.fr")
    response = client.get("/governance/meetings", query_string=filters)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Les filtres contiennent des erreurs" in html and message in html
    assert 'data-testid="meeting-table"' not in html


def test_filters_never_show_a_meeting_the_person_may_not_read(meetings, make_user, login, client):
    # The intrapreneur of Place des Entreprises reads the meetings reviewing it, not the others.
    login(make_user("intrapreneur", scope="conseillers-entreprises"))
    assert listed(client, since="2024-01-01", until="2024-12-31") == {
        "Comité de janvier", "Instance Place des Entreprises", "Comité annulé",
    }
    assert listed(client, since="2024-01-01", until="2024-12-31", startup="Signaux Faibles") == {"Comité de janvier"}


def test_the_filtered_list_runs_as_many_statements_for_two_meetings_as_for_twelve(demo, as_persona):
    for day in (1, 2):
        meeting(f"Comité {day}", date(2024, 1, day), slugs=("signaux-faibles", "conseillers-entreprises"))
    client = as_persona("presidente@demo.beta.gouv.fr")
    client.get("/")
    filters = {"since": "2024-01-01", "until": "2024-12-31", "kind": "investment_committee",
               "status": "scheduled", "startup": "Signaux Faibles"}
    few = count_statements(client, "/governance/meetings", **filters)
    for day in range(3, 13):
        meeting(f"Comité {day}", date(2024, 1, day), slugs=("signaux-faibles", "conseillers-entreprises"))
    assert count_statements(client, "/governance/meetings", **filters) == few

"""Finding things in Chromium, on the demo data: a coach finds a startup by the header's search (on
a desktop and on a phone); a chair adds startups to an agenda by typing three letters and picking
the suggestion, with the mouse then with the keyboard alone; the meetings filters narrow the list.
Every page runs under the application's CSP: a blocked script would fail the test (console)."""
import re
from datetime import date, datetime, time

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from governance_helpers import chair, next_weekday, startup
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance import operations
from portfolio.governance.models import Meeting, Review
from portfolio.timeutil import PARIS

pytestmark = pytest.mark.browser

COACH = "coach@demo.beta.gouv.fr"
CHAIR = "presidente@demo.beta.gouv.fr"


def test_a_coach_finds_a_startup_by_the_header_search(page, demo):
    browser_login(page, COACH, DEMO_PASSWORD)
    header_search = page.get_by_role("search", name="Rechercher dans Portfolio")
    header_search.get_by_label("Rechercher une startup, une réunion ou une convention").fill("FAIBLES")
    header_search.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"/search\?q=FAIBLES$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Recherche")
    startups = page.get_by_test_id("results-startups")
    expect(startups.get_by_role("heading", level=2)).to_have_text("Startups (1)")
    expect(page.get_by_test_id("results-meetings")).to_contain_text("Comité d’investissement — Signaux Faibles")
    startups.get_by_role("link", name="Signaux Faibles").click()
    expect(page).to_have_url(re.compile(r"/startups/signaux-faibles$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signaux Faibles")

    # On a phone, the header's search opens behind its button (the DSFR's modal).
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/")
    field = page.locator("#header-search-input")
    expect(field).to_be_hidden()
    page.locator("#button-search").click()
    expect(field).to_be_visible()
    field.fill("place")
    field.press("Enter")
    expect(page.get_by_test_id("results-startups").get_by_role("link", name="Place des Entreprises")).to_be_visible()


def test_a_chair_adds_startups_to_an_agenda_by_typing_three_letters(page, demo):
    meeting = operations.schedule_meeting(
        "investment_committee", next_weekday(40), time(10, 0), chair(), title="Comité de test", location="DGE"
    )
    db.session.commit()
    browser_login(page, CHAIR, DEMO_PASSWORD)
    page.goto(f"/governance/meetings/{meeting.id}")

    # With the mouse: three letters, the suggestion, the button.
    page.get_by_role("link", name="Ajouter une startup").click()
    field = page.get_by_role("combobox", name=re.compile("^Startup"))
    expect(field).to_have_attribute("aria-expanded", "false")
    field.press_sequentially("pla")
    suggestion = page.get_by_role("option", name=re.compile("^Place des Entreprises"))
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text("Transféré")  # its phase, beside the name
    expect(field).to_have_attribute("aria-expanded", "true")
    suggestion.click()
    expect(field).to_have_value("Place des Entreprises")
    expect(field).to_have_attribute("aria-expanded", "false")
    page.get_by_role("button", name="Ajouter à l’ordre du jour").click()
    agenda = page.get_by_test_id("agenda")
    expect(agenda.locator("tr[data-slug='conseillers-entreprises']")).to_contain_text("10:00–10:50")

    # With the keyboard alone: ↓ highlights the suggestion, Entrée chooses it, Entrée again submits.
    page.get_by_role("link", name="Ajouter une startup").click()
    field = page.get_by_role("combobox", name=re.compile("^Startup"))
    field.press_sequentially("sig")
    expect(page.get_by_role("option", name=re.compile("^Signaux Faibles"))).to_be_visible()
    field.press("ArrowDown")
    expect(page.get_by_role("option", name=re.compile("^Signaux Faibles"))).to_have_attribute("aria-selected", "true")
    expect(field).to_have_attribute("aria-activedescendant", "startup-suggestions-0")
    field.press("Enter")
    expect(field).to_have_value("Signaux Faibles")
    field.press("Enter")
    expect(agenda.locator("tr[data-slug='signaux-faibles']")).to_contain_text("10:50–11:40")

    # A name that is no startup's: the server says so in French and saves nothing.
    page.get_by_role("link", name="Ajouter une startup").click()
    page.get_by_role("combobox", name=re.compile("^Startup")).fill("Signaux Forts")
    page.get_by_role("button", name="Ajouter à l’ordre du jour").click()
    expect(page.locator("#startup-error")).to_contain_text("Aucune startup ne s’appelle « Signaux Forts »")


def _meeting(title: str, day: date, kind="investment_committee", status="scheduled", slugs=("signaux-faibles",)):
    db.session.add(Meeting(
        kind=kind, title=title, status=status, chair=chair(), location="DGE",
        starts_at=datetime.combine(day, time(14), tzinfo=PARIS),
        reviews=[Review(startup=startup(slug), position=position) for position, slug in enumerate(slugs)],
    ))
    db.session.commit()


def test_the_meetings_filters_narrow_the_list(page, demo):
    _meeting("Comité de janvier", date(2024, 1, 15), status="closed", slugs=("signaux-faibles", "conseillers-entreprises"))
    _meeting("Instance Signaux Faibles", date(2024, 3, 1), kind="governance_instance", status="held")
    _meeting("Comité annulé", date(2024, 6, 10), status="cancelled", slugs=("conseillers-entreprises",))
    browser_login(page, CHAIR, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Comités", exact=True).click()
    count = page.get_by_test_id("meeting-count")
    expect(count).to_contain_text("4 réunions")
    filters = page.get_by_role("search", name="Filtrer les réunions")
    rows = page.get_by_test_id("meeting-table").locator("tbody tr")

    filters.get_by_label("Du", exact=True).fill("2024-01-01")
    filters.get_by_label("Au", exact=True).fill("2024-12-31")
    filters.get_by_role("button", name="Filtrer").click()
    expect(count).to_contain_text("3 réunions correspondent aux filtres")

    filters.get_by_label("Type", exact=True).select_option(label="Instance de gouvernance")
    filters.get_by_role("button", name="Filtrer").click()
    expect(count).to_contain_text("1 réunion correspond aux filtres")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Instance Signaux Faibles")

    filters.get_by_label("Type", exact=True).select_option(label="Tous les types")
    startup_field = filters.get_by_role("combobox", name=re.compile("^Startup examinée"))
    startup_field.press_sequentially("pla")
    page.get_by_role("option", name=re.compile("^Place des Entreprises")).click()
    filters.get_by_role("button", name="Filtrer").click()
    expect(count).to_contain_text("2 réunions correspondent aux filtres")
    expect(rows).to_have_count(2)

    filters.get_by_label("Statut", exact=True).select_option(label="Annulée")
    filters.get_by_role("button", name="Filtrer").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Comité annulé")
    expect(page).to_have_url(re.compile(r"startup=Place\+des\+Entreprises"))

    # A period that ends before it starts: a French error, no list.
    filters.get_by_label("Du", exact=True).fill("2024-12-31")
    filters.get_by_label("Au", exact=True).fill("2024-01-01")
    filters.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#until-error")).to_have_text("La fin de la période (01/01/2024) précède son début (31/12/2024).")
    expect(page.get_by_test_id("meeting-table")).to_have_count(0)
    page.get_by_role("link", name="Réinitialiser les filtres").click()
    expect(count).to_contain_text("4 réunions")


def test_the_type_ahead_module_serves_any_field_marked_data_suggest(page, demo):
    """How another page reuses it (the portfolio's sponsor filter, say): a text input with the
    suggestions' address, its server-written <datalist> replaced, and the form submitted at once
    when the field asks for it."""
    browser_login(page, CHAIR, DEMO_PASSWORD)
    page.goto("/governance/meetings")
    page.evaluate("""async () => {
        const form = document.createElement("form");
        form.method = "get";
        form.action = "/search";
        form.innerHTML = `<div class="fr-input-group"><label class="fr-label" for="sponsor">Sponsor</label>
            <input class="fr-input" id="sponsor" name="q" list="sponsor-options"
                   data-suggest="/organisations/suggestions?sponsoring=1" data-suggest-submit>
            <datalist id="sponsor-options"><option value="DGE"></option></datalist></div>`;
        document.querySelector("main").prepend(form);
        const module = await import("/static/core/suggest.js");
        module.enhance(form.querySelector("input"));
    }""")
    field = page.get_by_role("combobox", name="Sponsor")
    expect(field).not_to_have_attribute("list", re.compile(".*"))
    field.press_sequentially("direction")
    page.get_by_role("option", name="DGE — Direction générale des entreprises").click()
    expect(page).to_have_url(re.compile(r"/search\?q=DGE\+%E2%80%94\+Direction"))

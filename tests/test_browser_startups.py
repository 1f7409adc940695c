"""Browser journeys on a startup's page (Debian's Chromium): a coach changes a phase and sees
it on the timeline and in the detailed history; an intrapreneur logs a milestone with a measurement and sees the chart."""
import re

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from portfolio.demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_a_coach_changes_a_phase_with_a_reason_and_sees_it_on_the_timeline(page, demo):
    browser_login(page, "coach@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.goto("/startups/signaux-faibles")
    expect(page.get_by_test_id("current-phase")).to_contain_text("Accélération")
    page.get_by_role("link", name="Changer de phase").click()

    page.get_by_label("Nouvelle phase").select_option("consolidation")
    page.get_by_label("Date du changement").fill("2021-01-04")
    page.get_by_label("Motif").fill("Comité d’investissement de décembre 2020")
    page.get_by_role("button", name="Changer de phase").click()

    page.wait_for_url(re.compile(r"/startups/signaux-faibles$"))
    expect(page.get_by_role("status").first).to_contain_text("Phase « En consolidation » à partir du 04/01/2021")
    expect(page.get_by_test_id("current-phase")).to_contain_text("En consolidation")
    change = page.get_by_test_id("timeline").locator("li", has_text="Accélération → En consolidation")
    expect(change).to_contain_text("04/01/2021")
    expect(change).to_contain_text("Enregistré par Camille Bernard")
    expect(change).to_contain_text("Motif : « Comité d’investissement de décembre 2020 »")

    # The detailed history, a link away, tells the same change: who, what, before and after, why.
    page.get_by_role("link", name="Voir l’historique détaillé").click()
    page.wait_for_url(re.compile(r"/startups/signaux-faibles/history$"))
    newest = page.get_by_test_id("history").locator("tbody tr").first
    expect(newest).to_contain_text("Camille Bernard")
    expect(newest).to_contain_text("Changement de phase")
    expect(newest).to_contain_text("Motif : Comité d’investissement de décembre 2020")


def test_going_back_asks_for_confirmation_in_the_browser(page, demo):
    browser_login(page, "coach@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.goto("/startups/signaux-faibles/phase")
    page.get_by_label("Nouvelle phase").select_option("construction")
    page.get_by_label("Date du changement").fill("2021-01-04")
    page.get_by_label("Motif").fill("Le produit repart en construction")
    page.get_by_role("button", name="Changer de phase").click()

    expect(page.get_by_test_id("confirmation")).to_contain_text("reviendrait de « Accélération » à « Construction »")
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url(re.compile(r"/startups/signaux-faibles$"))
    expect(page.get_by_test_id("current-phase")).to_contain_text("Construction")


def test_an_intrapreneur_logs_a_milestone_with_a_measurement_and_sees_the_chart(page, demo):
    browser_login(page, "intrapreneur@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.goto("/startups/signaux-faibles")
    chart = page.get_by_test_id("indicator-chart")
    expect(chart.locator("circle")).to_have_count(3)
    page.get_by_role("link", name="Ajouter un fait marquant").click()

    page.get_by_label("Date", exact=True).fill("2020-06-30")
    page.get_by_label("Type").select_option("national_impact")
    page.get_by_label("Titre").fill("Outil de suivi partagé par toutes les régions")
    page.get_by_label("établissements traités").fill("450 000")
    page.get_by_role("button", name="Enregistrer le fait marquant").click()

    page.wait_for_url(re.compile(r"/startups/signaux-faibles#chronologie$"))
    milestone = page.get_by_test_id("timeline").locator("li", has_text="Outil de suivi partagé par toutes les régions")
    expect(milestone).to_contain_text("Impact national")
    expect(milestone).to_contain_text("établissements traités : 450\u202f000")
    expect(chart.locator("circle")).to_have_count(4)
    expect(chart.locator("circle").last.locator("title")).to_have_text("30/06/2020 : 450\u202f000 établissements")
    assert chart.bounding_box()["height"] > 100, "the chart is drawn at a readable size"


def test_an_intrapreneur_sees_no_forms_on_another_startup(page, demo):
    browser_login(page, "intrapreneur@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.goto("/startups/conseillers-entreprises")
    expect(page.get_by_role("heading", level=1)).to_have_text("Place des Entreprises")
    expect(page.get_by_test_id("actions")).to_have_count(0)
    expect(page.locator("form[method=post]:not([action$='/logout'])")).to_have_count(0)
